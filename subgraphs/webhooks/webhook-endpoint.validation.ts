import type { DataSource } from "typeorm";
import { findAgentOwners, firstMalformedAgentId } from "../../lib/contracts/agent-directory.js";
import type { WebhookOwner } from "../../lib/contracts/webhook-event.js";
import { BadUserInputError, NotFoundError } from "../../lib/platform/errors.js";
import { RefusedUrlError, checkEndpointUrl } from "../../lib/platform/outbound-address.js";
import type { WebhookEventType } from "./webhook.enums.js";
import type { WebhookSettings } from "./webhook.settings.js";
import { requireAgentsHeardOf, requireSubscribable } from "./webhooks.access.js";

/*
 * What an endpoint's inputs may say beyond their class-validator rules (webhook-endpoint.inputs.ts).
 * All of it is checked before the act's transaction opens: the URL's host is resolved (which
 * may take a while, and must not hold locks), and a transaction retried after a deadlock does not
 * resolve it again.
 */

/**
 * The URL, as the address policy allows it (lib/platform/outbound-address.ts): BAD_USER_INPUT on
 * `field` saying why not. Returns it as WHATWG URL serialises it, which is what is stored and
 * checked again before each delivery.
 */
export async function checkedUrl(raw: string, settings: WebhookSettings, field: string): Promise<string> {
  try {
    return (await checkEndpointUrl(raw.trim(), { allowLoopback: settings.allowLoopback }, settings.resolveHost)).url.href;
  } catch (error) {
    if (error instanceof RefusedUrlError) throw new BadUserInputError(field, error.reason);
    throw error;
  }
}

/** The event types, each named once, and each one the owner may receive (requireSubscribable). */
export function checkedEventTypes(owner: WebhookOwner, eventTypes: readonly WebhookEventType[], field: string): WebhookEventType[] {
  const index = eventTypes.findIndex((type, i) => eventTypes.indexOf(type) !== i);
  if (index >= 0) throw new BadUserInputError(`${field}[${index}]`, `names ${eventTypes[index]} a second time`);
  requireSubscribable(owner, eventTypes, field);
  return [...eventTypes];
}

/**
 * An agent filter: null (every agent), or agents that exist, each named once, which the owner
 * may hear of (a builder: only their own, requireAgentsHeardOf). One query for all of them,
 * through the agents context's directory.
 */
export async function checkedAgentFilter(
  dataSource: DataSource,
  owner: WebhookOwner,
  agentIds: readonly string[] | null | undefined,
  field: string,
): Promise<string[] | null> {
  if (agentIds === null || agentIds === undefined) return null;
  const malformed = firstMalformedAgentId(agentIds);
  if (malformed >= 0) throw new BadUserInputError(`${field}[${malformed}]`, "is not an agent id");
  const repeated = agentIds.findIndex((id, i) => agentIds.indexOf(id) !== i);
  if (repeated >= 0) throw new BadUserInputError(`${field}[${repeated}]`, `names agent ${agentIds[repeated]} a second time`);
  const owners = await findAgentOwners(dataSource.manager, agentIds);
  const unknown = agentIds.findIndex((id) => !owners.has(id));
  if (unknown >= 0) throw new NotFoundError(`${field}[${unknown}]`, "agent", agentIds[unknown] as string);
  requireAgentsHeardOf(
    owner,
    agentIds,
    agentIds.map((id) => owners.get(id) as string),
    field,
  );
  return [...agentIds];
}

/** A description as stored: trimmed, empty when absent (its length is the input's rule). */
export const checkedDescription = (description: string | null | undefined): string => (description ?? "").trim();

/** Why an endpoint is disabled, as stored: who disabled it, and their reason if they gave one (1–400 characters). */
export function disabledReasonOf(by: "owner" | "operator", reason: string | null | undefined, field: string): string {
  const who = by === "owner" ? "its owner" : "an operator";
  if (reason === null || reason === undefined) return `Disabled by ${who}`;
  const note = reason.trim();
  if (note.length === 0 || note.length > 400)
    throw new BadUserInputError(field, "must be 1–400 characters, not counting surrounding spaces");
  return `Disabled by ${who}: ${note}`;
}
