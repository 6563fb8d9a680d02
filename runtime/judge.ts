import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { DataSource } from "typeorm";
import { config } from "../lib/platform/config.js";
import { jobLog } from "../lib/platform/logger.js";
import { processJudgeJob, recordJudgeFailure } from "../subgraphs/pacts/evaluation/judge-job.process.js";
import { parseJudgeJob } from "../subgraphs/pacts/evaluation/judge-job.message.js";
import { juryPanel, type JuryPanel } from "../subgraphs/pacts/evaluation/jury/jury.panel.js";
import { onRunJudged } from "./contexts.js";
import { sharedDataSource } from "./data-source.js";
import { outboxPublisher } from "./publisher.js";
import { dispatchAndPublish } from "./webhooks.js";

let panel: JuryPanel | undefined;
/**
 * Time kept back at the end of an invocation: jobs not done by then fail on purpose, with their
 * reason recorded, instead of dying with the Lambda at its timeout, unrecorded.
 */
const DEADLINE_MARGIN_MS = 15_000;

/**
 * Judges one job: a slice's jury work, then (when nothing is left to wait for) the run's verdicts,
 * its completion and the trust update, committed together or not at all. A job whose effects are
 * already stored commits nothing.
 */
export async function recordHandler(record: SQSRecord, dataSource: DataSource, deadlineAt = Number.POSITIVE_INFINITY): Promise<void> {
  panel ??= juryPanel(config().jury);
  await processJudgeJob(dataSource, parseJudgeJob(record.body), panel, onRunJudged, { deadlineAt });
}

/**
 * SQS -> judge, the Lambda handler (given the invocation's context) and what the local poller
 * calls (without one). Reports failed records only, so the rest of the batch is not redelivered;
 * each failure is recorded with its reason, which is what explains a message the queue later
 * moves to its dead-letter queue. A record's log lines carry its message id as the job id.
 */
export async function judgeHandler(event: SQSEvent, context?: Pick<Context, "getRemainingTimeInMillis">): Promise<SQSBatchResponse> {
  const dataSource = await sharedDataSource();
  // Locally the poller gives no context and no deadline.
  const deadlineAt = context ? Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS : Number.POSITIVE_INFINITY;
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    try {
      if (Date.now() >= deadlineAt) throw new Error("not reached before the invocation's deadline; SQS delivers it again");
      await recordHandler(record, dataSource, deadlineAt);
    } catch (error) {
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      jobLog(record.messageId).error({ err: error, receiveCount }, "judge job failed");
      await recordJudgeFailure(dataSource, { messageId: record.messageId, body: record.body, reason: String(error), receiveCount });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  // What the batch changed goes out to webhook endpoints now, on Lambda only: the one caller that
  // passes a context. With `npm start` the local poller passes none, and the local dispatcher
  // loop does it within WEBHOOK_DISPATCH_INTERVAL_MS when there is a deliverer to publish to.
  // JUDGE_QUEUE_URL says nothing of where this runs: `npm start` may use an external judge queue
  // and no webhook queue, and the relay could never publish what a dispatch here would write.
  if (context) await dispatchAndPublish(dataSource, config(), outboxPublisher);
  return { batchItemFailures };
}
