import type { Signer } from "./signing-keys.js";

/** Where the gateway publishes the attestation keys, locally and on Lambda. */
export const JWKS_PATH = "/.well-known/jwks.json";

export interface JwksResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The JWKS answer: public keys only (Signer.publicJwks never carries `d`). Cached five minutes:
 * a partner's verifier refetches on an unknown `kid`, and a new key is published the moment it is
 * rotated in, before anything is signed with it elsewhere only within that bound (docs/attestations.md).
 */
export async function jwksResponse(signer: Signer): Promise<JwksResponse> {
  return {
    status: 200,
    headers: {
      "content-type": "application/jwk-set+json",
      "cache-control": "public, max-age=300",
      "x-content-type-options": "nosniff",
    },
    body: JSON.stringify(await signer.publicJwks()),
  };
}
