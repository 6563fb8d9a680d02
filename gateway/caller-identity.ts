import { UnauthenticatedError } from "../lib/platform/errors.js";
import { ANONYMOUS, createAccessTokenVerifier, type Identity } from "../lib/platform/identity.js";
import type { GatewayOptions } from "./index.js";

/** The credentials a request may carry: a bearer token (`Authorization`) or a partner's API key (`x-api-key`). */
export interface CallerCredentials {
  authorization?: string;
  apiKey?: string;
}

/** The header a partner's API key travels in. */
export const API_KEY_HEADER = "x-api-key";

/** The credentials of a request's headers (Node's lower-cased headers, or a Lambda event's). */
export function credentialsOf(headers: Record<string, string | string[] | undefined>): CallerCredentials {
  const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(",") : value);
  return { authorization: one(headers.authorization), apiKey: one(headers[API_KEY_HEADER]) };
}

/**
 * Reads the caller's identity: none means anonymous, a bad credential is refused with 401 before
 * anything runs. A request carries one credential, never both: which one would count is not a
 * question a caller should have to ask.
 */
export function callerIdentityReader(options: GatewayOptions): (credentials: CallerCredentials) => Promise<Identity> {
  const verifyBearer = createAccessTokenVerifier({
    secret: options.secrets.tokenSecret,
    issuer: options.config.auth.issuer,
    audience: options.config.auth.audience,
  });
  return async ({ authorization, apiKey }) => {
    if (authorization && apiKey) throw new UnauthenticatedError(`Send either Authorization or ${API_KEY_HEADER}, not both`, 401);
    if (apiKey) throw new UnauthenticatedError("API keys are not accepted yet", 401);
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw new UnauthenticatedError("Authorization header must be `Bearer <token>`", 401);
    return verifyBearer(match[1]);
  };
}
