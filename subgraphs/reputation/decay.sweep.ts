import { LessThan, type DataSource } from "typeorm";
import { inTransaction } from "../../lib/platform/database.js";
import { decayTo } from "./score.math.js";
import { TrustCause } from "./trust-history.entity.js";
import { lockProfile, settleTrust } from "./trust.settle.js";
import { TrustProfile } from "./trust.entity.js";

const DAY_MS = 24 * 3600 * 1000;

export interface DecaySweep {
  /** A profile unchanged for this long is brought up to date. */
  staleAfterMs: number;
  /** Profiles per sweep; the rest wait for the next. */
  limit: number;
}

export const DAILY_DECAY: DecaySweep = { staleAfterMs: DAY_MS, limit: 200 };

/**
 * Scores are stored as of an agent's newest evidence; without new evidence they would never age.
 * The sweep decays the profiles longest unchanged to `now` and settles them again, so old evidence
 * fades, a tier needing confidence can be lost, and a way back that needs quiet days can open.
 * Each agent in its own short transaction, found along the `updated_at` index.
 */
export async function sweepDecay(dataSource: DataSource, sweep: DecaySweep = DAILY_DECAY, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - sweep.staleAfterMs);
  const stale = await dataSource.getRepository(TrustProfile).find({
    select: { agentId: true },
    where: { updatedAt: LessThan(cutoff) },
    order: { updatedAt: "ASC" },
    take: sweep.limit,
  });
  let refreshed = 0;
  for (const { agentId } of stale) {
    const done = await inTransaction(dataSource, async (manager) => {
      const current = await lockProfile(manager, agentId);
      if (!current.updatedAt || current.updatedAt >= cutoff) return false;
      const next = Object.assign(new TrustProfile(), current, { scoringState: decayTo(current.scoringState, now.getTime()) });
      await settleTrust(manager, current, next, { cause: TrustCause.TIME, causeId: now.toISOString().slice(0, 10), at: now });
      return true;
    });
    if (done) refreshed += 1;
  }
  return refreshed;
}
