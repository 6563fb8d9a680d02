import { registerEnumType } from "type-graphql";
import { ConsequenceAction } from "../../lib/contracts/consequence.js";
import type { DisputeSeverityName } from "../../lib/contracts/dispute-state.js";

export enum TrustTier {
  PLATINUM = "PLATINUM",
  GOLD = "GOLD",
  SILVER = "SILVER",
  BRONZE = "BRONZE",
  UNRATED = "UNRATED",
}

/** Tiers from the bottom up: a tier's rank is its index, so "at least GOLD" is a comparison. */
const TIER_ORDER: readonly TrustTier[] = [TrustTier.UNRATED, TrustTier.BRONZE, TrustTier.SILVER, TrustTier.GOLD, TrustTier.PLATINUM];
export const tierRank = (tier: TrustTier): number => TIER_ORDER.indexOf(tier);

export interface TierRule {
  tier: TrustTier;
  minComposite: number;
  minConfidence: number;
  /** Applies once the reputation score has `reputationGateConfidence`: see tierFor. */
  minReputation: number;
}

/**
 * The scoring and listing policy in force; every assessment names its version. Every number is a
 * judgement call explained in docs/scoring.md, whose worked example the tests reproduce.
 */
export const SCORING_POLICY = {
  version: "listing-2026.12-1",
  composite: {
    /** Beta(5, 5) prior per metric: a newcomer sits at 500 and a few lucky cases move it little. */
    priorPassed: 5,
    priorFailed: 5,
    /** Confidence n / (n + 50) over the decayed cases behind the average metric. */
    confidenceHalfCases: 50,
    /** A metric counts with weight × n / (n + 10): one backed by few (or faded) cases counts less. */
    metricEvidenceHalf: 10,
    halfLifeDays: 90,
  },
  reputation: {
    priorGood: 5,
    priorBad: 5,
    /** Confidence w / (w + 40): four weeks of one SOC's reports give 0.5. */
    confidenceHalfWeight: 40,
    halfLifeDays: 60,
    /** Pseudo-observations one weekly report is worth; a builder grading its own agent counts half. */
    reportWeight: { buyer: 10, builder: 5 },
    /** How the five parts of a report combine into its quality, 0–1. */
    kpiWeights: { severityAccuracy: 0.25, escalationQuality: 0.25, falsePositiveLoad: 0.2, timeToContainment: 0.15, humanOverrides: 0.15 },
    /** Containment within this many minutes scores fully; slower scores target / actual. */
    containmentTargetMinutes: 240,
    /** Bad pseudo-observations of a judged run that failed its pact, and of one that failed a critical clause. */
    breachWeight: 5,
    criticalBreachWeight: 15,
    disputeWeight: { MINOR: 5, MAJOR: 20, CRITICAL: 40 } as Record<DisputeSeverityName, number>,
    /**
     * A filer's credibility, (upheld + prior) / (upheld + rejected + prior) over their earlier
     * decided disputes, scales what their upheld disputes weigh; below `listingBar` (three
     * rejections more than upheld) their open critical disputes no longer keep an agent off the
     * listing.
     */
    filerCredibility: { prior: 2, listingBar: 0.5 },
  },
  tiers: [
    { tier: TrustTier.PLATINUM, minComposite: 900, minConfidence: 0.9, minReputation: 850 },
    { tier: TrustTier.GOLD, minComposite: 800, minConfidence: 0.75, minReputation: 750 },
    { tier: TrustTier.SILVER, minComposite: 650, minConfidence: 0.5, minReputation: 600 },
    { tier: TrustTier.BRONZE, minComposite: 500, minConfidence: 0.25, minReputation: 450 },
  ] as TierRule[],
  /** Production evidence holds a tier back only once there is this much of it. */
  reputationGateConfidence: 0.25,
  /** A reputation this far below the composite score is called out as a divergence. */
  divergencePoints: 200,
  /** CUSUM over each judged run's share of passing cases, against the mean of the first runs. */
  evaluationDrift: { baselineRuns: 4, slack: 0.02, threshold: 0.06 },
};

export type ScoringPolicy = typeof SCORING_POLICY;

/**
 * How much a filer's disputes weigh, 0–1, from their record: 1 with no rejection, falling as
 * arbiters reject their disputes, recovering as others are upheld. Dispute spam against a
 * competitor thus costs the spammer the very weight it needs.
 */
export function filerCredibility(record: { upheld: number; rejected: number }, policy: ScoringPolicy = SCORING_POLICY): number {
  const { prior } = policy.reputation.filerCredibility;
  return (record.upheld + prior) / (record.upheld + record.rejected + prior);
}

