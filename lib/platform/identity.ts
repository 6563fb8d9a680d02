import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { ForbiddenError, UnauthenticatedError } from "./errors.js";

export const ROLES = ["builder", "buyer", "partner", "arbiter", "operator"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a partner's API key may do (docs/partners.md). A caller authenticated by a token holds
 * no scopes list and is limited by its role alone; a caller authenticated by an API key holds
 * exactly its key's scopes, and every field outside them is FORBIDDEN naming the scope it needs.
 */
export const SCOPES = ["reputation:read", "disputes:read", "feed:read", "keys:manage", "webhooks:manage"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === "string" && (SCOPES as readonly string[]).includes(value);
}

/** Who is calling, as the gateway established it; `scopes` only when an API key authenticated the call. */
export type Identity =
  | { role: Role; subject: string; scopes?: readonly Scope[] }
  | { role: "anonymous"; subject: null; scopes?: undefined };

export const ANONYMOUS: Identity = { role: "anonymous", subject: null };

/** Header carrying the gateway's signed statement of the caller's identity to a subgraph. */
export const IDENTITY_HEADER = "x-agent-trust-identity";

const key = (secret: string) => new TextEncoder().encode(secret);
/** What a caller's subject may be; a subject named in input must match it too, or no caller could be it. */
export const SUBJECT_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export interface TokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds?: number;
}

