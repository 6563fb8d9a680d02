import type { ApiKeyRefusal } from "../../lib/contracts/api-key.js";
import { ApiKeyState } from "./api-key.enums.js";

/*
 * Where a key stands at a moment, from its dates alone: the one rule behind the state listed to
 * partners and the refusal the gateway is given. Pure, no I/O.
 */

/** What a key's standing is computed from. */
export type KeyDates = {
  revokedAt: Date | null;
  expiresAt: Date | null;
  replacedBy: string | null;
  graceUntil: Date | null;
};

/**
 * The key's state at `now`. A revocation outranks everything; a rotated key past its grace is
 * REPLACED even when it has expired since, since rotation is what the partner did about it.
 */
export function stateOf(key: KeyDates, now: Date): ApiKeyState {
  if (key.revokedAt) return ApiKeyState.REVOKED;
  const inGrace = key.replacedBy !== null && key.graceUntil !== null && key.graceUntil.getTime() > now.getTime();
  if (key.replacedBy !== null && !inGrace) return ApiKeyState.REPLACED;
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return ApiKeyState.EXPIRED;
  return inGrace ? ApiKeyState.EXPIRING_AFTER_ROTATION : ApiKeyState.ACTIVE;
}

/** Why the gateway must refuse the key at `now`, or null to accept it. The key's own state comes before its partner's. */
export function refusalOf(key: KeyDates, partnerSuspended: boolean, now: Date): ApiKeyRefusal | null {
  switch (stateOf(key, now)) {
    case ApiKeyState.REVOKED:
      return "REVOKED";
    case ApiKeyState.REPLACED:
      return "REPLACED";
    case ApiKeyState.EXPIRED:
      return "EXPIRED";
    default:
      return partnerSuspended ? "PARTNER_SUSPENDED" : null;
  }
}

/** When an accepted key stops being accepted with nothing done to it: its expiry or the end of its grace; null for never. */
export function usableUntil(key: KeyDates): Date | null {
  const ends = [key.expiresAt, key.replacedBy !== null ? key.graceUntil : null].filter((end): end is Date => end !== null);
  return ends.length ? new Date(Math.min(...ends.map((end) => end.getTime()))) : null;
}
