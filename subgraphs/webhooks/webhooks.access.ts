import type { WebhookOwner } from "../../lib/contracts/webhook-event.js";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../../lib/platform/errors.js";
import { SUBJECT_PATTERN, requireRole, requireScope, type Identity } from "../../lib/platform/identity.js";
import type { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { WebhookEventType } from "./webhook.enums.js";

/*
 * Who may do what in the webhooks context, in one place:
 * - An endpoint belongs to the partner or builder who registered it: (role, subject). Its owner
 *   creates, changes, rotates, disables, enables, deletes and reads it. A partner acts with a
 *   token or with one of its API keys holding `webhooks:manage` (requireScope: FORBIDDEN naming
 *   the scope); a builder with a token. Another owner's endpoint is NOT_FOUND, as an unknown id
 *   is, so endpoint ids cannot be probed.
 * - Operators read any owner's endpoints (listing them names the owner) and disable any of them;
 *   they create, change, rotate, enable and delete none, so no operator ever holds an endpoint's
 *   secret or points someone's events elsewhere.
 * - A builder's endpoint hears only of the builder's own agents: its agent filter may name no
 *   other (FORBIDDEN), and the dispatcher sends it only its own agents' events. A partner's may
 *   name any agent, and hears of them only what is public.
 * - Escalations (`ESCALATION_RAISED`, `ESCALATION_OVERDUE`) name the owner team's contact and go
 *   to builders' endpoints only: a partner subscribing to one is BAD_USER_INPUT. Everyone may
 *   subscribe to `ENDPOINT_DISABLED`, which only ever tells an owner about its own endpoints.
 * - Every delivery and event read through an endpoint (the delivery log, redelivery) follows the
 *   endpoint's own rule: requireVisibleEndpoint, or requireOwnedEndpoint for what sends.
 */

/** Event types only builders' endpoints may receive. */
const BUILDER_ONLY_EVENTS: readonly WebhookEventType[] = [WebhookEventType.ESCALATION_RAISED, WebhookEventType.ESCALATION_OVERDUE];

/** The caller as an endpoint's owner: a partner (token, or key with `webhooks:manage`) or a builder. Operators are FORBIDDEN. */
export function requireEndpointOwner(identity: Identity): WebhookOwner {
  if (identity.role === "operator")
    throw new ForbiddenError("Operators read and disable endpoints; only their owners create, change, rotate, enable or delete them");
  const subject = requireRole(identity, "partner", "builder");
  requireScope(identity, "webhooks:manage");
  return { role: identity.role as WebhookOwner["role"], subject };
}

/**
 * Owners and operators read endpoints, and disable them (which one: requireVisibleEndpoint); a
 * partner's key needs `webhooks:manage`.
 */
export function requireEndpointReader(identity: Identity): void {
  requireRole(identity, "partner", "builder", "operator");
  requireScope(identity, "webhooks:manage");
}

/** `partner:<subject>` or `builder:<subject>`: how an owner is named in `webhookEndpoints(owner:)`. */
const OWNER_PATTERN = /^(partner|builder):(.+)$/;

export const ownerName = (owner: WebhookOwner) => `${owner.role}:${owner.subject}`;

/** Parses an owner named as `partner:<subject>` or `builder:<subject>`; `field` names the argument. */
export function parsedOwner(name: string, field: string): WebhookOwner {
  const match = OWNER_PATTERN.exec(name);
  if (!match || !SUBJECT_PATTERN.test(match[2] as string))
    throw new BadUserInputError(field, 'must name an owner as "partner:<subject>" or "builder:<subject>", e.g. "partner:acme"');
  return { role: match[1] as WebhookOwner["role"], subject: match[2] as string };
}

/**
 * Whose endpoints `webhookEndpoints` lists: the calling owner's own (naming another is
 * FORBIDDEN), or, for an operator, the owner it must name.
 */
export function ownerToList(identity: Identity, owner: string | null | undefined, field: string): WebhookOwner {
  requireEndpointReader(identity);
  const named = owner === null || owner === undefined ? null : parsedOwner(owner, field);
  if (identity.role === "operator") {
    if (!named)
      throw new BadUserInputError(
        field,
        'is required of an operator: name whose endpoints to list, as "partner:<subject>" or "builder:<subject>"',
      );
    return named;
  }
  const own: WebhookOwner = { role: identity.role as WebhookOwner["role"], subject: identity.subject as string };
  if (named && (named.role !== own.role || named.subject !== own.subject))
    throw new ForbiddenError("An owner lists only its own endpoints");
  return own;
}

const isOwner = (identity: Identity, endpoint: WebhookEndpoint) =>
  endpoint.ownerRole === identity.role && endpoint.ownerId === identity.subject;

/** The endpoint, if the caller may read it: any for an operator, its own for an owner; otherwise null, as for an unknown id. */
export function visibleEndpoint(identity: Identity, endpoint: WebhookEndpoint | null): WebhookEndpoint | null {
  if (!endpoint) return null;
  return identity.role === "operator" || isOwner(identity, endpoint) ? endpoint : null;
}

/** The endpoint is the caller's to read or disable (visibleEndpoint); anything else is NOT_FOUND, like an unknown id. */
export function requireVisibleEndpoint(identity: Identity, endpoint: WebhookEndpoint | null, field: string, id: string): WebhookEndpoint {
  const visible = visibleEndpoint(identity, endpoint);
  if (!visible) throw new NotFoundError(field, "webhook endpoint", id);
  return visible;
}

/**
 * The endpoint is the caller's own (to change, rotate, enable, delete, redeliver to); anything
 * else is NOT_FOUND, like an unknown id. The error names what the caller named: `field`, and
 * `named` by `id`, the endpoint itself unless told otherwise (a redelivery names its delivery;
 * operators read deliveries but send nothing).
 */
export function requireOwnedEndpoint(
  identity: Identity,
  endpoint: WebhookEndpoint | null,
  field: string,
  id: string,
  named = "webhook endpoint",
): WebhookEndpoint {
  if (!endpoint || !isOwner(identity, endpoint)) throw new NotFoundError(field, named, id);
  return endpoint;
}

/** Escalations go to builders' endpoints only (BUILDER_ONLY_EVENTS); `field` names the list. */
export function requireSubscribable(owner: WebhookOwner, eventTypes: readonly WebhookEventType[], field: string): void {
  if (owner.role === "builder") return;
  const index = eventTypes.findIndex((type) => BUILDER_ONLY_EVENTS.includes(type));
  if (index >= 0)
    throw new BadUserInputError(
      `${field}[${index}]`,
      `${eventTypes[index]} is for builders' endpoints only: an escalation names the owner team's contact`,
    );
}

/**
 * A builder's agent filter names only the builder's own agents; a partner's may name any.
 * `owners` holds each named agent's owner (all known), in the order of the filter.
 */
export function requireAgentsHeardOf(owner: WebhookOwner, agentIds: readonly string[], owners: readonly string[], field: string): void {
  if (owner.role !== "builder") return;
  const index = owners.findIndex((agentOwner) => agentOwner !== owner.subject);
  if (index >= 0)
    throw new ForbiddenError(
      `${field}[${index}]: agent ${agentIds[index]} is not yours; a builder's endpoint hears only of the builder's own agents (agentIds)`,
    );
}
