import { In, IsNull, LessThan, LessThanOrEqual, Not, type EntityManager } from "typeorm";
import { writeLock } from "../../lib/platform/database.js";
import type { ConsequenceTerms } from "../../lib/contracts/consequence.js";
import type { JudgedRun } from "../../lib/contracts/judged-run.js";
import type { DisputeStateReport } from "../../lib/contracts/dispute-state.js";
import { KpiReport } from "./kpi-report.entity.js";
import { Kpi, driftStanding, reportedSeries } from "./scorecard.math.js";
import {
  SCORING_POLICY,
  filerCredibility,
  addEvaluation,
  addReputation,
  addRunToDrift,
  breachEvidence,
  decayTo,
  emptyState,
  reportEvidence,
  type ClauseEvidence,
  type ScoringState,
} from "./score.math.js";
import { DisputeState, EligibilityChange, TrustCause } from "./trust-history.entity.js";
import { lockProfile, settleTrust, type HeldStanding, type TrustChange } from "./trust.settle.js";
import { EvaluationEvidence, TrustProfile } from "./trust.entity.js";

/*
 * Evidence into trust: judged runs, KPI reports and dispute states, each counted once into the
 * running aggregates and then settled (trust.settle.ts); and the full fold of all of it.
 */

const DAY_MS = 24 * 3600 * 1000;
/** Evidence recorded before clauses were kept counts as one metric of weight 1 (see the dual-scores migration). */
const LEGACY_METRIC = "RUN_CASES";

/** A run's evidence per metric; runs recorded before clauses were kept count as one legacy metric. */
function clauseEvidenceOf(evidence: Pick<EvaluationEvidence, "clauses" | "casesPassed" | "casesFailed">): ClauseEvidence[] {
  return evidence.clauses?.length
    ? evidence.clauses
    : [{ metric: LEGACY_METRIC, weight: 1, passed: evidence.casesPassed, failed: evidence.casesFailed }];
}

/**
 * Both scores' aggregates after one judged run: its clauses into the composite, a breach into
 * reputation; with `sign` −1, taken back out exactly (the sums are linear).
 */
function withRun(
  state: ScoringState,
  run: Pick<EvaluationEvidence, "clauses" | "casesPassed" | "casesFailed" | "runPassed" | "failedCriticalClauses" | "submittedAt">,
  sign: 1 | -1 = 1,
): ScoringState {
  const at = run.submittedAt.getTime();
  const evaluated = addEvaluation(
    state,
    at,
    clauseEvidenceOf(run).map((clause) => ({ ...clause, passed: sign * clause.passed, failed: sign * clause.failed })),
  );
  const breach = breachEvidence(run.runPassed, run.failedCriticalClauses);
  return breach > 0 ? addReputation(evaluated, at, 0, sign * breach) : evaluated;
}

/**
 * Adds one judged run to the agent's trust, in the caller's transaction. Keyed by run id: a run
 * already recorded changes nothing. O(1) in the agent's history: running aggregates, the recent
 * breaches on the profile, and a fixed number of indexed look-ups of past scores for the ladder.
 */