/** Mints a caller token (HS256 JWT): `role` claim and `sub`. */
export async function signAccessToken(identity: { role: Role; subject: string }, options: TokenOptions): Promise<string> {
  if (!SUBJECT_PATTERN.test(identity.subject)) throw new Error(`subject must match ${SUBJECT_PATTERN}`);
  return new SignJWT({ role: identity.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(identity.subject)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 12 * 3600}s`)
    .sign(key(options.secret));
}

/** Verification failures reject the whole HTTP request, hence 401. */
/**
 * Scopes are an API key's, which only the gateway turns into an identity: it may state them in its
 * assertion to a subgraph (`scopesFrom: "assertion"`), and a caller's token may not claim any.
 * Every token must expire: one without `exp` could never be taken back.
 */
async function verify(
  token: string,
  secret: string,
  issuer: string,
  audience: string,
  scopesFrom: "assertion" | "none",
): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer, audience, algorithms: ["HS256"], requiredClaims: ["exp"] });
    if (payload.role === "anonymous" && payload.sub === undefined) return ANONYMOUS;
    if (!isRole(payload.role) || typeof payload.sub !== "string" || !SUBJECT_PATTERN.test(payload.sub)) {
      throw new UnauthenticatedError("Token carries no valid role and subject", 401);
    }
    if (payload.scp === undefined) return { role: payload.role, subject: payload.sub };
    if (scopesFrom === "none") throw new UnauthenticatedError("Token carries scopes: only API keys have scopes", 401);
    if (!Array.isArray(payload.scp) || !payload.scp.every(isScope)) throw new UnauthenticatedError("Token carries invalid scopes", 401);
    return { role: payload.role, subject: payload.sub, scopes: payload.scp };
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError("Token has expired", 401);
    if (error instanceof joseErrors.JOSEError) throw new UnauthenticatedError("Token is invalid", 401);
    throw error;
  }
}

/** Verifies a caller's bearer token at the gateway. */
export function verifyAccessToken(token: string, options: TokenOptions): Promise<Identity> {
  return verify(token, options.secret, options.issuer, options.audience, "none");
}

const ASSERTION_ISSUER = "agent-trust-gateway";
const ASSERTION_LIFETIME_MS = 60_000;

/**
 * Signs the identity the gateway forwards to one subgraph. Short-lived and bound to that subgraph,
 * so a captured header can be neither kept nor replayed against another subgraph.
 */
export async function signIdentityAssertion(identity: Identity, subgraph: string, secret: string): Promise<string> {
  const jwt = new SignJWT(
    identity.scopes ? { role: identity.role, scp: [...identity.scopes] } : { role: identity.role },
  ).setProtectedHeader({
    alg: "HS256",
  });
  if (identity.subject !== null) jwt.setSubject(identity.subject);
  return jwt
    .setIssuer(ASSERTION_ISSUER)
    .setAudience(subgraph)
    .setIssuedAt()
    .setExpirationTime(`${ASSERTION_LIFETIME_MS / 1000}s`)
    .sign(key(secret));
}

/** Verifies, in a subgraph, that a request came through the gateway, and returns the caller. */
export function verifyIdentityAssertion(assertion: string, subgraph: string, secret: string): Promise<Identity> {
  return verify(assertion, secret, ASSERTION_ISSUER, subgraph, "assertion");
}

/** Bounds each cache below; reaching it empties the cache, which only costs signing or verifying again. */
const MAX_CACHED_TOKENS = 10_000;

/**
 * The gateway's signer. Signing (WebCrypto HMAC) costs about as much as a small subgraph call, so
 * an assertion is reused for half its lifetime: a subgraph always receives one valid for 30 s more.
 */
export function createAssertionSigner(secret: string): (identity: Identity, subgraph: string) => Promise<string> {
  const cache = new Map<string, { assertion: Promise<string>; renewAt: number }>();
  return (identity, subgraph) => {
    const key = JSON.stringify([subgraph, identity.role, identity.subject, identity.scopes ?? null]);
    const now = Date.now();
    const cached = cache.get(key);
    if (cached && cached.renewAt > now) return cached.assertion;
    if (cache.size >= MAX_CACHED_TOKENS) cache.clear();
    const assertion = signIdentityAssertion(identity, subgraph, secret);
    cache.set(key, { assertion, renewAt: now + ASSERTION_LIFETIME_MS / 2 });
    assertion.catch(() => cache.delete(key));
    return assertion;
  };
}

/**
 * Remembers successful verifications, keyed by the exact token, until the token expires or
 * `maxAgeMs` passes; failures are never remembered.
 */
export function cachedVerification(
  verifyToken: (token: string) => Promise<Identity>,
  maxAgeMs: number,
): (token: string) => Promise<Identity> {
  const cache = new Map<string, { identity: Identity; until: number }>();
  return async (token) => {
    const now = Date.now();
    const cached = cache.get(token);
    if (cached && cached.until > now) return cached.identity;
    const identity = await verifyToken(token);
    if (cache.size >= MAX_CACHED_TOKENS) cache.clear();
    cache.set(token, { identity, until: Math.min(now + maxAgeMs, expiryOf(token)) });
    return identity;
  };
}

/** A subgraph's verifier: an assertion the gateway reuses is verified once. */
export function createAssertionVerifier(subgraph: string, secret: string): (assertion: string) => Promise<Identity> {
  return cachedVerification((assertion) => verifyIdentityAssertion(assertion, subgraph, secret), ASSERTION_LIFETIME_MS);
}

/** The gateway's verifier of callers' tokens; a client sends the same token request after request. */
export function createAccessTokenVerifier(options: TokenOptions): (token: string) => Promise<Identity> {
  return cachedVerification((token) => verifyAccessToken(token, options), 5 * 60_000);
}

/** The `exp` of a JWT already verified, in milliseconds. */
function expiryOf(jwt: string): number {
  const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: number };
  return (payload.exp ?? 0) * 1000;
}

/** Whether the caller is an arbiter, or acts as `role` with subject `subject`: who may read a record's private parts. */
export function isArbiterOr(identity: Identity, role: Role, subject: string): boolean {
  return identity.role === "arbiter" || (identity.role === role && identity.subject === subject);
}

/** Requires an authenticated caller holding one of `roles`; returns the caller's subject. */
export function requireRole(identity: Identity, ...roles: Role[]): string {
  if (identity.role === "anonymous") throw new UnauthenticatedError();
  if (!roles.includes(identity.role)) {
    throw new ForbiddenError(`This operation needs the ${roles.join(" or ")} role; the caller is a ${identity.role}`);
  }
  return identity.subject;
}

/**
 * Requires, of a caller authenticated by an API key, the scope a field needs; callers with a
 * token are limited by their role alone. The error names the scope so that a partner knows which
 * key to use, and nothing about the key's other scopes.
 */
export function requireScope(identity: Identity, scope: Scope): void {
  if (identity.scopes && !identity.scopes.includes(scope)) throw new ForbiddenError(`This API key lacks the scope ${scope}`, scope);
}
