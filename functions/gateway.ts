import { readFileSync } from "node:fs";
import path from "node:path";
import { handlers, startServerAndCreateLambdaHandler } from "@as-integrations/aws-lambda";
import { GATEWAY_MAX_BODY_BYTES, callerIdentityReader, createGatewayServer, type GatewayOptions } from "../gateway/index.js";
import { config } from "../lib/platform/config.js";
import { asLambdaServer, bodyLimit } from "../lib/platform/lambda.js";
import { resolveSecrets } from "../lib/platform/secrets.js";

const settings = config();
const options: GatewayOptions = {
  config: settings,
  secrets: resolveSecrets(settings),
  // Copied next to the bundle at deploy (infra/api.ts), at the same relative path as in the repository.
  supergraphSdl: readFileSync(path.join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), "gateway", "supergraph.graphql"), "utf8"),
  subgraphUrls: settings.subgraphs.urls,
};

const identityOf = callerIdentityReader(options);

/** The gateway on Lambda (public function URL). */
export const handler = startServerAndCreateLambdaHandler(asLambdaServer(createGatewayServer(options)), handlers.createAPIGatewayProxyEventV2RequestHandler(), {
  middleware: [bodyLimit(GATEWAY_MAX_BODY_BYTES)],
  context: async ({ event }) => ({ identity: await identityOf(event.headers.authorization) }),
});
