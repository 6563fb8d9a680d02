/// <reference path="../.sst/platform/config.d.ts" />
import { lambda } from "./lambda";
import { judgeQueue } from "./queues";
import { openAiApiKeySecret } from "./secrets";

// Who sits on the jury (lib/platform/config.ts, JURY_MEMBERS): the offline rubric jurors unless the deploy
// names models, e.g. AGENT_TRUST_JURY_MEMBERS="bedrock:anthropic.claude-3-haiku-20240307-v1:0,openai:gpt-4o-mini".
const juryMembers = process.env.AGENT_TRUST_JURY_MEMBERS ?? "rubric:strict,rubric:balanced,rubric:lenient";
const openAiApiKey = juryMembers.includes("openai:") ? openAiApiKeySecret() : undefined;
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

const judge = new sst.aws.Function(
  "Judge",
  lambda({
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
      // Bedrock jurors call Converse, which InvokeModel authorises; on-demand models and
      // cross-region inference profiles alike.
      ...(juryMembers.includes("bedrock:")
        ? [
            {
              actions: ["bedrock:InvokeModel"],
              resources: ["arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:*:*:inference-profile/*"],
            },
          ]
        : []),
    ],
  }),
);

judgeQueue.subscribe(judge.arn, {
  // With partial responses only the records listed in `batchItemFailures` return to the queue
  // (and count towards the DLQ); the rest of the batch is deleted.
  // One job per invocation: a run's slices then run in parallel instances, and a slice of model
  // calls has the whole timeout to itself. (The handler also stops before its deadline and
  // reports what it did not reach.)
  batch: { size: 1, partialResponses: true },
});

// The scheduled jobs (runtime/jobs.ts): requeue runs whose judge job went missing, the trust decay
// sweep, dispute and review deadlines, then the outbox relay publishing what the pacts Lambda could not
// publish at once (SQS unreachable): at most a minute's wait, the price of never losing a job.
const scheduledJobs = new sst.aws.Function(
  "ScheduledJobs",
  lambda({
    handler: "functions/scheduled-jobs.handler",
    // Shorter than the schedule so runs seldom overlap; when they do, outbox rows are claimed
    // before they are sent (lib/platform/outbox.ts) and every job's writes are conditional on
    // what it read, so overlapping runs stay correct.
    timeout: "50 seconds",
    memory: "256 MB",
    // The next tick, a minute later, is the retry; asynchronous retries would only pile up.
    retries: 0,
    permissions: [{ actions: ["sqs:SendMessage"], resources: [judgeQueue.arn] }],
  }),
);

new sst.aws.Cron("ScheduledJobsSchedule", {
  schedule: "rate(1 minute)",
  function: scheduledJobs.arn,
});

/** Brings the schema up to date; invoked once after each deploy (docs/deployment.md). */
export const migrate = new sst.aws.Function(
  "Migrate",
  lambda({
    handler: "functions/migrate.handler",
    // DDL on a grown table can take minutes, and a non-production Aurora may first have to resume.
    timeout: "5 minutes",
    memory: "512 MB",
    // A half-applied migration must be looked at, not replayed by an automatic retry.
    retries: 0,
  }),
);
