import type { IncomingMessage } from "node:http";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import type { AppConfig, SubgraphName } from "../lib/config.js";
import { formatError } from "../lib/errors.js";
import { serveGraphQL, type RunningServer } from "../lib/http-server.js";
import { ANONYMOUS, IDENTITY_HEADER, signIdentityAssertion, verifyAccessToken, type Identity } from "../lib/identity.js";
import { UnauthenticatedError } from "../lib/errors.js";
import type { Secrets } from "../lib/secrets.js";
import { depthLimit } from "./depth-limit.js";

export interface GatewayContext {
  identity: Identity;
}

/** Largest request body the gateway accepts: a full evaluation run with room to spare. */
const GATEWAY_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface GatewayOptions {
  config: AppConfig;
  secrets: Secrets;
  supergraphSdl: string;
  /** Where each subgraph is reachable; overrides the URLs recorded in the supergraph. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
}

/** The caller's identity from `Authorization: Bearer <JWT>`; no header means anonymous, a bad one is refused. */
export async function identityFromRequest(authorization: string | undefined, options: GatewayOptions): Promise<Identity> {
  if (!authorization) return ANONYMOUS;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match?.[1]) throw new UnauthenticatedError("Authorization header must be `Bearer <token>`", 401);
  return verifyAccessToken(match[1], {
    secret: options.secrets.tokenSecret,
    issuer: options.config.auth.issuer,
    audience: options.config.auth.audience,
  });
}

export function createGatewayServer(options: GatewayOptions): ApolloServer<GatewayContext> {
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: options.subgraphUrls[name as SubgraphName] ?? url,
        // Every subgraph request carries the caller as the gateway established it, signed and
        // bound to that subgraph; subgraphs refuse requests without it.
        willSendRequest: async ({ request, context }) => {
          request.http?.headers.set(IDENTITY_HEADER, await signIdentityAssertion(context.identity ?? ANONYMOUS, name, options.secrets.subgraphSecret));
        },
      }),
  });
  return new ApolloServer<GatewayContext>({
    gateway,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: options.config.gateway.introspection,
    validationRules: [depthLimit(options.config.gateway.maxQueryDepth)],
    // Shutdown is the process's job (see lib/subgraph-server.ts).
    stopOnTerminationSignals: false,
  });
}

/** Serves the supergraph at `http://<host>:<port>/graphql`. */
export function startGateway(options: GatewayOptions): Promise<RunningServer> {
  return serveGraphQL(createGatewayServer(options), {
    host: options.config.gateway.host,
    port: options.config.gateway.port,
    maxBodyBytes: GATEWAY_MAX_BODY_BYTES,
    context: async (req: IncomingMessage) => ({ identity: await identityFromRequest(req.headers.authorization, options) }),
  });
}
