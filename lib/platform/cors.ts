import type { CorsConfig } from "./config.js";
import { REQUEST_ID_HEADER } from "./logger.js";

/** What a browser on an allowed origin may send: POST for everything, GET for queries. */
export const CORS_ALLOWED_METHODS = ["GET", "POST", "OPTIONS"] as const;

/**
 * The request headers a cross-origin caller may set: its token, the JSON content type, the two
 * headers Apollo's CSRF guard accepts on a GET (docs/api.md), and its own request id.
 */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "accept",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  REQUEST_ID_HEADER,
] as const;

/**
 * Browsers hide response headers from scripts unless listed: the request id is for support
 * tickets, the rate-limit headers (docs/partners.md, "Limits") for clients that pace themselves.
 */
export const CORS_EXPOSED_HEADERS = [REQUEST_ID_HEADER, "ratelimit", "ratelimit-policy", "retry-after"] as const;

/** How long a browser may reuse a preflight's answer before asking again. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export type HeaderValues = Record<string, string>;

/** The value of `Access-Control-Allow-Origin` for `origin`, or undefined when it may not call. */
export function allowedOrigin(policy: CorsConfig, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  // Credentials are refused with "*" at start-up (config.ts), so "*" is always a plain wildcard here.
  if (policy.origins === "*") return "*";
  return policy.origins.includes(origin) ? origin : undefined;
}

/**
 * CORS headers for an actual (non-preflight) response. `Vary: Origin` goes on every response of
 * a list policy, allowed or not, so that a cache never hands one origin's answer to another.
 */
export function corsResponseHeaders(policy: CorsConfig, origin: string | undefined): HeaderValues {
  const headers: HeaderValues = policy.origins === "*" ? {} : { vary: "Origin" };
  const allowed = allowedOrigin(policy, origin);
  if (!allowed) return headers;
  headers["access-control-allow-origin"] = allowed;
  headers["access-control-expose-headers"] = CORS_EXPOSED_HEADERS.join(", ");
  if (policy.credentials) headers["access-control-allow-credentials"] = "true";
  return headers;
}

export interface PreflightAnswer {
  status: number;
  headers: HeaderValues;
  /** Only for people reading it with curl: browsers never show a preflight's body to scripts. */
  message?: string;
}

/**
 * The answer to an `OPTIONS` request. A preflight (it carries `Origin` and
 * `Access-Control-Request-Method`) from an allowed origin gets the methods and headers it may
 * use; one from another origin is refused. Any other OPTIONS just learns the methods.
 */
export function answerOptions(
  policy: CorsConfig | undefined,
  requestHeaders: Record<string, string | string[] | undefined>,
): PreflightAnswer {
  const origin = typeof requestHeaders.origin === "string" ? requestHeaders.origin : undefined;
  const isPreflight = origin !== undefined && requestHeaders["access-control-request-method"] !== undefined;
  if (!isPreflight) return { status: 204, headers: { allow: CORS_ALLOWED_METHODS.join(", ") } };
  const allowed = policy ? allowedOrigin(policy, origin) : undefined;
  if (!policy || !allowed) {
    return {
      status: 403,
      headers: policy?.origins === "*" ? {} : { vary: "Origin" },
      message: `Cross-origin requests from ${origin} are not allowed: the server's CORS_ORIGINS does not list it`,
    };
  }
  return {
    status: 204,
    headers: {
      ...corsResponseHeaders(policy, origin),
      "access-control-allow-methods": CORS_ALLOWED_METHODS.join(", "),
      "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS),
    },
  };
}
