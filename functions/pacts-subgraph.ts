import { config } from "../lib/platform/config.js";
import { subgraphLambdaHandler } from "../lib/platform/lambda.js";
import { relayOnce, sqsPublisher } from "../lib/platform/outbox.js";
import { createSqsClient } from "../lib/platform/queue.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { pactsSubgraph } from "../subgraphs/pacts/index.js";

const settings = config();
if (!settings.sqs.judgeQueueUrl) throw new Error("JUDGE_QUEUE_URL is required on Lambda");
const dataSource = await sharedDataSource();
const publish = sqsPublisher(createSqsClient(settings.sqs), { judge: settings.sqs.judgeQueueUrl });

/**
 * The pacts subgraph on Lambda (function URL). A submitted run's job is published before the
 * response, so judging starts at once; if SQS is unreachable the scheduled relay publishes it.
 */
export const handler = subgraphLambdaHandler(
  await pactsSubgraph(dataSource, {
    outboxWritten: async () => {
      await relayOnce(dataSource, publish);
    },
    sliceCases: settings.jury.sliceCases,
  }),
  resolveSecrets(settings).subgraphSecret,
);
