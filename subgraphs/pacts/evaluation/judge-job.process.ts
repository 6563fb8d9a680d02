import type { DataSource, EntityManager } from "typeorm";
import type { RunJudgedListener } from "../../../lib/contracts/judged-run.js";
import { inTransaction, insertInChunks, isUniqueViolation, writeLock } from "../../../lib/platform/database.js";
import { jobLog } from "../../../lib/platform/logger.js";
import { enqueue } from "../../../lib/platform/outbox.js";
import { PactClause } from "../authoring/pact.entity.js";
import { CaseOutcome, EvaluationRunStatus } from "../pact.enums.js";
import { EvaluationRun } from "./evaluation-run.entity.js";
import { isJuryJudged, judgeEvaluationRun } from "./evaluation-run.judge.js";
import { judgeJob, type JudgeJob } from "./judge-job.message.js";
import { deliberate } from "./jury-slice.deliberate.js";
import type { JuryPanel } from "./jury/jury.panel.js";
import { JudgeFailure, JudgedSlice, JuryVerdict } from "./jury-verdict.entity.js";

/*
 * How a judge job is handled and retried, start to end:
 * - A run's jobs are written to the outbox in the run's own transaction (submission, a review's
 *   last decision, a requeue) and relayed to SQS (lib/platform/outbox.ts).
 * - SQS hands them to the judge (runtime/judge.ts on Lambda and under `npm start`), which calls
 *   `processJudgeJob` per message. Its effects are keyed by run and slice, so a redelivered copy
 *   commits nothing twice.
 * - A job that throws is reported as a batch item failure: SQS delivers it again after its
 *   visibility timeout, up to the queue's maxReceiveCount, then moves it to the dead-letter queue
 *   (infra/queues.ts). `recordJudgeFailure` keeps each failure's reason by message id.
 * - A run whose job vanished (a dead-lettered job, an emulator restarted) stays QUEUED; the
 *   scheduled jobs (runtime/jobs.ts) call `requeueStaleRuns`, which writes it a new job, up to
 *   JUDGE_MAX_REQUEUES times, then marks it FAILED.
 */
/** `work`, or a rejection once `deadlineAt` (epoch ms) passes: model calls must not outlive the Lambda. */
function beforeDeadline<T>(work: Promise<T>, deadlineAt: number): Promise<T> {
  if (!Number.isFinite(deadlineAt)) return work;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("the jury did not finish before the invocation's deadline; the slice will be judged again")),
      Math.max(0, deadlineAt - Date.now()),
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** Stores a slice's verdicts once, under the run's lock; false when the slice was stored already. */
async function storeSlice(manager: EntityManager, runId: string, slice: number, verdicts: JuryVerdict[], now: Date): Promise<boolean> {
  const run = await manager.findOne(EvaluationRun, { where: { id: runId }, lock: writeLock(manager) });
  if (run?.status !== EvaluationRunStatus.QUEUED || (await manager.existsBy(JudgedSlice, { runId, slice }))) return false;
  await insertInChunks(manager, JuryVerdict, verdicts);
  await manager.insert(JudgedSlice, { runId, slice, judgedAt: now });
  // Progress: a run whose slices keep arriving is not stale, however long the whole takes.
  await manager.update(EvaluationRun, { id: runId }, { enqueuedAt: now });
  return true;
}

/**
 * One judge job, exactly once in effect however often SQS delivers it. A slice of a run whose pact
 * has jury-judged clauses is deliberated first, outside any transaction; then, in one transaction,
 * the slice's verdicts are stored (unless a copy of the job stored them already), the run is
 * decided if nothing is left to wait for, and `onJudged` (the score update) runs with the
 * verdicts. Throws on a run that does not exist or a slice it does not have (poison).
 */
export async function processJudgeJob(
  dataSource: DataSource,
  job: JudgeJob,
  panel: JuryPanel,
  onJudged: RunJudgedListener,
  options: { now?: Date; deadlineAt?: number } = {},
): Promise<void> {
  const { now = new Date(), deadlineAt = Number.POSITIVE_INFINITY } = options;
  const run = await dataSource.getRepository(EvaluationRun).findOneBy({ id: job.runId });
  if (!run) throw new Error(`evaluation run ${job.runId} does not exist`);
  if (job.slice !== null && job.slice >= run.sliceCount)
    throw new Error(`evaluation run ${job.runId} has ${run.sliceCount} slices, not slice ${job.slice}`);
  if (run.status !== EvaluationRunStatus.QUEUED && run.status !== EvaluationRunStatus.AWAITING_REVIEW) return;
  const clauses = await dataSource.getRepository(PactClause).find({ where: { pactId: run.pactId }, order: { position: "ASC" } });
  const needsJury = job.slice !== null && run.status === EvaluationRunStatus.QUEUED && clauses.some(isJuryJudged);
  const slice = job.slice ?? 0;
  if (needsJury && (await dataSource.getRepository(JudgedSlice).existsBy({ runId: run.id, slice }))) return;
  const verdicts = needsJury ? await beforeDeadline(deliberate(dataSource, run, clauses, slice, panel, now), deadlineAt) : [];
  await inTransaction(dataSource, async (manager) => {
    if (needsJury && !(await storeSlice(manager, run.id, slice, verdicts, now))) return;
    const judged = await judgeEvaluationRun(manager, run.id, now);
    if (judged) await onJudged(manager, judged);
  });
}