// Tier descriptions come from the policy so the schema cannot drift from the rules applied.
registerEnumType(TrustTier, {
  name: "TrustTier",
  description:
    "Marketplace tier; each needs a composite score with a minimum confidence, and a reputation score once production evidence exists.",
  valuesConfig: {
    ...Object.fromEntries(
      SCORING_POLICY.tiers.map((rule) => [
        rule.tier,
        {
          description: `Composite ≥ ${rule.minComposite} with confidence ≥ ${rule.minConfidence}, and reputation ≥ ${rule.minReputation} once its confidence reaches ${SCORING_POLICY.reputationGateConfidence}.`,
        },
      ]),
    ),
    UNRATED: { description: "Too little evidence, or too low a score, for any tier." },
  },
});

const DAY_MS = 24 * 3600 * 1000;

/** Passed and failed cases measured by one metric, and the pact weight behind them, decayed to the state's instant. */
export interface MetricTally {
  passed: number;
  failed: number;
  /** Σ pact weight × cases: divided by the cases, the metric's weight averaged over its evidence. */
  weightMass: number;
}

/**
 * Running aggregates behind both scores: sums of evidence, each decayed to `asOf` (the newest
 * evidence's time, ms). Adding one piece of evidence touches a fixed number of fields, whatever
 * the agent's history: the O(1) update. Decay is a uniform scaling and every field is a plain
 * sum, so the same evidence added in any order gives the same sums: the full recompute's
 * guarantee.
 */
export interface ScoringState {
  asOf: number;
  metrics: Record<string, MetricTally>;
  good: number;
  bad: number;
}

export const emptyState = (): ScoringState => ({ asOf: 0, metrics: {}, good: 0, bad: 0 });

export const decayFactor = (elapsedMs: number, halfLifeDays: number): number => 2 ** (-Math.max(0, elapsedMs) / (halfLifeDays * DAY_MS));

/** The state seen from `at` (≥ asOf): every sum scaled by its half-life. Returns the same state when `at` is not later. */
export function decayTo(state: ScoringState, at: number, policy: ScoringPolicy = SCORING_POLICY): ScoringState {
  if (at <= state.asOf) return state;
  const composite = decayFactor(at - state.asOf, policy.composite.halfLifeDays);
  const reputation = decayFactor(at - state.asOf, policy.reputation.halfLifeDays);
  const metrics = Object.fromEntries(
    Object.entries(state.metrics).map(([metric, tally]) => [
      metric,
      { passed: tally.passed * composite, failed: tally.failed * composite, weightMass: tally.weightMass * composite },
    ]),
  );
  return { asOf: at, metrics, good: state.good * reputation, bad: state.bad * reputation };
}

/** One clause's verdicts in one judged run: the cases it passed and failed, and its pact weight. */
export interface ClauseEvidence {
  metric: string;
  weight: number;
  passed: number;
  failed: number;
}

/** Adds a judged run's clause evidence, observed at `at`, to the composite aggregates. */
export function addEvaluation(
  state: ScoringState,
  at: number,
  clauses: readonly ClauseEvidence[],
  policy: ScoringPolicy = SCORING_POLICY,
): ScoringState {
  const next = decayTo(state, at, policy);
  const factor = decayFactor(next.asOf - at, policy.composite.halfLifeDays);
  const metrics = { ...next.metrics };
  for (const clause of clauses) {
    const tally = metrics[clause.metric] ?? { passed: 0, failed: 0, weightMass: 0 };
    metrics[clause.metric] = {
      passed: tally.passed + factor * clause.passed,
      failed: tally.failed + factor * clause.failed,
      weightMass: tally.weightMass + factor * clause.weight * (clause.passed + clause.failed),
    };
  }
  return { ...next, metrics };
}

/** Adds production evidence (pseudo-observations, either may be negative to reverse earlier evidence). */
export function addReputation(
  state: ScoringState,
  at: number,
  good: number,
  bad: number,
  policy: ScoringPolicy = SCORING_POLICY,
): ScoringState {
  const next = decayTo(state, at, policy);
  const factor = decayFactor(next.asOf - at, policy.reputation.halfLifeDays);
  // No clamping here: a reversal must cancel its evidence in whichever order a fold meets the two
  // (clamping an intermediate sum at zero would make the order matter). Readers clamp.
  return { ...next, good: next.good + factor * good, bad: next.bad + factor * bad };
}

export interface Score {
  score: number;
  confidence: number;
  /** Decayed amount of evidence behind the score: cases for the composite, pseudo-observations for reputation. */
  evidence: number;
}

