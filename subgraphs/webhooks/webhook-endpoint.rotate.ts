import { inTransaction } from "../../lib/platform/database.js";
import type { Identity } from "../../lib/platform/identity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { lockedEndpoint } from "./webhook-endpoint.read.js";
import type { RotatedWebhookSecret } from "./webhook-endpoint.types.js";
import { endpointSecret } from "./webhook-secret.js";
import { requireOwnedEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

const HOUR_MS = 3600 * 1000;

/**
 * The owner rotates an endpoint's secret: the generation moves on, and the one it replaces keeps
 * signing beside it for WEBHOOK_SECRET_GRACE_HOURS, so a receiver can switch without refusing a
 * delivery. A generation older than that is dropped at once: rotating twice within a grace
 * leaves only the last two. The row is locked, so two rotations run one after the other.
 */
export async function rotateWebhookSecret(context: WebhooksContext, caller: Identity, id: string): Promise<RotatedWebhookSecret> {
  return inTransaction(context.dataSource, async (manager) => {
    const endpoint = requireOwnedEndpoint(caller, await lockedEndpoint(manager, id), "id", id);
    const now = new Date();
    const graceMs = context.options.secretGraceHours * HOUR_MS;
    const changes = {
      previousSecretGeneration: endpoint.secretGeneration,
      secretGeneration: endpoint.secretGeneration + 1,
      // A grace of 0 ends now: the previous secret signs nothing more.
      previousSecretUntil: new Date(now.getTime() + graceMs),
      updatedAt: now,
    };
    await manager.update(WebhookEndpoint, { id }, changes);
    Object.assign(endpoint, changes);
    return {
      endpoint,
      secret: endpointSecret(context.options.secretKey, endpoint.id, endpoint.secretGeneration),
      previousSecretValidUntil: endpoint.previousSecretValidUntil,
    };
  });
}