export async function recordEvaluation(manager: EntityManager, outcome: JudgedRun): Promise<TrustProfile | null> {
  // The agent's lock comes first: its writers then run one at a time, each seeing the last one's
  // profile, and only the lock's holder writes evidence rows.
  const current = await lockProfile(manager, outcome.agentId);
  // A plain read: a locking one would gap-lock the key and deadlock two agents' inserts. The judge
  // has locked the run already, and the key refuses a duplicate anyway.
  if (await manager.existsBy(EvaluationEvidence, { runId: outcome.runId })) return null;
  const { terms, ...evidence } = outcome;
  await manager.insert(EvaluationEvidence, Object.assign(new EvaluationEvidence(), evidence));

  // Eligibility and the ladder's terms follow the most recently submitted run, whatever order the
  // judges finish in.
  const newest = current.lastRunSubmittedAt === null || outcome.submittedAt >= current.lastRunSubmittedAt;
  const cases = outcome.casesPassed + outcome.casesFailed;
  const next = Object.assign(new TrustProfile(), current, {
    casesPassed: current.casesPassed + outcome.casesPassed,
    casesFailed: current.casesFailed + outcome.casesFailed,
    evaluationRuns: current.evaluationRuns + 1,
    lastRunPassed: newest ? outcome.runPassed : current.lastRunPassed,
    lastRunFailedCriticalClauses: newest ? outcome.failedCriticalClauses : current.lastRunFailedCriticalClauses,
    lastRunSubmittedAt: newest ? outcome.submittedAt : current.lastRunSubmittedAt,
    // The streak follows submission order like lastRunPassed: a late-judged older run, passing or
    // not, does not break or extend the run of the newest ones (an old breach still counts as one).
    passingStreak: newest ? (outcome.runPassed ? current.passingStreak + 1 : 0) : current.passingStreak,
    scoringState: withRun(current.scoringState, outcome),
    evaluationDrift: cases > 0 ? addRunToDrift(current.evaluationDrift, outcome.casesPassed / cases) : current.evaluationDrift,
    consequenceTerms: newest || !current.consequenceTerms ? terms : current.consequenceTerms,
    recentBreaches: outcome.runPassed ? current.recentBreaches : withBreach(current.recentBreaches, outcome.submittedAt.getTime(), terms),
  });
  return settleTrust(manager, current, next, { cause: TrustCause.EVALUATION_RUN, causeId: outcome.runId, at: outcome.judgedAt });
}

/**
 * Sets a judged run aside when an appeal against its verdict is granted: its cases and its breach
 * leave both scores, the breach leaves the ladder's count, and if it was the newest run the one
 * before it becomes the latest for eligibility. Once only; null when the run was never recorded
 * or is already set aside. The evaluation drift statistic is sequential and keeps the run.
 */
export async function setAsideRun(manager: EntityManager, runId: string, change: TrustChange): Promise<TrustProfile | null> {
  // Runs never change agent: a plain read for it, then the profile's lock, then the run's row.
  const agentId = (await manager.findOne(EvaluationEvidence, { select: { runId: true, agentId: true }, where: { runId } }))?.agentId;
  if (!agentId) return null;
  const current = await lockProfile(manager, agentId);
  const run = await manager.findOne(EvaluationEvidence, { where: { runId }, lock: writeLock(manager) });
  if (!run || run.setAsideAt) return null;
  await manager.update(EvaluationEvidence, { runId }, { setAsideAt: change.at });

  const latest = current.lastRunSubmittedAt?.getTime() === run.submittedAt.getTime();
  // Plain reads along the agent's evidence index (a locking one would gap-lock past the agent's
  // newest run and hold up other agents' evidence): a grant locks the run's window and this
  // profile before its first plain read (RunVerdicts.lock), so they see every run recorded.
  const previous = latest
    ? await manager.findOne(EvaluationEvidence, {
        where: { agentId, setAsideAt: IsNull(), runId: Not(runId) },
        order: { submittedAt: "DESC", runId: "DESC" },
      })
    : null;
  return settleTrust(
    manager,
    current,
    Object.assign(new TrustProfile(), current, {
      casesPassed: current.casesPassed - run.casesPassed,
      casesFailed: current.casesFailed - run.casesFailed,
      evaluationRuns: current.evaluationRuns - 1,
      scoringState: withRun(current.scoringState, run, -1),
      recentBreaches: run.runPassed ? current.recentBreaches : await breachesWithout(manager, current, run),
      ...(latest && {
        lastRunPassed: previous?.runPassed ?? null,
        lastRunFailedCriticalClauses: previous?.failedCriticalClauses ?? [],
        lastRunSubmittedAt: previous?.submittedAt ?? null,
        // A passing run set aside no longer extends the streak; a failing one had reset it, and the
        // runs it cut off are not walked back: the way back stays as strict as it was.
        passingStreak: run.runPassed ? Math.max(0, current.passingStreak - 1) : current.passingStreak,
      }),
    }),
    change,
    true,
    await standingBefore(manager, run),
  );
}

/**
 * The tier and eligibility that stood just before a run was recorded: the latest change of the
 * eligibility history decided before the run's own (one seek along the agent's history index).
 * Under an open alarm a set-aside may restore them, since the verdict it removes should never
 * have moved them, but no more: promotion stays held (docs/scoring.md).
 */
