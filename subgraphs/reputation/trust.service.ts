import { randomUUID } from "node:crypto";
import { LessThan, type DataSource, type EntityManager } from "typeorm";
import { inTransaction, writeLock } from "../../lib/database.js";
import { EscalationRecipient, type ConsequenceTerms } from "../../lib/consequence.js";
import { climbLadder, type LadderSignals } from "./consequence-ladder.js";
import { KpiReport } from "./kpi-report.entity.js";
import { Kpi, driftStanding, weeklyScorecard } from "./scorecard.js";
import {
  SCORING_POLICY,
  addEvaluation,
  addReputation,
  addRunToDrift,
  breachEvidence,
  compositeOf,
  decayTo,
  decideListing,
  emptyDrift,
  emptyState,
  evaluationDriftAlarm,
  reportEvidence,
  reputationOf,
  tierRank,
  type ClauseEvidence,
  type DisputeSeverity,
  type ListingDecision,
  type Score,
  type ScoringState,
} from "./scoring.js";
import { DisputeState, EligibilityChange, Escalation, EscalationDirection, ScoreHistoryEntry, TrustCause } from "./trust-history.entity.js";
import { EvaluationEvidence, TrustProfile } from "./trust.entity.js";

const DAY_MS = 24 * 3600 * 1000;
/** Evidence recorded before clauses were kept counts as one metric of weight 1 (see the dual-scores migration). */
const LEGACY_METRIC = "RUN_CASES";

/** The profile fields the scores and the listing decision set. */
function assessed(composite: Score, reputation: Score, decision: ListingDecision) {
  return {
    compositeScore: composite.score,
    compositeConfidence: composite.confidence,
    reputationScore: reputation.score,
    reputationConfidence: reputation.confidence,
    tier: decision.tier,
    tierRank: tierRank(decision.tier),
    eligible: decision.eligible,
    reasons: decision.reasons,
    policyVersion: decision.policyVersion,
  };
}

/** The trust of an agent with no evidence: the newcomer prior. */
export function priorProfile(agentId: string): TrustProfile {
  const state = emptyState();
  const composite = compositeOf(state);
  const reputation = reputationOf(state);
  const decision = decideListing({ composite, reputation, evaluationRuns: 0, lastRunPassed: null, lastRunFailedCriticalClauses: [], openCriticalDisputes: 0, consequence: null });
  return Object.assign(new TrustProfile(), {
    agentId,
    ...assessed(composite, reputation, decision),
    casesPassed: 0,
    casesFailed: 0,
    evaluationRuns: 0,
    lastRunPassed: null,
    lastRunFailedCriticalClauses: [],
    lastRunSubmittedAt: null,
    consequence: null,
    consequenceSince: null,
    ladderResetAt: null,
    unlistedAt: null,
    driftAlarm: false,
    driftRaisedAt: null,
    kpiDriftAlarm: false,
    openCriticalDisputes: 0,
    passingStreak: 0,
    scoringState: state,
    evaluationDrift: emptyDrift(),
    consequenceTerms: null,
    updatedAt: null,
  });
}

/**
 * The agent's trust row, created at the prior if missing, locked for the rest of the transaction so
 * that everything changing one agent's trust serialises here. An upsert, not INSERT IGNORE: on
 * InnoDB the latter takes a shared lock on an existing row, and two writers upgrading theirs to
 * FOR UPDATE deadlock. Call it before any plain read, so that on MySQL the transaction's snapshot
 * is taken after the lock and sees what the previous holder committed.
 */
export async function lockProfile(manager: EntityManager, agentId: string): Promise<TrustProfile> {
  await manager.createQueryBuilder().insert().into(TrustProfile).values(priorProfile(agentId)).orUpdate(["agent_id"], ["agent_id"]).execute();
  return manager.findOneOrFail(TrustProfile, { where: { agentId }, lock: writeLock(manager) });
}

/** What changed an agent's trust, and when (the system's clock: ladder windows and histories use it). */
export interface TrustChange {
  cause: TrustCause;
  causeId: string;
  at: Date;
}

/**
 * Reads that must see the latest committed rows even when the transaction's snapshot is older: a
 * locking read does on InnoDB. FOR UPDATE, because MariaDB has no FOR SHARE; the profile lock
 * already serialises these writers, so it costs no concurrency.
 */
const latest = (manager: EntityManager) => (manager.connection.options.type === "better-sqlite3" ? undefined : "pessimistic_write" as const);

