import { describe, expect, it } from "vitest";
import {
  SCORING_POLICY,
  TrustTier,
  addEvaluation,
  addReputation,
  breachEvidence,
  compositeOf,
  decideListing,
  emptyState,
  reportEvidence,
  reportQuality,
  reputationOf,
  type ScoringState,
} from "../score.math.js";

/** The worked example of docs/scoring.md, step by step; the numbers here are the ones printed there. */
const DAY = 24 * 3600 * 1000;
const triageRun = (severity: [number, number], falsePositives: [number, number]) => [
  { metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 0.6, passed: severity[0], failed: severity[1] },
  { metric: "FALSE_POSITIVE_RATE", weight: 0.4, passed: falsePositives[0], failed: falsePositives[1] },
];
const week = {
  alertsHandled: 1000,
  timeToContainmentMinutes: 180,
  falsePositiveLoad: 0.2,
  severityAccuracy: 0.95,
  escalationQuality: 0.9,
  humanOverrides: 20,
};

function listing(state: ScoringState, lastRunPassed: boolean, failedCritical: string[] = []) {
  return decideListing({
    composite: compositeOf(state),
    reputation: reputationOf(state),
    evaluationRuns: 1,
    lastRunPassed,
    lastRunFailedCriticalClauses: failedCritical,
    openCriticalDisputes: 0,
    consequence: null,
  });
}

/**
 * A metric's Beta mean and its weight in the composite, read from the state's tallies by the
 * formulas the doc prints (mean (passed + 5) / (n + 10), weight weightMass / (n + 10)), so that the
 * doc's intermediate numbers are checked against the sums the scoring keeps.
 */
function metric(state: ScoringState, name: string) {
  const tally = state.metrics[name]!;
  const n = tally.passed + tally.failed;
  return { ...tally, n, mean: (tally.passed + 5) / (n + 10), weight: tally.weightMass / (n + 10) };
}
const SEVERITY = "SEVERITY_CLASSIFICATION_ACCURACY";
const FALSE_POSITIVES = "FALSE_POSITIVE_RATE";

