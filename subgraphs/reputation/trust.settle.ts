import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { lockRow } from "../../lib/platform/database.js";
import type { ConsequenceSteps } from "../../lib/contracts/dispute-ports.js";
import { EscalationRecipient, type ConsequenceTerms } from "../../lib/contracts/consequence.js";
import { climbLadder, type LadderSignals } from "./ladder.math.js";
import {
  compositeOf,
  decideListing,
  emptyDrift,
  emptyState,
  evaluationDriftAlarm,
  reputationOf,
  tierRank,
  type ListingDecision,
  type Score,
} from "./score.math.js";
import { EligibilityChange, Escalation, EscalationDirection, ScoreHistoryEntry, TrustCause } from "./trust-history.entity.js";
import { appendTrustEvents, trustEventsOf } from "./trust-event.append.js";
import { logConsequence, logTrustChange } from "./trust.log.js";
import { announceEscalation } from "./escalation.announce.js";
import { TrustProfile } from "./trust.entity.js";

/*
 * Settling an agent's trust: whatever the evidence, the same steps under the agent's lock: the
 * pact's consequence ladder, the listing policy, the profile, the histories and the escalations.
 */

const DAY_MS = 24 * 3600 * 1000;

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
  const decision = decideListing({
    composite,
    reputation,
    evaluationRuns: 0,
    lastRunPassed: null,
    lastRunFailedCriticalClauses: [],
    openCriticalDisputes: 0,
    consequence: null,
  });
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
    recentBreaches: [],
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
 * that everything changing one agent's trust serialises here (see lockRow: before any plain read).
 */
export function lockProfile(manager: EntityManager, agentId: string): Promise<TrustProfile> {
  return lockRow(manager, TrustProfile, priorProfile(agentId), ["agent_id"], { agentId });
}

/** What changed an agent's trust, and when (the system's clock: ladder windows and histories use it). */
export interface TrustChange {
  cause: TrustCause;
  causeId: string;
  at: Date;
}

/** What the ladder reads: the profile's recent breaches, and a fixed number of indexed look-ups of past scores. */
async function ladderSignals(
  manager: EntityManager,
  next: TrustProfile,
  terms: ConsequenceTerms,
  compositeScore: number,
  at: Date,
  driftAlarm: boolean,
): Promise<LadderSignals> {
  const resetAt = next.ladderResetAt?.getTime() ?? -Infinity;
  const breachTimes = next.recentBreaches.filter((breach) => breach >= resetAt);

  const windows = [
    ...new Set(terms.ladder.flatMap((step) => (step.trigger.scoreDropPoints != null ? [step.trigger.scoreDropWindowDays ?? 30] : []))),
  ];
  const scoreThen = new Map<number, number | null>();
  for (const days of windows) {
    // Only indexed columns: selecting the whole row made MariaDB scan the agent's entries of the
    // window instead of seeking to one (docs/benchmarks.md). A plain read: a locking one takes gap
    // locks that deadlock new agents' first runs, and a score a concurrent writer is committing
    // right now is at most one change late.
    const query = manager
      .createQueryBuilder(ScoreHistoryEntry, "h")
      .select("h.composite_score", "score")
      // biome-ignore lint/suspicious/noThenProperty: a query parameter named for the SQL it fills, not a thenable.
      .where("h.agent_id = :agentId AND h.recorded_at <= :then", { agentId: next.agentId, then: new Date(at.getTime() - days * DAY_MS) })
      // After an arbiter's lift the ladder starts afresh: no score from before it to fall from.
      .andWhere("h.recorded_at >= :resetAt", { resetAt: next.ladderResetAt ?? new Date(0) })
      .orderBy("h.recorded_at", "DESC")
      .addOrderBy("h.id", "DESC")
      .limit(1);
    // An agent younger than the window has no score to fall from yet: breaches still count.
    const then = await query.getRawOne<{ score: number | string }>();
    scoreThen.set(days, then ? Number(then.score) : null);
  }
  return {
    now: at.getTime(),
    breachTimes,
    compositeScore,
    compositeDaysAgo: (days) => scoreThen.get(days) ?? null,
    driftAlarm: driftAlarm && alarmCounts(next),
    passingStreak: next.passingStreak,
    levelSince: next.consequenceSince?.getTime() ?? null,
  };
}

/**
 * Whether the standing drift alarm counts against the agent: after an arbiter's lift, only an
 * alarm raised again does. The ladder and the promotion hold read it alike, so lifting a step
 * resumes promotion even while the alarm that fired it still stands.
 */
