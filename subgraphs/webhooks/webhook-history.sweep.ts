import { In, LessThan, type DataSource, type FindOptionsWhere } from "typeorm";
import { inTransaction } from "../../lib/platform/database.js";
import { WebhookAttempt, WebhookDelivery } from "./webhook-delivery.entity.js";
import { WebhookEvent } from "./webhook-event.entity.js";
import { WebhookDeliveryState } from "./webhook.enums.js";

/*
 * Webhook history is kept for a while, not for ever: every announced act writes an event whether
 * or not an endpoint hears of it, and every attempt is logged. What is older than the retention
 * period goes: attempts, finished deliveries (DELIVERED or DEAD, reckoned from their creation)
 * with all their attempts, and events no delivery still waits on. A receiver re-reads (`webhookEvents`) and an owner reads the delivery log
 * (`webhookDeliveries`) within that period; the transparency log keeps the public acts for ever.
 */

/** How long webhook history is kept. */
export const WEBHOOK_RETENTION_DAYS = 30;
/** Rows deleted per statement, so no sweep holds locks long; the next minute's run takes the rest. */
const PRUNE_BATCH = 1000;
const DAY_MS = 24 * 3600 * 1000;

/** Deletes history older than `days` before `now`, a batch of each kind per call; returns the rows deleted. */
export async function pruneWebhookHistory(dataSource: DataSource, now = new Date(), days = WEBHOOK_RETENTION_DAYS): Promise<number> {
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  let pruned = 0;

  const attempts = await dataSource.getRepository(WebhookAttempt).find({
    select: { id: true },
    where: { attemptedAt: LessThan(cutoff) },
    order: { id: "ASC" },
    take: PRUNE_BATCH,
  });
  if (attempts.length) pruned += await deleted(dataSource, WebhookAttempt, { id: In(attempts.map((row) => row.id)) });

  const deliveries = await dataSource.getRepository(WebhookDelivery).find({
    select: { id: true },
    where: { state: In([WebhookDeliveryState.DELIVERED, WebhookDeliveryState.DEAD]), createdAt: LessThan(cutoff) },
    take: PRUNE_BATCH,
  });
  // With their attempts, however recent (a redelivery's): an attempt never outlives its delivery,
  // nor so its event, which the delivery log shows it with.
  if (deliveries.length) {
    const ids = deliveries.map((row) => row.id);
    pruned += await inTransaction(
      dataSource,
      async (manager) =>
        ((await manager.delete(WebhookAttempt, { deliveryId: In(ids) })).affected ?? 0) +
        ((await manager.delete(WebhookDelivery, { id: In(ids) })).affected ?? 0),
    );
  }

  // Positioned events past the period whose deliveries are all gone: a pending one (a redelivery
  // of an old event) keeps its event until it is done and old enough itself.
  const events: { id: number | string }[] = await dataSource
    .getRepository(WebhookEvent)
    .createQueryBuilder("e")
    .select("e.id", "id")
    .where("e.occurred_at < :cutoff", { cutoff })
    .andWhere("e.position IS NOT NULL")
    .andWhere("NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)")
    .orderBy("e.occurred_at", "ASC")
    .limit(PRUNE_BATCH)
    .getRawMany();
  if (events.length) pruned += await deleted(dataSource, WebhookEvent, { id: In(events.map((row) => Number(row.id))) });
  return pruned;
}

/** Deletes what `where` names, in a transaction of its own; returns how many rows went. */
async function deleted<T extends WebhookAttempt | WebhookEvent>(
  dataSource: DataSource,
  entity: new () => T,
  where: FindOptionsWhere<T>,
): Promise<number> {
  return inTransaction(dataSource, async (manager) => (await manager.delete(entity, where)).affected ?? 0);
}
