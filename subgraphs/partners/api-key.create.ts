import { randomUUID } from "node:crypto";
import { inTransaction } from "../../lib/platform/database.js";
import { ApiKey } from "./api-key.entity.js";
import type { CreateApiKeyInput } from "./api-key.inputs.js";
import { logApiKeyIssued } from "./api-key.log.js";
import { issueSecret } from "./api-key.secret.js";
import type { CreatedApiKey } from "./api-key.types.js";
import { checkedExpiry, checkedScopes } from "./api-key.validation.js";
import { requireNotSuspended } from "./partners.access.js";
import type { PartnersContext } from "./partners.context.js";
import { isSuspended } from "./partner.standing.js";

/**
 * A partner creates a key for itself (partners.access: requireKeyCreator). Its inputs are checked
 * before the transaction, the partner's standing inside it; the secret is returned here and
 * nowhere else.
 */
export async function createApiKey(context: PartnersContext, partner: string, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const now = new Date();
  const scopes = checkedScopes(input.scopes, "input.scopes");
  const expiresAt = checkedExpiry(input.expiresAt, now, "input.expiresAt");
  return inTransaction(context.dataSource, async (manager) => {
    requireNotSuspended(await isSuspended(manager, partner));
    const { secret, digest, prefix } = issueSecret();
    const key = manager.create(ApiKey, {
      id: randomUUID(),
      partner,
      name: input.name.trim(),
      scopes,
      prefix,
      digest,
      createdAt: now,
      createdBy: partner,
      lastUsedAt: null,
      expiresAt,
      revokedAt: null,
      revokedBy: null,
      replacedBy: null,
      graceUntil: null,
    });
    await manager.insert(ApiKey, key);
    await logApiKeyIssued(manager, key, null, now);
    return { key, secret };
  });
}
