import type { DataSource } from "typeorm";
import { inTransaction } from "../../lib/platform/database.js";
import type { Logger } from "../../lib/platform/logger.js";
import { ApiKey } from "./api-key.entity.js";
import { refusalOf, usableUntil } from "./api-key.state.js";
import type { ApiKeyCredential } from "./api-key.types.js";
import { PartnerSuspension } from "./partner-suspension.entity.js";

/**
 * `lastUsedAt` is kept to the minute: writing it on every request would turn each authenticated
 * call into a write, and a row every gateway instance updates at once into a hot spot.
 */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The gateway's lookup of a presented key by its digest (already checked to be the gateway's:
 * partners.access: requireGatewayLookup): null for an unknown digest, else whose key it is, its
 * scopes and why it is refused, if it is. One statement reads the key with its partner's
 * standing; an accepted key whose `lastUsedAt` is a minute old is then touched by an UPDATE whose
 * condition repeats that test, so gateway instances racing on one key write it once.
 */
export async function lookUpCredential(dataSource: DataSource, digest: string, log: Logger): Promise<ApiKeyCredential | null> {
  const now = new Date();
  const { entities, raw } = await dataSource
    .getRepository(ApiKey)
    .createQueryBuilder("k")
    .addSelect((sub) => sub.select("COUNT(*)").from(PartnerSuspension, "s").where("s.active_partner = k.partner"), "suspensions")
    .where("k.digest = :digest", { digest })
    .getRawAndEntities<{ suspensions: number | string }>();
  const key = entities[0];
  if (!key) return null;
  const refusal = refusalOf(key, Number(raw[0]?.suspensions ?? 0) > 0, now);
  if (refusal === null && (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS)) {
    const cutoff = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    // A failed touch must not refuse a good key: the lookup's answer stands, the next one retries.
    await inTransaction(dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .update(ApiKey)
        .set({ lastUsedAt: now })
        .where("id = :id AND (last_used_at IS NULL OR last_used_at < :cutoff)", { id: key.id, cutoff })
        .execute(),
    ).catch((error: unknown) => log.warn({ err: error, keyId: key.id }, "could not record an API key's last use"));
  }
  return { keyId: key.id, partner: key.partner, scopes: key.scopes, refusal, usableUntil: refusal === null ? usableUntil(key) : null };
}
