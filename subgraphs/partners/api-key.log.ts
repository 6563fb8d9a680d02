import type { EntityManager } from "typeorm";
import { type AppendLogEntry, LogEntryKind } from "../../lib/contracts/transparency-log.js";
import type { ApiKey } from "./api-key.entity.js";

/*
 * The partners context's port to the transparency log: each API key issued (created, or rotated
 * in) and revoked, in the transaction that issues or revokes it. The runtime installs the log
 * (runtime/contexts.ts); with none installed (the context's own tests) nothing is logged.
 * Never the secret nor its digest (which looks the key up), nor the key's name, which is the
 * partner's own label (often a server's); the prefix tells keys apart and cannot be used.
 */

let append: AppendLogEntry | null = null;

/** Where API keys' issuing and revoking are logged from now on; null stops logging. */
export function logApiKeyActsTo(appendEntry: AppendLogEntry | null): void {
  append = appendEntry;
}

type Logged = Pick<ApiKey, "id" | "partner" | "prefix" | "scopes" | "expiresAt">;

const keyFacts = (key: Logged) => ({
  keyId: key.id,
  partner: key.partner,
  prefix: key.prefix,
  scopes: [...key.scopes],
  expiresAt: key.expiresAt?.toISOString() ?? null,
});

/** API_KEY_ISSUED: `key` was created, or issued to replace `replaces` on a rotation (null for a creation). */
export async function logApiKeyIssued(manager: EntityManager, key: Logged, replaces: string | null, at: Date): Promise<void> {
  if (!append) return;
  await append(manager, { kind: LogEntryKind.API_KEY_ISSUED, subject: key.partner, payload: { ...keyFacts(key), replaces }, at });
}

/** API_KEY_REVOKED: `key` was revoked, by its partner or an operator (`by`: the role, not who). */
export async function logApiKeyRevoked(manager: EntityManager, key: Logged, by: string, at: Date): Promise<void> {
  if (!append) return;
  await append(manager, { kind: LogEntryKind.API_KEY_REVOKED, subject: key.partner, payload: { ...keyFacts(key), revokedBy: by }, at });
}
