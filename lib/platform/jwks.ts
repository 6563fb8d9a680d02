import type { Signer } from "./signing-keys.js";

/** Where the gateway publishes the attestation keys, locally and on Lambda. */
export const JWKS_PATH = "/.well-known/jwks.json";
/** Where it publishes every key that ever signed the transparency log's tree heads. */
export const LOG_KEYS_PATH = "/.well-known/log-keys.json";

export interface KeyDocumentResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const answer = (document: unknown): KeyDocumentResponse => ({
  status: 200,
  headers: {
    "content-type": "application/jwk-set+json",
    "cache-control": "public, max-age=300",
    "x-content-type-options": "nosniff",
  },
  body: JSON.stringify(document),
});

/**
 * The gateway's public key documents, or null for any other path or method. Public halves only
 * (the signer never hands out a `d`), cached five minutes: a partner's verifier refetches on an
 * unknown `kid`, and a key is published the moment it is rotated in.
 * - the JWKS: the keys attestations verify under (the current one, and retired ones until every
 *   attestation they signed has expired; docs/attestations.md);
 * - the log keys: every key that ever signed, with `retiredAt`, since a tree head stays valid for
 *   good if it was signed before its key retired (docs/transparency.md). Not in the JWKS: there a
 *   long-retired key would make its attestations, or forgeries with it, verify again.
 * The signer is taken only for those paths: a gateway without a key set still answers GraphQL,
 * and only its key documents fail.
 */
export async function keyDocument(signer: () => Signer, pathname: string, method: string): Promise<KeyDocumentResponse | null> {
  if (method !== "GET" && method !== "HEAD") return null;
  if (pathname === JWKS_PATH) return answer(await signer().publicJwks());
  if (pathname === LOG_KEYS_PATH) return answer(await signer().treeHeadKeys());
  return null;
}
