import { createHash } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";

/*
 * A partner's API key as the partners context issues it and the gateway checks it: the secret's
 * format, its digest, and the one internal lookup the gateway makes of the partners subgraph
 * (`apiKeyCredential`, @inaccessible: absent from the public API) with the proof that it is the
 * gateway asking.
 */

/** Every secret starts with it, so that secret scanners (GitHub's among them) recognise a leaked key. */
export const API_KEY_PREFIX = "atk_";

/**
 * A secret: `atk_` and the base64url of 32 random bytes (43 characters, no padding). The pattern
 * to give a secret scanner is `atk_[A-Za-z0-9_-]{43}` with no further base64url character after
 * it (docs/partners.md).
 */
export const API_KEY_PATTERN = /^atk_[A-Za-z0-9_-]{43}$/;

/** How many leading characters of a secret are kept, and listed, to tell a partner's keys apart. */
export const API_KEY_PREFIX_LENGTH = 12;

/**
 * What is stored of a secret and looked up by: its SHA-256, hex. A fast hash is right here, unlike
 * for passwords: the secret holds 256 random bits, so guessing one from its digest is out of reach
 * however fast the hash, and a slow one (bcrypt, scrypt) would only slow every lookup. Being
 * deterministic and unsalted, the digest can be the unique index a key is found by.
 */
export function apiKeyDigest(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** A digest as `apiKeyDigest` writes it. */
export const API_KEY_DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** Why a known key is refused; `null` in a credential means it is accepted. */
export const API_KEY_REFUSALS = ["EXPIRED", "REVOKED", "REPLACED", "PARTNER_SUSPENDED"] as const;
export type ApiKeyRefusal = (typeof API_KEY_REFUSALS)[number];

/** The lookup's answer for a known key: whose it is, what it may do, and whether it is refused. */
export interface ApiKeyCredentialAnswer {
  keyId: string;
  partner: string;
  scopes: string[];
  refusal: ApiKeyRefusal | null;
  /** When an accepted key stops being accepted on its own (expiry, end of a rotation's grace); null for never. */
  usableUntil: string | null;
}

/** The gateway's lookup of a digest, as it sends it to the partners subgraph. */
export const API_KEY_CREDENTIAL_QUERY = `query ApiKeyCredential($digest: String!, $proof: String!) {
  apiKeyCredential(digest: $digest, proof: $proof) { keyId partner scopes refusal usableUntil }
}`;

/*
 * The proof that a lookup comes from the gateway. Every request to a subgraph already carries the
 * gateway's identity assertion, but an identity grants what its role grants everywhere; granting
 * the lookup to a role (an operator "gateway" subject) would grant that role's powers too. The
 * proof grants nothing else: signed with SUBGRAPH_SECRET for an audience no identity assertion
 * has (so neither passes for the other), it names the service and the one digest it may look up,
 * and lives a minute.
 */
const PROOF_ISSUER = "agent-trust-gateway";
const PROOF_AUDIENCE = "partners:api-key-lookup";
const PROOF_SERVICE = "api-key-lookup";
const PROOF_LIFETIME_SECONDS = 60;

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Signs the gateway's proof for looking up one digest. */
export function signApiKeyLookupProof(digest: string, secret: string): Promise<string> {
  return new SignJWT({ svc: PROOF_SERVICE, dig: digest })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(PROOF_ISSUER)
    .setAudience(PROOF_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${PROOF_LIFETIME_SECONDS}s`)
    .sign(keyOf(secret));
}

/** Whether `proof` is the gateway's, current, and for this very digest. */
export async function isApiKeyLookupProof(proof: string, digest: string, secret: string): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(proof, keyOf(secret), { issuer: PROOF_ISSUER, audience: PROOF_AUDIENCE, algorithms: ["HS256"] });
    return payload.svc === PROOF_SERVICE && payload.dig === digest;
  } catch {
    return false;
  }
}
