import type { DataSource } from "typeorm";
import { log } from "../../../lib/platform/logger.js";
import { JurySpend } from "./jury-spend.entity.js";

/** Why a case went to humans (or a slice waits) when the builder's budget is spent. Builders read it. */
export const SPEND_CAP_REACHED = "model spend cap reached for this builder this period";

/**
 * Reserves a model call's maximum cost before it is made and settles what it really cost after.
 * The jury calls `reserve` before every attempt (retries are paid calls too) and `settle` once that
 * attempt completes, whatever its outcome, so spend is counted as calls complete and not only
 * when a slice's verdicts are stored.
 */
export interface SpendGuard {
  /** True when `maxUsd` more fits under the cap and is now reserved; false when it does not. */
  reserve(maxUsd: number): Promise<boolean>;
  /** Turns a reservation into spend: `costUsd` as billed, or null when unknown (counted at `maxUsd`). */
  settle(maxUsd: number, costUsd: number | null): Promise<void>;
}

/** The budget period of a moment: its calendar month in UTC, e.g. `2026-11`. */
export function spendPeriod(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/** Whole micro-dollars, rounded up for reservations so that the sum of reservations never undershoots. */
const micros = (usd: number, round: (x: number) => number = Math.round): number => {
  const value = round(usd * 1_000_000);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a spend in dollars: ${usd}`);
  return value;
};

/**
 * The spend guard of one builder and period against `capUsd`. Each reservation is one conditional
 * UPDATE (`reserved + max <= cap`), atomic on both engines without a transaction or a lock held
 * across the call: of concurrent judges, only those whose maximum still fits are let through, so
 * the reserved total, and with it the spend, never passes the cap (as long as no call costs more
 * than its maximum; one that does is logged).
 */
export function builderSpend(dataSource: DataSource, builder: string, period: string, capUsd: number): SpendGuard {
  const cap = micros(capUsd, Math.floor);
  const key = { builder, period };
  const tryReserve = async (max: number): Promise<boolean> => {
    const { affected } = await dataSource
      .createQueryBuilder()
      .update(JurySpend)
      .set({ reservedMicros: () => `reserved_micros + ${max}` })
      .where("builder = :builder AND period = :period AND reserved_micros + :max <= :cap", { ...key, max, cap })
      .execute();
    return (affected ?? 0) > 0;
  };
  // The period's first call creates its row, before any UPDATE touches it: on MariaDB an UPDATE of a
  // missing key takes a gap lock, and concurrent first calls inserting into that gap deadlock. The
  // insert ignores a row a concurrent call created first; after that the row is known to exist.
  let created = false;
  const ensureRow = async () => {
    if (created) return;
    if (!(await dataSource.getRepository(JurySpend).existsBy(key)))
      await dataSource
        .createQueryBuilder()
        .insert()
        .into(JurySpend)
        .values({ ...key, reservedMicros: "0", spentMicros: "0", calls: 0, refused: 0 })
        .orIgnore()
        .execute();
    created = true;
  };
  return {
    async reserve(maxUsd) {
      const max = micros(maxUsd, Math.ceil);
      if (max === 0) return true;
      await ensureRow();
      if (await tryReserve(max)) return true;
      await dataSource
        .createQueryBuilder()
        .update(JurySpend)
        .set({ refused: () => "refused + 1" })
        .where("builder = :builder AND period = :period", key)
        .execute();
      return false;
    },
    async settle(maxUsd, costUsd) {
      const max = micros(maxUsd, Math.ceil);
      if (max === 0) return;
      const spent = costUsd === null ? max : micros(costUsd);
      if (spent > max) log.warn({ builder, period, maxUsd, costUsd }, "a model call cost more than its reserved maximum");
      // Best effort: a settlement that fails leaves the call counted at its maximum, which errs on the cap's side.
      await dataSource
        .createQueryBuilder()
        .update(JurySpend)
        .set({
          reservedMicros: () => `reserved_micros - ${max} + ${spent}`,
          spentMicros: () => `spent_micros + ${spent}`,
          calls: () => "calls + 1",
        })
        .where("builder = :builder AND period = :period", key)
        .execute()
        .catch((error: unknown) => log.error({ err: error, builder, period }, "could not settle a model call's spend"));
    },
  };
}

/** What a builder's jury spent in a period, in dollars, with its calls; zeros before its first call. */
export async function spendOf(
  dataSource: DataSource,
  builder: string,
  period: string,
): Promise<{ reservedUsd: number; spentUsd: number; calls: number; refused: number }> {
  const row = await dataSource.getRepository(JurySpend).findOneBy({ builder, period });
  return {
    reservedUsd: Number(row?.reservedMicros ?? 0) / 1_000_000,
    spentUsd: Number(row?.spentMicros ?? 0) / 1_000_000,
    calls: row?.calls ?? 0,
    refused: row?.refused ?? 0,
  };
}
