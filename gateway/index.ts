import type { IncomingMessage } from "node:http";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import type { AppConfig, SubgraphName } from "../lib/platform/config.js";
import { UnauthenticatedError, errorRequestIds, formatError } from "../lib/platform/errors.js";
import { serveGraphQL, type RunningServer } from "../lib/platform/http-server.js";
import { ANONYMOUS, IDENTITY_HEADER, createAccessTokenVerifier, createAssertionSigner, type Identity } from "../lib/platform/identity.js";
import { REQUEST_ID_HEADER, log } from "../lib/platform/logger.js";
import type { Secrets } from "../lib/platform/secrets.js";
import { operationLimits } from "./operation-limits.js";

export interface GatewayContext {
  identity: Identity;
  /** The request's id, passed on to the subgraphs (lib/platform/logger.ts). */
  requestId?: string;
}

/** Largest request body the gateway accepts: a full evaluation run with room to spare. */
export const GATEWAY_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface GatewayOptions {
  config: AppConfig;
  secrets: Secrets;
  supergraphSdl: string;
  /** Where each subgraph is reachable; overrides the URLs recorded in the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
}

/** Reads the caller's identity from `Authorization: Bearer <JWT>`; no header means anonymous, a bad one is refused. */
export function callerIdentityReader(options: GatewayOptions): (authorization: string | undefined) => Promise<Identity> {
  const verify = createAccessTokenVerifier({
    secret: options.secrets.tokenSecret,
    issuer: options.config.auth.issuer,
    audience: options.config.auth.audience,
  });
  return async (authorization) => {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]) throw new UnauthenticatedError("Authorization header must be `Bearer <token>`", 401);
    return verify(match[1]);
  };
}

/**
 * Subgraph calls over Node's own fetch with a deadline: the gateway's default client waits for a
 * hung subgraph forever, holding the caller's request with it.
 */
function fetcherWithTimeout(timeoutMs: number): RemoteGraphQLDataSource["fetcher"] {
  return (url, init) =>
    fetch(url, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) }) as unknown as ReturnType<
      RemoteGraphQLDataSource["fetcher"]
    >;
}

export function createGatewayServer(options: GatewayOptions): ApolloServer<GatewayContext> {
  const assertionFor = createAssertionSigner(options.secrets.subgraphSecret);
  const fetcher = fetcherWithTimeout(options.config.gateway.subgraphTimeoutMs);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: log,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: options.subgraphUrls[name as SubgraphName] ?? url,
        fetcher,
        // Every subgraph request carries the caller as the gateway established it, signed and
        // bound to that subgraph; subgraphs refuse requests without it.
        willSendRequest: async ({ request, context }) => {
          request.http?.headers.set(IDENTITY_HEADER, await assertionFor(context.identity ?? ANONYMOUS, name));
          // So the subgraphs' log lines for this request carry the gateway's request id.
          if (context.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
        },
      }),
  });
  return new ApolloServer<GatewayContext>({
    gateway,
    logger: log,
    formatError,
    plugins: [errorRequestIds],
    includeStacktraceInErrorResponses: false,
    introspection: options.config.gateway.introspection,
    validationRules: [operationLimits(options.config.gateway.limits)],
    // Refuses huge documents while parsing, before validation walks them.
    parseOptions: { maxTokens: options.config.gateway.maxQueryTokens },
    // Shutdown is the process's job (see lib/platform/subgraph-server.ts).
    stopOnTerminationSignals: false,
  });
}

/** Serves the supergraph at `http://<host>:<port>/graphql`. */
export function startGateway(options: GatewayOptions): Promise<RunningServer> {
  const identityOf = callerIdentityReader(options);
  return serveGraphQL(createGatewayServer(options), {
    host: options.config.gateway.host,
    port: options.config.gateway.port,
    maxBodyBytes: GATEWAY_MAX_BODY_BYTES,
    context: async (req: IncomingMessage, requestId: string) => ({ identity: await identityOf(req.headers.authorization), requestId }),
  });
}
