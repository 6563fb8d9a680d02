import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { Identity } from "../../lib/platform/identity.js";
import { ApiKey } from "./api-key.entity.js";
import { logApiKeyRevoked } from "./api-key.log.js";
import { requireManagedKey } from "./partners.access.js";
import type { PartnersContext } from "./partners.context.js";

/**
 * Revokes a key at once: its partner or an operator (partners.access: requireKeyManager, then
 * requireManagedKey on the locked row). The gateways stop accepting it within their cache's
 * bound (API_KEY_CACHE_SECONDS). A rotated key in its grace may be revoked too, ending the grace.
 */
export async function revokeApiKey(context: PartnersContext, caller: Identity, id: string): Promise<ApiKey> {
  return inTransaction(context.dataSource, async (manager) => {
    const found = id.length <= 36 ? await manager.findOne(ApiKey, { where: { id }, lock: writeLock(manager) }) : null;
    const key = requireManagedKey(caller, found, "id", id);
    if (key.revokedAt) throw new ConflictError("id", `API key ${id} was already revoked at ${key.revokedAt.toISOString()}`);
    key.revokedAt = new Date();
    key.revokedBy = caller.subject as string;
    await manager.update(ApiKey, { id }, { revokedAt: key.revokedAt, revokedBy: key.revokedBy });
    await logApiKeyRevoked(manager, key, caller.role, key.revokedAt);
    return key;
  });
}