/**
 * Records why a judge job failed, keyed by message, so that a message the queue moves to the
 * dead-letter queue after its last delivery can be read with its reason. Best effort: failing to
 * record must not hide the failure itself, which the caller reports to SQS either way.
 */
export async function recordJudgeFailure(
  dataSource: DataSource,
  failure: { messageId: string; body: string; reason: string; receiveCount: number },
  now = new Date(),
): Promise<void> {
  const row = {
    body: failure.body.slice(0, 500),
    reason: failure.reason.slice(0, 1000),
    receiveCount: failure.receiveCount,
    lastFailedAt: now,
  };
  try {
    await inTransaction(dataSource, async (manager) => {
      const { affected } = await manager.update(JudgeFailure, { messageId: failure.messageId }, row);
      if (!affected) await manager.insert(JudgeFailure, { messageId: failure.messageId, ...row, firstFailedAt: now });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) jobLog(failure.messageId).error({ err: error }, "could not record a judge failure");
  }
}

export interface RequeuePolicy {
  /** Runs whose job was written longer ago than this are requeued. */
  staleAfterMs: number;
  /** After this many requeues a run is marked FAILED instead; omit to requeue without counting. */
  maxRequeues?: number;
}

/**
 * Writes a fresh judge job for every run left QUEUED too long, and gives up on runs requeued too
 * often. A job can vanish: the embedded emulator forgets its messages on restart, and on AWS a job
 * that kept failing moves to the dead-letter queue. A run queued twice is still judged once (see
 * judgeEvaluationRun). Returns how many runs were requeued and failed.
 */
export async function requeueStaleRuns(
  dataSource: DataSource,
  policy: RequeuePolicy,
  now = new Date(),
): Promise<{ requeued: number; failed: number }> {
  // A run awaiting review is waiting for humans, not stale, until its last review is in and the
  // job that review wrote has vanished; left out in SQL, so that a backlog of reviews cannot fill
  // the batch. (A QUEUED run may hold uncertain cases too: its missing slices are what it waits for.)
  const stale = await dataSource
    .getRepository(EvaluationRun)
    .createQueryBuilder("r")
    .select(["r.id", "r.status", "r.requeues", "r.enqueuedAt", "r.sliceCount"])
    .where("r.status IN (:...waiting)", { waiting: [EvaluationRunStatus.QUEUED, EvaluationRunStatus.AWAITING_REVIEW] })
    .andWhere("r.enqueued_at <= :before", { before: new Date(now.getTime() - policy.staleAfterMs) })
    .andWhere("NOT (r.status = :awaiting AND EXISTS (SELECT 1 FROM jury_verdicts v WHERE v.run_id = r.id AND v.outcome = :uncertain))", {
      awaiting: EvaluationRunStatus.AWAITING_REVIEW,
      uncertain: CaseOutcome.UNCERTAIN,
    })
    .orderBy("r.enqueued_at", "ASC")
    .limit(500)
    .getMany();
  return inTransaction(dataSource, async (manager) => {
    const result = { requeued: 0, failed: 0 };
    for (const run of stale) {
      // Conditional on what was read, so two reconcilers, or a judge finishing meanwhile, win cleanly.
      const unchanged = { id: run.id, status: run.status, enqueuedAt: run.enqueuedAt };
      if (policy.maxRequeues !== undefined && run.requeues >= policy.maxRequeues) {
        const reason = `not judged after ${run.requeues} requeues; the job's failures are in the judge's logs and dead-letter queue`;
        const { affected } = await manager.update(EvaluationRun, unchanged, {
          status: EvaluationRunStatus.FAILED,
          failureReason: reason,
          completedAt: now,
        });
        result.failed += affected ?? 0;
        continue;
      }
      const requeues = run.requeues + (policy.maxRequeues === undefined ? 0 : 1);
      const { affected } = await manager.update(EvaluationRun, unchanged, { enqueuedAt: now, requeues });
      if (!affected) continue;
      // Every slice again: a slice already stored is skipped before any jury call.
      if (run.status === EvaluationRunStatus.AWAITING_REVIEW) await enqueue(manager, "judge", judgeJob(run.id, null));
      else for (let slice = 0; slice < run.sliceCount; slice += 1) await enqueue(manager, "judge", judgeJob(run.id, slice));
      result.requeued += 1;
    }
    return result;
  });
}
