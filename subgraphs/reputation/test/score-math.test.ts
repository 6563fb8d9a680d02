import { describe, expect, it } from "vitest";
import { ConsequenceAction } from "../../../lib/contracts/consequence.js";
import {
  SCORING_POLICY,
  TrustTier,
  addEvaluation,
  addReputation,
  addRunToDrift,
  breachEvidence,
  compositeOf,
  filerCredibility,
  decayTo,
  decideListing,
  emptyDrift,
  emptyState,
  evaluationDriftAlarm,
  reportEvidence,
  reportQuality,
  reputationOf,
  tierFor,
  type ClauseEvidence,
  type EvaluationDrift,
  type KpiEvidence,
  type ListingInputs,
  type Score,
  type ScoringState,
} from "../score.math.js";

const DAY = 24 * 3600 * 1000;
/** An arbitrary instant far from the epoch, so that decay from `asOf` 0 never matters. */
const T0 = Date.UTC(2026, 0, 5);

const clause = (metric: string, weight: number, passed: number, failed: number): ClauseEvidence => ({ metric, weight, passed, failed });
const score = (value: number, confidence: number, evidence = 100): Score => ({ score: value, confidence, evidence });

describe("SCORING_POLICY (the numbers the hand-computed values below rely on)", () => {
  it("has the documented version, priors, half-lives and weights", () => {
    expect(SCORING_POLICY.version).toBe("listing-2026.12-1");
    expect(SCORING_POLICY.composite).toEqual({
      priorPassed: 5,
      priorFailed: 5,
      confidenceHalfCases: 50,
      metricEvidenceHalf: 10,
      halfLifeDays: 90,
    });
    expect(SCORING_POLICY.reputation).toMatchObject({
      priorGood: 5,
      priorBad: 5,
      confidenceHalfWeight: 40,
      halfLifeDays: 60,
      reportWeight: { buyer: 10, builder: 5 },
      kpiWeights: {
        severityAccuracy: 0.25,
        escalationQuality: 0.25,
        falsePositiveLoad: 0.2,
        timeToContainment: 0.15,
        humanOverrides: 0.15,
      },
      containmentTargetMinutes: 240,
      breachWeight: 5,
      criticalBreachWeight: 15,
      disputeWeight: { MINOR: 5, MAJOR: 20, CRITICAL: 40 },
    });
    expect(SCORING_POLICY.reputationGateConfidence).toBe(0.25);
    expect(SCORING_POLICY.divergencePoints).toBe(200);
    expect(SCORING_POLICY.evaluationDrift).toEqual({ baselineRuns: 4, slack: 0.02, threshold: 0.06 });
  });
});

describe("compositeOf", () => {
  it("gives a newcomer the prior: 500 at confidence 0", () => {
    expect(compositeOf(emptyState())).toEqual({ score: 500, confidence: 0, evidence: 0 });
  });

  it("is one metric's Beta(5 + passed, 5 + failed) mean", () => {
    // Beta(5 + 3, 5 + 0): 8 / 13 = 0.61538 → 615 (three lucky cases keep an agent well below 700).
    expect(compositeOf(addEvaluation(emptyState(), T0, [clause("a", 1, 3, 0)])).score).toBe(615);
    // Beta(5 + 39, 5 + 1): 44 / 50 = 0.88 → 880.
    expect(compositeOf(addEvaluation(emptyState(), T0, [clause("a", 1, 39, 1)])).score).toBe(880);
  });

  it("averages the per-metric means, each weighted by pact weight × n / (n + 10) (two metrics, by hand)", () => {
    const state = addEvaluation(emptyState(), T0, [clause("severity", 0.6, 40, 0), clause("fp", 0.4, 15, 5)]);
    // weightMass = weight × cases: severity 0.6 × 40 = 24, fp 0.4 × 20 = 8.
    expect(state.metrics.severity!.weightMass).toBeCloseTo(24, 12);
    expect(state.metrics.fp!.weightMass).toBeCloseTo(8, 12);
    // severity: mean (5 + 40) / (5 + 40 + 5 + 0) = 45 / 50 = 0.9;    weight 24 / (40 + 10) = 0.48 (= 0.6 × 40 / 50).
    // fp:       mean (5 + 15) / (5 + 15 + 5 + 5) = 20 / 30 = 0.666…; weight  8 / (20 + 10) = 0.2666… (= 0.4 × 20 / 30).
    // Weighted: (0.48 × 0.9 + 0.2666… × 0.666…) / (0.48 + 0.2666…) = (0.432 + 0.17777…) / 0.74666… = 49 / 60 = 0.81666… → 817.
    // (The pact weights alone would give 0.6 × 0.9 + 0.4 × 0.666… = 0.80666 → 807: fp, on 20 cases, now counts a little less.)
    // Evidence = (0.48 × 40 + 0.2666… × 20) / 0.74666… = (19.2 + 5.333…) / 0.74666… = 230 / 7 = 32.857 cases;
    // confidence (230 / 7) / (230 / 7 + 50) = 230 / 580 = 0.39655 → 0.397.
    const composite = compositeOf(state);
    expect(composite.score).toBe(817);
    expect(composite.evidence).toBeCloseTo(230 / 7, 12);
    expect(composite.confidence).toBe(0.397);
  });

  it("normalises weights that do not sum to 1: 3 / 1 scores like 0.75 / 0.25", () => {
    const state = addEvaluation(emptyState(), T0, [clause("severity", 3, 40, 0), clause("fp", 1, 15, 5)]);
    // severity weight 3 × 40 / 50 = 2.4, fp 1 × 20 / 30 = 0.666…; total 46 / 15.
    // (2.4 × 0.9 + 0.666… × 0.666…) / (46 / 15) = (2.16 + 0.444…) × 15 / 46 = 586 / 690 = 0.849275… → 849.
    // Evidence = (2.4 × 40 + 0.666… × 20) × 15 / 46 = (96 + 13.333…) × 15 / 46 = 1640 / 46 = 35.652; confidence 35.652 / 85.652 = 0.41624 → 0.416.
    const composite = compositeOf(state);
    expect(composite.score).toBe(849);
    expect(composite.evidence).toBeCloseTo(1640 / 46, 12);
    expect(composite.confidence).toBe(0.416);
    // Every weight scaled by 1 / 4: every metric's weight scales alike, and the mean does not move.
    const quarter = compositeOf(addEvaluation(emptyState(), T0, [clause("severity", 0.75, 40, 0), clause("fp", 0.25, 15, 5)]));
    expect(quarter.score).toBe(849);
    expect(quarter.confidence).toBe(0.416);
  });

  it("ignores metrics of weight 0", () => {
    const state = addEvaluation(emptyState(), T0, [clause("a", 1, 40, 0), clause("ignored", 0, 0, 100)]);
    // Only a: 45 / 50 → 900; evidence 40 → 40 / 90 = 0.444.
    expect(compositeOf(state)).toEqual({ score: 900, confidence: 0.444, evidence: 40 });
  });

  it("has confidence n / (n + 50), rounded to three decimals", () => {
    const at = (cases: number) => compositeOf(addEvaluation(emptyState(), T0, [clause("a", 1, cases, 0)])).confidence;
    // 10 / 60 = 0.1667 → 0.167; 40 / 90 = 0.444; 50 / 100 = 0.5; 150 / 200 = 0.75; 450 / 500 = 0.9.
    expect(at(10)).toBe(0.167);
    expect(at(40)).toBe(0.444);
    expect(at(50)).toBe(0.5);
    expect(at(150)).toBe(0.75);
    expect(at(450)).toBe(0.9);
  });
});

