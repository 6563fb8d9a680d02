import { Brackets, IsNull, type DataSource } from "typeorm";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { Dispute, DisputeStatus } from "./dispute.entity.js";
import type { DisputeStateListener } from "../../lib/contracts/dispute-state.js";
import { isActive, transition } from "./dispute.lifecycle.js";

/** Disputes escalated per sweep; the rest wait for the next. */
const BATCH = 100;

/** Which deadline a dispute has missed at `now`, in words, or null. */
export function missedDeadline(dispute: Pick<Dispute, "status" | "responseDueAt" | "resolutionDueAt">, now: Date): string | null {
  if (!isActive(dispute.status)) return null;
  if (dispute.resolutionDueAt.getTime() < now.getTime()) return `resolution deadline ${dispute.resolutionDueAt.toISOString()} missed`;
  if (dispute.status === DisputeStatus.OPEN && dispute.responseDueAt.getTime() < now.getTime())
    return `no arbiter took it up by ${dispute.responseDueAt.toISOString()}`;
  return null;
}

/**
 * Escalates every open dispute past a deadline, once: marks it (`escalatedAt`), and records the
 * step by the system with the deadline missed. Each in its own transaction, re-checked under its
 * lock.
 */
export async function escalateOverdueDisputes(dataSource: DataSource, listener: DisputeStateListener, now = new Date()): Promise<number> {
  const overdue = await dataSource
    .getRepository(Dispute)
    .createQueryBuilder("d")
    .select("d.id", "id")
    .where({ escalatedAt: IsNull() })
    .andWhere(
      new Brackets((due) => {
        due
          .where("d.status = :open AND d.response_due_at < :now", { open: DisputeStatus.OPEN, now })
          .orWhere("d.status IN (:...active) AND d.resolution_due_at < :now", {
            active: [DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW],
            now,
          });
      }),
    )
    .orderBy("d.resolution_due_at", "ASC")
    .limit(BATCH)
    .getRawMany<{ id: string }>();
  let escalated = 0;
  for (const { id } of overdue) {
    const done = await inTransaction(dataSource, async (manager) => {
      const dispute = await manager.findOne(Dispute, { where: { id }, lock: writeLock(manager) });
      const missed = dispute && dispute.escalatedAt === null ? missedDeadline(dispute, now) : null;
      if (!dispute || !missed) return false;
      // Stamped no earlier than the clock: a step taken since the sweep began stays before it.
      const at = new Date(Math.max(now.getTime(), Date.now()));
      await transition(
        manager,
        dispute,
        { to: dispute.status, actor: "system", note: `escalated to all arbiters: ${missed}`, at, changes: { escalatedAt: at } },
        listener,
      );
      return true;
    });
    if (done) escalated += 1;
  }
  return escalated;
}
