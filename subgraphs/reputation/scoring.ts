import { registerEnumType } from "type-graphql";

export enum TrustTier {
  PLATINUM = "PLATINUM",
  GOLD = "GOLD",
  SILVER = "SILVER",
  BRONZE = "BRONZE",
  UNRATED = "UNRATED",
}

export interface TierRule {
  tier: TrustTier;
  minScore: number;
  minConfidence: number;
}

/**
 * The listing policy in force. The prior Beta(5, 5) puts a newcomer at 500, not at the top, and
 * makes a handful of lucky cases move it little; confidence n / (n + 50) reaches 0.5 after 50
 * judged cases and 0.9 after 450.
 */
export const LISTING_POLICY = {
  version: "listing-2026.11-1",
  priorPassed: 5,
  priorFailed: 5,
  confidenceHalfCases: 50,
  tiers: [
    { tier: TrustTier.PLATINUM, minScore: 900, minConfidence: 0.9 },
    { tier: TrustTier.GOLD, minScore: 800, minConfidence: 0.75 },
    { tier: TrustTier.SILVER, minScore: 650, minConfidence: 0.5 },
    { tier: TrustTier.BRONZE, minScore: 500, minConfidence: 0.25 },
  ] as TierRule[],
};

export type ListingPolicy = typeof LISTING_POLICY;

// Tier descriptions come from the policy so the schema cannot drift from the rules applied.
registerEnumType(TrustTier, {
  name: "TrustTier",
  description: "Marketplace tier; each needs both a minimum score and a minimum confidence.",
  valuesConfig: {
    ...Object.fromEntries(LISTING_POLICY.tiers.map((rule) => [rule.tier, { description: `Score ≥ ${rule.minScore} with confidence ≥ ${rule.minConfidence}.` }])),
    UNRATED: { description: "Too little evidence, or too low a score, for any tier." },
  },
});

/** Composite score 0–1000: the posterior mean of a Beta prior updated with passed/failed cases. */
export function compositeScore(passed: number, failed: number, policy: ListingPolicy = LISTING_POLICY): number {
  const mean = (passed + policy.priorPassed) / (passed + failed + policy.priorPassed + policy.priorFailed);
  return Math.round(1000 * mean);
}

/** Confidence 0–1 from the amount of judged evidence. */
export function compositeConfidence(cases: number, policy: ListingPolicy = LISTING_POLICY): number {
  return Math.round((1000 * cases) / (cases + policy.confidenceHalfCases)) / 1000;
}

export function tierFor(score: number, confidence: number, policy: ListingPolicy = LISTING_POLICY): TrustTier {
  return policy.tiers.find((rule) => score >= rule.minScore && confidence >= rule.minConfidence)?.tier ?? TrustTier.UNRATED;
}

export interface TrustEvidenceTotals {
  passed: number;
  failed: number;
  runs: number;
  lastRunPassed: boolean | null;
  lastRunFailedCriticalClauses: string[];
}

export interface TrustAssessment {
  compositeScore: number;
  compositeConfidence: number;
  tier: TrustTier;
  eligible: boolean;
  reasons: string[];
  policyVersion: string;
}

/**
 * Scores, tier and listing eligibility from the evidence totals, with every reason spelled out.
 * Eligible means: a tier above UNRATED, and the latest evaluation run met its pact.
 */
export function assessTrust(totals: TrustEvidenceTotals, policy: ListingPolicy = LISTING_POLICY): TrustAssessment {
  const score = compositeScore(totals.passed, totals.failed, policy);
  const confidence = compositeConfidence(totals.passed + totals.failed, policy);
  const tier = tierFor(score, confidence, policy);
  const reasons: string[] = [];
  const lowest = policy.tiers[policy.tiers.length - 1]!;
  if (totals.runs === 0) {
    reasons.push("no evaluation evidence yet: the score is the newcomer prior");
  } else if (tier === TrustTier.UNRATED) {
    const shortfalls = [
      ...(score < lowest.minScore ? [`composite score ${score} is below the ${lowest.minScore}`] : []),
      ...(confidence < lowest.minConfidence ? [`confidence ${confidence} is below the ${lowest.minConfidence}`] : []),
    ];
    reasons.push(`unrated: ${shortfalls.join(" and ")} that ${lowest.tier} needs`);
  } else {
    reasons.push(`tier ${tier}: composite score ${score} with confidence ${confidence}`);
  }
  if (totals.lastRunPassed === false) {
    const clauses = totals.lastRunFailedCriticalClauses;
    reasons.push(clauses.length ? `latest evaluation run failed critical clause(s): ${clauses.join(", ")}` : "latest evaluation run did not meet its pact's pass threshold");
  } else if (totals.lastRunPassed === true) {
    reasons.push("latest evaluation run met its pact");
  }
  return {
    compositeScore: score,
    compositeConfidence: confidence,
    tier,
    eligible: tier !== TrustTier.UNRATED && totals.lastRunPassed === true,
    reasons,
    policyVersion: policy.version,
  };
}