describe("decay", () => {
  it("evidence 90 days old counts half in the composite score", () => {
    const fresh = addEvaluation(emptyState(), T0, [clause("a", 1, 40, 0)]);
    const later = decayTo(fresh, T0 + 90 * DAY);
    // 2^(−90 / 90) = 0.5 exactly: 40 passed → 20.
    expect(later.asOf).toBe(T0 + 90 * DAY);
    expect(later.metrics.a!.passed).toBe(20);
    expect(later.metrics.a!.failed).toBe(0);
    // At T0: 45 / 50 → 900, confidence 40 / 90 = 0.444. At 90 days: 25 / 30 = 0.8333 → 833, confidence 20 / 70 = 0.2857 → 0.286.
    expect(compositeOf(fresh)).toMatchObject({ score: 900, confidence: 0.444 });
    expect(compositeOf(later)).toMatchObject({ score: 833, confidence: 0.286 });
  });

  it("decayTo scales every sum, the weight mass too, by its own half-life", () => {
    let state = addEvaluation(emptyState(), T0, [clause("a", 0.7, 40, 8), clause("b", 0.3, 12, 4)]);
    state = addReputation(state, T0, 16, 8);
    const later = decayTo(state, T0 + 180 * DAY);
    // Composite: 2^(−180 / 90) = 1/4. Reputation: 2^(−180 / 60) = 1/8.
    // a: 40 / 8 → 10 / 2, weight mass 0.7 × 48 = 33.6 → 8.4; b: 12 / 4 → 3 / 1, weight mass 0.3 × 16 = 4.8 → 1.2.
    expect(Object.keys(later.metrics.a!).sort()).toEqual(["failed", "passed", "weightMass"]);
    expect(later.metrics.a).toMatchObject({ passed: 10, failed: 2 });
    expect(later.metrics.a!.weightMass).toBeCloseTo(8.4, 12);
    expect(later.metrics.b).toMatchObject({ passed: 3, failed: 1 });
    expect(later.metrics.b!.weightMass).toBeCloseTo(1.2, 12);
    expect(later.good).toBe(2);
    expect(later.bad).toBe(1);
    // 90 days for reputation: 2^(−1.5) = 0.353553…: 16 → 5.656854, 8 → 2.828427.
    const ninety = decayTo(state, T0 + 90 * DAY);
    expect(ninety.good).toBeCloseTo(5.656854, 6);
    expect(ninety.bad).toBeCloseTo(2.828427, 6);
    // The input is not mutated.
    expect(state.metrics.a!.passed).toBe(40);
    expect(state.good).toBe(16);
  });

  it("decayTo an instant not later than asOf returns the state unchanged", () => {
    const state = addEvaluation(emptyState(), T0, [clause("a", 1, 40, 0)]);
    expect(decayTo(state, T0)).toBe(state);
    expect(decayTo(state, T0 - 30 * DAY)).toBe(state);
  });

  it("a newer piece of evidence decays the older ones", () => {
    let state = addEvaluation(emptyState(), T0, [clause("a", 1, 40, 0)]);
    state = addEvaluation(state, T0 + 90 * DAY, [clause("a", 1, 0, 10)]);
    // 40 passed decayed to 20; 10 new failed: (5 + 20) / (5 + 20 + 5 + 10) = 25 / 40 = 0.625 → 625.
    // (Without decay: 45 / 60 = 0.75 → 750.)
    expect(state.asOf).toBe(T0 + 90 * DAY);
    expect(state.metrics.a).toMatchObject({ passed: 20, failed: 10 });
    expect(compositeOf(state).score).toBe(625);
    // Evidence 30 → 30 / 80 = 0.375.
    expect(compositeOf(state).confidence).toBe(0.375);
  });

  it("older evidence arriving late is added already decayed, and does not move asOf back", () => {
    let state = addEvaluation(emptyState(), T0 + 90 * DAY, [clause("a", 1, 40, 0)]);
    state = addEvaluation(state, T0, [clause("a", 1, 40, 0)]);
    // 40 + 40 × 0.5 = 60 passed at T0 + 90 d: 65 / 70 = 0.92857 → 929; confidence 60 / 110 = 0.545.
    expect(state.asOf).toBe(T0 + 90 * DAY);
    expect(state.metrics.a!.passed).toBe(60);
    expect(compositeOf(state)).toMatchObject({ score: 929, confidence: 0.545 });

    let reputation = addReputation(emptyState(), T0 + 60 * DAY, 10, 0);
    reputation = addReputation(reputation, T0, 10, 0);
    // 10 + 10 × 2^(−60 / 60) = 15.
    expect(reputation.asOf).toBe(T0 + 60 * DAY);
    expect(reputation.good).toBe(15);
  });
});