const confidenceOf = (amount: number, half: number) => Math.round((1000 * amount) / (amount + half)) / 1000;

/**
 * Composite score 0–1000: per metric, the posterior mean of Beta(prior + passed, prior + failed);
 * across metrics, their mean weighted by weightMass / (cases + metricEvidenceHalf): the pact's
 * weight averaged over the metric's evidence, scaled by how much of it there is. A metric the pact
 * no longer measures fades with its evidence instead of pinning the score to the prior, and two
 * pacts weighing one metric differently blend by their evidence. Confidence comes from the cases
 * behind the average metric. With no evidence, the prior: 500 at confidence 0.
 */
export function compositeOf(state: ScoringState, policy: ScoringPolicy = SCORING_POLICY): Score {
  const { priorPassed, priorFailed, confidenceHalfCases, metricEvidenceHalf } = policy.composite;
  let totalWeight = 0;
  let mean = 0;
  let cases = 0;
  for (const tally of Object.values(state.metrics)) {
    const n = tally.passed + tally.failed;
    const weight = tally.weightMass / (n + metricEvidenceHalf);
    if (!(weight > 0)) continue;
    totalWeight += weight;
    mean += (weight * (tally.passed + priorPassed)) / (n + priorPassed + priorFailed);
    cases += weight * n;
  }
  if (totalWeight === 0) return { score: Math.round((1000 * priorPassed) / (priorPassed + priorFailed)), confidence: 0, evidence: 0 };
  const evidence = cases / totalWeight;
  return { score: Math.round((1000 * mean) / totalWeight), confidence: confidenceOf(evidence, confidenceHalfCases), evidence };
}

/** Reputation score 0–1000: the posterior mean of Beta(prior + good, prior + bad) over production evidence. */
export function reputationOf(state: ScoringState, policy: ScoringPolicy = SCORING_POLICY): Score {
  const { priorGood, priorBad, confidenceHalfWeight } = policy.reputation;
  // A reversal cancels its evidence up to float noise, which must not leave a sum below zero.
  const good = Math.max(0, state.good);
  const evidence = good + Math.max(0, state.bad);
  return {
    score: Math.round((1000 * (good + priorGood)) / (evidence + priorGood + priorBad)),
    confidence: confidenceOf(evidence, confidenceHalfWeight),
    evidence,
  };
}

/** One week of one reporter's KPIs, as far as reputation reads them. */
export interface KpiEvidence {
  alertsHandled: number;
  timeToContainmentMinutes: number;
  falsePositiveLoad: number;
  severityAccuracy: number;
  escalationQuality: number;
  humanOverrides: number;
}

/** A report's quality, 0–1: the policy's weighted mean of its five parts, each 0–1 with 1 best. */
export function reportQuality(kpis: KpiEvidence, policy: ScoringPolicy = SCORING_POLICY): number {
  const weights = policy.reputation.kpiWeights;
  const target = policy.reputation.containmentTargetMinutes;
  const parts = {
    severityAccuracy: kpis.severityAccuracy,
    escalationQuality: kpis.escalationQuality,
    falsePositiveLoad: 1 - kpis.falsePositiveLoad,
    timeToContainment: kpis.timeToContainmentMinutes <= target ? 1 : target / kpis.timeToContainmentMinutes,
    humanOverrides: 1 - Math.min(1, kpis.humanOverrides / kpis.alertsHandled),
  };
  const total = Object.values(weights).reduce((sum, weight) => sum + weight, 0);
  return (Object.keys(weights) as (keyof typeof weights)[]).reduce((sum, part) => sum + weights[part] * parts[part], 0) / total;
}

/** A report's pseudo-observations: its reporter's weight, split by its quality. */
export function reportEvidence(
  kpis: KpiEvidence,
  reporterRole: "buyer" | "builder",
  policy: ScoringPolicy = SCORING_POLICY,
): { good: number; bad: number } {
  const weight = policy.reputation.reportWeight[reporterRole];
  const quality = reportQuality(kpis, policy);
  return { good: weight * quality, bad: weight * (1 - quality) };
}

/** A judged run's weight against reputation: nothing when it met its pact, more when a critical clause failed. */
export function breachEvidence(
  runPassed: boolean,
  failedCriticalClauses: readonly string[],
  policy: ScoringPolicy = SCORING_POLICY,
): number {
  if (runPassed) return 0;
  return failedCriticalClauses.length > 0 ? policy.reputation.criticalBreachWeight : policy.reputation.breachWeight;
}

/**
 * The highest tier whose composite score and confidence the agent meets, and whose reputation it
 * meets too once reputation has `reputationGateConfidence`: a newcomer without production history
 * is not held back by the reputation prior, but confident bad production caps the tier.
 */
