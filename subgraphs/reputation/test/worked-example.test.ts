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
} from "../scoring.js";

/** The worked example of docs/scoring.md, step by step; the numbers here are the ones printed there. */
const DAY = 24 * 3600 * 1000;
const triageRun = (severity: [number, number], falsePositives: [number, number]) => [
  { metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 0.6, passed: severity[0], failed: severity[1] },
  { metric: "FALSE_POSITIVE_RATE", weight: 0.4, passed: falsePositives[0], failed: falsePositives[1] },
];
const week = { alertsHandled: 1000, timeToContainmentMinutes: 180, falsePositiveLoad: 0.2, severityAccuracy: 0.95, escalationQuality: 0.9, humanOverrides: 20 };

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

describe("the worked example of docs/scoring.md", () => {
  const step1 = addEvaluation(emptyState(), 0, triageRun([38, 2], [30, 2]));
  const { good, bad } = reportEvidence(week, "buyer");
  const step2 = [7, 14, 21, 28].reduce((state, day) => addReputation(state, day * DAY, good, bad), step1);
  const step3 = addEvaluation(step2, 90 * DAY, triageRun([40, 0], [32, 0]));
  const step4 = addReputation(addEvaluation(step3, 91 * DAY, triageRun([33, 7], [28, 4])), 91 * DAY, 0, breachEvidence(false, ["severity-accuracy"]));
  const step5 = addReputation(step4, 92 * DAY, 0, SCORING_POLICY.reputation.disputeWeight.MAJOR);

  it("step 1: a first run puts the newcomer at 849 with confidence 0.424, BRONZE", () => {
    // (0.6 × 43/50 + 0.4 × 35/42) = 0.8493; n = 0.6 × 40 + 0.4 × 32 = 36.8, 36.8 / 86.8.
    expect(compositeOf(step1)).toMatchObject({ score: 849, confidence: 0.424 });
    expect(reputationOf(step1)).toMatchObject({ score: 500, confidence: 0 });
    expect(listing(step1, true)).toMatchObject({ tier: TrustTier.BRONZE, eligible: true });
  });

  it("step 2: four weekly reports of quality 0.9195 give reputation 827 at 0.471; the month-old run has decayed to 832", () => {
    expect(reportQuality(week)).toBeCloseTo(0.9195, 10);
    expect(compositeOf(step2)).toMatchObject({ score: 832, confidence: 0.372 });
    expect(reputationOf(step2)).toMatchObject({ score: 827, confidence: 0.471 });
    expect(listing(step2, true).tier).toBe(TrustTier.BRONZE);
  });

  it("step 3: a clean run 90 days on halves the old evidence: 907 at 0.525 and SILVER", () => {
    expect(compositeOf(step3)).toMatchObject({ score: 907, confidence: 0.525 });
    expect(reputationOf(step3)).toMatchObject({ score: 766, confidence: 0.303 });
    expect(listing(step3, true)).toMatchObject({ tier: TrustTier.SILVER, eligible: true });
  });

  it("step 4: a run that fails its critical clause drops reputation to 493, caps the tier at BRONZE and delists", () => {
    expect(compositeOf(step4)).toMatchObject({ score: 884, confidence: 0.647 });
    expect(reputationOf(step4)).toMatchObject({ score: 493, confidence: 0.446 });
    const decision = listing(step4, false, ["severity-accuracy"]);
    expect(decision).toMatchObject({ tier: TrustTier.BRONZE, eligible: false });
    expect(decision.reasons).toContain("production reputation 493 trails demonstrated capability 884 by 391 points");
    expect(decision.reasons).toContain("latest evaluation run failed critical clause(s): severity-accuracy");
  });

  it("step 5: an upheld MAJOR dispute takes reputation to 334, below BRONZE's 450: UNRATED", () => {
    expect(compositeOf(step5).score).toBe(884);
    expect(reputationOf(step5)).toMatchObject({ score: 334, confidence: 0.564 });
    expect(listing(step5, true)).toMatchObject({ tier: TrustTier.UNRATED, eligible: false });
  });
});
