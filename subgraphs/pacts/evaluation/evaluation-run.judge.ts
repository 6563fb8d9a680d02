import { In, type EntityManager } from "typeorm";
import type { ClauseTally, JudgedRun } from "../../../lib/contracts/judged-run.js";
import { config } from "../../../lib/platform/config.js";
import { insertInChunks, lockRow, readInChunks, writeLock } from "../../../lib/platform/database.js";
import { CaseVerdict, ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import { metricDefinition } from "./judging/metric.catalogue.js";
import {
  MAX_WINDOW_CASES,
  judgeRun,
  minSampleSize,
  type CaseJudgement,
  type ClauseOverride,
  type WindowCase,
} from "./judging/run-verdict.math.js";
import { fleissKappa } from "./jury/jury.convene.js";
import { JudgedSlice, JuryVerdict } from "./jury-verdict.entity.js";
import { Pact, PactClause } from "../authoring/pact.entity.js";
import { RunWindow } from "./run-window.entity.js";
import { logRunVerdict } from "../pact.log.js";
import { CaseOutcome, ClauseOutcome, EvaluationMethod, EvaluationRunStatus, MetricDirection } from "../pact.enums.js";

/**
 * A clause's evidence from one run: the cases whose own check met or missed it (a percentile
 * clause checks each case's own time). When no case of the run carries what the clause measures,
 * its run verdict counts as one case. A clause with too little evidence in its window counts for
 * nothing: its cases' checks say no more about the promise than its verdict does.
 */
function clauseEvidence(clause: PactClause, cases: readonly CaseJudgement[], outcome: ClauseOutcome | undefined): ClauseTally {
  if (outcome === undefined || outcome === ClauseOutcome.INSUFFICIENT_EVIDENCE)
    return { metric: clause.metric, weight: clause.weight, passed: 0, failed: 0 };
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    const check = c.checks[clause.key];
    if (check === true) passed += 1;
    else if (check === false) failed += 1;
  }
  if (passed + failed === 0) {
    passed = outcome === ClauseOutcome.PASSED ? 1 : 0;
    failed = outcome === ClauseOutcome.FAILED ? 1 : 0;
  }
  return { metric: clause.metric, weight: clause.weight, passed, failed };
}

const DAY_MS = 24 * 3600 * 1000;
/** Locks an agent's runs in a workflow as windows span them: judges deciding runs and appeals setting runs aside take it in turn. */
export async function lockRunWindow(manager: EntityManager, agentId: string, workflow: string): Promise<void> {
  await lockRow(manager, RunWindow, { agentId, workflow }, ["agent_id", "workflow"], { agentId, workflow });
}

/** Runs whose cases count for nothing. */
const VOID_STATUSES = [EvaluationRunStatus.FAILED, EvaluationRunStatus.SET_ASIDE];

/** Runs read per step while filling a window; most windows fill from a few runs. */
const RUN_PAGE = 50;

/**
 * The runs whose cases make up the window, newest first: the agent's runs in the workflow
 * submitted up to this one (later runs never change an earlier verdict), across pact versions
 * (amending a pact does not wipe a failing window), runs that failed judging or were set aside on
 * appeal excluded; just enough of them to hold `limit` cases. Read in pages along
 * `idx_runs_window` (which ends with the primary key), so the cost follows the window's size, not
 * the agent's history.
 */
async function windowRuns(manager: EntityManager, run: EvaluationRun, limit: number, since: Date | null): Promise<EvaluationRun[]> {
  const runs: EvaluationRun[] = [];
  let cases = 0;
  let before = { at: run.submittedAt, id: run.id, comparison: "<=" };
  for (;;) {
    const query = manager
      .createQueryBuilder(EvaluationRun, "r")
      .select(["r.id", "r.submittedAt", "r.caseCount"])
      .where("r.agent_id = :agentId AND r.workflow = :workflow AND r.status NOT IN (:...void)", {
        agentId: run.agentId,
        workflow: run.workflow,
        void: VOID_STATUSES,
      })
      .andWhere(`(r.submitted_at < :at OR (r.submitted_at = :at AND r.id ${before.comparison} :id))`, { at: before.at, id: before.id });
    if (since) query.andWhere("r.submitted_at >= :since", { since });
    const page = await query.orderBy("r.submitted_at", "DESC").addOrderBy("r.id", "DESC").limit(RUN_PAGE).getMany();
    for (const found of page) {
      runs.push(found);
      cases += found.caseCount;
      if (cases >= limit) return runs;
    }
    if (page.length < RUN_PAGE) return runs;
    const last = page[page.length - 1]!;
    before = { at: last.submittedAt, id: last.id, comparison: "<" };
  }
}

