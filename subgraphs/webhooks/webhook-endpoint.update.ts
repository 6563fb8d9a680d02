import type { WebhookOwner } from "../../lib/contracts/webhook-event.js";
import { inTransaction } from "../../lib/platform/database.js";
import type { Identity } from "../../lib/platform/identity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import type { UpdateWebhookEndpointInput } from "./webhook-endpoint.inputs.js";
import { lockedEndpoint } from "./webhook-endpoint.read.js";
import { checkedAgentFilter, checkedDescription, checkedEventTypes, checkedUrl } from "./webhook-endpoint.validation.js";
import { requireOwnedEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

/**
 * The owner changes an endpoint's URL, description, events or agent filter; what is left out
 * stays. Each given field is checked as at registration, before the transaction; the row is then
 * locked and must be the caller's own (NOT_FOUND otherwise). Deliveries still pending go to the
 * new URL, signed with the same secret.
 */
export async function updateWebhookEndpoint(
  context: WebhooksContext,
  owner: WebhookOwner,
  caller: Identity,
  id: string,
  input: UpdateWebhookEndpointInput,
): Promise<WebhookEndpoint> {
  const changes: Partial<Pick<WebhookEndpoint, "url" | "description" | "eventTypes" | "agentIds">> = {};
  if (input.url !== null && input.url !== undefined) changes.url = await checkedUrl(input.url, context.options, "input.url");
  if (input.description !== null && input.description !== undefined) changes.description = checkedDescription(input.description);
  if (input.eventTypes !== null && input.eventTypes !== undefined)
    changes.eventTypes = checkedEventTypes(owner, input.eventTypes, "input.eventTypes");
  // Left out: unchanged; null: every agent.
  if (input.agentIds !== undefined)
    changes.agentIds = await checkedAgentFilter(context.dataSource, owner, input.agentIds, "input.agentIds");
  return inTransaction(context.dataSource, async (manager) => {
    const endpoint = requireOwnedEndpoint(caller, await lockedEndpoint(manager, id), "id", id);
    Object.assign(endpoint, changes, { updatedAt: new Date() });
    await manager.update(WebhookEndpoint, { id }, { ...changes, updatedAt: endpoint.updatedAt } as never);
    return endpoint;
  });
}
