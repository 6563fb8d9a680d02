import type { Context, ScheduledEvent } from "aws-lambda";
import { config } from "../lib/platform/config.js";
import { relayOnce, sqsPublisher } from "../lib/platform/outbox.js";
import { createSqsClient } from "../lib/platform/queue.js";
import { requeuePolicy, sharedDataSource } from "../runtime/data-source.js";
import { requeueStaleRuns } from "../subgraphs/pacts/evaluation/evaluation-run.judge.js";
import { escalateOverdueDisputes } from "../subgraphs/disputes/dispute-deadline.sweep.js";
import { sweepDecay } from "../subgraphs/reputation/decay.sweep.js";
import { recordDisputeState } from "../subgraphs/reputation/trust.record.js";

const settings = config();
if (!settings.sqs.judgeQueueUrl) throw new Error("JUDGE_QUEUE_URL is required on Lambda");
const publish = sqsPublisher(createSqsClient(settings.sqs), { judge: settings.sqs.judgeQueueUrl });

/** Leave this much of the invocation for the last batch's bookkeeping. */
const SAFETY_MS = 5_000;

/**
 * Scheduled: requeues runs whose job has gone missing (see requeueStaleRuns), ages the trust of
 * agents without new evidence (see sweepDecay), escalates disputes past a deadline, then
 * publishes every due outbox message, batch by batch, until none is left or time runs short.
 */
export async function handler(_event: ScheduledEvent, context: Context): Promise<{ requeued: number; failed: number; decayed: number; escalated: number; published: number }> {
  const dataSource = await sharedDataSource();
  const { requeued, failed } = await requeueStaleRuns(dataSource, requeuePolicy(settings));
  const decayed = await sweepDecay(dataSource);
  const escalated = await escalateOverdueDisputes(dataSource, recordDisputeState);
  let published = 0;
  for (;;) {
    const sent = await relayOnce(dataSource, publish);
    published += sent;
    if (sent === 0 || context.getRemainingTimeInMillis() < SAFETY_MS) break;
  }
  return { requeued, failed, decayed, escalated, published };
}
