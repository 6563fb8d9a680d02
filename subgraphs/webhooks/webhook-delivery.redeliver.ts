import type { Identity } from "../../lib/platform/identity.js";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { ConflictError, NotFoundError } from "../../lib/platform/errors.js";
import { enqueue } from "../../lib/platform/outbox.js";
import { WebhookDelivery } from "./webhook-delivery.entity.js";
import { eventDeliveryNode } from "./webhook-delivery.list.js";
import { deliveryMessage } from "./webhook-delivery.message.js";
import type { WebhookEventDelivery } from "./webhook-delivery.types.js";
import { WebhookEvent } from "./webhook-event.entity.js";
import { DEFAULT_LEASE_MS } from "./webhook-event.dispatch.js";
import { findEndpoint } from "./webhook-endpoint.read.js";
import { requireOwnDelivery } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";
import { WebhookDeliveryState, WebhookEndpointState } from "./webhook.enums.js";

/** Every id this context issues is a UUID; a longer one names nothing. */
const MAX_ID_LENGTH = 36;

/**
 * Sends one event to one endpoint again, now, whatever its delivery's state: the delivery is
 * PENDING and due at once, leased, with a message marked as a redelivery in the outbox, all in one
 * transaction under the delivery's lock (the deliverer's order: delivery, then endpoint). Its
 * attempt is logged as a redelivery and does not advance the retry schedule (webhook.deliver.ts).
 * Only to an ACTIVE endpoint: a disabled one would only kill it again.
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
    const endpoint = requireOwnDelivery(identity, await findEndpoint(manager, delivery.endpointId), "deliveryId", deliveryId);
    if (endpoint.state !== WebhookEndpointState.ACTIVE)
      throw new ConflictError(
        "deliveryId",
        `delivery ${deliveryId} goes to endpoint ${endpoint.id}, which is disabled: enable it (enableWebhookEndpoint) before redelivering`,
      );
    const changes = { state: WebhookDeliveryState.PENDING, nextAttemptAt: now, leaseUntil: new Date(now.getTime() + DEFAULT_LEASE_MS) };
    await manager.update(WebhookDelivery, { id: deliveryId }, changes);
    await enqueue(manager, "webhook", deliveryMessage(deliveryId, true), now);
    const event = await manager.findOneByOrFail(WebhookEvent, { id: delivery.eventId });
    return eventDeliveryNode(Object.assign(delivery, changes), event);
  });
  await context.options.outboxWritten?.();
  return node;
}
