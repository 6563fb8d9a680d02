import { config } from "../lib/platform/config.js";
import { subgraphLambdaHandler } from "../lib/platform/lambda.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { agentsSubgraph } from "../subgraphs/agents/index.js";

/** The agents subgraph on Lambda (function URL). */
export const handler = subgraphLambdaHandler(await agentsSubgraph(await sharedDataSource()), resolveSecrets(config()).subgraphSecret);