/** Deterministic PRNG (mulberry32) so the property test is reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Evidence =
  | { kind: "evaluation"; at: number; clauses: ClauseEvidence[] }
  | { kind: "reputation"; at: number; good: number; bad: number };

const fold = (evidence: readonly Evidence[]): ScoringState =>
  evidence.reduce<ScoringState>(
    (state, e) => (e.kind === "evaluation" ? addEvaluation(state, e.at, e.clauses) : addReputation(state, e.at, e.good, e.bad)),
    emptyState(),
  );

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe("order independence", () => {
  const random = mulberry32(20261126);
  const metrics = ["severity", "fp", "recall"];
  const instants = Array.from({ length: 8 }, () => T0 + Math.floor(random() * 365 * DAY));
  const evidence: Evidence[] = Array.from({ length: 40 }, (): Evidence => {
    // Draw from a small set of instants so that several pieces share one (where a "newest weight"
    // rule would need a tie-break; the weight mass is a plain sum and needs none).
    const at = instants[Math.floor(random() * instants.length)]!;
    if (random() < 0.4) return { kind: "reputation", at, good: random() * 10, bad: random() * 10 };
    const count = 1 + Math.floor(random() * metrics.length);
    return {
      kind: "evaluation",
      at,
      clauses: metrics
        .slice(0, count)
        .map((metric) => clause(metric, Math.round(random() * 10) / 10 + 0.1, Math.floor(random() * 50), Math.floor(random() * 20))),
    };
  });

  /**
   * The full recompute, written independently: each sum is Σ xᵢ × 2^(−(asOf − tᵢ) / half-life),
   * the weight mass Σ weightᵢ × (passedᵢ + failedᵢ) × 2^(−(asOf − tᵢ) / 90 days).
   */
  function recompute(all: readonly Evidence[]) {
    const asOf = Math.max(...all.map((e) => e.at));
    const decay = (at: number, halfLifeDays: number) => 2 ** (-(asOf - at) / (halfLifeDays * DAY));
    const tallies: Record<string, { passed: number; failed: number; weightMass: number }> = {};
    let good = 0;
    let bad = 0;
    for (const e of all) {
      if (e.kind === "reputation") {
        good += e.good * decay(e.at, 60);
        bad += e.bad * decay(e.at, 60);
        continue;
      }
      for (const c of e.clauses) {
        const t = (tallies[c.metric] ??= { passed: 0, failed: 0, weightMass: 0 });
        t.passed += c.passed * decay(e.at, 90);
        t.failed += c.failed * decay(e.at, 90);
        t.weightMass += c.weight * (c.passed + c.failed) * decay(e.at, 90);
      }
    }
    return { asOf, tallies, good, bad };
  }

  const expectSameSums = (actual: ScoringState, expected: ScoringState | ReturnType<typeof recompute>) => {
    const expectedTallies = "tallies" in expected ? expected.tallies : expected.metrics;
    expect(actual.asOf).toBe(expected.asOf);
    expect(Object.keys(actual.metrics).sort()).toEqual(Object.keys(expectedTallies).sort());
    for (const [metric, tally] of Object.entries(expectedTallies)) {
      const got = actual.metrics[metric]!;
      expect(Math.abs(got.passed - tally.passed)).toBeLessThan(1e-9);
      expect(Math.abs(got.failed - tally.failed)).toBeLessThan(1e-9);
      expect(Math.abs(got.weightMass - tally.weightMass)).toBeLessThan(1e-9);
    }
    expect(Math.abs(actual.good - expected.good)).toBeLessThan(1e-9);
    expect(Math.abs(actual.bad - expected.bad)).toBeLessThan(1e-9);
  };

  it("the generated evidence really is out of order and has ties (sanity of the fixture)", () => {
    const times = evidence.map((e) => e.at);
    expect(times.some((t, i) => i > 0 && t < times[i - 1]!)).toBe(true);
    expect(new Set(times).size).toBeLessThan(times.length);
  });

  it("folding in arrival order matches the independent full recompute", () => {
    expectSameSums(fold(evidence), recompute(evidence));
  });

  it("the same evidence in different orders gives sums within 1e-9 and identical rounded scores", () => {
    const reference = fold(evidence);
    const chronological = [...evidence].sort((a, b) => a.at - b.at);
    const orders = [chronological, [...chronological].reverse(), ...Array.from({ length: 6 }, () => shuffled(evidence, random))];
    for (const order of orders) {
      const state = fold(order);
      expectSameSums(state, reference);
      expect(compositeOf(state).score).toBe(compositeOf(reference).score);
      expect(compositeOf(state).confidence).toBe(compositeOf(reference).confidence);
      expect(reputationOf(state).score).toBe(reputationOf(reference).score);
      expect(reputationOf(state).confidence).toBe(reputationOf(reference).confidence);
    }
  });
});

