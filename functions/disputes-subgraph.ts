import { config } from "../lib/config.js";
import { subgraphLambdaHandler } from "../lib/lambda.js";
import { resolveSecrets } from "../lib/secrets.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { disputesSubgraph } from "../subgraphs/disputes/index.js";
import { recordDisputeState } from "../subgraphs/reputation/trust.service.js";
import { consequenceSteps } from "../subgraphs/reputation/trust.settle.js";

/** The disputes subgraph on Lambda (function URL); dispute changes move reputation in the same transaction. */
export const handler = subgraphLambdaHandler(
  await disputesSubgraph(await sharedDataSource(), { ...config().disputes, onDisputeChanged: recordDisputeState, consequenceSteps }),
  resolveSecrets(config()).subgraphSecret,
);
