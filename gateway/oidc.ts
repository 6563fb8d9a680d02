import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from "jose";
import type { OidcConfig } from "../lib/platform/config.js";
import { UnauthenticatedError } from "../lib/platform/errors.js";
import { ROLES, SUBJECT_PATTERN, cachedVerification, isRole, type Identity } from "../lib/platform/identity.js";
import { log } from "../lib/platform/logger.js";

/*
 * Caller tokens from an OpenID Connect provider (docs: "Tokens from your identity provider").
 * The gateway tells a provider's token from one of its own by the header's `alg` alone: HS256 is
 * the project's own (lib/platform/identity.ts), RS256 and ES256 the provider's. Each verifier then
 * accepts its algorithms only, so a token cannot pick the other's key: an HS256 token "signed" with
 * the provider's public key goes to the HS256 verifier, whose secret it does not know.
 */

export type TokenVerifier = (token: string) => Promise<Identity>;

/** Asymmetric only: the provider holds the private key, and the gateway nothing a caller could sign with. */
export const OIDC_ALGORITHMS = ["RS256", "ES256"] as const;
/** Clock skew forgiven between the provider and the gateway on `exp`, `nbf` and `iat`. */
export const OIDC_CLOCK_TOLERANCE_SECONDS = 30;
/**
 * The provider's key set is fetched again at most this long after the last fetch, so a key the
 * provider removed stops verifying within it. Set here rather than left to jose's default (the
 * same 10 minutes today) so that an upgrade cannot change what the docs promise.
 */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/**
 * A token with a `kid` the cached set lacks makes the set be fetched again (a rotated key), but
 * not within this long of the last fetch: a caller inventing `kid`s cannot make the gateway hammer
 * the provider. A failed discovery is retried after the same pause.
 */
export const JWKS_COOLDOWN_MS = 30_000;
/** A verified token is trusted again without verifying for this long (or until it expires, if sooner). */
export const VERIFIED_TOKEN_MAX_AGE_MS = 60_000;

const FETCH_TIMEOUT_MS = 5_000;

const refused = (message: string) => new UnauthenticatedError(message, 401);

/**
 * The gateway's verifier of bearer tokens: HS256 to the project's own verifier, RS256 and ES256 to
 * the identity provider's. Either may be absent (AUTH_DEV_TOKENS=false, no OIDC_ISSUER), and every
 * other algorithm (`none`, HS384, PS256, …) is refused before any key is looked at.
 */
export function verifierByAlgorithm(verifiers: { development?: TokenVerifier; oidc?: TokenVerifier }): TokenVerifier {
  return async (token) => {
    let algorithm: unknown;
    try {
      algorithm = decodeProtectedHeader(token).alg;
    } catch {
      throw refused("Token is invalid");
    }
    if (algorithm === "HS256") {
      if (!verifiers.development) throw refused("This gateway accepts no development (HS256) tokens: sign in with the identity provider");
      return verifiers.development(token);
    }
    if ((OIDC_ALGORITHMS as readonly unknown[]).includes(algorithm)) {
      if (!verifiers.oidc) throw refused("Token is signed for an identity provider, and this gateway has none configured");
      return verifiers.oidc(token);
    }
    throw refused("Token's signing algorithm is not accepted: HS256 for development tokens, RS256 or ES256 from the identity provider");
  };
}

/** Verifies the identity provider's tokens: signature by a published key, `iss`, `aud` and `exp`, then the claims we map. */
export function createOidcVerifier(settings: OidcConfig): TokenVerifier {
  const keys = providerKeys(settings);
  const options: JWTVerifyOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: [...OIDC_ALGORITHMS],
    // A token that never expires could never be taken back.
    requiredClaims: ["exp"],
    clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
  };
  // Verified once per token for VERIFIED_TOKEN_MAX_AGE_MS at most, short next to the key set's
  // cache: a removed key's tokens stop within JWKS_CACHE_MAX_AGE_MS + VERIFIED_TOKEN_MAX_AGE_MS.
  return cachedVerification(async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verifySignature(token, keys, options);
    } catch (error) {
      throw refusalOf(error);
    }
    return identityFromClaims(payload, settings);
  }, VERIFIED_TOKEN_MAX_AGE_MS);
}

/**
 * The caller a verified token names. The role claim may hold a string or a list of strings (a
 * provider's groups or roles, most of them not ours): exactly one value must be one of our roles.
 * Two would leave the role to the order the provider lists them in, so that is refused too.
 */
export function identityFromClaims(claims: JWTPayload, settings: Pick<OidcConfig, "roleClaim" | "subjectClaim">): Identity {
  const raw = claimAt(claims, settings.roleClaim);
  if (raw === undefined || raw === null) throw refused("Token carries no role claim");
  const values = Array.isArray(raw) ? raw : [raw];
  if (!values.every((value) => typeof value === "string")) throw refused("Token's role claim is neither a string nor a list of strings");
  const roles = [...new Set(values.filter(isRole))];
  if (roles.length === 0) throw refused(`Token's role claim names none of this API's roles (${ROLES.join(", ")})`);
  const [role] = roles;
  if (roles.length > 1 || !role) throw refused("Token's role claim names more than one of this API's roles: a caller acts in one role");
  const subject = claimAt(claims, settings.subjectClaim);
  if (typeof subject !== "string" || !SUBJECT_PATTERN.test(subject)) {
    throw refused("Token carries no valid subject (1–128 letters, digits and . _ @ : -)");
  }
  return { role, subject };
}

