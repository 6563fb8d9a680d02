import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { WebhookOwner } from "../../lib/contracts/webhook-event.js";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import type { CreateWebhookEndpointInput } from "./webhook-endpoint.inputs.js";
import type { CreatedWebhookEndpoint } from "./webhook-endpoint.types.js";
import { checkedAgentFilter, checkedDescription, checkedEventTypes, checkedUrl } from "./webhook-endpoint.validation.js";
import { endpointSecret } from "./webhook-secret.js";
import { WebhookEndpointState } from "./webhook.enums.js";
import type { WebhooksContext } from "./webhooks.context.js";

/** Endpoints one owner may have: enough for every tool a security team wires in, few enough that a fan-out stays small. */
export const MAX_ENDPOINTS_PER_OWNER = 20;

/**
 * A partner or a builder registers an endpoint (webhooks.access: requireEndpointOwner). Every
 * input is checked before the transaction (the URL's host resolved, the agents looked up), the
 * owner's count inside it; the secret is derived from the new id and returned here, and nowhere
 * else.
 */
export async function createWebhookEndpoint(
  context: WebhooksContext,
  owner: WebhookOwner,
  input: CreateWebhookEndpointInput,
): Promise<CreatedWebhookEndpoint> {
  const url = await checkedUrl(input.url, context.options, "input.url");
  const eventTypes = checkedEventTypes(owner, input.eventTypes, "input.eventTypes");
  const agentIds = await checkedAgentFilter(context.dataSource, owner, input.agentIds, "input.agentIds");
  const description = checkedDescription(input.description);
  return inTransaction(context.dataSource, async (manager) => {
    await requireRoomFor(manager, owner);
    const endpoint = newEndpoint({ ownerRole: owner.role, ownerId: owner.subject, url, description, eventTypes, agentIds });
    await manager.insert(WebhookEndpoint, endpoint);
    return { endpoint, secret: endpointSecret(context.options.secretKey, endpoint.id, endpoint.secretGeneration) };
  });
}

/** What the owner chose for a new endpoint; everything else starts as newEndpoint says. */
type EndpointChoices = Pick<WebhookEndpoint, "ownerRole" | "ownerId" | "url" | "description" | "eventTypes" | "agentIds">;

/** A new endpoint as registration stores it: active, on its first secret, never failing. */
export function newEndpoint(choices: EndpointChoices, now = new Date()): WebhookEndpoint {
  return Object.assign(new WebhookEndpoint(), {
    id: randomUUID(),
    ...choices,
    state: WebhookEndpointState.ACTIVE,
    disabledReason: null,
    disabledAt: null,
    failingSince: null,
    secretGeneration: 1,
    previousSecretGeneration: null,
    previousSecretUntil: null,
    createdAt: now,
    updatedAt: now,
  });
}

/**
 * CONFLICT when the owner already has MAX_ENDPOINTS_PER_OWNER endpoints. The owner's rows are
 * read with a write lock: on InnoDB that locks their index range, gaps included, so two
 * concurrent registrations cannot both count 19 (the second waits, or deadlocks and is retried by
 * inTransaction, and then counts 20); SQLite runs one write transaction at a time anyway.
 */
async function requireRoomFor(manager: EntityManager, owner: WebhookOwner): Promise<void> {
  const existing = await manager.find(WebhookEndpoint, {
    select: { id: true },
    where: { ownerRole: owner.role, ownerId: owner.subject },
    lock: writeLock(manager),
  });
  if (existing.length >= MAX_ENDPOINTS_PER_OWNER)
    throw new ConflictError(
      "input",
      `you already have ${existing.length} webhook endpoints, the most one owner may have: delete one, or subscribe one to more events`,
    );
}