async function standingBefore(manager: EntityManager, run: EvaluationEvidence): Promise<HeldStanding | null> {
  return manager.findOne(EligibilityChange, {
    select: { id: true, tier: true, eligible: true },
    where: { agentId: run.agentId, decidedAt: LessThanOrEqual(run.judgedAt), causeId: Not(run.runId) },
    order: { decidedAt: "DESC", id: "DESC" },
  });
}

/**
 * The profile's recent breaches without a set-aside run's: when the list was full, the breach it
 * had pushed out comes back from the evidence, so the ladder counts as if the run never came.
 */
async function breachesWithout(manager: EntityManager, current: TrustProfile, run: EvaluationEvidence): Promise<number[]> {
  const at = run.submittedAt.getTime();
  const breaches = [...current.recentBreaches];
  if (breaches.includes(at)) breaches.splice(breaches.indexOf(at), 1);
  const keep = current.consequenceTerms ? breachesKept(current.consequenceTerms) : current.recentBreaches.length;
  if (current.recentBreaches.length < keep || breaches.length >= keep) return breaches;
  const older = await manager.find(EvaluationEvidence, {
    select: { runId: true, submittedAt: true },
    where: { agentId: run.agentId, runPassed: false, setAsideAt: IsNull(), submittedAt: LessThan(new Date(Math.min(...breaches, at))) },
    order: { submittedAt: "DESC", runId: "DESC" },
    take: keep - breaches.length,
  });
  return [...breaches, ...older.map((row) => row.submittedAt.getTime())];
}

/** The recent breaches with one more, newest first, kept to as many as the ladder can count. */
function withBreach(breaches: readonly number[], at: number, terms: ConsequenceTerms): number[] {
  return [...breaches, at].sort((a, b) => b - a).slice(0, breachesKept(terms));
}

/** Breaches the profile keeps: as many as the ladder's largest count. */
const breachesKept = (terms: ConsequenceTerms) => Math.max(1, ...terms.ladder.map((step) => step.trigger.breachCount ?? 0));

/** When a report's evidence happened: the end of its week, or when it was filed if sooner. */
export function reportOccurredAt(report: Pick<KpiReport, "weekStart" | "submittedAt">): number {
  return Math.min(report.weekStart.getTime() + 7 * DAY_MS, report.submittedAt.getTime());
}

const reportAsEvidence = (report: KpiReport) => reportEvidence(report, report.reporterRole === "buyer" ? "buyer" : "builder");

/**
 * Adds a just-stored KPI report to the agent's trust, under the profile lock the caller took
 * first: its quality into reputation, and whether a KPI's drift alarm now stands. Drift reads the
 * agent's reports, bounded by how far back reports may be filed, not by its evaluation history.
 */
export async function recordKpiReport(manager: EntityManager, current: TrustProfile, report: KpiReport): Promise<TrustProfile> {
  const { good, bad } = reportAsEvidence(report);
  const series = reportedSeries(await manager.find(KpiReport, { where: { agentId: report.agentId } }));
  const kpiDriftAlarm = Object.values(Kpi).some((kpi) => driftStanding(kpi, series[kpi]));
  const next = Object.assign(new TrustProfile(), current, {
    scoringState: addReputation(current.scoringState, reportOccurredAt(report), good, bad),
    kpiDriftAlarm,
  });
  return settleTrust(manager, current, next, { cause: TrustCause.KPI_REPORT, causeId: report.id, at: report.submittedAt });
}

/** Of the KPI report ids given, those about the agent. */
export async function agentKpiReportIds(manager: EntityManager, agentId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return new Set((await manager.find(KpiReport, { select: { id: true }, where: { agentId, id: In(ids) } })).map((report) => report.id));
}

const disputeWeight = (state: Pick<DisputeState, "upheld" | "severity" | "weight">) =>
  state.upheld ? SCORING_POLICY.reputation.disputeWeight[state.severity] * state.weight : 0;

/**
 * Applies a dispute's new state as the difference from the one stored: upholding adds bad
 * production evidence by severity at the time of the behaviour, reversing takes exactly that back
 * (so it cancels), and the open critical count feeds the listing policy. Replays and reports
 * older than the stored version change nothing, not even the histories, whatever order at-least-
 * once delivery brings them in. Runs in the caller's transaction, which holds the dispute.
 */
