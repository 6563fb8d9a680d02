import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { Identity } from "../../lib/platform/identity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { lockedEndpoint } from "./webhook-endpoint.read.js";
import { WebhookEndpointState } from "./webhook.enums.js";
import { requireVisibleEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

/**
 * Stops deliveries to an endpoint: its owner's, or any for an operator (webhooks.access:
 * requireVisibleEndpoint on the locked row). `reason` (already worded by disabledReasonOf) is
 * kept for the owner to read. Deliveries still owed are not sent: the deliverer finds the
 * endpoint disabled and marks them DEAD (redeliverWebhook sends one again once it is enabled).
 * Disabling a disabled endpoint is a CONFLICT.
 */
export async function disableWebhookEndpoint(
  context: WebhooksContext,
  caller: Identity,
  id: string,
  reason: string,
): Promise<WebhookEndpoint> {
  return inTransaction(context.dataSource, async (manager) => {
    const endpoint = requireVisibleEndpoint(caller, await lockedEndpoint(manager, id), "id", id);
    if (endpoint.state === WebhookEndpointState.DISABLED)
      throw new ConflictError("id", `webhook endpoint ${id} was already disabled at ${endpoint.disabledAt?.toISOString()}`);
    const now = new Date();
    const changes = { state: WebhookEndpointState.DISABLED, disabledReason: reason, disabledAt: now, updatedAt: now };
    await manager.update(WebhookEndpoint, { id }, changes);
    return Object.assign(endpoint, changes);
  });
}