/** What the ladder reads, gathered with a fixed number of indexed queries whatever the history. */
async function ladderSignals(manager: EntityManager, next: TrustProfile, terms: ConsequenceTerms, compositeScore: number, at: Date, driftAlarm: boolean): Promise<LadderSignals> {
  const needed = Math.max(0, ...terms.ladder.map((step) => step.trigger.breachCount ?? 0));
  const breaches = manager
    .createQueryBuilder(EvaluationEvidence, "e")
    .select("e.submittedAt")
    .where("e.agent_id = :agentId AND e.run_passed = 0", { agentId: next.agentId })
    .orderBy("e.submitted_at", "DESC")
    .limit(Math.max(needed, 1));
  const lock = latest(manager);
  if (lock) breaches.setLock(lock);
  const resetAt = next.ladderResetAt?.getTime() ?? -Infinity;
  const breachTimes = (await breaches.getMany()).map((e) => e.submittedAt.getTime()).filter((at) => at >= resetAt);

  const windows = [...new Set(terms.ladder.flatMap((step) => (step.trigger.scoreDropPoints != null ? [step.trigger.scoreDropWindowDays ?? 30] : [])))];
  const scoreThen = new Map<number, number | null>();
  for (const days of windows) {
    // Only indexed columns: selecting the whole row made MariaDB scan the agent's entries of the
    // window instead of seeking to one (docs/benchmarks.md).
    const query = manager
      .createQueryBuilder(ScoreHistoryEntry, "h")
      .select("h.composite_score", "score")
      .where("h.agent_id = :agentId AND h.recorded_at <= :then", { agentId: next.agentId, then: new Date(at.getTime() - days * DAY_MS) })
      // After an arbiter's lift the ladder starts afresh: no score from before it to fall from.
      .andWhere("h.recorded_at >= :resetAt", { resetAt: next.ladderResetAt ?? new Date(0) })
      .orderBy("h.recorded_at", "DESC")
      .addOrderBy("h.id", "DESC")
      .limit(1);
    if (lock) query.setLock(lock);
    // An agent younger than the window has no score to fall from yet: breaches still count.
    const then = await query.getRawOne<{ score: number | string }>();
    scoreThen.set(days, then ? Number(then.score) : null);
  }
  return {
    now: at.getTime(),
    breachTimes,
    compositeScore,
    compositeDaysAgo: (days) => scoreThen.get(days) ?? null,
    // After an arbiter's lift, only an alarm raised again counts.
    driftAlarm: driftAlarm && (next.ladderResetAt === null || (next.driftRaisedAt !== null && next.driftRaisedAt > next.ladderResetAt)),
    passingStreak: next.passingStreak,
    levelSince: next.consequenceSince?.getTime() ?? null,
  };
}

function recipientsFor(terms: ConsequenceTerms, action: string): EscalationRecipient[] {
  return terms.route.find((step) => step.action === action)?.notify ?? [EscalationRecipient.ESCALATION_OWNER];
}

/**
 * Settles an agent's trust after its aggregates changed, inside the caller's transaction and
 * under the profile lock: runs the pact's consequence ladder (one move at most, recorded as an
 * escalation to the route), lets the listing policy decide, writes the profile, appends the score
 * history, and the eligibility history when eligibility, tier or consequence changed.
 */
