/// <reference path="../.sst/platform/config.d.ts" />

// The numbers below (judge timeout 10 s, visibility 60 s, 3 receives, batches of 10) are the
// defaults lib/config.ts gives the local poller, so a laptop retries and dead-letters like AWS.

/** Judge jobs that failed three times, kept for inspection and redrive. */
export const judgeDlq = new sst.aws.Queue("JudgeDlq", {
  transform: {
    // SQS counts a message's age from its first enqueue, also after it moves to the DLQ; the
    // maximum, 14 days, leaves time to look at a failure and redrive it.
    queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 },
  },
});

/** Evaluation runs waiting for a judge; fed by the outbox relay, drained by functions/judge. */
export const judgeQueue = new sst.aws.Queue("JudgeQueue", {
  // AWS's rule for Lambda consumers: at least 6x the function timeout (judge: 10 s), so a batch
  // still being judged, or retried after a throttle, is not handed to a second judge.
  visibilityTimeout: "60 seconds",
  // After the third failed receive a job moves to the DLQ instead of failing again until it expires.
  dlq: { queue: judgeDlq.arn, retry: 3 },
});