export async function recordDisputeState(manager: EntityManager, report: DisputeStateReport): Promise<TrustProfile> {
  const current = await lockProfile(manager, report.agentId);
  // A plain read: the disputes context locks the dispute before anything else, so every earlier
  // state of it is committed and in view; a locking read of a missing row would gap-lock the key
  // and deadlock disputes of other agents.
  const stored = await manager.findOneBy(DisputeState, { disputeId: report.disputeId });
  if (stored && stored.agentId !== report.agentId)
    throw new Error(`dispute ${report.disputeId} is about agent ${stored.agentId}, not ${report.agentId}`);
  if (stored && stored.version >= report.version) return current;

  const weight = filerCredibility(report.filerRecord);
  const next = Object.assign(new DisputeState(), {
    disputeId: report.disputeId,
    agentId: report.agentId,
    version: report.version,
    severity: report.severity,
    weight,
    criticalOpen: report.open && report.severity === "CRITICAL" && weight >= SCORING_POLICY.reputation.filerCredibility.listingBar,
    upheld: report.upheld,
    occurredAt: report.occurredAt,
  });
  let state = current.scoringState;
  if (stored && disputeWeight(stored) > 0) state = addReputation(state, stored.occurredAt.getTime(), 0, -disputeWeight(stored));
  if (disputeWeight(next) > 0) state = addReputation(state, next.occurredAt.getTime(), 0, disputeWeight(next));
  if (stored) await manager.update(DisputeState, { disputeId: next.disputeId }, next);
  else await manager.insert(DisputeState, next);

  const openCriticalDisputes = current.openCriticalDisputes + Number(next.criticalOpen) - Number(stored?.criticalOpen ?? false);
  // A step that moves nothing reputation counts (filing a MAJOR dispute, an assignment) is kept as
  // the dispute's state but settles nothing: the histories record changes, not paperwork.
  const weighsTheSame =
    disputeWeight(next) === (stored ? disputeWeight(stored) : 0) && (!stored || stored.occurredAt.getTime() === next.occurredAt.getTime());
  if (weighsTheSame && openCriticalDisputes === current.openCriticalDisputes) return current;
  const profile = Object.assign(new TrustProfile(), current, { scoringState: state, openCriticalDisputes });
  return settleTrust(manager, current, profile, { cause: TrustCause.DISPUTE, causeId: report.disputeId, at: report.at });
}

/**
 * Both scores' aggregates folded from every piece of evidence the agent has: for audits and
 * policy changes. Reads the whole history by design; the incremental updates give the same sums.
 */
async function foldEvidence(manager: EntityManager, agentId: string): Promise<ScoringState> {
  const runs = await manager.find(EvaluationEvidence, { where: { agentId, setAsideAt: IsNull() } });
  const reports = await manager.find(KpiReport, { where: { agentId } });
  const disputes = await manager.find(DisputeState, { where: { agentId, upheld: true } });
  const timeline: { at: number; apply: (state: ScoringState) => ScoringState }[] = [
    ...runs.map((run) => ({ at: run.submittedAt.getTime(), apply: (state: ScoringState) => withRun(state, run) })),
    ...reports.map((report) => {
      const { good, bad } = reportAsEvidence(report);
      const at = reportOccurredAt(report);
      return { at, apply: (state: ScoringState) => addReputation(state, at, good, bad) };
    }),
    ...disputes.map((dispute) => ({
      at: dispute.occurredAt.getTime(),
      apply: (state: ScoringState) => addReputation(state, dispute.occurredAt.getTime(), 0, disputeWeight(dispute)),
    })),
  ];
  // Sums are linear, so ties may go in any order.
  return timeline.sort((a, b) => a.at - b.at).reduce((state, step) => step.apply(state), emptyState());
}

/**
 * Replaces the agent's aggregates with the fold of all its evidence, seen from the same instant as
 * the stored ones (which the decay sweep may have moved past the newest evidence), and settles
 * under the current policy. The fold reads plainly: on MySQL the transaction must not have read
 * anything before the profile lock, or its snapshot could miss evidence committed meanwhile.
 */
export async function recomputeTrust(manager: EntityManager, agentId: string, change: TrustChange): Promise<TrustProfile> {
  const current = await lockProfile(manager, agentId);
  const next = Object.assign(new TrustProfile(), current, {
    scoringState: decayTo(await foldEvidence(manager, agentId), current.scoringState.asOf),
  });
  return settleTrust(manager, current, next, change);
}
