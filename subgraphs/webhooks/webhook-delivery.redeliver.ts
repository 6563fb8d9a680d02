import type { Identity } from "../../lib/platform/identity.js";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { ConflictError, NotFoundError } from "../../lib/platform/errors.js";
import { enqueue } from "../../lib/platform/outbox.js";
import { WebhookDelivery } from "./webhook-delivery.entity.js";
import { eventDeliveryNode } from "./webhook-delivery.list.js";
import { deliveryMessage } from "./webhook-delivery.message.js";
import type { WebhookEventDelivery } from "./webhook-delivery.types.js";
import { WebhookEvent } from "./webhook-event.entity.js";
import { MAX_ID_LENGTH, lockedEndpoint } from "./webhook-endpoint.read.js";
import { attemptUnderWay } from "./webhook.deliver.js";
import { requireOwnedEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";
import { WebhookDeliveryState, WebhookEndpointState } from "./webhook.enums.js";

/**
 * Sends one event to one endpoint again, now, whatever its delivery's state: the delivery is
 * PENDING and due at once, leased for the configured queue's retry of a message (options.leaseMs,
 * as the dispatcher leases), with a message marked as a redelivery in the outbox, all in one
 * transaction under the delivery's lock and then the endpoint's (the deliverer's order). Its
 * attempt is logged as a redelivery and does not advance the retry schedule (webhook.deliver.ts).
 * Only to an ACTIVE endpoint: a disabled one would only kill it again.
 *
 * A delivery with an attempt under way is a CONFLICT: that attempt records its outcome after the
 * redelivery's message could be taken, and would leave it nothing to do (delivered) or not yet
 * due (a failure's retry), so the redelivery would be promised and silently not sent. Once the
 * attempt is recorded, or its claim lapses (a deliverer that died), it can be redelivered.
 */
export async function redeliverWebhook(
  context: Pick<WebhooksContext, "dataSource" | "options">,
  identity: Identity,
  deliveryId: string,
  now = new Date(),
): Promise<WebhookEventDelivery> {
  const node = await inTransaction(context.dataSource, async (manager) => {
    const delivery =
      deliveryId.length > MAX_ID_LENGTH
        ? null
        : await manager.findOne(WebhookDelivery, { where: { id: deliveryId }, lock: writeLock(manager) });
    if (!delivery) throw new NotFoundError("deliveryId", "webhook delivery", deliveryId);
    const endpoint = requireOwnedEndpoint(
      identity,
      await lockedEndpoint(manager, delivery.endpointId),
      "deliveryId",
      deliveryId,
      "webhook delivery",
    );
    if (endpoint.state !== WebhookEndpointState.ACTIVE)
      throw new ConflictError(
        "deliveryId",
        `delivery ${deliveryId} goes to endpoint ${endpoint.id}, which is disabled: enable it (enableWebhookEndpoint) before redelivering`,
      );
    if (attemptUnderWay(delivery, now))
      throw new ConflictError(
        "deliveryId",
        `delivery ${deliveryId} is being attempted now: its outcome is in webhookDeliveries once recorded; redeliver it then if need be`,
      );
    const changes = {
      state: WebhookDeliveryState.PENDING,
      nextAttemptAt: now,
      leaseUntil: new Date(now.getTime() + context.options.leaseMs),
    };
    await manager.update(WebhookDelivery, { id: deliveryId }, changes);
    await enqueue(manager, "webhook", deliveryMessage(deliveryId, true), now);
    const event = await manager.findOneByOrFail(WebhookEvent, { id: delivery.eventId });
    return eventDeliveryNode(Object.assign(delivery, changes), event);
  });
  await context.options.outboxWritten?.();
  return node;
}