describe("metric weights: pact weight averaged over the metric's evidence, × n / (n + 10)", () => {
  const triage = (severity: [number, number], fp: [number, number]) => [clause("severity", 0.6, ...severity), clause("fp", 0.4, ...fp)];

  it("a metric no longer measured fades with its evidence: legacy RUN_CASES does not pin the composite", () => {
    // RUN_CASES 1000 / 0 at weight 1 on T0, then a perfect two-clause run every week (severity 0.6: 40 / 0,
    // fp 0.4: 32 / 0) on days 7, 14, …; RUN_CASES is never measured again.
    let state = addEvaluation(emptyState(), T0, [clause("RUN_CASES", 1, 1000, 0)]);
    const weeks = (from: number, to: number) => {
      for (let week = from; week <= to; week += 1) state = addEvaluation(state, T0 + week * 7 * DAY, triage([40, 0], [32, 0]));
    };

    weeks(1, 104);
    // Two years on (day 728). RUN_CASES: 1000 × 2^(−728 / 90) = 3.6728 cases and weight mass (weight 1),
    // its weight 3.6728 / 13.6728 = 0.26862 and its mean (3.6728 + 5) / 13.6728 = 0.63431.
    // The weekly runs: r = 2^(−7 / 90) = 0.947516, Σ r^k (k = 0…103) = (1 − 2^(−728 / 90)) / (1 − r) = 18.98345:
    // severity 40 × 18.98345 = 759.338 cases, weight mass 0.6 × 759.338 = 455.603, weight 455.603 / 769.338 = 0.59220,
    //   mean 764.338 / 769.338 = 0.99350;
    // fp 32 × 18.98345 = 607.470 cases, weight mass 0.4 × 607.470 = 242.988, weight 242.988 / 617.470 = 0.39352,
    //   mean 612.470 / 617.470 = 0.99190.
    expect(state.metrics.RUN_CASES!.passed).toBeCloseTo(3.6728, 4);
    expect(state.metrics.RUN_CASES!.weightMass).toBeCloseTo(3.6728, 4);
    expect(state.metrics.severity!.passed).toBeCloseTo(759.338, 3);
    expect(state.metrics.severity!.weightMass).toBeCloseTo(455.603, 3);
    expect(state.metrics.fp!.weightMass).toBeCloseTo(242.988, 3);
    // Composite = (0.26862 × 0.63431 + 0.59220 × 0.99350 + 0.39352 × 0.99190) / (0.26862 + 0.59220 + 0.39352)
    //           = (0.17039 + 0.58835 + 0.39033) / 1.25435 = 0.91608 → 916.
    // Evidence = (0.26862 × 3.6728 + 0.59220 × 759.338 + 0.39352 × 607.470) / 1.25435 = 549.86; confidence 549.86 / 599.86 = 0.91665 → 0.917.
    // (Under the removed rule RUN_CASES kept weight 1 whatever its evidence: (0.63431 + 0.6 × 0.99350 + 0.4 × 0.99190) / 2 → 814.)
    const twoYears = compositeOf(state);
    expect(twoYears).toMatchObject({ score: 916, confidence: 0.917 });
    expect(twoYears.evidence).toBeCloseTo(549.86, 2);
    expect(tierFor(twoYears, reputationOf(state))).toBe(TrustTier.PLATINUM);

    weeks(105, 156);
    // Three years on (day 1092). RUN_CASES: 1000 × 2^(−1092 / 90) = 0.22259, weight 0.22259 / 10.22259 = 0.02177, mean 5.22259 / 10.22259 = 0.51089.
    // Σ r^k (k = 0…155) = (1 − 2^(−1092 / 90)) / (1 − r) = 19.04919: severity 761.968 cases, weight 457.181 / 771.968 = 0.59223, mean 0.99352;
    // fp 609.574 cases, weight 243.830 / 619.574 = 0.39354, mean 0.99193.
    // Composite = (0.02177 × 0.51089 + 0.59223 × 0.99352 + 0.39354 × 0.99193) / 1.00755 = 0.98247 → 982; evidence 685.98 → 685.98 / 735.98 = 0.932.
    // (Removed rule: (0.51089 + 0.6 × 0.99352 + 0.4 × 0.99193) / 2 = 0.75189 → 752, and 746 in the limit: capped near 750.)
    // In the limit RUN_CASES weighs nothing and the composite is the two clauses' own: Σ r^k → 1 / (1 − r) = 19.0534,
    // (0.59223 × 0.99352 + 0.39354 × 0.99193) / 0.98577 → 993, approaching 1000 as the clauses' evidence grows.
    expect(compositeOf(state)).toMatchObject({ score: 982, confidence: 0.932 });
    expect(tierFor(compositeOf(state), reputationOf(state))).toBe(TrustTier.PLATINUM);
  });

  it("two pacts weighing one metric 0.6 and 0.15 blend by their evidence, in whatever order it arrives", () => {
    // Pact A weighs severity 0.6 and fp 0.4; pact B weighs severity 0.15 and fp 0.85.
    const pactA = (at: number) => (s: ScoringState) => addEvaluation(s, at, [clause("severity", 0.6, 36, 4), clause("fp", 0.4, 16, 4)]);
    const pactB = (at: number) => (s: ScoringState) => addEvaluation(s, at, [clause("severity", 0.15, 20, 0), clause("fp", 0.85, 38, 2)]);

    // Both at T0. severity: 56 / 4, weight mass 0.6 × 40 + 0.15 × 20 = 24 + 3 = 27: an average weight of 27 / 60 = 0.45,
    // weighing 27 / (60 + 10) = 0.385714; mean 61 / 70 = 0.871429.
    // fp: 54 / 6, weight mass 0.4 × 20 + 0.85 × 40 = 8 + 34 = 42 (average 0.7), weighing 42 / 70 = 0.6; mean 59 / 70 = 0.842857.
    // Composite = (27 × 61 + 42 × 59) / (70 × 69) = (1647 + 2478) / 4830 = 0.854037 → 854.
    // Evidence = (27 / 70 × 60 + 42 / 70 × 60) / (69 / 70) = 60; confidence 60 / 110 = 0.5454 → 0.545.
    for (const state of [pactB(T0)(pactA(T0)(emptyState())), pactA(T0)(pactB(T0)(emptyState()))]) {
      expect(state.metrics.severity).toMatchObject({ passed: 56, failed: 4 });
      expect(state.metrics.severity!.weightMass).toBeCloseTo(27, 12);
      expect(state.metrics.fp).toMatchObject({ passed: 54, failed: 6 });
      expect(state.metrics.fp!.weightMass).toBeCloseTo(42, 12);
      expect(compositeOf(state)).toMatchObject({ score: 854, confidence: 0.545 });
      expect(compositeOf(state).evidence).toBeCloseTo(60, 12);
    }

    // B 90 days after A (A's evidence worth half by then), folded in either order.
    // severity: 18 + 20 = 38 passed, 2 + 0 = 2 failed, weight mass 24 / 2 + 3 = 15 (average 15 / 40 = 0.375), weighing 15 / 50 = 0.3; mean 43 / 50 = 0.86.
    // fp: 8 + 38 = 46 passed, 2 + 2 = 4 failed, weight mass 8 / 2 + 34 = 38 (average 0.76), weighing 38 / 60 = 0.63333; mean 51 / 60 = 0.85.
    // Composite = (0.3 × 0.86 + 0.63333 × 0.85) / 0.93333 = (0.258 + 0.538333) / 0.93333 = 0.853214 → 853.
    // Evidence = (0.3 × 40 + 0.63333 × 50) / 0.93333 = 1310 / 28 = 46.786; confidence 46.786 / 96.786 = 0.48339 → 0.483.
    for (const state of [pactB(T0 + 90 * DAY)(pactA(T0)(emptyState())), pactA(T0)(pactB(T0 + 90 * DAY)(emptyState()))]) {
      expect(state.asOf).toBe(T0 + 90 * DAY);
      expect(state.metrics.severity).toMatchObject({ passed: 38, failed: 2 });
      expect(state.metrics.severity!.weightMass).toBeCloseTo(15, 12);
      expect(state.metrics.fp).toMatchObject({ passed: 46, failed: 4 });
      expect(state.metrics.fp!.weightMass).toBeCloseTo(38, 12);
      expect(compositeOf(state)).toMatchObject({ score: 853, confidence: 0.483 });
      expect(compositeOf(state).evidence).toBeCloseTo(1310 / 28, 12);
    }
  });

  it("a metric backed by few cases weighs less than its pact weight", () => {
    // Equal pact weights 0.5. a: 40 / 0, weight 0.5 × 40 / 50 = 0.4, mean 45 / 50 = 0.9.
    // b: 0 / 2, weight 0.5 × 2 / 12 = 0.083333, mean 5 / 12 = 0.416667.
    // Composite = (0.4 × 0.9 + 0.083333 × 0.416667) / 0.483333 = (0.36 + 0.034722) / 0.483333 = 49 / 60 = 0.816667 → 817.
    // (At the pact weights alone, two failed cases would pull it to (0.9 + 0.416667) / 2 = 0.658333 → 658.)
    // Evidence = (0.4 × 40 + 0.083333 × 2) / 0.483333 = 970 / 29 = 33.448; confidence 970 / 2420 = 0.40083 → 0.401.
    const few = compositeOf(addEvaluation(emptyState(), T0, [clause("a", 0.5, 40, 0), clause("b", 0.5, 0, 2)]));
    expect(few).toMatchObject({ score: 817, confidence: 0.401 });
    expect(few.evidence).toBeCloseTo(970 / 29, 12);
    // With as many cases as a (b: 20 / 20), b weighs 0.5 × 40 / 50 = 0.4 like a: (0.9 + 25 / 50) / 2 = 0.7 → 700, evidence 40.
    const many = compositeOf(addEvaluation(emptyState(), T0, [clause("a", 0.5, 40, 0), clause("b", 0.5, 20, 20)]));
    expect(many).toMatchObject({ score: 700, confidence: 0.444 });
  });

  it("a clause that reports no cases adds no weight: the pact's weight counts only through evidence", () => {
    // A re-weighting with no cases behind it changes nothing: a and b keep their weight mass.
    const before = addEvaluation(emptyState(), T0, [clause("a", 0.5, 45, 5), clause("b", 0.5, 5, 15)]);
    const after = addEvaluation(before, T0, [clause("a", 0.8, 0, 0), clause("b", 0.2, 0, 0)]);
    // a: weight mass 0.5 × 50 = 25; b: 0.5 × 20 = 10.
    expect(after.metrics.a).toEqual({ passed: 45, failed: 5, weightMass: 25 });
    expect(after.metrics.b).toEqual({ passed: 5, failed: 15, weightMass: 10 });
    // a: weight 25 / 60 = 0.416667, mean 50 / 60 = 0.833333; b: weight 10 / 30 = 0.333333, mean 10 / 30 = 0.333333.
    // (0.416667 × 0.833333 + 0.333333 × 0.333333) / 0.75 = (0.347222 + 0.111111) / 0.75 = 0.611111 → 611.
    expect(compositeOf(after).score).toBe(611);
    // A metric named with weight 0, or with no cases at all, has no weight and does not count.
    const unweighed = addEvaluation(emptyState(), T0, [clause("only", 0, 10, 0), clause("empty", 1, 0, 0)]);
    expect(compositeOf(unweighed)).toEqual({ score: 500, confidence: 0, evidence: 0 });
  });
});

