import { UnauthenticatedError } from "../lib/platform/errors.js";
import { ANONYMOUS, createAccessTokenVerifier, type Identity } from "../lib/platform/identity.js";
import { apiKeyIdentityReader, partnersUrlOf } from "./api-keys.js";
import type { GatewayOptions } from "./index.js";
import { createOidcVerifier, verifierByAlgorithm } from "./oidc.js";
import { subgraphFetch } from "./subgraph-auth.js";

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
  // Looked up in the partners subgraph, answers reused for API_KEY_CACHE_SECONDS (gateway/api-keys.ts).
  const readApiKey = apiKeyIdentityReader({
    url: partnersUrlOf(options.subgraphUrls.partners, options.supergraphSdl),
    subgraphSecret: options.secrets.subgraphSecret,
    cacheSeconds: options.config.gateway.apiKeys.cacheSeconds,
    timeoutMs: options.config.gateway.apiKeys.lookupTimeoutMs,
    // A call to a subgraph like the query plans' own: signed when SUBGRAPH_AUTH=iam.
    send: subgraphFetch(options.config.subgraphs),
  });
  const verifyBearer = createAccessTokenVerifier({
    secret: options.secrets.tokenSecret,
    issuer: options.config.auth.issuer,
    audience: options.config.auth.audience,
  });
  // The header's `alg` picks the verifier: HS256 our own tokens, RS256/ES256 the identity provider's (gateway/oidc.ts).
  const { devTokens, oidc } = options.config.auth;
  const verifyToken = verifierByAlgorithm({
    development: devTokens ? verifyBearer : undefined,
    oidc: oidc ? createOidcVerifier(oidc) : undefined,
  });
  return async ({ authorization, apiKey }) => {
    // A header that is present is a credential, an empty one included: refused, never anonymous.
    if (authorization !== undefined && apiKey !== undefined)
      throw new UnauthenticatedError(`Send either Authorization or ${API_KEY_HEADER}, not both`, 401);
    if (apiKey !== undefined) return readApiKey(apiKey);
    if (authorization === undefined) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw new UnauthenticatedError("Authorization header must be `Bearer <token>`", 401);
    return verifyToken(match[1]);
  };
}
