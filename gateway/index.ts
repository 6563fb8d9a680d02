import type { IncomingMessage } from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { AppConfig, SubgraphName } from "../lib/platform/config.js";
import { errorRequestIds, formatError } from "../lib/platform/errors.js";
import { createExplorer } from "../lib/platform/explorer.js";
import { graphqlOverHttp, knownOperationTypes } from "../lib/platform/graphql-over-http.js";
import { serveGraphQL, type RunningServer } from "../lib/platform/http-server.js";
import { createAssertionSigner } from "../lib/platform/identity.js";
import { log } from "../lib/platform/logger.js";
import type { Secrets } from "../lib/platform/secrets.js";
import { keyDocument } from "../lib/platform/jwks.js";
import { attestationSigner } from "../lib/platform/signing-keys.js";
import { callerIdentityReader, credentialsOf } from "./caller-identity.js";
import { clientAddressOf } from "./client-address.js";
import { operationLimits } from "./operation-limits.js";
import { rateLimits } from "./rate-limit.js";
import { responseCache } from "./response-cache.js";
import { withScalarsParsedAtTheEdge } from "./scalars.js";
import { subgraphFetch } from "./subgraph-auth.js";
import { SubgraphSource, type SubgraphCallContext } from "./subgraph-source.js";

export type GatewayContext = SubgraphCallContext;

/** Largest request body the gateway accepts: a full evaluation run with room to spare. */
export const GATEWAY_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface GatewayOptions {
  config: AppConfig;
  secrets: Secrets;
  supergraphSdl: string;
  /** Where each subgraph is reachable; overrides the URLs recorded in the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
}

export function createGatewayServer(options: GatewayOptions): ApolloServer<GatewayContext> {
  const assertionFor = createAssertionSigner(options.secrets.subgraphSecret);
  // The query plans' signer, made once per process (SUBGRAPH_AUTH, gateway/subgraph-auth.ts); the API key lookups have their own.
  const send = subgraphFetch(options.config.subgraphs);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: log,
    buildService: ({ name, url }) =>
      new SubgraphSource(
        options.subgraphUrls[name as SubgraphName] ?? url ?? "",
        // Signed and bound to that subgraph: the caller as the gateway established it.
        (identity) => assertionFor(identity, name),
        options.config.gateway.subgraphTimeoutMs,
        send,
      ),
  });
  return new ApolloServer<GatewayContext>({
    gateway: withScalarsParsedAtTheEdge(gateway),
    logger: log,
    formatError,
    // No Apollo landing page: it loads Apollo Sandbox from a CDN, with telemetry. People trying
    // the API get the packaged explorer instead (lib/platform/explorer.ts), from startGateway.
    // rateLimits charges each operation before it runs (gateway/rate-limit.ts), cached answers
    // included; responseCache answers anonymous public reads from memory (gateway/response-cache.ts)
    // and says how long each answer may be kept, in place of Apollo's cache-control plugin.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      errorRequestIds,
      graphqlOverHttp,
      rateLimits(options.config),
      responseCache(options.config.gateway.cacheMaxAgeSeconds),
    ],
    includeStacktraceInErrorResponses: false,
    introspection: options.config.gateway.introspection,
    // The operation limits leave introspection unmeasured (explorers send a deep query); Apollo
    // Server's own MaxIntrospectionDepthRule bounds its nesting (test/integration/root-field-limit.test.ts).
    validationRules: [knownOperationTypes, operationLimits(options.config.gateway.limits)],
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
    cors: options.config.gateway.cors,
    explorer: options.config.gateway.explorer ? createExplorer() : undefined,
    // The attestations' and the log's public keys (docs/attestations.md), from the key set the reputation subgraph and the log sign with.
    keyDocument: (pathname, method) => keyDocument(() => attestationSigner(options.config), pathname, method),
    context: async (req: IncomingMessage, requestId: string) => ({
      identity: await identityOf(credentialsOf(req.headers)),
      requestId,
      clientAddress: clientAddressOf(req.socket.remoteAddress, req.headers["x-forwarded-for"], options.config.gateway.trustProxyHops),
    }),
  });
}
