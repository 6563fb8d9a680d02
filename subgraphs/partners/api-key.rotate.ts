import { randomUUID } from "node:crypto";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { Identity } from "../../lib/platform/identity.js";
import { ApiKeyState } from "./api-key.enums.js";
import { ApiKey } from "./api-key.entity.js";
import { logApiKeyIssued } from "./api-key.log.js";
import { issueSecret } from "./api-key.secret.js";
import { stateOf } from "./api-key.state.js";
import type { CreatedApiKey } from "./api-key.types.js";
import { requireGrantable, requireManagedKey, requireNotSuspended } from "./partners.access.js";
import type { PartnersContext } from "./partners.context.js";
import { isSuspended } from "./partner.standing.js";

/**
 * Replaces a partner's key with a new one of the same name, scopes and expiry; the old one keeps
 * working for `graceSeconds` (already checked), so the partner can redeploy without an outage.
 * The old row is locked first, so two rotations of one key cannot both succeed: the second finds
 * it replaced (CONFLICT). Only an ACTIVE key rotates: a revoked, expired or already rotated one is
 * a CONFLICT.
 */
export async function rotateApiKey(context: PartnersContext, caller: Identity, id: string, graceSeconds: number): Promise<CreatedApiKey> {
  return inTransaction(context.dataSource, async (manager) => {
    const found = id.length <= 36 ? await manager.findOne(ApiKey, { where: { id }, lock: writeLock(manager) }) : null;
    const old = requireManagedKey(caller, found, "id", id);
    requireGrantable(caller, old.scopes, "id");
    const now = new Date();
    switch (stateOf(old, now)) {
      case ApiKeyState.REVOKED:
        throw new ConflictError("id", `API key ${id} is revoked: create a new key instead`);
      case ApiKeyState.EXPIRED:
        throw new ConflictError("id", `API key ${id} has expired: create a new key instead`);
      case ApiKeyState.EXPIRING_AFTER_ROTATION:
      case ApiKeyState.REPLACED:
        throw new ConflictError("id", `API key ${id} was already rotated; rotate its replacement ${old.replacedBy} instead`);
      default:
        break;
    }
    requireNotSuspended(await isSuspended(manager, old.partner));
    const { secret, digest, prefix } = issueSecret();
    const key = manager.create(ApiKey, {
      id: randomUUID(),
      partner: old.partner,
      name: old.name,
      scopes: old.scopes,
      prefix,
      digest,
      createdAt: now,
      createdBy: caller.subject as string,
      lastUsedAt: null,
      expiresAt: old.expiresAt,
      revokedAt: null,
      revokedBy: null,
      replacedBy: null,
      graceUntil: null,
    });
    await manager.insert(ApiKey, key);
    await manager.update(ApiKey, { id }, { replacedBy: key.id, graceUntil: new Date(now.getTime() + graceSeconds * 1000) });
    await logApiKeyIssued(manager, key, old.id, now);
    return { key, secret };
  });
}
