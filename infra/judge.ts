/// <reference path="../.sst/platform/config.d.ts" />
import { JUDGE_CONCURRENCY, SCHEDULED_JOBS_CONCURRENCY } from "./capacity";
import { juryMembers, juryUsesBedrock, juryUsesOpenAi } from "./deploy-settings";
import { lambda } from "./lambda";
import { afterMigrations } from "./migrations";
import { judgeQueue, webhookQueue } from "./queues";
import { openAiApiKeySecret } from "./secrets";

const openAiApiKey = juryUsesOpenAi ? openAiApiKeySecret() : undefined;
const JURY_SETTINGS = [
  "OPENAI_BASE_URL",
  "BEDROCK_REGION",
  "OPENAI_PRICE_INPUT_PER_1K",
  "OPENAI_PRICE_OUTPUT_PER_1K",
  "BEDROCK_PRICE_INPUT_PER_1K",
  "BEDROCK_PRICE_OUTPUT_PER_1K",
  "JURY_TIMEOUT_MS",
  "JURY_RETRIES",
  "JURY_BACKOFF_MS",
  "JURY_QUORUM",
  "JURY_MIN_AGREEMENT",
  "JURY_MIN_CONFIDENCE",
  "JURY_CONCURRENCY",
  "JUDGE_SLICE_CASES",
];

// The functions are created here and handed to the queue and the cron by reference. Given bare
// arguments instead, SST would create them inside a Pulumi `apply`, where the secrets in their
// environment lose their secret marking and land in the deploy state in plain text.

/** Judges the jobs of JudgeQueue; exported for its alarm (alarms.ts). */
export const judge = new sst.aws.Function(
  "Judge",
  lambda(
    {
      handler: "functions/judge.handler",
      // A deterministic job is a few short transactions; a slice of a run with jury clauses is up to
      // JUDGE_SLICE_CASES (50) cases of model calls, 8 at a time, each bounded by JURY_TIMEOUT_MS
      // and its retries. 5 minutes fits a batch of such slices; JudgeQueue's visibility is 6x this.
      timeout: "5 minutes",
      memory: "512 MB",
      environment: {
        JURY_MEMBERS: juryMembers,
        // The jury's endpoint, prices and policy, as the deploy sets them (docs/judges.md); unset
        // ones keep lib/platform/config.ts's defaults, except prices, which production requires for models.
        ...Object.fromEntries(JURY_SETTINGS.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : []))),
        ...(openAiApiKey ? { OPENAI_API_KEY: openAiApiKey.value } : {}),
      },
      // What the event source mapping polls with; SST adds these itself only to functions it builds.
      permissions: [
        {
          actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
          resources: [judgeQueue.arn],
        },
        // After each batch it dispatches the webhook events the batch raised and relays the
        // outbox (runtime/webhooks.ts, dispatchAndPublish).
        { actions: ["sqs:SendMessage"], resources: [judgeQueue.arn, webhookQueue.arn] },
        // Bedrock jurors call Converse, which InvokeModel authorises; on-demand models and
        // cross-region inference profiles alike.
        ...(juryUsesBedrock
          ? [
              {
                actions: ["bedrock:InvokeModel"],
                resources: ["arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:*:*:inference-profile/*"],
              },
            ]
          : []),
      ],
      // As many as the event source mapping may run at once, so that none is throttled.
      concurrency: { reserved: JUDGE_CONCURRENCY },
    },
    { after: afterMigrations },
  ),
);

judgeQueue.subscribe(judge.arn, {
  // With partial responses only the records listed in `batchItemFailures` return to the queue
  // (and count towards the DLQ); the rest of the batch is deleted.
  // One job per invocation: a run's slices then run in parallel instances, and a slice of model
  // calls has the whole timeout to itself. (The handler also stops before its deadline and
  // reports what it did not reach.)
  batch: { size: 1, partialResponses: true },
  // No more judges at once than the connection budget holds (capacity.ts): SQS keeps the rest
  // waiting, where a throttled invocation would count as a receive towards the DLQ.
  transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: JUDGE_CONCURRENCY } } },
});

// The scheduled jobs (runtime/jobs.ts): requeue runs whose judge job went missing, the trust decay
// sweep, dispute and review deadlines, the webhook dispatcher and its retries, then the outbox
// relay publishing what the pacts Lambda could not publish at once (SQS unreachable): at most a
// minute's wait, the price of never losing a job.
const scheduledJobs = new sst.aws.Function(
  "ScheduledJobs",
  lambda(
    {
      handler: "functions/scheduled-jobs.handler",
      // Shorter than the schedule so runs seldom overlap; when they do, outbox rows are claimed
      // before they are sent (lib/platform/outbox.ts) and every job's writes are conditional on
      // what it read, so overlapping runs stay correct.
      timeout: "50 seconds",
      memory: "256 MB",
      // The next tick, a minute later, is the retry; asynchronous retries would only pile up.
      retries: 0,
      permissions: [{ actions: ["sqs:SendMessage"], resources: [judgeQueue.arn, webhookQueue.arn] }],
      concurrency: { reserved: SCHEDULED_JOBS_CONCURRENCY },
    },
    { after: afterMigrations },
  ),
);

new sst.aws.Cron("ScheduledJobsSchedule", {
  schedule: "rate(1 minute)",
  function: scheduledJobs.arn,
});
