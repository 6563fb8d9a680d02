import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { inTransaction, insertInChunks, isUniqueViolation, writeLock } from "../../../lib/platform/database.js";
import { EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import type { JudgeJob } from "./judge-job.message.js";
import { isJuryJudged, judgeEvaluationRun, type JudgedRun } from "./evaluation-run.judge.js";
import { caseValue, metricDefinition } from "./judging/metric.catalogue.js";
import { meets } from "./judging/run-verdict.math.js";
import { convene } from "./jury/jury.convene.js";
import type { JuryPanel } from "./jury/jury.panel.js";
import { JudgeFailure, JudgedSlice, JuryVerdict } from "./jury-verdict.entity.js";
import { PactClause } from "../authoring/pact.entity.js";
import { CaseOutcome, DecidedBy, EvaluationMethod, EvaluationRunStatus } from "../pact.enums.js";

/** The cases of slice `slice` of a run: consecutive positions, as evenly sized as the count allows. */
export function sliceBounds(caseCount: number, sliceCount: number, slice: number): { from: number; to: number } {
  const size = Math.ceil(caseCount / sliceCount);
  return { from: slice * size, to: Math.min(caseCount, (slice + 1) * size) };
}

/** How many judge jobs a run becomes: one, unless a jury must hear more cases than a slice holds. */
export function sliceCountFor(caseCount: number, clauses: readonly Pick<PactClause, "method">[], sliceCases: number): number {
  return clauses.some(isJuryJudged) ? Math.max(1, Math.ceil(caseCount / sliceCases)) : 1;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping their order. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  }));
  return results;
}

/**
 * The jury's verdicts on one slice of a run: every case, under every jury-judged metric that
 * applies to it. Model calls take seconds, so this runs outside any transaction; what it returns
 * is stored (once) by `processJudgeJob`. For a HYBRID clause, a jury contradicting the
 * deterministic check makes the case UNCERTAIN, like a jury that cannot agree.
 */
export async function deliberate(dataSource: DataSource, run: EvaluationRun, clauses: readonly PactClause[], slice: number, panel: JuryPanel, now = new Date()): Promise<JuryVerdict[]> {
  // One verdict per metric and case, from the first clause naming the metric, even if two do.
  const juryClauses = clauses.filter(isJuryJudged).filter((clause, index, all) => all.findIndex((other) => other.metric === clause.metric) === index);
  const { from, to } = sliceBounds(run.caseCount, run.sliceCount, slice);
  const cases = await dataSource.getRepository(EvaluationCase).find({ where: { runId: run.id }, order: { position: "ASC" }, skip: from, take: to - from });
  const questions = cases.flatMap((c) => juryClauses.flatMap((clause) => {
    const definition = metricDefinition(clause.metric);
    const value = caseValue(definition, { ...c, timings: c.timings ?? {} });
    if (value === null || !definition.juryQuestion) return [];
    const deterministic = meets(clause.comparator, value, clause.threshold) ? CaseOutcome.PASS : CaseOutcome.FAIL;
    return [{ c, clause, deterministic, question: { metric: clause.metric, rubric: definition.juryQuestion, caseId: c.caseId, input: c.input, expected: c.expected, output: c.output } }];
  }));
  return pooled(questions, panel.concurrency, async ({ c, clause, deterministic, question }) => {
    const verdict = await convene(panel.jurors, question, panel.policy);
    const hybrid = clause.method === EvaluationMethod.HYBRID;
    const contradicted = hybrid && verdict.outcome !== "UNCERTAIN" && verdict.outcome !== deterministic;
    const juryOutcome = verdict.outcome as CaseOutcome;
    const outcome = contradicted ? CaseOutcome.UNCERTAIN : juryOutcome;
    return Object.assign(new JuryVerdict(), {
      id: randomUUID(),
      runId: run.id,
      caseId: c.caseId,
      agentId: run.agentId,
      metric: clause.metric,
      clauseKey: clause.key,
      method: clause.method,
      deterministicOutcome: hybrid ? deterministic : null,
      juryOutcome,
      uncertainBecause: contradicted ? `the deterministic check says ${deterministic}, the jury ${juryOutcome}` : verdict.uncertainBecause,
      votes: verdict.votes,
      majorityShare: verdict.majorityShare,
      costUsd: verdict.costUsd,
      outcome,
      decidedBy: outcome === CaseOutcome.UNCERTAIN ? null : DecidedBy.JURY,
      reviewer: null,
      reviewNote: null,
      reviewedAt: null,
      createdAt: now,
    });
  });
}

/** `work`, or a rejection once `deadlineAt` (epoch ms) passes: model calls must not outlive the Lambda. */
function beforeDeadline<T>(work: Promise<T>, deadlineAt: number): Promise<T> {
  if (!Number.isFinite(deadlineAt)) return work;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the jury did not finish before the invocation's deadline; the slice will be judged again")), Math.max(0, deadlineAt - Date.now()));
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
  onJudged: (manager: EntityManager, judged: JudgedRun) => Promise<unknown>,
  options: { now?: Date; deadlineAt?: number } = {},
): Promise<void> {
  const { now = new Date(), deadlineAt = Number.POSITIVE_INFINITY } = options;
  const run = await dataSource.getRepository(EvaluationRun).findOneBy({ id: job.runId });
  if (!run) throw new Error(`evaluation run ${job.runId} does not exist`);
  if (job.slice !== null && job.slice >= run.sliceCount) throw new Error(`evaluation run ${job.runId} has ${run.sliceCount} slices, not slice ${job.slice}`);
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
export async function recordJudgeFailure(dataSource: DataSource, failure: { messageId: string; body: string; reason: string; receiveCount: number }, now = new Date()): Promise<void> {
  const row = { body: failure.body.slice(0, 500), reason: failure.reason.slice(0, 1000), receiveCount: failure.receiveCount, lastFailedAt: now };
  try {
    await inTransaction(dataSource, async (manager) => {
      const { affected } = await manager.update(JudgeFailure, { messageId: failure.messageId }, row);
      if (!affected) await manager.insert(JudgeFailure, { messageId: failure.messageId, ...row, firstFailedAt: now });
    });
  } catch (error) {
    if (!isUniqueViolation(error)) console.error(JSON.stringify({ msg: "could not record a judge failure", messageId: failure.messageId, error: String(error) }));
  }
}
