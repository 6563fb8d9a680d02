import type { EntityManager } from "typeorm";
import { WebhookEventType } from "../../lib/contracts/webhook-event.js";
import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { Identity } from "../../lib/platform/identity.js";
import type { Logger } from "../../lib/platform/logger.js";
import { WebhookDelivery } from "./webhook-delivery.entity.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { lockedEndpoint } from "./webhook-endpoint.read.js";
import { raiseWebhookEvent } from "./webhook-event.raise.js";
import { WebhookDeliveryState, WebhookEndpointState } from "./webhook.enums.js";
import { ownerName, requireVisibleEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

/** Who disabled an endpoint: the deliverer giving up on it (webhook.deliver.ts), an operator, or its owner. */
export type Disabler = "deliverer" | "operator" | "owner";

/** The longest `last_error` a delivery, and `error` an attempt, keeps (their columns). */
export const MAX_LAST_ERROR = 500;

/** What a delivery killed with its endpoint says it died of: the endpoint's reason. */
const killedWithEndpoint = (reason: string) => `endpoint disabled: ${reason}`.slice(0, MAX_LAST_ERROR);

/** What disabling sets on the endpoint's row. */
type Disabled = Pick<WebhookEndpoint, "state" | "disabledReason" | "disabledAt" | "updatedAt">;

/**
 * Disables an endpoint, in the caller's transaction, the endpoint's row locked by the caller;
 * the one way an endpoint is disabled, by whoever does it:
 * - Its pending deliveries die at once, due or not, DEAD with `last_error` saying why: what
 *   happens to them does not depend on when their next attempt falls, and enabling the endpoint
 *   sends none of them (a redelivery sends one). An attempt already under way is not stopped (its
 *   POST runs outside any transaction); what it records is kept, a success as DELIVERED.
 * - Its owner is told, by an ENDPOINT_DISABLED event to the owner's other endpoints, when someone
 *   else disabled it: the deliverer or an operator. An owner who disabled it themselves has the
 *   mutation's answer, and would only be told of their own act.
 * Locks: the endpoint, then its deliveries. The deliverer records an attempt the other way round
 * (its delivery, then the endpoint); should the two meet, InnoDB rolls one back and inTransaction
 * runs it again, and the later one finds what the earlier left: a dead delivery, whose attempt it
 * logs, or an endpoint already disabled.
 */
export async function disableEndpoint(
  manager: EntityManager,
  endpoint: WebhookEndpoint,
  change: { reason: string; by: Disabler; at: Date },
  log: Logger,
): Promise<Disabled> {
  const { reason, by, at } = change;
  const disabled: Disabled = { state: WebhookEndpointState.DISABLED, disabledReason: reason, disabledAt: at, updatedAt: at };
  await manager.update(WebhookEndpoint, { id: endpoint.id }, disabled);
  const { affected } = await manager.update(
    WebhookDelivery,
    { endpointId: endpoint.id, state: WebhookDeliveryState.PENDING },
    { state: WebhookDeliveryState.DEAD, nextAttemptAt: null, leaseUntil: null, lastError: killedWithEndpoint(reason) },
  );
  if (by !== "owner")
    await raiseWebhookEvent(manager, {
      type: WebhookEventType.ENDPOINT_DISABLED,
      agentId: null,
      audience: "OWNER",
      owner: { role: endpoint.ownerRole, subject: endpoint.ownerId },
      data: { endpointId: endpoint.id, url: endpoint.url, reason, disabledAt: at.toISOString() },
      at,
    });
  log.warn(
    {
      endpointId: endpoint.id,
      owner: ownerName({ role: endpoint.ownerRole, subject: endpoint.ownerId }),
      by,
      reason,
      killedDeliveries: affected ?? null,
    },
    "webhook endpoint disabled",
  );
  return disabled;
}

/**
 * Stops deliveries to an endpoint: its owner's, or any for an operator (webhooks.access:
 * requireVisibleEndpoint on the locked row), `by` its owner or an operator. `reason` (already
 * worded by disabledReasonOf) is kept for the owner to read; disableEndpoint says what else happens. Disabling a disabled
 * endpoint is a CONFLICT.
 */
export async function disableWebhookEndpoint(
  context: WebhooksContext,
  caller: Identity,
  id: string,
  { reason, by }: { reason: string; by: Extract<Disabler, "operator" | "owner"> },
): Promise<WebhookEndpoint> {
  return inTransaction(context.dataSource, async (manager) => {
    const endpoint = requireVisibleEndpoint(caller, await lockedEndpoint(manager, id), "id", id);
    if (endpoint.state === WebhookEndpointState.DISABLED)
      throw new ConflictError("id", `webhook endpoint ${id} was already disabled at ${endpoint.disabledAt?.toISOString()}`);
    const changes = await disableEndpoint(manager, endpoint, { reason, by, at: new Date() }, context.log);
    return Object.assign(endpoint, changes);
  });
}
