import { randomBytes } from "node:crypto";
import { API_KEY_PREFIX, API_KEY_PREFIX_LENGTH, apiKeyDigest } from "../../lib/contracts/api-key.js";

/** A new secret, and what is stored of it: the digest it is looked up by and the prefix it is listed by. */
export interface IssuedSecret {
  secret: string;
  digest: string;
  prefix: string;
}

/**
 * `atk_` and 32 random bytes in base64url (43 characters): 256 bits from the system's CSPRNG, so a
 * secret can neither be guessed nor recovered from its digest (lib/contracts/api-key.ts).
 */
export function issueSecret(): IssuedSecret {
  const secret = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { secret, digest: apiKeyDigest(secret), prefix: secret.slice(0, API_KEY_PREFIX_LENGTH) };
}
