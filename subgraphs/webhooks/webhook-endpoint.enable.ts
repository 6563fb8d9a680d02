import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { Identity } from "../../lib/platform/identity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { findEndpoint, lockedEndpoint } from "./webhook-endpoint.read.js";
import { checkedUrl } from "./webhook-endpoint.validation.js";
import { WebhookEndpointState } from "./webhook.enums.js";
import { requireOwnedEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

/**
 * The owner enables a disabled endpoint again. Its URL is checked again first, as at
 * registration (its host may resolve elsewhere by now; BAD_USER_INPUT on `id` saying why), and
 * its run of failures starts afresh. Events raised while it was disabled are not sent
 * (redeliverWebhook sends one). Enabling an active endpoint is a CONFLICT.
 */
export async function enableWebhookEndpoint(context: WebhooksContext, caller: Identity, id: string): Promise<WebhookEndpoint> {
  const found = requireOwnedEndpoint(caller, await findEndpoint(context.dataSource.manager, id), "id", id);
  await checkedUrl(found.url, context.options, "id");
  return inTransaction(context.dataSource, async (manager) => {
    const endpoint = requireOwnedEndpoint(caller, await lockedEndpoint(manager, id), "id", id);
    if (endpoint.state === WebhookEndpointState.ACTIVE) throw new ConflictError("id", `webhook endpoint ${id} is already active`);
    // A URL changed since the check above was checked by that change.
    const changes = {
      state: WebhookEndpointState.ACTIVE,
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
      updatedAt: new Date(),
    };
    await manager.update(WebhookEndpoint, { id }, changes);
    return Object.assign(endpoint, changes);
  });
}
