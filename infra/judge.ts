/// <reference path="../.sst/platform/config.d.ts" />
import { lambda } from "./lambda";
import { judgeQueue } from "./queues";

// The functions are created here and handed to the queue and the cron by reference. Given bare
// arguments instead, SST would create them inside a Pulumi `apply`, where the secrets in their
// environment lose their secret marking and land in the deploy state in plain text.

const judge = new sst.aws.Function(
  "Judge",
  lambda({
    handler: "functions/judge.handler",
    // A batch of 10 jobs is a few short transactions; 10 s bounds a stuck batch, and JudgeQueue's
    // 60 s visibility timeout is 6x this.
    timeout: "10 seconds",
    memory: "512 MB",
    // What the event source mapping polls with; SST adds these itself only to functions it builds.
    permissions: [
      {
        actions: [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
        ],
        resources: [judgeQueue.arn],
      },
    ],
  }),
);

judgeQueue.subscribe(judge.arn, {
  // With partial responses only the records listed in `batchItemFailures` return to the queue
  // (and count towards the DLQ); the rest of the batch is deleted.
  batch: { size: 10, partialResponses: true },
});

const outboxRelay = new sst.aws.Function(
  "OutboxRelay",
  lambda({
    handler: "functions/outbox-relay.handler",
    // Shorter than the schedule so runs seldom overlap; when they do, rows are claimed before
    // they are sent (lib/outbox.ts), so overlapping runs stay correct.
    timeout: "50 seconds",
    memory: "256 MB",
    // The next tick, a minute later, is the retry; asynchronous retries would only pile up.
    retries: 0,
    permissions: [{ actions: ["sqs:SendMessage"], resources: [judgeQueue.arn] }],
  }),
);

// Publishes what the pacts Lambda could not publish at once (SQS unreachable), and requeues runs
// whose job went missing: at most a minute's wait, the price of never losing a job.
new sst.aws.Cron("OutboxRelaySchedule", {
  schedule: "rate(1 minute)",
  function: outboxRelay.arn,
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