export function tierFor(composite: Score, reputation: Score, policy: ScoringPolicy = SCORING_POLICY): TrustTier {
  const gated = reputation.confidence >= policy.reputationGateConfidence;
  return (
    policy.tiers.find(
      (rule) =>
        composite.score >= rule.minComposite &&
        composite.confidence >= rule.minConfidence &&
        (!gated || reputation.score >= rule.minReputation),
    )?.tier ?? TrustTier.UNRATED
  );
}

export interface ListingInputs {
  composite: Score;
  reputation: Score;
  evaluationRuns: number;
  lastRunPassed: boolean | null;
  lastRunFailedCriticalClauses: readonly string[];
  openCriticalDisputes: number;
  consequence: ConsequenceAction | null;
  /** What the agent stood at before this decision, and the alarms standing now: see holdCauses. Absent: nothing is held. */
  hold?: ListingHold;
}

/**
 * What a decision under an open alarm may not exceed: the tier and eligibility standing before it,
 * and which drift alarms stand (the consequence step is `ListingInputs.consequence`).
 */
export interface ListingHold {
  previousTier: TrustTier;
  previousEligible: boolean;
  /** The weekly scorecard's CUSUM alarm on a KPI stands. */
  kpiDriftAlarm: boolean;
  /** The evaluation evidence's CUSUM alarm stands. */
  evaluationDriftAlarm: boolean;
}

/**
 * Why promotion is held, in words; empty when it is not. A standing drift alarm or consequence
 * step means the system itself has flagged the agent, so a buyer must not read "trust improving"
 * at that moment. The steps that hold are REQUIRE_HUMAN_REVIEW and harsher, those that set
 * `humanReviewRequired`: WARN only tells the route and, as its contract says, changes nothing else.
 */
export function holdCauses(hold: ListingHold | undefined, consequence: ConsequenceAction | null): string[] {
  if (!hold) return [];
  return [
    ...(hold.kpiDriftAlarm ? ["a KPI drift alarm from the weekly scorecard"] : []),
    ...(hold.evaluationDriftAlarm ? ["an evaluation drift alarm"] : []),
    ...(consequence && consequence !== ConsequenceAction.WARN ? [`the consequence step ${consequence}`] : []),
  ];
}

export interface ListingDecision {
  eligible: boolean;
  tier: TrustTier;
  reasons: string[];
  policyVersion: string;
}

/**
 * Listing eligibility and tier, with every reason spelled out. Eligible means all of: a tier above
 * UNRATED; the latest judged run did not fail a critical clause (a standing critical breach); no
 * open critical dispute; and no SUSPEND_LISTING or DELIST standing. A run that misses only its
 * pass threshold is a breach for the consequence ladder, which responds in steps; a critical
 * clause is a promise buyers rely on, so breaking it unlists at once. THROTTLE caps the tier at
 * BRONZE. While a drift alarm or a consequence step stands (`hold`), the tier and eligibility may
 * fall but not rise above what stood before (listing-2026.12-1).
 */
