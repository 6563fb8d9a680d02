import { config } from "../lib/config.js";
import { subgraphLambdaHandler } from "../lib/lambda.js";
import { resolveSecrets } from "../lib/secrets.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { disputesSubgraph } from "../subgraphs/disputes/index.js";

/** The disputes subgraph on Lambda (function URL). */
export const handler = subgraphLambdaHandler(await disputesSubgraph(await sharedDataSource()), resolveSecrets(config()).subgraphSecret);
