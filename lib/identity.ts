import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { ForbiddenError, UnauthenticatedError } from "./errors.js";

export const ROLES = ["builder", "buyer", "partner", "arbiter"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as the gateway established it. */
export type Identity = { role: Role; subject: string } | { role: "anonymous"; subject: null };

export const ANONYMOUS: Identity = { role: "anonymous", subject: null };

/** Header carrying the gateway's signed statement of the caller's identity to a subgraph. */
export const IDENTITY_HEADER = "x-agent-trust-identity";

const key = (secret: string) => new TextEncoder().encode(secret);
const SUBJECT_PATTERN = /^[A-Za-z0-9._@:-]{1,128}$/;

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
async function verify(token: string, secret: string, issuer: string, audience: string): Promise<Identity> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer, audience, algorithms: ["HS256"] });
    if (payload.role === "anonymous" && payload.sub === undefined) return ANONYMOUS;
    if (!isRole(payload.role) || typeof payload.sub !== "string" || !SUBJECT_PATTERN.test(payload.sub)) {
      throw new UnauthenticatedError("Token carries no valid role and subject", 401);
    }
    return { role: payload.role, subject: payload.sub };
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError("Token has expired", 401);
    if (error instanceof joseErrors.JOSEError) throw new UnauthenticatedError("Token is invalid", 401);
    throw error;
  }
}

/** Verifies a caller's bearer token at the gateway. */
export function verifyAccessToken(token: string, options: TokenOptions): Promise<Identity> {
  return verify(token, options.secret, options.issuer, options.audience);
}

const ASSERTION_ISSUER = "agent-trust-gateway";

/**
 * Signs the identity the gateway forwards to one subgraph. Short-lived and bound to that subgraph,
 * so a captured header can be neither kept nor replayed against another subgraph.
 */
export async function signIdentityAssertion(identity: Identity, subgraph: string, secret: string): Promise<string> {
  const jwt = new SignJWT({ role: identity.role }).setProtectedHeader({ alg: "HS256" });
  if (identity.subject !== null) jwt.setSubject(identity.subject);
  return jwt.setIssuer(ASSERTION_ISSUER).setAudience(subgraph).setIssuedAt().setExpirationTime("60s").sign(key(secret));
}

/** Verifies, in a subgraph, that a request came through the gateway, and returns the caller. */
export function verifyIdentityAssertion(assertion: string, subgraph: string, secret: string): Promise<Identity> {
  return verify(assertion, secret, ASSERTION_ISSUER, subgraph);
}

/** Requires an authenticated caller holding one of `roles`; returns the caller's subject. */
export function requireRole(identity: Identity, ...roles: Role[]): string {
  if (identity.role === "anonymous") throw new UnauthenticatedError();
  if (!roles.includes(identity.role)) {
    throw new ForbiddenError(`This operation needs the ${roles.join(" or ")} role; the caller is a ${identity.role}`);
  }
  return identity.subject;
}