/**
 * The evidence every clause of the run's pact is judged over, newest first (see windowRuns). Only
 * what the judges read is loaded: never the inputs, up to 64 KiB each.
 */
async function windowCases(manager: EntityManager, run: EvaluationRun, clauses: readonly PactClause[]): Promise<WindowCase[]> {
  const limit = Math.max(...clauses.map((clause) => clause.windowCases ?? MAX_WINDOW_CASES));
  // Days bound the read only when every clause has them; a count-only clause may reach further back.
  const longestDays = clauses.every((clause) => clause.windowDays !== null)
    ? Math.max(...clauses.map((clause) => clause.windowDays!))
    : null;
  const runs = await windowRuns(
    manager,
    run,
    limit,
    longestDays === null ? null : new Date(run.submittedAt.getTime() - longestDays * DAY_MS),
  );
  const order = new Map(runs.map((r, index) => [r.id, index]));
  const cases = await readInChunks(
    runs.map((r) => r.id),
    (runIds) =>
      manager.find(EvaluationCase, {
        select: { runId: true, caseId: true, position: true, expected: true, output: true, timings: true, groundedIndicators: true },
        where: { runId: In(runIds) },
      }),
  );
  cases.sort((a, b) => order.get(a.runId)! - order.get(b.runId)! || b.position - a.position);
  return cases.slice(0, limit).map((c) => ({
    caseId: c.caseId,
    expected: c.expected,
    output: c.output,
    timings: c.timings ?? {},
    groundedIndicators: c.groundedIndicators,
    submittedAt: runs[order.get(c.runId)!]!.submittedAt,
  }));
}

export const isJuryJudged = (clause: Pick<PactClause, "method">) => clause.method !== EvaluationMethod.DETERMINISTIC;

/**
 * The jury's and reviewers' final verdicts on the given cases of the agent, as the run rule's
 * override: a PASS is the metric's good value (1, or 0 where lower is better). Cases without one
 * (judged before the clause asked for a jury) keep their deterministic value.
 */
async function decidedVerdicts(
  manager: EntityManager,
  agentId: string,
  clauses: readonly PactClause[],
  caseIds: readonly string[],
): Promise<ClauseOverride> {
  const juryClauses = new Set(clauses.filter(isJuryJudged).map((clause) => clause.key));
  const rows = await readInChunks(caseIds, (chunk) =>
    manager.find(JuryVerdict, {
      select: { caseId: true, metric: true, outcome: true },
      where: { agentId, caseId: In(chunk), outcome: In([CaseOutcome.PASS, CaseOutcome.FAIL]) },
    }),
  );
  const decided = new Map(rows.map((row) => [`${row.caseId}|${row.metric}`, row.outcome]));
  return (clause, c) => {
    if (!juryClauses.has(clause.key)) return undefined;
    const outcome = decided.get(`${c.caseId}|${clause.metric}`);
    if (outcome === undefined) return undefined;
    const good = metricDefinition(clause.metric).direction === MetricDirection.HIGHER_IS_BETTER ? 1 : 0;
    return outcome === CaseOutcome.PASS ? good : 1 - good;
  };
}

/** Fleiss' kappa and total cost of the jury's votes on a run; nulls without jury verdicts. */
async function juryStatistics(
  manager: EntityManager,
  runId: string,
): Promise<{ juryAgreement: number | null; juryCostUsd: number | null }> {
  const verdicts = await manager.find(JuryVerdict, { select: { votes: true, costUsd: true }, where: { runId } });
  if (verdicts.length === 0) return { juryAgreement: null, juryCostUsd: null };
  const counts = verdicts.map(({ votes }) => ({
    pass: votes.filter((v) => v.verdict === "PASS").length,
    fail: votes.filter((v) => v.verdict === "FAIL").length,
  }));
  return { juryAgreement: fleissKappa(counts), juryCostUsd: verdicts.reduce((sum, v) => sum + v.costUsd, 0) };
}

/**
 * Decides a run inside the caller's transaction, once there is nothing left to wait for: every
 * slice's jury work stored and no case waiting for a human. The run row is locked first, so a
 * redelivered or concurrent job waits, then finds the run decided and returns null: effects happen
 * once. A run whose jury left cases uncertain becomes AWAITING_REVIEW instead. Throws when the run
 * does not exist (a poison message).
 */
