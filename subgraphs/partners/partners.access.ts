import { isApiKeyLookupProof } from "../../lib/contracts/api-key.js";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../../lib/platform/errors.js";
import { SUBJECT_PATTERN, requireRole, requireScope, type Identity } from "../../lib/platform/identity.js";
import type { ApiKey } from "./api-key.entity.js";

/*
 * Who may do what in the partners context, in one place:
 * - A partner (role `partner`; its subject is the organisation) creates, rotates, lists and
 *   revokes its own keys, signed in with a token or with one of its keys that holds `keys:manage`
 *   (requireScope: FORBIDDEN naming the scope). A key of another partner is NOT_FOUND to it, as an
 *   unknown id is, so key ids cannot be probed.
 * - Operators (the marketplace's staff) list any partner's keys, naming the partner, and revoke any
 *   key; they never create or rotate one, so no operator ever holds a partner's secret. They alone
 *   suspend and reinstate partners.
 * - A suspended partner's keys are all refused at the gateway; the partner may still list and
 *   revoke keys with a token, but creates and rotates none (requireNotSuspended). Its tokens are
 *   not refused: a token is the identity provider's to stop issuing (docs/partners.md).
 * - `apiKeyCredential`, the gateway's lookup, answers only a request carrying the gateway's proof
 *   for that digest (requireGatewayLookup), whatever identity the request carries.
 */

/**
 * Partners, with a token or a `keys:manage` key, rotate keys (their own); creating one takes a
 * token (requireKeyCreator). Returns the partner's subject.
 */
export function requireKeyHolder(identity: Identity): string {
  if (identity.role === "operator")
    throw new ForbiddenError("Only partners create and rotate API keys: operators never hold a partner's secret");
  const partner = requireRole(identity, "partner");
  requireScope(identity, "keys:manage");
  return partner;
}

/**
 * New keys are created by the partner signed in, never by a key: a key could otherwise mint one
 * that outlives it (a leaked key revoked would leave its offspring working). A key may still
 * rotate a key, whose replacement keeps the old one's expiry. Returns the partner's subject.
 */
export function requireKeyCreator(identity: Identity): string {
  const partner = requireKeyHolder(identity);
  if (identity.scopes) throw new ForbiddenError("API keys are created by the partner signed in with a token, not by another key");
  return partner;
}

/** Partners (with a token or a `keys:manage` key) and operators list and revoke keys. */
export function requireKeyManager(identity: Identity): void {
  requireRole(identity, "partner", "operator");
  requireScope(identity, "keys:manage");
}

/**
 * Whose keys `apiKeys` lists: the calling partner's own (naming another is FORBIDDEN), or, for an
 * operator, the partner it must name.
 */
export function partnerToList(identity: Identity, partner: string | null | undefined): string {
  requireKeyManager(identity);
  if (partner !== null && partner !== undefined && !SUBJECT_PATTERN.test(partner))
    throw new BadUserInputError("partner", "must be a partner's subject: 1–128 letters, digits and . _ @ : -");
  if (identity.role === "operator") {
    if (!partner) throw new BadUserInputError("partner", "is required of an operator: name the partner whose keys to list");
    return partner;
  }
  const own = identity.subject as string;
  if (partner && partner !== own) throw new ForbiddenError("A partner lists only its own API keys");
  return own;
}

/** The key is the caller's to manage: any key for an operator, its own for a partner; anything else is NOT_FOUND, like an unknown id. */
export function requireManagedKey(identity: Identity, key: ApiKey | null, field: string, id: string): ApiKey {
  if (!key || (identity.role !== "operator" && key.partner !== identity.subject)) throw new NotFoundError(field, "API key", id);
  return key;
}

/**
 * A caller with an API key hands out no more than its key holds: the scopes of a key it rotates
 * (the new secret carries the old key's scopes) must all be its own. Otherwise a `keys:manage`
 * key would be every scope at one remove. Token callers are limited by their role alone. `field`
 * names the key rotated.
 */
export function requireGrantable(identity: Identity, scopes: readonly string[], field: string): void {
  const held = identity.scopes;
  if (!held) return;
  const beyond = scopes.filter((scope) => !(held as readonly string[]).includes(scope));
  if (beyond.length > 0)
    throw new ForbiddenError(`${field}: an API key grants only scopes it holds itself; this one lacks ${beyond.join(", ")}`, beyond[0]);
}

/** A suspended partner creates and rotates no keys: they would be refused anyway, and would outlive the suspension. */
export function requireNotSuspended(suspended: boolean): void {
  if (suspended) throw new ForbiddenError("The partner is suspended: it creates and rotates no API keys until an operator reinstates it");
}

/** Operators suspend and reinstate partners. Returns the operator's subject. */
export function requireOperator(identity: Identity): string {
  return requireRole(identity, "operator");
}

/**
 * Only the gateway looks a digest up, with its proof for that digest (lib/contracts/api-key.ts).
 * An identity assertion, an operator's included, is not enough: the lookup is no role's power.
 */
export async function requireGatewayLookup(proof: string, digest: string, subgraphSecret: string): Promise<void> {
  if (!(await isApiKeyLookupProof(proof, digest, subgraphSecret))) {
    throw new ForbiddenError("apiKeyCredential answers only the gateway's own lookup of an API key");
  }
}
