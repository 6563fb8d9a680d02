/// <reference path="../.sst/platform/config.d.ts" />
import { databaseUrl, vpc } from "./database";
import { judgeQueue } from "./queues";
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
  // Each warm instance keeps its own pool; a small one keeps Aurora's connection count sane.
  DATABASE_POOL_SIZE: "2",
  JUDGE_QUEUE_URL: judgeQueue.url,
  // JudgeQueue's visibility (queues.ts) and redrive count, so that the requeue job (runtime/jobs.ts)
  // requeues a run only after SQS has given up on its jobs (lib/platform/config.ts checks the relation).
  JUDGE_VISIBILITY_TIMEOUT_SECONDS: String(30 * 60),
  JUDGE_MAX_RECEIVE_COUNT: "3",
  JUDGE_STALE_AFTER_SECONDS: String(2 * 60 * 60),
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
export function lambda(args: LambdaArgs, { backend: isBackend = true } = {}): sst.aws.FunctionArgs {
  return {
    // AWS deprecated nodejs20.x on 2026-04-30; 22 is the nearest supported runtime to the Node 20
    // the code is developed and tested on.
    runtime: "nodejs22.x",
    // Graviton: cheaper per GB-second; the bundles hold no native code that would care.
    architecture: "arm64",
    ...(isBackend && vpc ? { vpc } : {}),
    nodejs: {
      // SQLite serves only `sqlite:` URLs, which production never uses, and its native addon is
      // built for the developer's machine; TypeORM loads it by name, and this keeps any future
      // static import from dragging it into a bundle. esbuild emits no decorator metadata, and
      // every decorator in the code names its type, so nothing else is needed.
      esbuild: { external: ["better-sqlite3"] },
    },
    ...args,
    environment: { ...(isBackend ? backend : common), ...args.environment },
  };
}