const alarmCounts = (profile: TrustProfile): boolean =>
  profile.ladderResetAt === null || (profile.driftRaisedAt !== null && profile.driftRaisedAt > profile.ladderResetAt);

function recipientsFor(terms: ConsequenceTerms, action: string): EscalationRecipient[] {
  return terms.route.find((step) => step.action === action)?.notify ?? [EscalationRecipient.ESCALATION_OWNER];
}

/**
 * A tier and eligibility that stood before: what a granted appeal's set-aside may restore under an
 * open alarm, since the fall the set-aside verdict caused was never due (see setAsideRun).
 */
export type HeldStanding = Pick<TrustProfile, "tier" | "eligible">;

/**
 * Settles an agent's trust after its aggregates changed, inside the caller's transaction and
 * under the profile lock: runs the pact's consequence ladder (one move at most, recorded as an
 * escalation to the route), lets the listing policy decide, writes the profile, appends the score
 * history, and the eligibility history when eligibility, tier or consequence changed. Under an
 * open alarm the policy caps tier and eligibility at the standing profile's, or at `restore`'s
 * when higher.
 */
export async function settleTrust(
  manager: EntityManager,
  current: TrustProfile,
  next: TrustProfile,
  change: TrustChange,
  runLadder = true,
  restore: HeldStanding | null = null,
): Promise<TrustProfile> {
  const composite = compositeOf(next.scoringState);
  const reputation = reputationOf(next.scoringState);
  next.driftAlarm = next.kpiDriftAlarm || evaluationDriftAlarm(next.evaluationDrift);
  // Stamped whenever either alarm is newly raised, so an alarm raised after an arbiter's lift
  // counts even while the other, older one still stands.
  const raised =
    (!current.kpiDriftAlarm && next.kpiDriftAlarm) ||
    (!evaluationDriftAlarm(current.evaluationDrift) && evaluationDriftAlarm(next.evaluationDrift));
  next.driftRaisedAt = !next.driftAlarm ? null : raised ? change.at : current.driftRaisedAt;

  const terms = next.consequenceTerms;
  if (terms && runLadder) {
    const level = next.consequence === null ? -1 : terms.ladder.findIndex((step) => step.action === next.consequence);
    // A standing step the current ladder no longer has stays until an arbiter lifts it.
    const move =
      next.consequence !== null && level < 0
        ? null
        : climbLadder(terms.ladder, level, await ladderSignals(manager, next, terms, composite.score, change.at, next.driftAlarm));
    if (move) {
      next.consequence = move.level >= 0 ? terms.ladder[move.level]!.action : null;
      next.consequenceSince = move.level >= 0 ? change.at : null;
      // A way back counts the passing runs after the step, not those before it.
      if (move.direction === "FIRED") next.passingStreak = 0;
      await recordEscalation(
        manager,
        next.agentId,
        terms,
        { action: move.action, direction: EscalationDirection[move.direction], reason: move.reason },
        change,
      );
    }
  }

  const counts = alarmCounts(next);
  const decision = decideListing({
    composite,
    reputation,
    evaluationRuns: next.evaluationRuns,
    lastRunPassed: next.lastRunPassed,
    lastRunFailedCriticalClauses: next.lastRunFailedCriticalClauses,
    openCriticalDisputes: next.openCriticalDisputes,
    consequence: next.consequence,
    // The ceiling is the standing profile, which the incremental path and a recompute both settle
    // from: under an alarm each gives min(what the scores give, what stood), so the two agree.
    hold: {
      previousTier: restore && tierRank(restore.tier) > tierRank(current.tier) ? restore.tier : current.tier,
      previousEligible: current.eligible || (restore?.eligible ?? false),
      kpiDriftAlarm: next.kpiDriftAlarm && counts,
      evaluationDriftAlarm: evaluationDriftAlarm(next.evaluationDrift) && counts,
    },
  });
  // updatedAt never runs backwards (a judge that started before the last change finishes after
  // it), so the decay sweep never takes a fresh profile for a stale one.
  const updatedAt = current.updatedAt && current.updatedAt > change.at ? current.updatedAt : change.at;
  Object.assign(next, { ...assessed(composite, reputation, decision), updatedAt });
  // Losing the listing is always told; regaining it only after it was lost (a first listing is no news).
  const listingFlipped = current.updatedAt !== null && current.eligible !== next.eligible;
  const told = listingFlipped && (!next.eligible || current.unlistedAt !== null);
  if (listingFlipped) next.unlistedAt = next.eligible ? null : change.at;
  // An UPDATE, not save(): save() looks the row up with a plain read, which under REPEATABLE READ
  // may come from a snapshot older than the row and then tries to INSERT it.
  const { agentId, ...changes } = next;
  await manager.update(TrustProfile, { agentId }, changes);

  const cause = { cause: change.cause, causeId: change.causeId };
  const scoresChanged = (["compositeScore", "compositeConfidence", "reputationScore", "reputationConfidence"] as const).some(
    (field) => current[field] !== next[field],
  );
  // Evidence is always recorded; the passing of time only when it moved a score.
  if (scoresChanged || change.cause !== TrustCause.TIME)
    await manager.insert(ScoreHistoryEntry, {
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
    await recordEscalation(
      manager,
      agentId,
      next.consequenceTerms,
      {
        action: null,
        direction: next.eligible ? EscalationDirection.LISTED : EscalationDirection.UNLISTED,
        reason: next.eligible ? "eligible for listing again" : `no longer eligible for listing: ${next.reasons.join("; ")}`,
        notify: [ESCALATION_OWNER, BUILDER, BUYERS],
      },
      change,
    );
  }
  const listingChanged =
    current.updatedAt === null ||
    current.eligible !== next.eligible ||
    current.tier !== next.tier ||
    current.consequence !== next.consequence;
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
  // The change feed's events, in this transaction: they commit exactly when the change does.
  await appendTrustEvents(manager, trustEventsOf(agentId, current, next, change));
  // And the transparency log's entries, in this transaction too (docs/transparency.md).
  await logTrustChange(manager, current, next, change, { scores: scoresChanged, listing: listingChanged });
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
  const escalation = Object.assign(new Escalation(), {
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
    overdueAt: null,
  });
  await manager.insert(Escalation, escalation);
  await logConsequence(manager, escalation);
  await announceEscalation(manager, escalation);
}

/**
 * An arbiter lifts the standing consequence, the only way down from a step without a way back:
 * the ladder starts afresh, counting only breaches from now on. Recorded as an escalation to the
 * route, and in the histories.
 */
export async function liftConsequence(
  manager: EntityManager,
  agentId: string,
  change: TrustChange & { reason: string },
): Promise<TrustProfile | null> {
  const current = await lockProfile(manager, agentId);
  if (current.consequence === null || !current.consequenceTerms) return null;
  await recordEscalation(
    manager,
    agentId,
    current.consequenceTerms,
    { action: current.consequence, direction: EscalationDirection.LIFTED, reason: `lifted by arbiter ${change.reason}` },
    change,
  );
  const next = Object.assign(new TrustProfile(), current, { consequence: null, consequenceSince: null, ladderResetAt: change.at });
  return settleTrust(manager, current, next, change, false);
}

/** Whether the step an escalation fired is the one standing on the agent now. */
const stands = (profile: TrustProfile, step: Escalation) =>
  profile.consequence === step.action && profile.consequenceSince?.getTime() === step.createdAt.getTime();

/**
 * Consequence steps as appeals see them: a step is an escalation that fired one, and granting its
 * appeal lifts it, as an arbiter's lift does, while it is still the step standing (a later,
 * harsher step has evidence of its own and needs an appeal of its own).
 */
export const consequenceSteps: ConsequenceSteps = {
  async find(manager, escalationId) {
    const step = await manager.findOneBy(Escalation, { id: escalationId });
    if (!step || step.direction !== EscalationDirection.FIRED || step.action === null) return null;
    const profile = await manager.findOneBy(TrustProfile, { agentId: step.agentId });
    return {
      agentId: step.agentId,
      action: step.action,
      takenAt: step.createdAt,
      standing: !!profile && stands(profile, step),
      cause: { kind: step.cause, id: step.causeId },
    };
  },
  async lift(manager, escalationId, grant) {
    // Escalations never change: a plain read; the profile's lock orders the lift.
    const step = await manager.findOneByOrFail(Escalation, { id: escalationId });
    const profile = await lockProfile(manager, step.agentId);
    if (!stands(profile, step)) return false;
    await liftConsequence(manager, step.agentId, {
      cause: TrustCause.DISPUTE,
      causeId: grant.appealId,
      at: grant.at,
      reason: grant.reason,
    });
    return true;
  },
};
