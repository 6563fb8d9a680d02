import type { Context } from "aws-lambda";
import { config, type SubgraphName } from "../lib/platform/config.js";
import { subgraphLambdaHandler } from "../lib/platform/lambda.js";
import { DatabaseUnavailableError } from "../lib/platform/database.js";
import { log } from "../lib/platform/logger.js";
import { relayOnce } from "../lib/platform/outbox.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { subgraphFactories } from "./contexts.js";
import { migrateDatabase, sharedDataSource } from "./data-source.js";
import { drainOutbox, runScheduledJobs, type ScheduledJobsResult } from "./jobs.js";
import { outboxPublisher } from "./publisher.js";

/*
 * What each Lambda function that touches the database runs, built once per cold start;
 * functions/*.ts only name them (the gateway's is in gateway-lambda.ts, apart, so that its bundle
 * holds no context).
 * Configuration is read and validated here, so a function missing a variable fails at start-up.
 */

type SubgraphHandler = ReturnType<typeof subgraphLambdaHandler>;

/** What a subgraph answers while its database cannot be reached: the gateway fails the call, the caller may retry. */
const DATABASE_UNAVAILABLE = {
  statusCode: 503,
  headers: { "content-type": "application/json", "retry-after": "5" },
  body: JSON.stringify({
    errors: [{ message: "The database is unavailable; try again shortly", extensions: { code: "DATABASE_UNAVAILABLE" } }],
  }),
};

/**
 * A subgraph behind its function URL. The pacts subgraph publishes a submitted run's job before
 * the response, so judging starts at once, and the webhooks subgraph a redelivery's message; if SQS
 * is unreachable the scheduled jobs' outbox relay publishes it.
 * Nothing connects at start-up: the first request opens the database (sharedDataSource, which
 * waits for one that is resuming) and builds the subgraph; if the database stays unreachable,
 * that request gets a 503 without details (they go to the log) and the next one tries again.
 */
export async function subgraphLambda(name: SubgraphName): Promise<SubgraphHandler> {
  const settings = config();
  const publish = name === "pacts" || name === "webhooks" ? outboxPublisher() : undefined;
  const subgraphSecret = resolveSecrets(settings).subgraphSecret;
  let built: Promise<SubgraphHandler> | undefined;
  const build = async () => {
    const dataSource = await sharedDataSource();
    const subgraph = await subgraphFactories[name](dataSource, settings, {
      outboxWritten: async () => {
        if (publish) await relayOnce(dataSource, publish);
      },
    });
    return subgraphLambdaHandler(subgraph, subgraphSecret);
  };
  return async (...args) => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    let handler: SubgraphHandler;
    try {
      handler = await built;
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error;
      log.error({ err: error, subgraph: name }, "the database is unavailable");
      return DATABASE_UNAVAILABLE;
    }
    return handler(...args);
  };
}

/** Leave this much of the scheduled invocation for the last batch's bookkeeping. */
const SAFETY_MS = 5_000;

/**
 * The scheduled jobs (runtime/jobs.ts), then the outbox relay until nothing is due or time runs
 * short. A job that failed fails the invocation after the relay ran, so CloudWatch counts it.
 */
export function scheduledJobsLambda() {
  const publish = outboxPublisher();
  // SST's cron target sends `{}` (docs/deployment.md): nothing in the event is read.
  return async (_event: unknown, context: Pick<Context, "getRemainingTimeInMillis">): Promise<ScheduledJobsResult> => {
    const dataSource = await sharedDataSource();
    const { counts, failures } = await runScheduledJobs(dataSource, config());
    const published = await drainOutbox(dataSource, publish, () => context.getRemainingTimeInMillis(), SAFETY_MS);
    if (failures.length) throw new AggregateError(failures, `${failures.length} scheduled job(s) failed`);
    return { ...counts, published };
  };
}

/**
 * Brings the database schema up to date, then disconnects: invoked by every deploy. Two runs at
 * once are serialised by the migration lock (lib/platform/database.ts): the second applies nothing.
 */
export async function migrate(): Promise<{ applied: string[] }> {
  const settings = config();
  const result = await migrateDatabase(settings.databaseUrl, { connectRetrySeconds: settings.databaseConnectRetrySeconds });
  log.info(result, "migrations applied");
  return result;
}
