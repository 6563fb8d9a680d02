import { IsNull, LessThanOrEqual, type DataSource } from "typeorm";
import { inTransaction } from "../../lib/platform/database.js";
import { announceOverdue } from "./escalation.announce.js";
import { Escalation } from "./trust-history.entity.js";

/** Escalations marked overdue per sweep: the bound on one run's work; the next minute takes the rest. */
const SWEEP_BATCH = 200;

/**
 * Escalations whose acknowledgement deadline passed unanswered go on to the builder, once each:
 * each is marked `overdueAt` and announced (ESCALATION_OVERDUE) in one transaction, and the mark
 * is conditional, so two sweeps at once, or an acknowledgement racing the sweep, announce nothing
 * twice and nothing acknowledged. Returns how many went overdue.
 */
export async function sweepOverdueEscalations(dataSource: DataSource, now = new Date()): Promise<number> {
  const due = await dataSource.getRepository(Escalation).find({
    where: { overdueAt: IsNull(), acknowledgedAt: IsNull(), ackDueAt: LessThanOrEqual(now) },
    order: { ackDueAt: "ASC", id: "ASC" },
    take: SWEEP_BATCH,
  });
  let overdue = 0;
  for (const escalation of due) {
    await inTransaction(dataSource, async (manager) => {
      const marked = await manager
        .createQueryBuilder()
        .update(Escalation)
        .set({ overdueAt: now })
        .where("id = :id AND overdue_at IS NULL AND acknowledged_at IS NULL", { id: escalation.id })
        .execute();
      if (marked.affected === 0) return;
      await announceOverdue(manager, escalation, now);
      overdue += 1;
    });
  }
  return overdue;
}