export async function judgeEvaluationRun(
  manager: EntityManager,
  runId: string,
  now = new Date(),
  evidenceConfidence = config().evaluation.evidenceConfidence,
): Promise<JudgedRun | null> {
  const run = await manager.findOne(EvaluationRun, { where: { id: runId }, lock: writeLock(manager) });
  if (!run) throw new Error(`evaluation run ${runId} does not exist`);
  // Judged already, or given up on: either way this copy of the job has nothing to do.
  if (run.status !== EvaluationRunStatus.QUEUED && run.status !== EvaluationRunStatus.AWAITING_REVIEW) return null;
  // Before any plain read: the window is read as committed, and no run in it is set aside meanwhile.
  await lockRunWindow(manager, run.agentId, run.workflow);

  const pact = await manager.findOneByOrFail(Pact, { id: run.pactId });
  const clauses = await manager.find(PactClause, { where: { pactId: pact.id }, order: { position: "ASC" } });
  const withJury = clauses.some(isJuryJudged);
  if (withJury) {
    if ((await manager.countBy(JudgedSlice, { runId })) < run.sliceCount) return null;
    if ((await manager.countBy(JuryVerdict, { runId, outcome: CaseOutcome.UNCERTAIN })) > 0) {
      if (run.status === EvaluationRunStatus.QUEUED)
        await manager.update(EvaluationRun, { id: runId }, { status: EvaluationRunStatus.AWAITING_REVIEW });
      return null;
    }
  }
  const runCases = (
    await manager.find(EvaluationCase, {
      select: { caseId: true, expected: true, output: true, timings: true, groundedIndicators: true },
      where: { runId },
      order: { position: "ASC" },
    })
  ).map((c) => ({ ...c, timings: c.timings ?? {} }));
  const recentCases = await windowCases(manager, run, clauses);
  const override = withJury
    ? await decidedVerdicts(manager, run.agentId, clauses, [...new Set([...runCases, ...recentCases].map((c) => c.caseId))])
    : undefined;
  const minimumOf = (clause: Pick<PactClause, "metric" | "comparator" | "threshold">) => minSampleSize(clause, evidenceConfidence);
  const judged = judgeRun(clauses, runCases, recentCases, pact.passThreshold, run.submittedAt, override, minimumOf);

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
      const { metric, comparator, threshold, windowCases, windowDays, method, severity, position } = clause;
      return {
        runId,
        clauseKey: j.key,
        metric,
        comparator,
        threshold,
        windowCases,
        windowDays,
        method,
        severity,
        observed: j.observed,
        sampleSize: j.sampleSize,
        outcome: j.outcome,
        minSampleSize: minimumOf(clause),
        position,
      };
    }),
  );
  await manager.update(
    EvaluationRun,
    { id: runId },
    {
      status: EvaluationRunStatus.COMPLETED,
      passedCount: casesPassed,
      failedCount: runCases.length - casesPassed,
      passed: judged.run.passed,
      weightedPassShare: judged.run.weightedPassShare,
      completedAt: now,
      ...(withJury ? await juryStatistics(manager, runId) : {}),
    },
  );
  await logRunVerdict(manager, {
    runId,
    agentId: run.agentId,
    workflow: run.workflow,
    pactId: pact.id,
    pactVersion: run.pactVersion,
    casesPassed,
    casesFailed: runCases.length - casesPassed,
    passed: judged.run.passed,
    weightedPassShare: judged.run.weightedPassShare,
    failedCriticalClauses: judged.run.failedCriticalClauses,
    clauses: judged.clauseJudgements.map(({ key, outcome, observed, sampleSize }) => ({ key, outcome, observed, sampleSize })),
    judgedAt: now,
  });
  return {
    runId,
    agentId: run.agentId,
    pactId: pact.id,
    pactVersion: run.pactVersion,
    casesPassed,
    casesFailed: runCases.length - casesPassed,
    runPassed: judged.run.passed,
    failedCriticalClauses: judged.run.failedCriticalClauses,
    clauses: clauses.map((clause) =>
      clauseEvidence(clause, judged.caseJudgements, judged.clauseJudgements.find((j) => j.key === clause.key)?.outcome),
    ),
    terms: {
      pactId: pact.id,
      pactVersion: pact.version,
      ladder: pact.consequenceLadder,
      route: pact.escalationRoute,
      owner: { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes },
    },
    submittedAt: run.submittedAt,
    judgedAt: now,
  };
}
