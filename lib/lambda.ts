import type { ApolloServer, BaseContext } from "@apollo/server";
import { handlers, startServerAndCreateLambdaHandler } from "@as-integrations/aws-lambda";
import { IDENTITY_HEADER } from "./identity.js";
import { createSubgraphServer, gatewayIdentityReader, type Subgraph } from "./subgraph-server.js";

type LambdaServer<TContext extends BaseContext> = Parameters<typeof startServerAndCreateLambdaHandler<never, TContext>>[0];

/**
 * The integration is CommonJS and types its argument with Apollo's CommonJS declarations; ours
 * come from the ESM build. The classes are the same code, and the integration only calls public
 * methods, so the cast is sound.
 */
export function asLambdaServer<TContext extends BaseContext>(server: ApolloServer<TContext>): LambdaServer<TContext> {
  return server as unknown as LambdaServer<TContext>;
}

/** A subgraph behind a Lambda function URL (payload format 2.0), refusing requests that bypassed the gateway. */
export function subgraphLambdaHandler<TContext extends BaseContext>(subgraph: Subgraph<TContext>, subgraphSecret: string) {
  const identityOf = gatewayIdentityReader(subgraph.name, subgraphSecret);
  return startServerAndCreateLambdaHandler(asLambdaServer(createSubgraphServer(subgraph)), handlers.createAPIGatewayProxyEventV2RequestHandler(), {
    context: async ({ event }) => subgraph.createContext(await identityOf(event.headers[IDENTITY_HEADER])),
  });
}
