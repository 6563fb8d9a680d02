import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { DataSource } from "typeorm";
import { inTransaction } from "../lib/database.js";
import { sharedDataSource } from "../runtime/data-source.js";
import { parseJudgeJob } from "../subgraphs/pacts/evaluation.job.js";
import { judgeEvaluationRun } from "../subgraphs/pacts/evaluation.judge.js";
import { recordEvaluation } from "../subgraphs/reputation/trust.service.js";

/**
 * Judges one job. Verdicts, the run's completion and the trust update commit together or not at
 * all; a job for a run already judged commits nothing.
 */
export async function recordHandler(record: SQSRecord, dataSource: DataSource): Promise<void> {
  const job = parseJudgeJob(record.body);
  await inTransaction(dataSource, async (manager) => {
    const judged = await judgeEvaluationRun(manager, job.runId);
    if (judged) await recordEvaluation(manager, judged);
  });
}

/** SQS -> judge. Reports failed records only, so the rest of the batch is not redelivered. */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const dataSource = await sharedDataSource();
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    try {
      await recordHandler(record, dataSource);
    } catch (error) {
      console.error(JSON.stringify({ msg: "judge job failed", messageId: record.messageId, receiveCount: record.attributes.ApproximateReceiveCount, error: String(error) }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
