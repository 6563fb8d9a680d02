import type { ApolloServer, BaseContext } from "@apollo/server";
import { handlers, startServerAndCreateLambdaHandler } from "@as-integrations/aws-lambda";
import { IDENTITY_HEADER } from "./identity.js";
import { SUBGRAPH_MAX_BODY_BYTES, createSubgraphServer, gatewayIdentityReader, type Subgraph } from "./subgraph-server.js";

const functionUrlEvents = handlers.createAPIGatewayProxyEventV2RequestHandler();
type FunctionUrlMiddleware = NonNullable<Parameters<typeof startServerAndCreateLambdaHandler<typeof functionUrlEvents>>[2]>["middleware"];

/**
 * Refuses a body over `maxBytes` before Apollo parses it, as serveGraphQL does locally; function
 * URLs themselves accept up to 6 MB.
 */
export function bodyLimit(maxBytes: number): NonNullable<FunctionUrlMiddleware>[number] {
  return async (event) => {
    const size = event.body ? Buffer.byteLength(event.body, event.isBase64Encoded ? "base64" : "utf8") : 0;
    if (size <= maxBytes) return;
    return {
      statusCode: 413,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ errors: [{ message: `Request body exceeds ${maxBytes} bytes`, extensions: { code: "BAD_REQUEST" } }] }),
    };
  };
}

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
  return startServerAndCreateLambdaHandler(asLambdaServer(createSubgraphServer(subgraph)), functionUrlEvents, {
    middleware: [bodyLimit(SUBGRAPH_MAX_BODY_BYTES)],
    context: async ({ event }) => subgraph.createContext(await identityOf(event.headers[IDENTITY_HEADER])),
  });
}