export async function settleTrust(manager: EntityManager, current: TrustProfile, next: TrustProfile, change: TrustChange, runLadder = true): Promise<TrustProfile> {
  const composite = compositeOf(next.scoringState);
  const reputation = reputationOf(next.scoringState);
  next.driftAlarm = next.kpiDriftAlarm || evaluationDriftAlarm(next.evaluationDrift);
  // Stamped whenever either alarm is newly raised, so an alarm raised after an arbiter's lift
  // counts even while the other, older one still stands.
  const raised = (!current.kpiDriftAlarm && next.kpiDriftAlarm) || (!evaluationDriftAlarm(current.evaluationDrift) && evaluationDriftAlarm(next.evaluationDrift));
  next.driftRaisedAt = !next.driftAlarm ? null : raised ? change.at : current.driftRaisedAt;

  const terms = next.consequenceTerms;
  if (terms && runLadder) {
    const level = next.consequence === null ? -1 : terms.ladder.findIndex((step) => step.action === next.consequence);
    // A standing step the current ladder no longer has stays until an arbiter lifts it.
    const move = next.consequence !== null && level < 0 ? null : climbLadder(terms.ladder, level, await ladderSignals(manager, next, terms, composite.score, change.at, next.driftAlarm));
    if (move) {
      next.consequence = move.level >= 0 ? terms.ladder[move.level]!.action : null;
      next.consequenceSince = move.level >= 0 ? change.at : null;
      // A way back counts the passing runs after the step, not those before it.
      if (move.direction === "FIRED") next.passingStreak = 0;
      await recordEscalation(manager, next.agentId, terms, { action: move.action, direction: EscalationDirection[move.direction], reason: move.reason }, change);
    }
  }

  const decision = decideListing({
    composite,
    reputation,
    evaluationRuns: next.evaluationRuns,
    lastRunPassed: next.lastRunPassed,
    lastRunFailedCriticalClauses: next.lastRunFailedCriticalClauses,
    openCriticalDisputes: next.openCriticalDisputes,
    consequence: next.consequence,
  });
  Object.assign(next, { ...assessed(composite, reputation, decision), updatedAt: change.at });
  // Losing the listing is always told; regaining it only after it was lost (a first listing is no news).
  const listingFlipped = current.updatedAt !== null && current.eligible !== next.eligible;
  const told = listingFlipped && (!next.eligible || current.unlistedAt !== null);
  if (listingFlipped) next.unlistedAt = next.eligible ? null : change.at;
  // An UPDATE, not save(): save() looks the row up with a plain read, which under REPEATABLE READ
  // may come from a snapshot older than the row and then tries to INSERT it.
  const { agentId, ...changes } = next;
  await manager.update(TrustProfile, { agentId }, changes);

  const cause = { cause: change.cause, causeId: change.causeId };
  const scoresChanged = (["compositeScore", "compositeConfidence", "reputationScore", "reputationConfidence"] as const).some((field) => current[field] !== next[field]);
  // Evidence is always recorded; the passing of time only when it moved a score.
  if (scoresChanged || change.cause !== TrustCause.TIME) await manager.insert(ScoreHistoryEntry, {
    id: randomUUID(),
    agentId,
    compositeScore: next.compositeScore,
    compositeConfidence: next.compositeConfidence,
    reputationScore: next.reputationScore,
    reputationConfidence: next.reputationConfidence,
    ...cause,
    recordedAt: change.at,
  });
  if (told && next.consequenceTerms) {
    const { ESCALATION_OWNER, BUILDER, BUYERS } = EscalationRecipient;
    await recordEscalation(manager, agentId, next.consequenceTerms, {
      action: null,
      direction: next.eligible ? EscalationDirection.LISTED : EscalationDirection.UNLISTED,
      reason: next.eligible ? "eligible for listing again" : `no longer eligible for listing: ${next.reasons.join("; ")}`,
      notify: [ESCALATION_OWNER, BUILDER, BUYERS],
    }, change);
  }
  const listingChanged = current.updatedAt === null || current.eligible !== next.eligible || current.tier !== next.tier || current.consequence !== next.consequence;
  if (listingChanged) {
    await manager.insert(EligibilityChange, {
      id: randomUUID(),
      agentId,
      eligible: next.eligible,
      tier: next.tier,
      consequence: next.consequence,
      reasons: next.reasons,
      policyVersion: next.policyVersion,
      ...cause,
      decidedAt: change.at,
    });
  }
  return next;
}

async function recordEscalation(
  manager: EntityManager,
  agentId: string,
  terms: ConsequenceTerms,
  step: { action: Escalation["action"]; direction: EscalationDirection; reason: string; notify?: EscalationRecipient[] },
  change: TrustChange,
): Promise<void> {
  const needsAck = step.direction === EscalationDirection.FIRED || step.direction === EscalationDirection.UNLISTED;
  await manager.insert(Escalation, {
    id: randomUUID(),
    agentId,
    pactId: terms.pactId,
    ...step,
    reason: step.reason.slice(0, 500),
    notify: step.notify ?? recipientsFor(terms, step.action!),
    ownerTeam: terms.owner.team,
    ownerContact: terms.owner.contact,
    cause: change.cause,
    causeId: change.causeId,
    createdAt: change.at,
    ackDueAt: needsAck ? new Date(change.at.getTime() + terms.owner.ackDeadlineMinutes * 60_000) : null,
    acknowledgedAt: null,
  });
}

/** A judged evaluation run, as the judge reports it to reputation. */
export interface EvaluationOutcome {
  runId: string;
  agentId: string;
  pactId: string;
  pactVersion: number;
  casesPassed: number;
  casesFailed: number;
  runPassed: boolean;
  failedCriticalClauses: string[];
  /** Per clause of the pact: its metric, weight, and the run's cases it passed and failed. */
  clauses: ClauseEvidence[];
  /** The pact version's ladder, route and escalation owner. */
  terms: ConsequenceTerms;
  submittedAt: Date;
  judgedAt: Date;
}

