import { config } from "../lib/platform/config.js";
import { subgraphLambdaHandler } from "../lib/platform/lambda.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { disputesWiring } from "../runtime/contexts.js";
import { disputesSubgraph } from "../subgraphs/disputes/index.js";

/** The disputes subgraph on Lambda (function URL); dispute changes move reputation in the same transaction. */
export const handler = subgraphLambdaHandler(
  await disputesSubgraph(await sharedDataSource(), { ...config().disputes, ...disputesWiring }),
  resolveSecrets(config()).subgraphSecret,
);
