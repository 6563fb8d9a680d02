import { inTransaction } from "../../lib/platform/database.js";
import type { Identity } from "../../lib/platform/identity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { lockedEndpoint } from "./webhook-endpoint.read.js";
import { requireOwnedEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

/**
 * The owner deletes an endpoint; its secret can never be derived for it again (a new endpoint
 * has a new id). Its deliveries and their log stay as records: deliveries still owed are marked
 * DEAD by the deliverer, which finds the endpoint gone. Returns the id.
 */
export async function deleteWebhookEndpoint(context: WebhooksContext, caller: Identity, id: string): Promise<string> {
  return inTransaction(context.dataSource, async (manager) => {
    requireOwnedEndpoint(caller, await lockedEndpoint(manager, id), "id", id);
    await manager.delete(WebhookEndpoint, { id });
    return id;
  });
}
