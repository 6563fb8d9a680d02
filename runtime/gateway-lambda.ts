import { readFileSync } from "node:fs";
import path from "node:path";
import { handlers, startServerAndCreateLambdaHandler } from "@as-integrations/aws-lambda";
import { callerIdentityReader, credentialsOf } from "../gateway/caller-identity.js";
import { clientAddressOf } from "../gateway/client-address.js";
import { GATEWAY_MAX_BODY_BYTES, createGatewayServer, type GatewayOptions } from "../gateway/index.js";
import { config } from "../lib/platform/config.js";
import { asLambdaServer, bodyLimit, withRequestId } from "../lib/platform/lambda.js";
import { keyDocument } from "../lib/platform/jwks.js";
import { REQUEST_ID_HEADER } from "../lib/platform/logger.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { attestationSigner } from "../lib/platform/signing-keys.js";

/*
 * The gateway's Lambda, apart from runtime/lambda.ts: it imports no context and no database code,
 * so its bundle stays small and its cold start short. It serves no explorer page (EXPLORER is
 * read by startGateway only): its assets are npm packages the bundle does not carry. CORS there is
 * the function URL's own (infra/api.ts), which answers preflights before the function runs.
 * With SUBGRAPH_AUTH=iam every call to a subgraph's function URL is signed with SigV4 under the
 * function's role (gateway/subgraph-auth.ts): one signer per container, the credentials read from
 * the environment Lambda sets for each call.
 */

/** The gateway behind its public function URL; the supergraph is copied next to the bundle at deploy (infra/api.ts). */
export function gatewayLambda() {
  const settings = config();
  const options: GatewayOptions = {
    config: settings,
    secrets: resolveSecrets(settings),
    supergraphSdl: readFileSync(path.join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), "gateway", "supergraph.graphql"), "utf8"),
    subgraphUrls: settings.subgraphs.urls,
  };
  const identityOf = callerIdentityReader(options);
  const graphql = withRequestId(
    startServerAndCreateLambdaHandler(asLambdaServer(createGatewayServer(options)), handlers.createAPIGatewayProxyEventV2RequestHandler(), {
      middleware: [bodyLimit(GATEWAY_MAX_BODY_BYTES)],
      context: async ({ event }) => ({
        identity: await identityOf(credentialsOf(event.headers)),
        requestId: event.headers[REQUEST_ID_HEADER],
        // The function URL's view of the caller; X-Forwarded-For only behind proxies of ours (TRUST_PROXY_HOPS).
        clientAddress: clientAddressOf(
          event.requestContext.http.sourceIp,
          event.headers["x-forwarded-for"],
          settings.gateway.trustProxyHops,
        ),
      }),
    }),
  );
  // The public keys are answered before Apollo, which would refuse a GET without a query: routes of
  // their own rather than a function of their own, since they are the gateway's public face and share its URL.
  return async (...args: Parameters<typeof graphql>) => {
    const [event] = args;
    const { method } = event.requestContext.http;
    const keys = await keyDocument(() => attestationSigner(settings), event.rawPath, method);
    if (keys) return { statusCode: keys.status, headers: keys.headers, body: method === "HEAD" ? "" : keys.body };
    return graphql(...args);
  };
}
