import type { Context, ScheduledEvent } from "aws-lambda";
import { config, type SubgraphName } from "../lib/platform/config.js";
import { subgraphLambdaHandler } from "../lib/platform/lambda.js";
import { log } from "../lib/platform/logger.js";
import { relayOnce, sqsPublisher, type Publisher } from "../lib/platform/outbox.js";
import { createSqsClient } from "../lib/platform/queue.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { subgraphFactories } from "./contexts.js";
import { openDatabase, sharedDataSource } from "./data-source.js";
import { drainOutbox, runScheduledJobs, type ScheduledJobsResult } from "./jobs.js";

/*
 * What each Lambda function that touches the database runs, built once per cold start;
 * functions/*.ts only name them (the gateway's is in gateway-lambda.ts, apart, so that its bundle
 * holds no context).
 * Configuration is read and validated here, so a function missing a variable fails at start-up.
 */

let publisher: Publisher | undefined;
/** Publishes to the judge queue, which every function that writes judge jobs needs configured. */
function judgePublisher(): Publisher {
  const settings = config();
  if (!settings.sqs.judgeQueueUrl) throw new Error("JUDGE_QUEUE_URL is required on Lambda");
  publisher ??= sqsPublisher(createSqsClient(settings.sqs), { judge: settings.sqs.judgeQueueUrl });
  return publisher;
}

/**
 * A subgraph behind its function URL. The pacts subgraph publishes a submitted run's job before
 * the response, so judging starts at once; if SQS is unreachable the scheduled jobs' outbox relay publishes it.
 */
export async function subgraphLambda(name: SubgraphName) {
  const settings = config();
  const dataSource = await sharedDataSource();
  const publish = name === "pacts" ? judgePublisher() : undefined;
  const subgraph = await subgraphFactories[name](dataSource, settings, {
    outboxWritten: async () => {
      if (publish) await relayOnce(dataSource, publish);
    },
  });
  return subgraphLambdaHandler(subgraph, resolveSecrets(settings).subgraphSecret);
}

/** Leave this much of the scheduled invocation for the last batch's bookkeeping. */
const SAFETY_MS = 5_000;

/**
 * The scheduled jobs (runtime/jobs.ts), then the outbox relay until nothing is due or time runs
 * short. A job that failed fails the invocation after the relay ran, so CloudWatch counts it.
 */
export function scheduledJobsLambda() {
  const publish = judgePublisher();
  return async (_event: ScheduledEvent, context: Pick<Context, "getRemainingTimeInMillis">): Promise<ScheduledJobsResult> => {
    const dataSource = await sharedDataSource();
    const { counts, failures } = await runScheduledJobs(dataSource, config());
    const published = await drainOutbox(dataSource, publish, () => context.getRemainingTimeInMillis(), SAFETY_MS);
    if (failures.length) throw new AggregateError(failures, `${failures.length} scheduled job(s) failed`);
    return { ...counts, published };
  };
}

/** Brings the database schema up to date, then disconnects: invoked once per deploy. */
export async function migrate(): Promise<{ applied: string[] }> {
  const dataSource = await openDatabase(config().databaseUrl, { migrate: false });
  try {
    const applied = (await dataSource.runMigrations({ transaction: "each" })).map((migration) => migration.name);
    log.info({ applied }, "migrations applied");
    return { applied };
  } finally {
    await dataSource.destroy();
  }
}
