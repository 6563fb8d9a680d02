/// <reference path="../.sst/platform/config.d.ts" />
import { esbuildOptions } from "./bundle-options";
import { BACKEND_POOL_SIZE } from "./capacity";
import { databaseUrl } from "./database";
import { vpc } from "./network";
import { judgeQueue, webhookQueue } from "./queues";
import { attestationSigningKeys, authTokenSecret, subgraphSecret } from "./secrets";

// Configuration reaches the code as plain environment variables mapped here, not through `link`
// and the `sst` SDK: lib/platform/config.ts reads the same variables on a laptop and on AWS, and nothing
// in a bundle depends on `sst` at run time. Lambda sets AWS_REGION itself.
const common = {
  NODE_ENV: "production",
  AUTH_TOKEN_SECRET: authTokenSecret.value,
  SUBGRAPH_SECRET: subgraphSecret.value,
  ATTESTATION_SIGNING_KEYS: attestationSigningKeys.value,
};
const backend = {
  ...common,
  DATABASE_URL: databaseUrl,
  // Each warm instance keeps its own pool; reserved concurrency times this stays within the
  // database's connection limit (capacity.ts).
  DATABASE_POOL_SIZE: String(BACKEND_POOL_SIZE),
  JUDGE_QUEUE_URL: judgeQueue.url,
  // JudgeQueue's visibility (queues.ts) and redrive count, so that the requeue job (runtime/jobs.ts)
  // requeues a run only after SQS has given up on its jobs (lib/platform/config.ts checks the relation).
  JUDGE_VISIBILITY_TIMEOUT_SECONDS: String(30 * 60),
  JUDGE_MAX_RECEIVE_COUNT: "3",
  JUDGE_STALE_AFTER_SECONDS: String(2 * 60 * 60),
  // Where the outbox relay publishes webhook deliveries (the dispatcher runs in ScheduledJobs and
  // Judge, redeliveries in the webhooks subgraph), and that queue's visibility and redrive count
  // (queues.ts), from which a delivery's lease is reckoned (webhook-event.dispatch.ts).
  WEBHOOK_QUEUE_URL: webhookQueue.url,
  WEBHOOK_VISIBILITY_TIMEOUT_SECONDS: String(3 * 60),
  WEBHOOK_MAX_RECEIVE_COUNT: "5",
  // The database's TLS and the log level, when the deploying shell sets them (docs/deployment.md,
  // "Database connections"): the documented opt-out must be reachable through a deploy.
  ...Object.fromEntries(
    ["DATABASE_TLS", "DATABASE_TLS_CA", "LOG_LEVEL"].flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])),
  ),
};

type LambdaArgs = Omit<sst.aws.FunctionArgs, "environment"> & {
  environment?: Record<string, $util.Input<string>>;
};

/**
 * Settings every handler shares. `backend` functions (subgraphs, judge, outbox relay, migrations)
 * get DATABASE_URL and JUDGE_QUEUE_URL and join the VPC when the stage owns one; the gateway
 * (`backend: false`) gets neither from here: it calls the subgraphs' URLs, and infra/api.ts gives
 * it the database only for its rate-limit budgets (no schema, no migrations, no context code).
 */
export function lambda(
  args: LambdaArgs,
  { backend: isBackend = true, after = [] }: { backend?: boolean; after?: $util.Input<$util.Resource>[] } = {},
): sst.aws.FunctionArgs {
  return {
    // AWS deprecated nodejs20.x on 2026-04-30; 22 is the nearest supported runtime to the Node 20
    // the code is developed and tested on.
    runtime: "nodejs22.x",
    // Graviton: cheaper per GB-second; the bundles hold no native code that would care.
    architecture: "arm64",
    // Lambda's own lines (START, REPORT, uncaught errors) as JSON too, beside the JSON lines the
    // code writes to stdout (lib/platform/logger.ts), so that Logs Insights reads every field.
    // No log-level filter: pino's epoch `time` makes Lambda file every line as INFO; LOG_LEVEL filters.
    logging: { retention: "1 month", format: "json" },
    // `after`: the function is created or updated only once these have been (migrations.ts).
    ...(after.length > 0
      ? {
          transform: {
            function: (_function: aws.lambda.FunctionArgs, options: $util.CustomResourceOptions) => {
              options.dependsOn = after;
              return undefined;
            },
          },
        }
      : {}),
    ...(isBackend && vpc ? { vpc } : {}),
    nodejs: {
      // better-sqlite3 left out, and one copy of graphql per bundle: why in bundle-options.ts,
      // which test/integration/lambda-bundle.test.ts builds every handler with.
      esbuild: esbuildOptions,
    },
    ...args,
    environment: { ...(isBackend ? backend : common), ...args.environment },
  };
}
