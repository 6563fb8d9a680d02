/// <reference path="../.sst/platform/config.d.ts" />

// 3 receives is the default lib/platform/config.ts gives the local poller too, so a laptop
// dead-letters like AWS. Two things differ. Batches: 1 job per invocation here (infra/judge.ts,
// so a run's slices judge in parallel instances), 10 locally (one process, nothing to gain).
// Visibility: 30 minutes here, 6x the judge's 5-minute timeout for jury slices; 60 s locally,
// where the offline jurors answer at once and a failed job should come back quickly.

/** Judge jobs that failed three times, kept for inspection and redrive. */
export const judgeDlq = new sst.aws.Queue("JudgeDlq", {
  transform: {
    // SQS counts a message's age from its first enqueue, also after it moves to the DLQ; the
    // maximum, 14 days, leaves time to look at a failure and redrive it.
    queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 },
  },
});

/** Evaluation runs waiting for a judge; fed by the outbox relay (runtime/jobs.ts), drained by functions/judge.ts. */
export const judgeQueue = new sst.aws.Queue("JudgeQueue", {
  // AWS's rule for Lambda consumers: at least 6x the function timeout (judge: 5 minutes), so a
  // batch still being judged, or retried after a throttle, is not handed to a second judge.
  visibilityTimeout: "30 minutes",
  // After the third failed receive a job moves to the DLQ instead of failing again until it expires.
  dlq: { queue: judgeDlq.arn, retry: 3 },
});

/** Webhook deliveries the deliverer itself could not work five times (the database unreachable), kept for inspection. */
export const webhookDlq = new sst.aws.Queue("WebhookDlq", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } },
});

/**
 * Webhook deliveries to attempt; fed by the outbox relay after the dispatcher (runtime/webhooks.ts),
 * drained by functions/webhook-deliverer.ts. An endpoint's failure is not the message's: the
 * deliverer records it and schedules the retry in the database (docs/webhooks.md), so a message
 * fails, and comes back, only when the deliverer could not work at all.
 */
export const webhookQueue = new sst.aws.Queue("WebhookQueue", {
  // 6x the deliverer's 30-second timeout (infra/webhooks.ts), AWS's rule for Lambda consumers; the
  // same as WEBHOOK_VISIBILITY_TIMEOUT_SECONDS in infra/lambda.ts, from which the dispatcher's
  // leases are reckoned.
  visibilityTimeout: "3 minutes",
  dlq: { queue: webhookDlq.arn, retry: 5 },
});
