import { config } from "../lib/platform/config.js";
import { subgraphLambdaHandler } from "../lib/platform/lambda.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { reputationSubgraph } from "../subgraphs/reputation/index.js";

/** The reputation subgraph on Lambda (function URL). */
export const handler = subgraphLambdaHandler(await reputationSubgraph(await sharedDataSource()), resolveSecrets(config()).subgraphSecret);
