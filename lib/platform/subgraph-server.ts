import { ApolloServer, type BaseContext } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import type { GraphQLSchema } from "graphql";
import type { SubgraphName } from "./config.js";
import { UnauthenticatedError, errorRequestIds, formatError } from "./errors.js";
import { graphqlOverHttp, knownOperationTypes } from "./graphql-over-http.js";
import { serveGraphQL, type RunningServer } from "./http-server.js";
import { IDENTITY_HEADER, createAssertionVerifier, type Identity } from "./identity.js";
import { log, requestLog, type Logger } from "./logger.js";
import { RATE_LIMIT_HEADER } from "./rate-limit.js";

/** What each subgraph's index exports: its schema and a per-request context factory. */
export interface Subgraph<TContext extends BaseContext> {
  name: SubgraphName;
  schema: GraphQLSchema;
  /** The request's context: the caller as the gateway signed it, the logger for its lines, and what else the gateway passed on. */
  createContext(identity: Identity, log: Logger, forwarded: ForwardedByGateway): TContext;
}

/**
 * What the gateway tells a subgraph about a request besides the caller, as the raw header values
 * (each subgraph decodes what it reads): `rateLimit` is the request's charge
 * (`decodeRateLimitHeader` in lib/platform/rate-limit.ts), absent when the gateway sent none.
 */
export interface ForwardedByGateway {
  rateLimit?: string;
}

/** The forwarded values of a request's headers (Node's lower-cased headers, or a Lambda event's). */
export function forwardedByGateway(headers: Record<string, string | string[] | undefined>): ForwardedByGateway {
  const rateLimit = headers[RATE_LIMIT_HEADER];
  return typeof rateLimit === "string" ? { rateLimit } : {};
}

/** Subgraphs accept what the gateway accepts, plus headroom for its query plans. */
export const SUBGRAPH_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Reads the gateway's signed identity header. A request without a valid one did not come through
 * the gateway and is refused before any resolver runs.
 */
export function gatewayIdentityReader(subgraph: string, secret: string): (headerValue: string | string[] | undefined) => Promise<Identity> {
  const verify = createAssertionVerifier(subgraph, secret);
  return async (headerValue) => {
    if (typeof headerValue !== "string" || headerValue.length === 0) {
      throw new UnauthenticatedError("Subgraphs only accept requests forwarded by the gateway", 401);
    }
    return verify(headerValue);
  };
}

export function createSubgraphServer<TContext extends BaseContext>(subgraph: Subgraph<TContext>): ApolloServer<TContext> {
  return new ApolloServer<TContext>({
    schema: subgraph.schema,
    logger: log,
    formatError,
    includeStacktraceInErrorResponses: false,
    // Only the gateway can reach a subgraph, and federation tooling needs `_service { sdl }`.
    introspection: true,
    validationRules: [knownOperationTypes],
    // Inline traces only feed Apollo's hosted studio, which this system does not use. No landing
    // page: only the gateway calls a subgraph, and people try the API at the gateway's explorer.
    // No cache-control plugin: the gateway decides what may be cached (gateway/cache-hints.ts), and
    // Apollo's would wrap every resolver of the schema to watch each field resolve, on every request.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      errorRequestIds,
      graphqlOverHttp,
    ],
    // The process owns shutdown (runtime/local.ts stops everything in order); Apollo's own
    // signal handlers would race it and leave servers half-stopped.
    stopOnTerminationSignals: false,
  });
}

/** Serves a subgraph over HTTP on `host:port` (port 0 picks a free one). */
export function startSubgraphServer<TContext extends BaseContext>(
  subgraph: Subgraph<TContext>,
  options: { host: string; port: number; secret: string },
): Promise<RunningServer> {
  const identityOf = gatewayIdentityReader(subgraph.name, options.secret);
  return serveGraphQL(createSubgraphServer(subgraph), {
    host: options.host,
    port: options.port,
    maxBodyBytes: SUBGRAPH_MAX_BODY_BYTES,
    context: async (req, requestId) =>
      subgraph.createContext(await identityOf(req.headers[IDENTITY_HEADER]), requestLog(requestId), forwardedByGateway(req.headers)),
  });
}