export function decideListing(inputs: ListingInputs, policy: ScoringPolicy = SCORING_POLICY): ListingDecision {
  const { composite, reputation } = inputs;
  let tier = tierFor(composite, reputation, policy);
  const reasons: string[] = [];
  const lowest = policy.tiers[policy.tiers.length - 1]!;
  const gated = reputation.confidence >= policy.reputationGateConfidence;
  if (inputs.evaluationRuns === 0) {
    reasons.push("no evaluation evidence yet: the composite score is the newcomer prior");
  } else if (tier === TrustTier.UNRATED) {
    const shortfalls = [
      ...(composite.score < lowest.minComposite ? [`composite score ${composite.score} is below the ${lowest.minComposite}`] : []),
      ...(composite.confidence < lowest.minConfidence ? [`confidence ${composite.confidence} is below the ${lowest.minConfidence}`] : []),
      ...(gated && reputation.score < lowest.minReputation
        ? [`reputation score ${reputation.score} is below the ${lowest.minReputation}`]
        : []),
    ];
    reasons.push(`unrated: ${shortfalls.join(" and ")} that ${lowest.tier} needs`);
  } else {
    reasons.push(
      `tier ${tier}: composite score ${composite.score} with confidence ${composite.confidence}, reputation score ${reputation.score} with confidence ${reputation.confidence}`,
    );
  }
  if (!gated)
    reasons.push(
      `reputation confidence ${reputation.confidence} is below ${policy.reputationGateConfidence}: production evidence does not yet bear on the tier`,
    );
  // Only demonstrated capability diverges: a newcomer's prior is not a claim production can contradict.
  if (gated && inputs.evaluationRuns > 0 && composite.score - reputation.score >= policy.divergencePoints) {
    reasons.push(
      `production reputation ${reputation.score} trails demonstrated capability ${composite.score} by ${composite.score - reputation.score} points`,
    );
  }
  if (inputs.consequence === ConsequenceAction.THROTTLE && tierRank(tier) > tierRank(TrustTier.BRONZE)) {
    tier = TrustTier.BRONZE;
    reasons.push("throttled by the pact's consequence ladder: tier capped at BRONZE");
  }
  // Under an open alarm the tier may fall but not rise: the scores may still climb on evidence
  // from before the slide (reports rated well overall), which is no sign the flagged problem is gone.
  const holding = holdCauses(inputs.hold, inputs.consequence);
  const held = inputs.hold && holding.length > 0 ? inputs.hold : null;
  if (held && tierRank(tier) > tierRank(held.previousTier)) {
    reasons.push(
      `tier held at ${held.previousTier} (the scores alone give ${tier}) while ${holding.join(" and ")} stands: no promotion until the alarm clears or the step is lifted`,
    );
    tier = held.previousTier;
  }

  if (inputs.lastRunPassed === false) {
    const clauses = inputs.lastRunFailedCriticalClauses;
    reasons.push(
      clauses.length
        ? `latest evaluation run failed critical clause(s): ${clauses.join(", ")}`
        : "latest evaluation run did not meet its pact's pass threshold: a breach for the consequence ladder",
    );
  } else if (inputs.lastRunPassed === true) {
    reasons.push("latest evaluation run met its pact");
  }
  if (inputs.openCriticalDisputes > 0) reasons.push(`${inputs.openCriticalDisputes} open critical dispute(s)`);
  const blocked = inputs.consequence === ConsequenceAction.SUSPEND_LISTING || inputs.consequence === ConsequenceAction.DELIST;
  if (inputs.consequence) reasons.push(`consequence ladder stands at ${inputs.consequence}`);
  const criticalBreach = inputs.lastRunPassed === false && inputs.lastRunFailedCriticalClauses.length > 0;
  const qualifies =
    tier !== TrustTier.UNRATED && inputs.evaluationRuns > 0 && !criticalBreach && inputs.openCriticalDisputes === 0 && !blocked;
  // Eligibility, like the tier, is not regained while an alarm or step stands.
  const eligible = qualifies && !(held && !held.previousEligible);
  if (qualifies && !eligible)
    reasons.push(
      `eligibility not regained while ${holding.join(" and ")} stands: listing resumes when the alarm clears or the step is lifted`,
    );
  return {
    eligible,
    tier,
    reasons,
    policyVersion: policy.version,
  };
}

/** Incremental CUSUM over judged runs' share of passing cases, in arrival order. */
export interface EvaluationDrift {
  runs: number;
  baselineSum: number;
  statistic: number;
  /** Whether the alarm stands (absent in states stored before it was kept: false). */
  alarm?: boolean;
}

export const emptyDrift = (): EvaluationDrift => ({ runs: 0, baselineSum: 0, statistic: 0, alarm: false });

/**
 * Whether a CUSUM alarm stands after a step: raised when S exceeds h, and cleared only once S is
 * back to h / 2 or below, so an agent hovering at the threshold does not raise and clear it, and take
 * and lift a consequence, run after run.
 */
export const alarmAfter = (standing: boolean, statistic: number, threshold: number): boolean =>
  statistic > (standing ? threshold / 2 : threshold);

/**
 * The first `baselineRuns` runs set the baseline; after them S = max(0, S + baseline − share − k).
 * O(1) per run. See alarmAfter for when the alarm stands.
 */
export function addRunToDrift(drift: EvaluationDrift, passShare: number, policy: ScoringPolicy = SCORING_POLICY): EvaluationDrift {
  const { baselineRuns, slack, threshold } = policy.evaluationDrift;
  if (drift.runs < baselineRuns) return { runs: drift.runs + 1, baselineSum: drift.baselineSum + passShare, statistic: 0, alarm: false };
  const baseline = drift.baselineSum / baselineRuns;
  const statistic = Math.max(0, drift.statistic + baseline - passShare - slack);
  return { runs: drift.runs + 1, baselineSum: drift.baselineSum, statistic, alarm: alarmAfter(drift.alarm ?? false, statistic, threshold) };
}

export const evaluationDriftAlarm = (drift: EvaluationDrift): boolean => drift.alarm ?? false;
