import type { ApolloServer, BaseContext } from "@apollo/server";
import { handlers, startServerAndCreateLambdaHandler } from "@as-integrations/aws-lambda";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { IDENTITY_HEADER } from "./identity.js";
import { REQUEST_ID_HEADER, requestIdOf, requestLog } from "./logger.js";
import { MAX_REQUEST_DEPTH, jsonDepth } from "./json-depth.js";
import {
  SUBGRAPH_MAX_BODY_BYTES,
  createSubgraphServer,
  forwardedByGateway,
  gatewayIdentityReader,
  type Subgraph,
} from "./subgraph-server.js";

const functionUrlEvents = handlers.createAPIGatewayProxyEventV2RequestHandler();
type FunctionUrlMiddleware = NonNullable<Parameters<typeof startServerAndCreateLambdaHandler<typeof functionUrlEvents>>[2]>["middleware"];

const refusal = (statusCode: number, message: string) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] }),
});

/**
 * Refuses, as serveGraphQL does locally, a body over `maxBytes` (function URLs accept up to
 * 6 MB) or nested too deep for the recursive code after it, before Apollo parses it.
 */
export function bodyLimit(maxBytes: number): NonNullable<FunctionUrlMiddleware>[number] {
  return async (event) => {
    if (!event.body) return;
    const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
    if (Buffer.byteLength(text) > maxBytes) return refusal(413, `Request body exceeds ${maxBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Apollo answers malformed JSON itself.
      return;
    }
    if (jsonDepth(body, MAX_REQUEST_DEPTH) > MAX_REQUEST_DEPTH)
      return refusal(400, `Request body nests deeper than ${MAX_REQUEST_DEPTH} levels`);
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

/**
 * Gives each invocation its request id, as serveGraphQL does locally: the caller's (or the
 * gateway's) `x-request-id` when it sent a sensible one, else Lambda's own request id; set on the
 * event for the server and its logs, and echoed in the response.
 */
export function withRequestId(
  // biome-ignore lint/suspicious/noConfusingVoidType: the integration's handler has Lambda's own type, which returns void or a promise.
  handler: (event: APIGatewayProxyEventV2, context: Context, callback: () => void) => void | Promise<APIGatewayProxyStructuredResultV2>,
) {
  return async (
    event: APIGatewayProxyEventV2,
    context: Context,
    callback: () => void,
  ): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
    const requestId = requestIdOf(event.headers?.[REQUEST_ID_HEADER], context.awsRequestId);
    const result = await handler({ ...event, headers: { ...event.headers, [REQUEST_ID_HEADER]: requestId } }, context, callback);
    return result ? { ...result, headers: { ...result.headers, [REQUEST_ID_HEADER]: requestId } } : undefined;
  };
}

/** A subgraph behind a Lambda function URL (payload format 2.0), refusing requests that bypassed the gateway. */
export function subgraphLambdaHandler<TContext extends BaseContext>(subgraph: Subgraph<TContext>, subgraphSecret: string) {
  const identityOf = gatewayIdentityReader(subgraph.name, subgraphSecret);
  return withRequestId(
    startServerAndCreateLambdaHandler(asLambdaServer(createSubgraphServer(subgraph)), functionUrlEvents, {
      middleware: [bodyLimit(SUBGRAPH_MAX_BODY_BYTES)],
      context: async ({ event }) =>
        subgraph.createContext(
          await identityOf(event.headers[IDENTITY_HEADER]),
          requestLog(event.headers[REQUEST_ID_HEADER] ?? ""),
          forwardedByGateway(event.headers),
        ),
    }),
  );
}