describe("reputation", () => {
  it("gives a newcomer the prior: 500 at confidence 0", () => {
    expect(reputationOf(emptyState())).toEqual({ score: 500, confidence: 0, evidence: 0 });
  });

  const kpis: KpiEvidence = {
    alertsHandled: 200,
    timeToContainmentMinutes: 300,
    falsePositiveLoad: 0.2,
    severityAccuracy: 0.9,
    escalationQuality: 0.8,
    humanOverrides: 20,
  };

  it("computes a report's quality from its five parts (by hand)", () => {
    // severity 0.9, escalation 0.8, 1 − fp = 0.8, containment 240 / 300 = 0.8, 1 − 20 / 200 = 0.9.
    // 0.25 × 0.9 + 0.25 × 0.8 + 0.2 × 0.8 + 0.15 × 0.8 + 0.15 × 0.9 = 0.225 + 0.2 + 0.16 + 0.12 + 0.135 = 0.84.
    expect(reportQuality(kpis)).toBeCloseTo(0.84, 12);
    // Containment within 240 minutes scores fully; overrides beyond the alerts handled score 0:
    // 0.25 + 0.25 + 0.2 × 1 + 0.15 × 1 + 0.15 × 0 = 0.85.
    expect(
      reportQuality({
        alertsHandled: 10,
        timeToContainmentMinutes: 240,
        falsePositiveLoad: 0,
        severityAccuracy: 1,
        escalationQuality: 1,
        humanOverrides: 50,
      }),
    ).toBeCloseTo(0.85, 12);
    expect(
      reportQuality({
        alertsHandled: 10,
        timeToContainmentMinutes: 1,
        falsePositiveLoad: 0,
        severityAccuracy: 1,
        escalationQuality: 1,
        humanOverrides: 0,
      }),
    ).toBeCloseTo(1, 12);
  });

  it("weighs a buyer's report 10 and a builder's 5, split by quality", () => {
    // Quality 0.84: buyer 10 → 8.4 good / 1.6 bad; builder 5 → 4.2 / 0.8.
    const buyer = reportEvidence(kpis, "buyer");
    const builder = reportEvidence(kpis, "builder");
    expect(buyer.good).toBeCloseTo(8.4, 12);
    expect(buyer.bad).toBeCloseTo(1.6, 12);
    expect(builder.good).toBeCloseTo(4.2, 12);
    expect(builder.bad).toBeCloseTo(0.8, 12);
    // Buyer: (5 + 8.4) / (10 + 10) = 0.67 → 670, confidence 10 / 50 = 0.2.
    expect(reputationOf(addReputation(emptyState(), T0, buyer.good, buyer.bad))).toMatchObject({ score: 670, confidence: 0.2 });
    // Builder: (5 + 4.2) / (10 + 5) = 0.61333 → 613, confidence 5 / 45 = 0.111.
    expect(reputationOf(addReputation(emptyState(), T0, builder.good, builder.bad))).toMatchObject({ score: 613, confidence: 0.111 });
  });

  it("four perfect buyer reports give confidence 0.5", () => {
    let state = emptyState();
    for (let i = 0; i < 4; i += 1) state = addReputation(state, T0, 10, 0);
    // (5 + 40) / (50) = 900; 40 / 80 = 0.5.
    expect(reputationOf(state)).toEqual({ score: 900, confidence: 0.5, evidence: 40 });
  });

  it("weighs a breach by run outcome: met 0, failed 5, failed a critical clause 15", () => {
    expect(breachEvidence(true, [])).toBe(0);
    expect(breachEvidence(true, ["severity-accuracy"])).toBe(0);
    expect(breachEvidence(false, [])).toBe(5);
    expect(breachEvidence(false, ["severity-accuracy"])).toBe(15);
    expect(breachEvidence(false, ["severity-accuracy", "escalation-recall"])).toBe(15);
    // 20 good plus a critical breach: (5 + 20) / (10 + 35) = 0.5556 → 556.
    const state = addReputation(addReputation(emptyState(), T0, 20, 0), T0, 0, breachEvidence(false, ["x"]));
    expect(reputationOf(state).score).toBe(556);
  });

  it("a dispute reversal cancels an upheld dispute exactly, at the same instant", () => {
    const base = addReputation(emptyState(), T0, 30, 5);
    const upheld = addReputation(base, T0, 0, SCORING_POLICY.reputation.disputeWeight.CRITICAL);
    // (5 + 30) / (10 + 75) = 0.41176 → 412 while upheld.
    expect(reputationOf(upheld).score).toBe(412);
    const reversed = addReputation(upheld, T0, 0, -SCORING_POLICY.reputation.disputeWeight.CRITICAL);
    expect(reversed).toEqual(base);
    // (5 + 30) / (10 + 35) = 0.7778 → 778.
    expect(reputationOf(reversed)).toEqual(reputationOf(base));
    expect(reputationOf(reversed).score).toBe(778);
  });

  it("a reversal arriving after newer evidence, dated at the dispute, cancels it too", () => {
    const t1 = T0 + 10 * DAY;
    const t2 = T0 + 30 * DAY;
    let withDispute = addReputation(emptyState(), T0, 30, 5);
    withDispute = addReputation(withDispute, t1, 0, SCORING_POLICY.reputation.disputeWeight.MAJOR);
    withDispute = addReputation(withDispute, t2, 10, 0);
    withDispute = addReputation(withDispute, t1, 0, -SCORING_POLICY.reputation.disputeWeight.MAJOR);
    const without = addReputation(addReputation(emptyState(), T0, 30, 5), t2, 10, 0);
    expect(withDispute.asOf).toBe(t2);
    expect(Math.abs(withDispute.good - without.good)).toBeLessThan(1e-9);
    expect(Math.abs(withDispute.bad - without.bad)).toBeLessThan(1e-9);
    // By hand: 30 days at a 60-day half-life = 2^(−0.5) = 0.70711: good 10 + 21.213 = 31.213, bad 3.5355.
    // (5 + 31.213) / (10 + 34.749) = 0.80925 → 809.
    expect(reputationOf(withDispute).score).toBe(809);
    expect(reputationOf(withDispute)).toMatchObject({ score: reputationOf(without).score, confidence: reputationOf(without).confidence });
  });

  it("cancels a reversal met before its evidence, and reads a sum left below zero as zero", () => {
    const reversedFirst = addReputation(addReputation(addReputation(emptyState(), T0, 0, 5), T0, 0, -20), T0, 0, 20);
    expect(reversedFirst.bad).toBeCloseTo(5, 12);
    // Beta(5, 10): 333.
    expect(reputationOf(reversedFirst).score).toBe(333);
    const overReversed = addReputation(addReputation(emptyState(), T0, 3, 2), T0, -10, -10);
    expect(reputationOf(overReversed)).toEqual({ score: 500, confidence: 0, evidence: 0 });
  });
});

