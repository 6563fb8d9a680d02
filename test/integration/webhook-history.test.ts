import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { inTransaction } from "../../lib/platform/database.js";
import { WebhookAttempt, WebhookDelivery } from "../../subgraphs/webhooks/webhook-delivery.entity.js";
import { WebhookEvent } from "../../subgraphs/webhooks/webhook-event.entity.js";
import { pruneWebhookHistory, WEBHOOK_RETENTION_DAYS } from "../../subgraphs/webhooks/webhook-history.sweep.js";
import { WebhookAttemptOutcome, WebhookDeliveryState } from "../../subgraphs/webhooks/webhook.enums.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { raiseEvent, seedDelivery, seedEndpoint } from "../support/webhooks.js";

const DAY_MS = 24 * 3600 * 1000;

describe.each(DATABASE_KINDS)("webhook history past its retention period (%s)", (kind) => {
  const db = useMigratedDatabase(kind);

  it("deletes old attempts, finished deliveries and the events nothing waits on; keeps the recent, the pending and the undispatched", async () => {
    const { dataSource } = db;
    const now = new Date();
    const old = new Date(now.getTime() - (WEBHOOK_RETENTION_DAYS + 10) * DAY_MS);
    const endpoint = await seedEndpoint(dataSource, { url: "http://127.0.0.1:9/hooks" });
    const eventOf = async (deliveryId: string) => (await dataSource.manager.findOneByOrFail(WebhookDelivery, { id: deliveryId })).eventId;
    /** A delivery of an event, aged to `at`, with one attempt then (and one at `againAt`), left in `state`. */
    const delivery = async (at: Date, state: WebhookDeliveryState, againAt?: Date) => {
      const id = await seedDelivery(dataSource, endpoint.id);
      const eventId = await eventOf(id);
      await inTransaction(dataSource, async (manager) => {
        await manager.update(WebhookEvent, { id: eventId }, { occurredAt: at });
        await manager.update(WebhookDelivery, { id }, { createdAt: at, state });
        const attempt = (attemptedAt: Date, redelivery: boolean) =>
          manager.insert(WebhookAttempt, {
            deliveryId: id,
            endpointId: endpoint.id,
            eventId,
            outcome: WebhookAttemptOutcome.SUCCEEDED,
            statusCode: 204,
            latencyMs: 3,
            error: null,
            redelivery,
            attemptedAt,
          });
        await attempt(at, false);
        if (againAt) await attempt(againAt, true);
      });
      return { id, eventId: Number(eventId) };
    };
    const delivered = await delivery(old, WebhookDeliveryState.DELIVERED);
    const dead = await delivery(old, WebhookDeliveryState.DEAD);
    // An old event sent again by a redelivery still under way.
    const redelivering = await delivery(old, WebhookDeliveryState.PENDING);
    const recent = await delivery(now, WebhookDeliveryState.DELIVERED);
    // An old delivery redelivered yesterday: it goes whole, its recent attempt with it.
    const redelivered = await delivery(old, WebhookDeliveryState.DELIVERED, new Date(now.getTime() - DAY_MS));
    // Old events no endpoint heard of: one dispatched (positioned), one not yet.
    const agentId = randomUUID();
    await raiseEvent(dataSource, { agentId, at: old });
    await raiseEvent(dataSource, { agentId, at: old });
    const [unheard, undispatched] = await dataSource.manager.find(WebhookEvent, { where: { agentId }, order: { id: "ASC" } });
    await dataSource.manager.update(WebhookEvent, { id: unheard!.id }, { position: 2_000_000_000 });

    const pruned = await pruneWebhookHistory(dataSource, now);
    // 4 old attempts; 3 finished deliveries and the redelivered one's recent attempt; their 3
    // events and the unheard one.
    expect(pruned).toBe(4 + 4 + 4);
    // A second sweep finds nothing more.
    expect(await pruneWebhookHistory(dataSource, now)).toBe(0);

    const deliveries = (await dataSource.manager.find(WebhookDelivery)).map((row) => row.id).sort();
    expect(deliveries).toEqual([redelivering.id, recent.id].sort());
    const events = (await dataSource.manager.find(WebhookEvent)).map((row) => Number(row.id)).sort((a, b) => a - b);
    expect(events).toEqual([redelivering.eventId, recent.eventId, Number(undispatched!.id)].sort((a, b) => a - b));
    expect(events).not.toContain(delivered.eventId);
    expect(events).not.toContain(dead.eventId);
    expect(events).not.toContain(redelivered.eventId);
    const attempts = await dataSource.manager.find(WebhookAttempt);
    expect(attempts.map((row) => row.deliveryId)).toEqual([recent.id]);
  });
});
