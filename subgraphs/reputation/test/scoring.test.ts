import { describe, expect, it } from "vitest";
import { LISTING_POLICY, TrustTier, assessTrust, compositeConfidence, compositeScore, tierFor, type TrustEvidenceTotals } from "../scoring.js";

const totals = (overrides: Partial<TrustEvidenceTotals>): TrustEvidenceTotals => ({
  passed: 0,
  failed: 0,
  runs: 0,
  lastRunPassed: null,
  lastRunFailedCriticalClauses: [],
  ...overrides,
});

describe("compositeScore", () => {
  it("starts a newcomer at the 500 prior, not at the top", () => {
    expect(compositeScore(0, 0)).toBe(500);
  });

  it("rises with every passed case and falls with every failed one", () => {
    const byPassed = [0, 1, 5, 20, 100, 1000].map((passed) => compositeScore(passed, 3));
    const byFailed = [0, 1, 5, 20, 100, 1000].map((failed) => compositeScore(30, failed));

    for (let i = 1; i < byPassed.length; i += 1) expect(byPassed[i]).toBeGreaterThan(byPassed[i - 1]!);
    for (let i = 1; i < byFailed.length; i += 1) expect(byFailed[i]).toBeLessThan(byFailed[i - 1]!);
  });

  it("keeps an agent with three lucky cases well below 700", () => {
    // Beta(5,5) + 3 passes: 8 / 13.
    expect(compositeScore(3, 0)).toBe(615);
  });

  it("approaches 1000 or 0 only with a large body of evidence", () => {
    expect(compositeScore(10_000, 0)).toBe(1000);
    expect(compositeScore(0, 10_000)).toBe(0);
    expect(compositeScore(39, 1)).toBe(880);
  });
});

describe("compositeConfidence", () => {
  it("grows from 0 as n / (n + 50), rounded to three decimals", () => {
    expect(compositeConfidence(0)).toBe(0);
    expect(compositeConfidence(40)).toBe(0.444);
    expect(compositeConfidence(50)).toBe(0.5);
    expect(compositeConfidence(450)).toBe(0.9);
  });
});

describe("tierFor", () => {
  it("gives the highest tier whose score and confidence are both met", () => {
    expect(tierFor(950, 0.95)).toBe(TrustTier.PLATINUM);
    expect(tierFor(900, 0.9)).toBe(TrustTier.PLATINUM);
    expect(tierFor(899, 0.9)).toBe(TrustTier.GOLD);
    expect(tierFor(700, 0.6)).toBe(TrustTier.SILVER);
    expect(tierFor(500, 0.25)).toBe(TrustTier.BRONZE);
  });

  it("holds a high score back to the tier its confidence supports", () => {
    expect(tierFor(990, 0.3)).toBe(TrustTier.BRONZE);
    expect(tierFor(990, 0.2)).toBe(TrustTier.UNRATED);
  });

  it("holds a confident agent back to the tier its score supports", () => {
    expect(tierFor(660, 0.99)).toBe(TrustTier.SILVER);
    expect(tierFor(499, 0.99)).toBe(TrustTier.UNRATED);
  });
});

describe("assessTrust", () => {
  it("rates a newcomer UNRATED and not eligible, at the prior, saying why", () => {
    const assessment = assessTrust(totals({}));

    expect(assessment).toEqual({
      compositeScore: 500,
      compositeConfidence: 0,
      tier: TrustTier.UNRATED,
      eligible: false,
      reasons: ["no evaluation evidence yet: the score is the newcomer prior"],
      policyVersion: LISTING_POLICY.version,
    });
  });

  it("makes an agent with a tier and a passing latest run eligible", () => {
    const assessment = assessTrust(totals({ passed: 39, failed: 1, runs: 1, lastRunPassed: true }));

    expect(assessment).toMatchObject({ compositeScore: 880, compositeConfidence: 0.444, tier: TrustTier.BRONZE, eligible: true });
    expect(assessment.reasons).toEqual(["tier BRONZE: composite score 880 with confidence 0.444", "latest evaluation run met its pact"]);
  });

  it("keeps a passing agent with too little evidence UNRATED and not eligible, naming the bar it misses", () => {
    const assessment = assessTrust(totals({ passed: 10, runs: 1, lastRunPassed: true }));

    expect(assessment).toMatchObject({ compositeScore: 750, compositeConfidence: 0.167, tier: TrustTier.UNRATED, eligible: false });
    expect(assessment.reasons[0]).toBe("unrated: confidence 0.167 is below the 0.25 that BRONZE needs");
  });

  it("names both bars when an agent misses score and confidence", () => {
    const assessment = assessTrust(totals({ failed: 10, runs: 1, lastRunPassed: false }));

    expect(assessment.reasons[0]).toBe("unrated: composite score 250 is below the 500 and confidence 0.167 is below the 0.25 that BRONZE needs");
  });

  it("makes a rated agent ineligible when its latest run failed, naming the failed critical clauses", () => {
    const assessment = assessTrust(
      totals({ passed: 400, failed: 20, runs: 5, lastRunPassed: false, lastRunFailedCriticalClauses: ["severity-accuracy", "escalation-recall"] }),
    );

    expect(assessment.tier).not.toBe(TrustTier.UNRATED);
    expect(assessment.eligible).toBe(false);
    expect(assessment.reasons).toContain("latest evaluation run failed critical clause(s): severity-accuracy, escalation-recall");
  });

  it("says a failed latest run missed the pass threshold when no critical clause failed", () => {
    const assessment = assessTrust(totals({ passed: 400, failed: 20, runs: 5, lastRunPassed: false }));

    expect(assessment.eligible).toBe(false);
    expect(assessment.reasons).toContain("latest evaluation run did not meet its pact's pass threshold");
  });
});
