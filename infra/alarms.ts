/// <reference path="../.sst/platform/config.d.ts" />
import { alarmEmail } from "./deploy-settings";
import { judge } from "./judge";
import { judgeDlq, judgeQueue, webhookDlq } from "./queues";
import { webhookDeliverer } from "./webhooks";

// What needs a person: a judge job or a webhook delivery message that failed for good, a judge or
// deliverer that crashes or times out, and jobs left waiting. Each alarm notifies the AlarmTopic when it fires and when it clears.

/** Where alarms go: the address in AGENT_TRUST_ALARM_EMAIL, if any, and whatever else subscribes. */
export const alarmTopic = new aws.sns.Topic("AlarmTopic");

if (alarmEmail) {
  // AWS mails a confirmation link; nothing is delivered until it is followed.
  new aws.sns.TopicSubscription("AlarmEmail", { topic: alarmTopic.arn, protocol: "email", endpoint: alarmEmail });
}

/** What every alarm here shares: above its threshold, silent without data, told to the topic both ways. */
const common = {
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
  alarmActions: [alarmTopic.arn],
  okActions: [alarmTopic.arn],
};

/**
 * Any message in a dead-letter queue is a failure to look at (docs/deployment.md, "Dead letters").
 * SQS publishes its metrics once a minute; a queue idle for hours may take up to 15 minutes to
 * report again, which is when this fires at the latest.
 */
function deadLettersAlarm(name: string, description: string, dlq: sst.aws.Queue) {
  new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: description,
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: dlq.nodes.queue.name },
    statistic: "Maximum",
    period: 60,
    evaluationPeriods: 1,
    threshold: 0,
    ...common,
  });
}

/** A function invocation that throws or times out (Errors > 0 in 5 minutes). */
function errorsAlarm(name: string, fn: sst.aws.Function, functionName: string) {
  new aws.cloudwatch.MetricAlarm(name, {
    alarmDescription: `The ${functionName} function crashed or timed out (Errors > 0 in 5 minutes).`,
    namespace: "AWS/Lambda",
    metricName: "Errors",
    dimensions: { FunctionName: fn.name },
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 0,
    ...common,
  });
}

// A job that failed JUDGE_MAX_RECEIVE_COUNT times.
deadLettersAlarm("JudgeDlqNotEmpty", "A judge job failed three times and is in JudgeDlq.", judgeDlq);
// A job the judge could not judge is not an error: the handler reports it in `batchItemFailures`,
// SQS retries it, and the DLQ alarm catches it in the end.
errorsAlarm("JudgeErrors", judge, "Judge");

/**
 * Jobs waiting over an hour, for ten minutes: more jobs than the judges allowed at once (capacity.ts)
 * can work off. A job that keeps failing comes back every 30 minutes (the visibility timeout) and
 * leaves for the DLQ at its third receive, about an hour in, so it alone seldom trips this; the
 * DLQ alarm is its. Fires well before the requeue job's 2-hour JUDGE_STALE_AFTER_SECONDS.
 */
new aws.cloudwatch.MetricAlarm("JudgeQueueOldestMessage", {
  alarmDescription: "A job has waited in JudgeQueue for over an hour.",
  namespace: "AWS/SQS",
  metricName: "ApproximateAgeOfOldestMessage",
  dimensions: { QueueName: judgeQueue.nodes.queue.name },
  statistic: "Maximum",
  period: 300,
  evaluationPeriods: 2,
  threshold: 60 * 60,
  ...common,
});

// A delivery message the deliverer could not work WEBHOOK_MAX_RECEIVE_COUNT times (the database
// unreachable, a malformed message). Endpoints that fail are not this: their attempts are
// recorded and retried from the database, and the delivery's lease lapsing sends it again.
deadLettersAlarm("WebhookDlqNotEmpty", "A webhook delivery message failed five times and is in WebhookDlq.", webhookDlq);
// An endpoint's failure is recorded, not thrown.
errorsAlarm("WebhookDelivererErrors", webhookDeliverer, "WebhookDeliverer");
