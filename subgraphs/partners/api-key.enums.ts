import { registerEnumType } from "type-graphql";

/** Where a key stands, computed from its dates at read time (api-key.state.ts). */
export enum ApiKeyState {
  ACTIVE = "ACTIVE",
  EXPIRING_AFTER_ROTATION = "EXPIRING_AFTER_ROTATION",
  EXPIRED = "EXPIRED",
  REPLACED = "REPLACED",
  REVOKED = "REVOKED",
}

registerEnumType(ApiKeyState, {
  name: "ApiKeyState",
  description: "Whether an API key is accepted, and if not, why.",
  valuesConfig: {
    ACTIVE: { description: "Accepted (unless its partner is suspended)." },
    EXPIRING_AFTER_ROTATION: { description: "Rotated: still accepted until `graceUntil`, then REPLACED. Move to the new key." },
    EXPIRED: { description: "Past its `expiresAt`: refused." },
    REPLACED: { description: "Rotated, and its grace period is over: refused." },
    REVOKED: { description: "Revoked by its partner or an operator: refused." },
  },
});