/** A run's evidence per metric; runs recorded before clauses were kept count as one legacy metric. */
export function clauseEvidenceOf(evidence: Pick<EvaluationEvidence, "clauses" | "casesPassed" | "casesFailed">): ClauseEvidence[] {
  return evidence.clauses?.length ? evidence.clauses : [{ metric: LEGACY_METRIC, weight: 1, passed: evidence.casesPassed, failed: evidence.casesFailed }];
}

/** Both scores' aggregates after one judged run: its clauses into the composite, a breach into reputation. */
function withRun(state: ScoringState, run: Pick<EvaluationEvidence, "clauses" | "casesPassed" | "casesFailed" | "runPassed" | "failedCriticalClauses" | "submittedAt">): ScoringState {
  const at = run.submittedAt.getTime();
  const evaluated = addEvaluation(state, at, clauseEvidenceOf(run));
  const breach = breachEvidence(run.runPassed, run.failedCriticalClauses);
  return breach > 0 ? addReputation(evaluated, at, 0, breach) : evaluated;
}

/**
 * Adds one judged run to the agent's trust, in the caller's transaction. Keyed by run id: a run
 * already recorded changes nothing. O(1) in the agent's history: running aggregates, plus a fixed
 * number of indexed look-ups for the ladder.
 */
export async function recordEvaluation(manager: EntityManager, outcome: EvaluationOutcome): Promise<TrustProfile | null> {
  // The agent's lock comes before the evidence row: a writer holding the lock reads the agent's
  // breaches with a locking read, which would wait on another's uncommitted row and deadlock.
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
  });
  return settleTrust(manager, current, next, { cause: TrustCause.EVALUATION_RUN, causeId: outcome.runId, at: outcome.judgedAt });
}

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
  const reports = await manager.find(KpiReport, { where: { agentId: report.agentId }, order: { weekStart: "ASC" } });
  const weeks = weeklyScorecard(reports, [...new Set(reports.map((r) => r.week))]);
  const kpiDriftAlarm = Object.values(Kpi).some((kpi) => driftStanding(kpi, weeks.map((week) => ({ week: week.week, value: week.values[kpi] }))));
  const next = Object.assign(new TrustProfile(), current, {
    scoringState: addReputation(current.scoringState, reportOccurredAt(report), good, bad),
    kpiDriftAlarm,
  });
  return settleTrust(manager, current, next, { cause: TrustCause.KPI_REPORT, causeId: report.id, at: report.submittedAt });
}

/** The state of one dispute, as the disputes context reports it after each transition. */
export interface DisputeReport {
  agentId: string;
  disputeId: string;
  /** Grows with every transition: a report with a version not above the stored one is stale. */
  version: number;
  severity: DisputeSeverity;
  /** Still open (filed, or under review). */
  open: boolean;
  /** Resolved as upheld and not since reversed by an appeal. */
  upheld: boolean;
  /** When the disputed behaviour happened: what an upheld dispute decays from. */
  occurredAt: Date;
  at: Date;
}

const disputeWeight = (state: Pick<DisputeState, "upheld" | "severity">) => (state.upheld ? SCORING_POLICY.reputation.disputeWeight[state.severity] : 0);

/**
 * Applies a dispute's new state as the difference from the one stored: upholding adds bad
 * production evidence by severity at the time of the behaviour, reversing takes exactly that back
 * (so it cancels), and the open critical count feeds the listing policy. Replays and reports
 * older than the stored version change nothing, not even the histories, whatever order at-least-
 * once delivery brings them in. Runs in the caller's transaction, which holds the dispute.
 */
export async function recordDisputeState(manager: EntityManager, report: DisputeReport): Promise<TrustProfile> {
  const current = await lockProfile(manager, report.agentId);
  const lock = latest(manager);
  const stored = await manager.findOne(DisputeState, { where: { disputeId: report.disputeId }, lock: lock ? { mode: lock } : undefined });
  if (stored && stored.version >= report.version) return current;

  const next = Object.assign(new DisputeState(), {
    disputeId: report.disputeId,
    agentId: report.agentId,
    version: report.version,
    severity: report.severity,
    criticalOpen: report.open && report.severity === "CRITICAL",
    upheld: report.upheld,
    occurredAt: report.occurredAt,
  });
  let state = current.scoringState;
  if (stored && disputeWeight(stored) > 0) state = addReputation(state, stored.occurredAt.getTime(), 0, -disputeWeight(stored));
  if (disputeWeight(next) > 0) state = addReputation(state, next.occurredAt.getTime(), 0, disputeWeight(next));
  if (stored) await manager.update(DisputeState, { disputeId: next.disputeId }, next);
  else await manager.insert(DisputeState, next);

  const openCriticalDisputes = current.openCriticalDisputes + Number(next.criticalOpen) - Number(stored?.criticalOpen ?? false);
  const profile = Object.assign(new TrustProfile(), current, { scoringState: state, openCriticalDisputes });
  return settleTrust(manager, current, profile, { cause: TrustCause.DISPUTE, causeId: report.disputeId, at: report.at });
}

