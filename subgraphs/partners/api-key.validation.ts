import { BadUserInputError } from "../../lib/platform/errors.js";
import { SCOPES, isScope, type Scope } from "../../lib/platform/identity.js";

/*
 * What a key's inputs may say beyond their class-validator rules (api-key.inputs.ts): each scope
 * known and named once, by its index; an expiry ahead and within a year; a rotation's grace.
 */

const DAY_MS = 24 * 3600 * 1000;
/** The furthest expiry a key may be given: a key that must be renewed yearly cannot be forgotten for ever. */
const MAX_KEY_LIFETIME_MS = 366 * DAY_MS;

/** How long a rotated key keeps working unless told otherwise: a day to redeploy the new one. */
const DEFAULT_GRACE_SECONDS = 24 * 3600;
/** The longest grace: a week; a key meant to outlive that should not have been rotated yet. */
const MAX_GRACE_SECONDS = 7 * 24 * 3600;

/** The scopes, each one of SCOPES and named once; refused by the index of the first that is not. */
export function checkedScopes(scopes: readonly string[], field: string): Scope[] {
  const checked: Scope[] = [];
  scopes.forEach((scope, index) => {
    if (!isScope(scope)) throw new BadUserInputError(`${field}[${index}]`, `is not a scope; the scopes are ${SCOPES.join(", ")}`);
    if (checked.includes(scope)) throw new BadUserInputError(`${field}[${index}]`, `names ${scope} a second time`);
    checked.push(scope);
  });
  return checked;
}

/** An expiry, if any: after `now` and at most MAX_KEY_LIFETIME_MS after it. */
export function checkedExpiry(expiresAt: Date | null | undefined, now: Date, field: string): Date | null {
  if (expiresAt === null || expiresAt === undefined) return null;
  if (expiresAt.getTime() <= now.getTime()) throw new BadUserInputError(field, "must be in the future");
  if (expiresAt.getTime() - now.getTime() > MAX_KEY_LIFETIME_MS) throw new BadUserInputError(field, "must be at most 366 days from now");
  return expiresAt;
}

/** A rotation's grace in seconds: 0 (the old key stops at once) to MAX_GRACE_SECONDS; DEFAULT_GRACE_SECONDS when absent. */
export function checkedGraceSeconds(graceSeconds: number | null | undefined, field: string): number {
  if (graceSeconds === null || graceSeconds === undefined) return DEFAULT_GRACE_SECONDS;
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS)
    throw new BadUserInputError(field, `must be between 0 and ${MAX_GRACE_SECONDS} seconds (7 days)`);
  return graceSeconds;
}