/**
 * A claim by name: the top-level claim of exactly that name when there is one (Auth0's namespaced
 * claims are URLs, dots included), else the dotted path into nested objects (`realm_access.roles`).
 * Own properties only, so a path cannot reach `__proto__` or `constructor`.
 */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const segment of name.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** The provider's keys went missing: its discovery document or key set could not be fetched or used. */
class KeysUnavailable extends Error {}

/**
 * The provider's published keys, cached and refreshed by jose's remote key set. Without
 * OIDC_JWKS_URL its address is the discovery document's `jwks_uri`, fetched on the first token and
 * then kept for the life of the process (the issuer's keys move within its key set, not elsewhere).
 */
function providerKeys(settings: OidcConfig): JWTVerifyGetKey {
  const remoteSet = (url: string) =>
    createRemoteJWKSet(new URL(url), {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: FETCH_TIMEOUT_MS,
    });
  type RemoteSet = ReturnType<typeof remoteSet>;
  const configured = settings.jwksUrl ? Promise.resolve(remoteSet(settings.jwksUrl)) : undefined;
  let discovered: { set: Promise<RemoteSet>; failedAt?: number } | undefined;
  const discover = (): Promise<RemoteSet> => {
    const retry = discovered?.failedAt !== undefined && Date.now() - discovered.failedAt >= JWKS_COOLDOWN_MS;
    if (!discovered || retry) {
      const attempt: { set: Promise<RemoteSet>; failedAt?: number } = { set: jwksUriOf(settings.issuer).then(remoteSet) };
      attempt.set.catch(() => {
        attempt.failedAt = Date.now();
      });
      discovered = attempt;
    }
    return discovered.set;
  };
  return async (header, token) => {
    const set = await (configured ?? discover());
    try {
      return await set(header, token);
    } catch (error) {
      // A key the token names and the set lacks is the token's problem; anything else, the provider's.
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) throw error;
      throw new KeysUnavailable("the key set could not be fetched or read", { cause: error });
    }
  };
}

/** OpenID Connect Discovery 1.0: the document must name the configured issuer, and its key set be as safe to fetch. */
async function jwksUriOf(issuer: string): Promise<string> {
  const address = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(address, {
      redirect: "error",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: "application/json" },
    });
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    document = (await response.json()) as typeof document;
  } catch (error) {
    throw new KeysUnavailable(`the discovery document ${address} could not be fetched`, { cause: error });
  }
  if (document.issuer !== issuer) throw new KeysUnavailable(`the discovery document at ${address} names another issuer`);
  // Keys over plain http only from an issuer that is itself on http, which config.ts allows outside production only.
  const allowed = new URL(issuer).protocol === "http:" ? ["http:", "https:"] : ["https:"];
  const jwksUri = typeof document.jwks_uri === "string" && URL.canParse(document.jwks_uri) ? new URL(document.jwks_uri) : undefined;
  if (!jwksUri || !allowed.includes(jwksUri.protocol))
    throw new KeysUnavailable(`the discovery document at ${address} has no usable jwks_uri`);
  return jwksUri.href;
}

/**
 * jose verifies a token without `kid` only when one published key fits; when several do (a
 * provider rotating keys that omits `kid`), each is tried, as jose's documentation shows.
 */
async function verifySignature(token: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, keys, options)).payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (inner) {
        if (!(inner instanceof joseErrors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
}

/** Which check failed, in words a caller can act on; nothing of the token is repeated. */
const MISSING_CLAIM_REFUSALS: Record<string, string> = {
  exp: "Token has no expiry (exp)",
  iss: "Token names no issuer (iss)",
  aud: "Token names no audience (aud)",
};
const FAILED_CLAIM_REFUSALS: Record<string, string> = {
  iss: "Token was issued by another issuer than this gateway's identity provider",
  aud: "Token is meant for another audience than this API",
  nbf: "Token is not valid yet",
  iat: "Token's issue time is in the future",
};

function refusalOf(error: unknown): UnauthenticatedError {
  if (error instanceof UnauthenticatedError) return error;
  if (error instanceof joseErrors.JWTExpired) return refused("Token has expired");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const refusals = error.reason === "missing" ? MISSING_CLAIM_REFUSALS : FAILED_CLAIM_REFUSALS;
    return refused(refusals[error.claim] ?? "Token's claims are invalid");
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) return refused("Token is signed with a key the identity provider does not publish");
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return refused("Token's signature is invalid");
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return refused("Token's signing algorithm is not accepted");
  if (error instanceof KeysUnavailable) {
    // The caller can only retry; the operator needs to know why, hence the log.
    log.warn({ err: error }, `OIDC: ${error.message}`);
    return refused("The identity provider's keys are unavailable: try again later");
  }
  if (error instanceof joseErrors.JOSEError) return refused("Token is invalid");
  // E.g. an RSA key under 2048 bits, which jose refuses with a TypeError.
  log.warn({ err: error }, "OIDC: a token could not be verified");
  return refused("Token could not be verified");
}