/**
 * Both scores' aggregates folded from every piece of evidence the agent has: for audits and
 * policy changes. Reads the whole history by design; the incremental updates give the same sums.
 */
export async function foldEvidence(manager: EntityManager, agentId: string): Promise<ScoringState> {
  const runs = await manager.find(EvaluationEvidence, { where: { agentId } });
  const reports = await manager.find(KpiReport, { where: { agentId } });
  const disputes = await manager.find(DisputeState, { where: { agentId, upheld: true } });
  const timeline: { at: number; apply: (state: ScoringState) => ScoringState }[] = [
    ...runs.map((run) => ({ at: run.submittedAt.getTime(), apply: (state: ScoringState) => withRun(state, run) })),
    ...reports.map((report) => {
      const { good, bad } = reportAsEvidence(report);
      const at = reportOccurredAt(report);
      return { at, apply: (state: ScoringState) => addReputation(state, at, good, bad) };
    }),
    ...disputes.map((dispute) => ({ at: dispute.occurredAt.getTime(), apply: (state: ScoringState) => addReputation(state, dispute.occurredAt.getTime(), 0, disputeWeight(dispute)) })),
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
  const next = Object.assign(new TrustProfile(), current, { scoringState: decayTo(await foldEvidence(manager, agentId), current.scoringState.asOf) });
  return settleTrust(manager, current, next, change);
}

/**
 * An arbiter lifts the standing consequence, the only way down from a step without a way back:
 * the ladder starts afresh, counting only breaches from now on. Recorded as an escalation to the
 * route, and in the histories.
 */
export async function liftConsequence(manager: EntityManager, agentId: string, change: TrustChange & { reason: string }): Promise<TrustProfile | null> {
  const current = await lockProfile(manager, agentId);
  if (current.consequence === null || !current.consequenceTerms) return null;
  await recordEscalation(manager, agentId, current.consequenceTerms, { action: current.consequence, direction: EscalationDirection.LIFTED, reason: `lifted by an arbiter: ${change.reason}` }, change);
  const next = Object.assign(new TrustProfile(), current, { consequence: null, consequenceSince: null, ladderResetAt: change.at });
  return settleTrust(manager, current, next, change, false);
}

export interface DecaySweep {
  /** A profile unchanged for this long is brought up to date. */
  staleAfterMs: number;
  /** Profiles per sweep; the rest wait for the next. */
  limit: number;
}

export const DAILY_DECAY: DecaySweep = { staleAfterMs: DAY_MS, limit: 200 };

/**
 * Scores are stored as of an agent's newest evidence; without new evidence they would never age.
 * The sweep decays the profiles longest unchanged to `now` and settles them again, so old evidence
 * fades, a tier needing confidence can be lost, and a way back that needs quiet days can open.
 * Each agent in its own short transaction, found along the `updated_at` index.
 */
export async function sweepDecay(dataSource: DataSource, sweep: DecaySweep = DAILY_DECAY, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - sweep.staleAfterMs);
  const stale = await dataSource.getRepository(TrustProfile).find({
    select: { agentId: true },
    where: { updatedAt: LessThan(cutoff) },
    order: { updatedAt: "ASC" },
    take: sweep.limit,
  });
  let refreshed = 0;
  for (const { agentId } of stale) {
    const done = await inTransaction(dataSource, async (manager) => {
      const current = await lockProfile(manager, agentId);
      if (!current.updatedAt || current.updatedAt >= cutoff) return false;
      const next = Object.assign(new TrustProfile(), current, { scoringState: decayTo(current.scoringState, now.getTime()) });
      await settleTrust(manager, current, next, { cause: TrustCause.TIME, causeId: now.toISOString().slice(0, 10), at: now });
      return true;
    });
    if (done) refreshed += 1;
  }
  return refreshed;
}