describe("the worked example of docs/scoring.md", () => {
  const step1 = addEvaluation(emptyState(), 0, triageRun([38, 2], [30, 2]));
  const { good, bad } = reportEvidence(week, "buyer");
  const step2 = [7, 14, 21, 28].reduce((state, day) => addReputation(state, day * DAY, good, bad), step1);
  const step3 = addEvaluation(step2, 90 * DAY, triageRun([40, 0], [32, 0]));
  const step4 = addReputation(
    addEvaluation(step3, 91 * DAY, triageRun([33, 7], [28, 4])),
    91 * DAY,
    0,
    breachEvidence(false, ["severity-accuracy"]),
  );
  const step5 = addReputation(step4, 92 * DAY, 0, SCORING_POLICY.reputation.disputeWeight.MAJOR);

  it("step 1: a first run puts the newcomer at 850 with confidence 0.425, BRONZE", () => {
    // Severity: (38 + 5) / (40 + 10) = 0.86, weighing 0.6 × 40 / (40 + 10) = 0.48.
    // False positives: (30 + 5) / (32 + 10) = 0.8333, weighing 0.4 × 32 / (32 + 10) = 0.30476.
    const severity = metric(step1, SEVERITY);
    const falsePositives = metric(step1, FALSE_POSITIVES);
    expect(severity.mean).toBeCloseTo(0.86, 12);
    expect(severity.weight).toBeCloseTo(0.48, 12);
    expect(falsePositives.mean).toBeCloseTo(0.833, 3);
    expect(falsePositives.weight).toBeCloseTo(0.305, 3);
    expect(severity.weight + falsePositives.weight).toBeCloseTo(0.785, 3);
    // (0.48 × 0.86 + 0.30476 × 0.83333) / 0.78476 = (0.4128 + 0.25397) / 0.78476 = 0.84964 → 850.
    // Cases: (0.48 × 40 + 0.30476 × 32) / 0.78476 = (19.2 + 9.7524) / 0.78476 = 36.893; 36.893 / 86.893 = 0.42458 → 0.425.
    const composite = compositeOf(step1);
    expect(composite).toMatchObject({ score: 850, confidence: 0.425 });
    expect(composite.evidence).toBeCloseTo(36.9, 1);
    expect(composite.evidence + 50).toBeCloseTo(86.9, 1);
    expect(reputationOf(step1)).toMatchObject({ score: 500, confidence: 0 });
    expect(listing(step1, true)).toMatchObject({ tier: TrustTier.BRONZE, eligible: true });
    expect(SCORING_POLICY.tiers.find((rule) => rule.tier === TrustTier.SILVER)!.minConfidence).toBe(0.5);
  });

  it("step 2: four weekly reports of quality 0.9195 give reputation 827 at 0.471; the month-old run has decayed to 833 at 0.373", () => {
    // 0.25 × 0.95 + 0.25 × 0.9 + 0.2 × 0.8 + 0.15 × 1 + 0.15 × 0.98 = 0.2375 + 0.225 + 0.16 + 0.15 + 0.147 = 0.9195.
    expect(reportQuality(week)).toBeCloseTo(0.9195, 10);
    expect(good).toBeCloseTo(9.195, 10);
    expect(bad).toBeCloseTo(0.805, 10);
    // Reports of days 7, 14, 21, 28 seen from day 28, half-life 60 days: 2^(−21/60) = 0.78458, 2^(−14/60) = 0.85067,
    // 2^(−7/60) = 0.92232, 1; sum 3.55757. good = 9.195 × 3.55757 = 32.712, bad = 0.805 × 3.55757 = 2.8638.
    const factors = [21, 14, 7, 0].map((days) => 2 ** (-days / 60));
    [0.785, 0.851, 0.922, 1].forEach((factor, i) => expect(factors[i]).toBeCloseTo(factor, 3));
    expect(factors.reduce((sum, factor) => sum + factor, 0)).toBeCloseTo(3.558, 3);
    expect(step2.good).toBeCloseTo(32.71, 2);
    expect(step2.bad).toBeCloseTo(2.86, 2);
    // (5 + 32.712) / (10 + 35.576) = 37.712 / 45.576 = 0.82746 → 827; 35.576 / 75.576 = 0.47073 → 0.471.
    expect(step2.good + 5).toBeCloseTo(37.71, 2);
    expect(step2.good + step2.bad + 10).toBeCloseTo(45.58, 2);
    expect(step2.good + step2.bad).toBeCloseTo(35.58, 2);
    expect(step2.good + step2.bad + 40).toBeCloseTo(75.58, 2);
    expect(reputationOf(step2)).toMatchObject({ score: 827, confidence: 0.471 });

    // The run, 28 days old: 2^(−28/90) = 0.80602 on its cases and on its weight mass alike.
    // Severity: 38 → 30.629 passed, 40 → 32.241 cases, weight mass 24 → 19.344: mean 35.629 / 42.241 = 0.84347, weight 19.344 / 42.241 = 0.45796.
    // False positives: 30 → 24.181 passed, 32 → 25.793 cases, weight mass 12.8 → 10.317: mean 29.181 / 35.793 = 0.81527, weight 10.317 / 35.793 = 0.28825.
    expect(2 ** (-28 / 90)).toBeCloseTo(0.806, 3);
    const severity = metric(step2, SEVERITY);
    const falsePositives = metric(step2, FALSE_POSITIVES);
    expect(severity.passed).toBeCloseTo(30.63, 2);
    expect(severity.n).toBeCloseTo(32.24, 2);
    expect(severity.weightMass).toBeCloseTo(19.34, 2);
    expect(severity.n + 10).toBeCloseTo(42.24, 2);
    expect(severity.mean).toBeCloseTo(0.843, 3);
    expect(severity.weight).toBeCloseTo(0.458, 3);
    expect(falsePositives.mean).toBeCloseTo(0.815, 3);
    expect(falsePositives.weight).toBeCloseTo(0.288, 3);
    // (0.45796 × 0.84347 + 0.28825 × 0.81527) / 0.74620 = (0.38628 + 0.23500) / 0.74620 = 0.83257 → 833.
    // Cases: (0.45796 × 32.241 + 0.28825 × 25.793) / 0.74620 = (14.765 + 7.435) / 0.74620 = 29.750; 29.750 / 79.750 = 0.37304 → 0.373.
    const composite = compositeOf(step2);
    expect(composite).toMatchObject({ score: 833, confidence: 0.373 });
    expect(composite.evidence).toBeCloseTo(29.75, 2);
    // Gated (0.471 ≥ 0.25), reputation 827 clears BRONZE's 450, but confidence 0.373 < 0.5: BRONZE.
    expect(SCORING_POLICY.reputationGateConfidence).toBe(0.25);
    expect(listing(step2, true).tier).toBe(TrustTier.BRONZE);
  });

  it("step 3: a clean run 90 days on halves the old evidence: 907 at 0.525 and SILVER", () => {
    // Severity: 38 × 0.5 + 40 = 59 passed, 2 × 0.5 = 1 failed, 60 cases, weight mass 24 × 0.5 + 24 = 36 = 0.6 × 60:
    //   mean (19 + 40 + 5) / (60 + 10) = 0.91429, weight 0.6 × 60 / 70 = 0.51429.
    // False positives: 15 + 32 = 47 passed, 1 failed, 48 cases, weight mass 6.4 + 12.8 = 19.2 = 0.4 × 48:
    //   mean (15 + 32 + 5) / (48 + 10) = 0.89655, weight 0.4 × 48 / 58 = 0.33103.
    const severity = metric(step3, SEVERITY);
    const falsePositives = metric(step3, FALSE_POSITIVES);
    expect(severity).toMatchObject({ passed: 59, failed: 1 });
    expect(severity.weightMass).toBeCloseTo(36, 12);
    expect(severity.mean).toBeCloseTo(0.914, 3);
    expect(severity.weight).toBeCloseTo(0.514, 3);
    expect(falsePositives).toMatchObject({ passed: 47, failed: 1 });
    expect(falsePositives.weightMass).toBeCloseTo(19.2, 12);
    expect(falsePositives.mean).toBeCloseTo(0.897, 3);
    expect(falsePositives.weight).toBeCloseTo(0.331, 3);
    expect(severity.weight + falsePositives.weight).toBeCloseTo(0.845, 3);
    // (0.51429 × 0.91429 + 0.33103 × 0.89655) / 0.84532 = (0.47020 + 0.29679) / 0.84532 = 0.90734 → 907.
    // Cases: (0.51429 × 60 + 0.33103 × 48) / 0.84532 = (30.857 + 15.890) / 0.84532 = 55.301; 55.301 / 105.301 = 0.52517 → 0.525.
    const composite = compositeOf(step3);
    expect(composite).toMatchObject({ score: 907, confidence: 0.525 });
    expect(composite.evidence).toBeCloseTo(55.3, 1);
    // Reputation, 62 days on at a 60-day half-life: × 0.48858: good 32.712 → 15.982, bad 2.8638 → 1.3992.
    // (5 + 15.982) / (10 + 17.381) = 0.76627 → 766; 17.381 / 57.381 = 0.30291 → 0.303.
    expect(2 ** (-62 / 60)).toBeCloseTo(0.489, 3);
    expect(step3.good).toBeCloseTo(15.98, 2);
    expect(step3.bad).toBeCloseTo(1.4, 2);
    expect(reputationOf(step3)).toMatchObject({ score: 766, confidence: 0.303 });
    // 907 ≥ 650 at 0.525 ≥ 0.5, reputation 766 ≥ 600: SILVER; GOLD needs confidence 0.75.
    expect(listing(step3, true)).toMatchObject({ tier: TrustTier.SILVER, eligible: true });
    expect(SCORING_POLICY.tiers.find((rule) => rule.tier === TrustTier.GOLD)!.minConfidence).toBe(0.75);
  });

  it("step 4: a run that fails its critical clause drops reputation to 493, caps the tier at BRONZE and delists", () => {
    // A day's decay, 2^(−1/90) = 0.99233, then the new cases.
    // Severity: 59 × 0.99233 + 33 = 91.547 passed, 1 × 0.99233 + 7 = 7.992 failed, 99.540 cases,
    //   weight mass 36 × 0.99233 + 0.6 × 40 = 59.724: mean 96.547 / 109.540 = 0.88139, weight 59.724 / 109.540 = 0.54523.
    // False positives: 47 × 0.99233 + 28 = 74.639 passed, 0.99233 + 4 = 4.992 failed, 79.632 cases,
    //   weight mass 19.2 × 0.99233 + 0.4 × 32 = 31.853: mean 79.639 / 89.632 = 0.88852, weight 31.853 / 89.632 = 0.35537.
    const severity = metric(step4, SEVERITY);
    const falsePositives = metric(step4, FALSE_POSITIVES);
    expect(severity.passed).toBeCloseTo(91.55, 2);
    expect(severity.n).toBeCloseTo(99.54, 2);
    expect(severity.mean).toBeCloseTo(0.881, 3);
    expect(severity.weight).toBeCloseTo(0.545, 3);
    expect(falsePositives.mean).toBeCloseTo(0.889, 3);
    expect(falsePositives.weight).toBeCloseTo(0.355, 3);
    // (0.54523 × 0.88139 + 0.35537 × 0.88852) / 0.90060 = (0.48056 + 0.31575) / 0.90060 = 0.88420 → 884.
    // Cases: (0.54523 × 99.540 + 0.35537 × 79.632) / 0.90060 = (54.272 + 28.299) / 0.90060 = 91.684; 91.684 / 141.684 = 0.64710 → 0.647.
    expect(compositeOf(step4)).toMatchObject({ score: 884, confidence: 0.647 });
    // Reputation: a day's decay, 2^(−1/60), then 15 bad: good 15.799, bad 1.3992 × 0.98851 + 15 = 16.383.
    // (5 + 15.799) / (10 + 32.182) = 0.49308 → 493; 32.182 / 72.182 = 0.44585 → 0.446.
    expect(breachEvidence(false, ["severity-accuracy"])).toBe(15);
    expect(reputationOf(step4)).toMatchObject({ score: 493, confidence: 0.446 });
    expect(SCORING_POLICY.tiers.find((rule) => rule.tier === TrustTier.SILVER)!.minReputation).toBe(600);
    const decision = listing(step4, false, ["severity-accuracy"]);
    expect(decision).toMatchObject({ tier: TrustTier.BRONZE, eligible: false });
    expect(decision.reasons).toContain("production reputation 493 trails demonstrated capability 884 by 391 points");
    expect(decision.reasons).toContain("latest evaluation run failed critical clause(s): severity-accuracy");
  });

  it("step 5: an upheld MAJOR dispute takes reputation to 334, below BRONZE's 450: UNRATED", () => {
    // Composite, one more day of decay: 883.91 → still 884 (confidence 0.645).
    expect(compositeOf(step5)).toMatchObject({ score: 884, confidence: 0.645 });
    // Reputation: good 15.799 × 0.98851 = 15.617, bad 16.383 × 0.98851 + 20 = 36.195.
    // (5 + 15.617) / (10 + 51.812) = 0.33354 → 334; 51.812 / 91.812 = 0.56433 → 0.564.
    expect(SCORING_POLICY.reputation.disputeWeight.MAJOR).toBe(20);
    expect(reputationOf(step5)).toMatchObject({ score: 334, confidence: 0.564 });
    expect(SCORING_POLICY.tiers.find((rule) => rule.tier === TrustTier.BRONZE)!.minReputation).toBe(450);
    expect(listing(step5, true)).toMatchObject({ tier: TrustTier.UNRATED, eligible: false });
  });
});