describe("tierFor", () => {
  const ungated = score(500, 0, 0);

  it("gives the highest tier whose composite score and confidence are both met", () => {
    expect(tierFor(score(950, 0.95), ungated)).toBe(TrustTier.PLATINUM);
    expect(tierFor(score(900, 0.9), ungated)).toBe(TrustTier.PLATINUM);
    expect(tierFor(score(899, 0.9), ungated)).toBe(TrustTier.GOLD);
    expect(tierFor(score(900, 0.899), ungated)).toBe(TrustTier.GOLD);
    expect(tierFor(score(800, 0.75), ungated)).toBe(TrustTier.GOLD);
    expect(tierFor(score(700, 0.6), ungated)).toBe(TrustTier.SILVER);
    expect(tierFor(score(500, 0.25), ungated)).toBe(TrustTier.BRONZE);
    expect(tierFor(score(990, 0.24), ungated)).toBe(TrustTier.UNRATED);
    expect(tierFor(score(499, 0.99), ungated)).toBe(TrustTier.UNRATED);
  });

  it("ignores a low reputation while its confidence is below 0.25", () => {
    expect(tierFor(score(950, 0.95), score(100, 0.249))).toBe(TrustTier.PLATINUM);
    expect(tierFor(score(950, 0.95), score(0, 0))).toBe(TrustTier.PLATINUM);
  });

  it("caps the tier by reputation once its confidence reaches 0.25", () => {
    // Gated at exactly 0.25: 500 meets only BRONZE's 450.
    expect(tierFor(score(950, 0.95), score(500, 0.25))).toBe(TrustTier.BRONZE);
    expect(tierFor(score(950, 0.95), score(850, 0.5))).toBe(TrustTier.PLATINUM);
    expect(tierFor(score(950, 0.95), score(849, 0.5))).toBe(TrustTier.GOLD);
    expect(tierFor(score(950, 0.95), score(750, 0.5))).toBe(TrustTier.GOLD);
    expect(tierFor(score(950, 0.95), score(600, 0.5))).toBe(TrustTier.SILVER);
    expect(tierFor(score(950, 0.95), score(449, 0.9))).toBe(TrustTier.UNRATED);
  });

  it("a high reputation does not lift a weak composite", () => {
    expect(tierFor(score(700, 0.6), score(990, 0.99))).toBe(TrustTier.SILVER);
    expect(tierFor(score(700, 0.2), score(990, 0.99))).toBe(TrustTier.UNRATED);
  });
});

describe("decideListing", () => {
  const inputs = (overrides: Partial<ListingInputs> = {}): ListingInputs => ({
    composite: score(850, 0.8),
    reputation: score(800, 0.5),
    evaluationRuns: 5,
    lastRunPassed: true,
    lastRunFailedCriticalClauses: [],
    openCriticalDisputes: 0,
    consequence: null,
    ...overrides,
  });
  const GOLD_REASON = "tier GOLD: composite score 850 with confidence 0.8, reputation score 800 with confidence 0.5";

  it("rates a newcomer UNRATED and not eligible at the priors, saying why", () => {
    const decision = decideListing(
      inputs({ composite: compositeOf(emptyState()), reputation: reputationOf(emptyState()), evaluationRuns: 0, lastRunPassed: null }),
    );
    expect(decision).toEqual({
      eligible: false,
      tier: TrustTier.UNRATED,
      reasons: [
        "no evaluation evidence yet: the composite score is the newcomer prior",
        "reputation confidence 0 is below 0.25: production evidence does not yet bear on the tier",
      ],
      policyVersion: "listing-2026.12-1",
    });
  });

  it("makes a rated agent with a passing latest run and nothing standing eligible", () => {
    expect(decideListing(inputs())).toEqual({
      eligible: true,
      tier: TrustTier.GOLD,
      reasons: [GOLD_REASON, "latest evaluation run met its pact"],
      policyVersion: "listing-2026.12-1",
    });
  });

  it("names the bars an UNRATED agent misses", () => {
    const both = decideListing(inputs({ composite: score(450, 0.1) }));
    expect(both.tier).toBe(TrustTier.UNRATED);
    expect(both.eligible).toBe(false);
    expect(both.reasons[0]).toBe("unrated: composite score 450 is below the 500 and confidence 0.1 is below the 0.25 that BRONZE needs");

    const reputation = decideListing(inputs({ composite: score(700, 0.6), reputation: score(400, 0.5) }));
    expect(reputation.tier).toBe(TrustTier.UNRATED);
    expect(reputation.eligible).toBe(false);
    expect(reputation.reasons[0]).toBe("unrated: reputation score 400 is below the 450 that BRONZE needs");
  });

  it("notes that reputation does not yet bear on the tier below confidence 0.25", () => {
    const decision = decideListing(inputs({ reputation: score(300, 0.2) }));
    expect(decision.tier).toBe(TrustTier.GOLD);
    expect(decision.eligible).toBe(true);
    expect(decision.reasons).toEqual([
      "tier GOLD: composite score 850 with confidence 0.8, reputation score 300 with confidence 0.2",
      "reputation confidence 0.2 is below 0.25: production evidence does not yet bear on the tier",
      "latest evaluation run met its pact",
    ]);
  });

  it("makes a rated agent ineligible when its latest run failed, naming the failed critical clauses", () => {
    const decision = decideListing(
      inputs({ lastRunPassed: false, lastRunFailedCriticalClauses: ["severity-accuracy", "escalation-recall"] }),
    );
    expect(decision.tier).toBe(TrustTier.GOLD);
    expect(decision.eligible).toBe(false);
    expect(decision.reasons).toEqual([
      GOLD_REASON,
      "latest evaluation run failed critical clause(s): severity-accuracy, escalation-recall",
    ]);
  });

  it("keeps an agent whose latest run missed only its pass threshold listed: a breach for the ladder, not a critical one", () => {
    const decision = decideListing(inputs({ lastRunPassed: false }));
    expect(decision.eligible).toBe(true);
    expect(decision.reasons).toEqual([
      GOLD_REASON,
      "latest evaluation run did not meet its pact's pass threshold: a breach for the consequence ladder",
    ]);
  });

  it("is not eligible without any judged run, whatever the scores say", () => {
    const decision = decideListing(inputs({ evaluationRuns: 0, lastRunPassed: null }));
    expect(decision.eligible).toBe(false);
    expect(decision.reasons[0]).toBe("no evaluation evidence yet: the composite score is the newcomer prior");
  });

  it("makes an agent with an open critical dispute ineligible", () => {
    const decision = decideListing(inputs({ openCriticalDisputes: 2 }));
    expect(decision.tier).toBe(TrustTier.GOLD);
    expect(decision.eligible).toBe(false);
    expect(decision.reasons).toEqual([GOLD_REASON, "latest evaluation run met its pact", "2 open critical dispute(s)"]);
  });

  it.each([ConsequenceAction.SUSPEND_LISTING, ConsequenceAction.DELIST])(
    "makes an agent under %s ineligible, keeping its tier",
    (consequence) => {
      const decision = decideListing(inputs({ consequence }));
      expect(decision.tier).toBe(TrustTier.GOLD);
      expect(decision.eligible).toBe(false);
      expect(decision.reasons).toEqual([GOLD_REASON, "latest evaluation run met its pact", `consequence ladder stands at ${consequence}`]);
    },
  );

  it.each([ConsequenceAction.WARN, ConsequenceAction.REQUIRE_HUMAN_REVIEW])(
    "keeps an agent under %s eligible at its tier, naming the step",
    (consequence) => {
      const decision = decideListing(inputs({ consequence }));
      expect(decision).toMatchObject({ eligible: true, tier: TrustTier.GOLD });
      expect(decision.reasons).toEqual([GOLD_REASON, "latest evaluation run met its pact", `consequence ladder stands at ${consequence}`]);
    },
  );

  it("THROTTLE caps the tier at BRONZE and keeps the agent eligible", () => {
    const decision = decideListing(inputs({ consequence: ConsequenceAction.THROTTLE }));
    expect(decision).toMatchObject({ eligible: true, tier: TrustTier.BRONZE });
    expect(decision.reasons).toEqual([
      GOLD_REASON,
      "throttled by the pact's consequence ladder: tier capped at BRONZE",
      "latest evaluation run met its pact",
      "consequence ladder stands at THROTTLE",
    ]);
  });

  it("THROTTLE leaves BRONZE and UNRATED as they are", () => {
    // 600 / 0.3 → BRONZE only.
    const bronze = decideListing(inputs({ composite: score(600, 0.3), consequence: ConsequenceAction.THROTTLE }));
    expect(bronze).toMatchObject({ eligible: true, tier: TrustTier.BRONZE });
    expect(bronze.reasons).not.toContain("throttled by the pact's consequence ladder: tier capped at BRONZE");
    const unrated = decideListing(inputs({ composite: score(600, 0.1), consequence: ConsequenceAction.THROTTLE }));
    expect(unrated).toMatchObject({ eligible: false, tier: TrustTier.UNRATED });
  });

  it("calls out a reputation 200 or more points below the composite, once reputation is confident", () => {
    // 900 / 0.95 with reputation 700 / 0.5: PLATINUM needs 850, GOLD 750 → SILVER (600 ≤ 700). 900 − 700 = 200.
    const decision = decideListing(inputs({ composite: score(900, 0.95), reputation: score(700, 0.5) }));
    expect(decision).toMatchObject({ eligible: true, tier: TrustTier.SILVER });
    expect(decision.reasons).toEqual([
      "tier SILVER: composite score 900 with confidence 0.95, reputation score 700 with confidence 0.5",
      "production reputation 700 trails demonstrated capability 900 by 200 points",
      "latest evaluation run met its pact",
    ]);
    // 199 points: no divergence.
    const close = decideListing(inputs({ composite: score(900, 0.95), reputation: score(701, 0.5) }));
    expect(close.reasons.some((r) => r.startsWith("production reputation"))).toBe(false);
    // Unconfident reputation: no divergence either, however low.
    const unconfident = decideListing(inputs({ composite: score(900, 0.95), reputation: score(100, 0.24) }));
    expect(unconfident.tier).toBe(TrustTier.PLATINUM);
    expect(unconfident.reasons.some((r) => r.startsWith("production reputation"))).toBe(false);
    // No judged run: the composite is the newcomer prior, nothing production could contradict.
    const newcomer = decideListing(
      inputs({ composite: score(500, 0), reputation: score(100, 0.5), evaluationRuns: 0, lastRunPassed: null }),
    );
    expect(newcomer.reasons.some((r) => r.startsWith("production reputation"))).toBe(false);
  });

  it("lists every blocker at once", () => {
    const decision = decideListing(
      inputs({
        lastRunPassed: false,
        lastRunFailedCriticalClauses: ["grounding-rate"],
        openCriticalDisputes: 1,
        consequence: ConsequenceAction.SUSPEND_LISTING,
      }),
    );
    expect(decision.eligible).toBe(false);
    expect(decision.reasons).toEqual([
      GOLD_REASON,
      "latest evaluation run failed critical clause(s): grounding-rate",
      "1 open critical dispute(s)",
      "consequence ladder stands at SUSPEND_LISTING",
    ]);
  });
});

