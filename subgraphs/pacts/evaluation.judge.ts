import { In, type DataSource, type EntityManager } from "typeorm";
import { inTransaction, insertInChunks, writeLock } from "../../lib/database.js";
import { enqueue } from "../../lib/outbox.js";
import { CaseVerdict, ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import { judgeJob } from "./evaluation.job.js";
import { judgeTriageRun } from "./judging/alert-triage.js";
import { Pact, PactClause } from "./pact.entity.js";
import { EvaluationRunStatus } from "./pact.enums.js";

/** What the rest of the trust loop learns from a judged run. */
export interface JudgedRun {
  runId: string;
  agentId: string;
  pactId: string;
  pactVersion: number;
  casesPassed: number;
  casesFailed: number;
  runPassed: boolean;
  failedCriticalClauses: string[];
  judgedAt: Date;
}

/**
 * Judges a run inside the caller's transaction. The run row is locked first, so a redelivered or
 * concurrent copy of the job waits, then finds the run COMPLETED and returns null: effects happen
 * once. Throws when the run does not exist (a poison message).
 */
export async function judgeEvaluationRun(manager: EntityManager, runId: string, now = new Date()): Promise<JudgedRun | null> {
  const run = await manager.findOne(EvaluationRun, { where: { id: runId }, lock: writeLock(manager) });
  if (!run) throw new Error(`evaluation run ${runId} does not exist`);
  if (run.status === EvaluationRunStatus.COMPLETED) return null;

  const pact = await manager.findOneByOrFail(Pact, { id: run.pactId });
  const clauses = await manager.find(PactClause, { where: { pactId: pact.id }, order: { position: "ASC" } });
  const cases = await manager.find(EvaluationCase, { where: { runId }, order: { position: "ASC" } });
  const judged = judgeTriageRun(clauses, cases, pact.passThreshold);

  const casesPassed = judged.caseJudgements.filter((c) => c.passed).length;
  await insertInChunks(
    manager,
    CaseVerdict,
    judged.caseJudgements.map((c) => Object.assign(new CaseVerdict(), { runId, ...c, judgedAt: now })),
  );
  const clauseByKey = new Map(clauses.map((clause) => [clause.key, clause]));
  await manager.insert(
    ClauseResult,
    judged.clauseJudgements.map((j) => {
      const clause = clauseByKey.get(j.key)!;
      return { runId, clauseKey: j.key, metric: clause.metric, comparator: clause.comparator, threshold: clause.threshold, windowCases: clause.windowCases, severity: clause.severity, observed: j.observed, sampleSize: j.sampleSize, outcome: j.outcome, position: clause.position };
    }),
  );
  await manager.update(EvaluationRun, { id: runId }, {
    status: EvaluationRunStatus.COMPLETED,
    passedCount: casesPassed,
    failedCount: cases.length - casesPassed,
    passed: judged.run.passed,
    weightedPassShare: judged.run.weightedPassShare,
    completedAt: now,
  });
  return {
    runId,
    agentId: run.agentId,
    pactId: pact.id,
    pactVersion: run.pactVersion,
    casesPassed,
    casesFailed: cases.length - casesPassed,
    runPassed: judged.run.passed,
    failedCriticalClauses: judged.run.failedCriticalClauses,
    judgedAt: now,
  };
}

/**
 * Writes a fresh judge job for every run still QUEUED. The embedded SQS emulator keeps messages in
 * memory only, so after a restart this puts back whatever it lost; a run that was in fact queued
 * twice is judged once (see judgeEvaluationRun).
 */
export async function requeueUnjudgedRuns(dataSource: DataSource): Promise<number> {
  return inTransaction(dataSource, async (manager) => {
    const runs = await manager.find(EvaluationRun, { select: { id: true }, where: { status: In([EvaluationRunStatus.QUEUED]) } });
    for (const run of runs) await enqueue(manager, "judge", judgeJob(run.id));
    return runs.length;
  });
}
