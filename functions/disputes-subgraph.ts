import { config } from "../lib/config.js";
import { subgraphLambdaHandler } from "../lib/lambda.js";
import { resolveSecrets } from "../lib/secrets.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { disputesWiring } from "../runtime/disputes-wiring.js";
import { disputesSubgraph } from "../subgraphs/disputes/index.js";

/** The disputes subgraph on Lambda (function URL); dispute changes move reputation in the same transaction. */
export const handler = subgraphLambdaHandler(
  await disputesSubgraph(await sharedDataSource(), { ...config().disputes, ...disputesWiring }),
  resolveSecrets(config()).subgraphSecret,
);