describe("evaluation drift (addRunToDrift / evaluationDriftAlarm)", () => {
  const feed = (shares: readonly number[], start: EvaluationDrift = emptyDrift()): EvaluationDrift[] => {
    const states: EvaluationDrift[] = [];
    let drift = start;
    for (const share of shares) {
      drift = addRunToDrift(drift, share);
      states.push(drift);
    }
    return states;
  };

  it("the first 4 runs set the baseline and never alarm, however bad", () => {
    const states = feed([0.9, 0.92, 0.88, 0.0]);
    expect(states.map((s) => s.statistic)).toEqual([0, 0, 0, 0]);
    expect(states.map((s) => evaluationDriftAlarm(s))).toEqual([false, false, false, false]);
    expect(states[3]!.runs).toBe(4);
    expect(states[3]!.baselineSum).toBeCloseTo(2.7, 12);
  });

  it("alarms after a sustained slide below the baseline mean", () => {
    // Baseline = (0.9 + 0.92 + 0.88 + 0.9) / 4 = 0.9 (the first run alone would also give 0.9; see the next test).
    // 0.86: S = 0 + 0.9 − 0.86 − 0.02 = 0.02.  0.85: S = 0.02 + 0.05 − 0.02 = 0.05 ≤ 0.06.
    // 0.84: S = 0.05 + 0.06 − 0.02 = 0.09 > 0.06 → alarm.
    const states = feed([0.9, 0.92, 0.88, 0.9, 0.86, 0.85, 0.84]);
    expect(states[4]!.statistic).toBeCloseTo(0.02, 10);
    expect(states[5]!.statistic).toBeCloseTo(0.05, 10);
    expect(states[6]!.statistic).toBeCloseTo(0.09, 10);
    expect(states.map((s) => evaluationDriftAlarm(s))).toEqual([false, false, false, false, false, false, true]);
    expect(states[6]!.runs).toBe(7);
  });

  it("measures from the mean of the first 4 runs, not the first run", () => {
    // Baseline = (0.8 + 1 + 1 + 1) / 4 = 0.95. 0.88: S = 0.95 − 0.88 − 0.02 = 0.05 ≤ 0.06 → no alarm.
    // (Against the first run's 0.8 there would be no drift at all; against 1.0, 0.1 → alarm.)
    const states = feed([0.8, 1, 1, 1, 0.88]);
    expect(states[4]!.statistic).toBeCloseTo(0.05, 10);
    expect(evaluationDriftAlarm(states[4]!)).toBe(false);
    // 0.9 next: S = 0.05 + 0.05 − 0.02 = 0.08 > 0.06 → alarm.
    const next = addRunToDrift(states[4]!, 0.9);
    expect(next.statistic).toBeCloseTo(0.08, 10);
    expect(evaluationDriftAlarm(next)).toBe(true);
  });

  it("noise around the baseline does not alarm", () => {
    // Baseline 0.9; ±0.02 around it: harm − k is 0 or −0.04, so S stays at (about) 0.
    const states = feed([0.9, 0.9, 0.9, 0.9, 0.88, 0.92, 0.88, 0.92, 0.88, 0.92, 0.89, 0.91, 0.88, 0.92]);
    expect(states.some((s) => evaluationDriftAlarm(s))).toBe(false);
    for (const s of states) expect(s.statistic).toBeLessThan(1e-9);
  });

  it("a single mediocre run followed by recovery does not alarm", () => {
    // 0.85: S = 0.05 − 0.02 = 0.03; 0.9: S = 0.03 − 0.02 = 0.01; 0.9: S = 0.
    const states = feed([0.9, 0.9, 0.9, 0.9, 0.85, 0.9, 0.9]);
    expect(states.some((s) => evaluationDriftAlarm(s))).toBe(false);
    expect(states[4]!.statistic).toBeCloseTo(0.03, 10);
    expect(states[5]!.statistic).toBeCloseTo(0.01, 10);
    expect(states[6]!.statistic).toBeCloseTo(0, 10);
  });

  it("is one-sided and floored at 0, and clears when the agent is back above its baseline", () => {
    // Improvement banks no credit: 1.0 → S = max(0, −0.12) = 0.
    const improving = feed([0.9, 0.9, 0.9, 0.9, 1, 1, 1]);
    expect(improving.map((s) => s.statistic)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // Alarm at 0.09 (as above), then 0.95: S = 0.09 − 0.05 − 0.02 = 0.02, under h / 2 = 0.03 → cleared.
    const slid = feed([0.9, 0.92, 0.88, 0.9, 0.86, 0.85, 0.84, 0.95]);
    expect(evaluationDriftAlarm(slid[6]!)).toBe(true);
    expect(slid[7]!.statistic).toBeCloseTo(0.02, 10);
    expect(evaluationDriftAlarm(slid[7]!)).toBe(false);
  });

  it("S exactly at the threshold is not an alarm", () => {
    // Baseline 1 (exact); 0.5 is exact too: S = 1 − 0.5 − 0.02 = 0.48 > 0.06 → alarm.
    const drift = feed([1, 1, 1, 1, 0.5]).at(-1)!;
    expect(drift.statistic).toBeCloseTo(0.48, 12);
    expect(evaluationDriftAlarm(drift)).toBe(true);
    // With the threshold set to that very S, S = h is not raised: it must exceed h.
    const atThreshold = { ...SCORING_POLICY, evaluationDrift: { ...SCORING_POLICY.evaluationDrift, threshold: drift.statistic } };
    let exact = emptyDrift();
    for (const share of [1, 1, 1, 1, 0.5]) exact = addRunToDrift(exact, share, atThreshold);
    expect(exact.statistic).toBe(drift.statistic);
    expect(evaluationDriftAlarm(exact)).toBe(false);
  });

  it("once raised, stands while S is above h / 2 and clears under it (hysteresis)", () => {
    // Baseline 1; h = 0.06, h / 2 = 0.03.
    // 0.9:  S = 1 − 0.9 − 0.02 = 0.08 > 0.06 → raised.
    // 1:    S = 0.08 − 0.02 = 0.06: not above h, but above h / 2 → stands (it would have cleared at S ≤ h).
    // 1:    S = 0.04 > 0.03 → stands.
    // 1:    S = 0.02 ≤ 0.03 → cleared.
    // 0.95: S = 0.02 + 0.05 − 0.02 = 0.05: above h / 2 but not above h, and no alarm stands → not raised.
    // 0.95: S = 0.05 + 0.03 = 0.08 > 0.06 → raised again.
    const states = feed([1, 1, 1, 1, 0.9, 1, 1, 1, 0.95, 0.95]).slice(4);
    const statistics = [0.08, 0.06, 0.04, 0.02, 0.05, 0.08];
    states.forEach((state, i) => expect(state.statistic).toBeCloseTo(statistics[i]!, 10));
    expect(states.map((s) => evaluationDriftAlarm(s))).toEqual([true, true, true, false, false, true]);
    expect(states.map((s) => s.alarm)).toEqual([true, true, true, false, false, true]);
  });

  it("an agent hovering at h keeps its alarm instead of raising and clearing it every run", () => {
    // Baseline 1: 0.9 → S = 0.08 (raised); 1 → 0.06; 0.96 → 0.06 + 0.04 − 0.02 = 0.08; 1 → 0.06; 0.96 → 0.08.
    // Read as S > h alone, the alarm would flip on, off, on, off, on; with h / 2 = 0.03 to clear, it stands throughout.
    const states = feed([1, 1, 1, 1, 0.9, 1, 0.96, 1, 0.96]).slice(4);
    const statistics = [0.08, 0.06, 0.08, 0.06, 0.08];
    states.forEach((state, i) => expect(state.statistic).toBeCloseTo(statistics[i]!, 10));
    expect(states.map((s) => evaluationDriftAlarm(s))).toEqual([true, true, true, true, true]);
  });

  it("S exactly h / 2 clears: the alarm stands only while S is above h / 2", () => {
    // A policy whose numbers are exact in binary: k = 0.25, h = 0.5, h / 2 = 0.25; baseline 1.
    // 0:  S = 1 − 0 − 0.25 = 0.75 > 0.5 → raised. 1: S = 0.5 > 0.25 → stands. 1: S = 0.25, not above 0.25 → cleared.
    const exact = { ...SCORING_POLICY, evaluationDrift: { baselineRuns: 4, slack: 0.25, threshold: 0.5 } };
    let drift = emptyDrift();
    const alarms: boolean[] = [];
    const statistics: number[] = [];
    for (const share of [1, 1, 1, 1, 0, 1, 1]) {
      drift = addRunToDrift(drift, share, exact);
      alarms.push(evaluationDriftAlarm(drift));
      statistics.push(drift.statistic);
    }
    expect(statistics.slice(4)).toEqual([0.75, 0.5, 0.25]);
    expect(alarms).toEqual([false, false, false, false, true, true, false]);
  });

  it("an empty drift, and one stored before the alarm was kept, read as no alarm", () => {
    expect(emptyDrift()).toEqual({ runs: 0, baselineSum: 0, statistic: 0, alarm: false });
    expect(evaluationDriftAlarm(emptyDrift())).toBe(false);
    // Stored without `alarm`, S = 0.05 ≤ h: no alarm, and the next run follows from there.
    const stored: EvaluationDrift = { runs: 6, baselineSum: 4, statistic: 0.05 };
    expect(evaluationDriftAlarm(stored)).toBe(false);
    // Baseline 4 / 4 = 1; 1: S = 0.05 − 0.02 = 0.03 ≤ 0.06 → not raised.
    const next = addRunToDrift(stored, 1);
    expect(next.statistic).toBeCloseTo(0.03, 10);
    expect(next).toMatchObject({ runs: 7, baselineSum: 4, alarm: false });
  });
});

describe("filerCredibility", () => {
  it("is 1 for a filer never rejected, falls with each rejection and recovers with upheld disputes", () => {
    // (upheld + 2) / (upheld + rejected + 2)
    expect(filerCredibility({ upheld: 0, rejected: 0 })).toBe(1);
    expect(filerCredibility({ upheld: 7, rejected: 0 })).toBe(1);
    expect(filerCredibility({ upheld: 0, rejected: 1 })).toBeCloseTo(2 / 3, 12);
    expect(filerCredibility({ upheld: 0, rejected: 2 })).toBe(0.5);
    expect(filerCredibility({ upheld: 0, rejected: 3 })).toBe(0.4);
    expect(filerCredibility({ upheld: 2, rejected: 3 })).toBeCloseTo(4 / 7, 12);
    expect(filerCredibility({ upheld: 0, rejected: 98 })).toBe(0.02);
  });

  it("keeps a filer's open critical disputes unlisting agents up to two rejections more than upheld", () => {
    const bar = SCORING_POLICY.reputation.filerCredibility.listingBar;
    expect(filerCredibility({ upheld: 0, rejected: 2 })).toBeGreaterThanOrEqual(bar);
    expect(filerCredibility({ upheld: 0, rejected: 3 })).toBeLessThan(bar);
    expect(filerCredibility({ upheld: 5, rejected: 7 })).toBeGreaterThanOrEqual(bar);
    expect(filerCredibility({ upheld: 5, rejected: 8 })).toBeLessThan(bar);
  });
});
