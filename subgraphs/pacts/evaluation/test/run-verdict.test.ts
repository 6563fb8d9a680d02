import { describe, expect, it } from "vitest";
import type { CaseFacts, JudgedCase } from "../judging/evaluation-case.facts.js";
import {
  DEFAULT_EVIDENCE_CONFIDENCE,
  MAX_WINDOW_CASES,
  decideRun,
  judgeCase,
  judgeClause,
  judgeRun,
  minSampleSize,
  windowOf,
  type ClauseJudgement,
  type ClauseSpec,
  type WindowCase,
} from "../judging/run-verdict.math.js";
import { AlertSeverity, ClauseOutcome, ClauseSeverity, Comparator, PactMetric } from "../../pact.enums.js";

const { HIGH, LOW } = AlertSeverity;
const { PASSED, FAILED, INSUFFICIENT_EVIDENCE } = ClauseOutcome;
const DAY = 24 * 3600 * 1000;
const asOf = new Date("2025-06-30T12:00:00Z");
const daysAgo = (days: number, plusMs = 0) => new Date(asOf.getTime() - days * DAY - plusMs);

function kase(caseId: string, expected: CaseFacts, output: CaseFacts, escalationSeconds?: number): JudgedCase {
  return { caseId, expected, output, timings: escalationSeconds === undefined ? {} : { escalationSeconds }, groundedIndicators: null };
}
const at = (c: JudgedCase, submittedAt: Date): WindowCase => ({ ...c, submittedAt });

/** Alert-triage cases: severity right or wrong; malicious unless said otherwise. */
const right = (id: string, truePositive = true) => kase(id, { severity: HIGH, truePositive }, { severity: HIGH, truePositive });
const wrong = (id: string) => kase(id, { severity: HIGH, truePositive: true }, { severity: LOW, truePositive: true });
const flaggedBenign = (id: string) => kase(id, { severity: LOW, truePositive: false }, { severity: LOW, truePositive: true });

function clause(key: string, metric: PactMetric, comparator: Comparator, threshold: number, rest: Partial<ClauseSpec> = {}): ClauseSpec {
  return { key, metric, comparator, threshold, windowCases: 500, windowDays: null, weight: 1, severity: ClauseSeverity.MAJOR, ...rest };
}
const accuracy = clause("accuracy", PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, Comparator.GTE, 0.92, {
  severity: ClauseSeverity.CRITICAL,
});
const fpr = clause("fpr", PactMetric.FALSE_POSITIVE_RATE, Comparator.LTE, 0.1);
const judged = (key: string, outcome: ClauseOutcome): ClauseJudgement => ({ key, observed: null, sampleSize: 0, outcome });

describe("windowOf", () => {
  // Newest first: now, 1 day, exactly 7 days, 7 days and 1 ms, 30 days.
  const recent = [
    at(right("now"), daysAgo(0)),
    at(right("d1"), daysAgo(1)),
    at(right("d7"), daysAgo(7)),
    at(right("d7+1ms"), daysAgo(7, 1)),
    at(right("d30"), daysAgo(30)),
  ];
  const ids = (windowCases: number | null, windowDays: number | null) =>
    windowOf({ windowCases, windowDays }, recent, asOf).map((c) => c.caseId);

  it("takes the last N cases whatever their age", () => {
    expect(ids(2, null)).toEqual(["now", "d1"]);
    expect(ids(99, null)).toEqual(["now", "d1", "d7", "d7+1ms", "d30"]);
  });

  it("takes the cases of the last N days, a case exactly at the boundary inside", () => {
    expect(ids(null, 7)).toEqual(["now", "d1", "d7"]);
    expect(ids(null, 1)).toEqual(["now", "d1"]);
  });

  it("never counts cases submitted after the run, so a verdict cannot change later", () => {
    const withLater = [at(right("later"), daysAgo(0, -1)), ...recent];
    expect(windowOf({ windowCases: 2, windowDays: null }, withLater, asOf).map((c) => c.caseId)).toEqual(["now", "d1"]);
  });

  it("with both, takes the last N cases among those of the last N days", () => {
    expect(ids(2, 7)).toEqual(["now", "d1"]);
    expect(ids(10, 7)).toEqual(["now", "d1", "d7"]);
  });

  it("returns a new array", () => {
    expect(windowOf({ windowCases: null, windowDays: null }, recent, asOf)).not.toBe(recent);
  });
});

describe("judgeCase", () => {
  const escalationTime = clause("tte", PactMetric.TIME_TO_ESCALATE_P90, Comparator.LTE, 900, { windowDays: 30 });

  it("checks only the clauses that apply to the case, and passes it when all of them pass", () => {
    // Malicious alert: the false positive rate does not apply to it.
    expect(judgeCase([accuracy, fpr], right("tp"))).toEqual({ caseId: "tp", checks: { accuracy: true }, passed: true });
    expect(judgeCase([accuracy, fpr], right("tn", false))).toEqual({ caseId: "tn", checks: { accuracy: true, fpr: true }, passed: true });
    expect(judgeCase([accuracy, fpr], flaggedBenign("fp"))).toEqual({
      caseId: "fp",
      checks: { accuracy: true, fpr: false },
      passed: false,
    });
    expect(judgeCase([accuracy, fpr], wrong("sev"))).toEqual({ caseId: "sev", checks: { accuracy: false }, passed: false });
  });

  it("checks a percentile clause against the case's own value", () => {
    expect(judgeCase([escalationTime], kase("fast", {}, { escalate: true }, 900)).checks).toEqual({ tte: true });
    expect(judgeCase([escalationTime], kase("slow", {}, { escalate: true }, 901)).checks).toEqual({ tte: false });
    expect(judgeCase([escalationTime], kase("held", {}, { escalate: false }, 5000))).toEqual({ caseId: "held", checks: {}, passed: true });
  });
});

describe("judgeClause", () => {
  const cases = (good: number, bad: number) => [
    ...Array.from({ length: good }, (_, i) => right(`r${i}`)),
    ...Array.from({ length: bad }, (_, i) => wrong(`w${i}`)),
  ];

  it("passes a GTE clause landing exactly on the threshold (23/25 = 0.92) and fails it just below (22/25)", () => {
    expect(judgeClause(accuracy, cases(23, 2))).toEqual({ key: "accuracy", observed: 0.92, sampleSize: 25, outcome: PASSED });
    expect(judgeClause(accuracy, cases(22, 3))).toEqual({ key: "accuracy", observed: 0.88, sampleSize: 25, outcome: FAILED });
  });

  it("passes an LTE clause at its threshold (1 of 10 benign flagged) and fails it above (2 of 10)", () => {
    const benign = (flagged: number) =>
      Array.from({ length: 10 }, (_, i) => (i < flagged ? flaggedBenign(`b${i}`) : right(`b${i}`, false)));
    expect(judgeClause(fpr, benign(1))).toMatchObject({ observed: 0.1, sampleSize: 10, outcome: PASSED });
    expect(judgeClause(fpr, benign(2))).toMatchObject({ observed: 0.2, sampleSize: 10, outcome: FAILED });
  });

  it("is INSUFFICIENT_EVIDENCE when no case applies", () => {
    expect(judgeClause(fpr, cases(5, 0))).toEqual({ key: "fpr", observed: null, sampleSize: 0, outcome: INSUFFICIENT_EVIDENCE });
    expect(judgeClause(accuracy, [])).toEqual({ key: "accuracy", observed: null, sampleSize: 0, outcome: INSUFFICIENT_EVIDENCE });
  });
});

describe("decideRun", () => {
  it("fails the run when a critical clause fails, even with a weighted share of 0.9", () => {
    const run = decideRun(
      [
        { ...accuracy, weight: 0.1 },
        { ...fpr, weight: 0.9 },
      ],
      [judged("accuracy", FAILED), judged("fpr", PASSED)],
      0.8,
    );

    expect(run).toEqual({ passed: false, weightedPassShare: 0.9, failedCriticalClauses: ["accuracy"], insufficientClauses: [] });
  });

  it("passes when critical clauses pass and the share is exactly the threshold (3 of 4 weight vs 0.75)", () => {
    const run = decideRun(
      [
        { ...accuracy, weight: 3 },
        { ...fpr, weight: 1 },
      ],
      [judged("accuracy", PASSED), judged("fpr", FAILED)],
      0.75,
    );

    expect(run).toEqual({ passed: true, weightedPassShare: 0.75, failedCriticalClauses: [], insufficientClauses: [] });
  });

  it("fails when the share is below the threshold", () => {
    const run = decideRun(
      [
        { ...accuracy, weight: 3 },
        { ...fpr, weight: 1 },
      ],
      [judged("accuracy", PASSED), judged("fpr", FAILED)],
      0.76,
    );

    expect(run).toEqual({ passed: false, weightedPassShare: 0.75, failedCriticalClauses: [], insufficientClauses: [] });
  });

  it("does not fail the run on float noise: share 0.3 against a threshold of 0.1 + 0.2", () => {
    const threshold = 0.1 + 0.2; // 0.30000000000000004
    const run = decideRun(
      [
        { ...fpr, key: "a", weight: 3 },
        { ...fpr, key: "b", weight: 7 },
      ],
      [judged("a", PASSED), judged("b", FAILED)],
      threshold,
    );

    expect(run.weightedPassShare).toBe(0.3);
    expect(run.weightedPassShare).toBeLessThan(threshold);
    expect(run.passed).toBe(true);
  });

  it("does not fail the run on float noise in the share: (0.7 + 0.1) / 1 against 0.8", () => {
    const clauses = [
      { ...fpr, key: "a", weight: 0.7 },
      { ...fpr, key: "b", weight: 0.1 },
      { ...fpr, key: "c", weight: 0.2 },
    ];
    const run = decideRun(clauses, [judged("a", PASSED), judged("b", PASSED), judged("c", FAILED)], 0.8);

    expect(run.weightedPassShare).toBeLessThan(0.8);
    expect(run.passed).toBe(true);
  });

  // Changed deliberately with the evidence minimum (docs/pacts.md, "Enough evidence"): these three
  // used to count an insufficient clause as not passed (a critical one as failed).
  it("leaves an insufficient critical clause out of the rule: no critical failure, the share over decided clauses", () => {
    const run = decideRun(
      [
        { ...accuracy, weight: 0.6 },
        { ...fpr, weight: 0.4 },
      ],
      [judged("accuracy", INSUFFICIENT_EVIDENCE), judged("fpr", PASSED)],
      0.3,
    );

    expect(run).toEqual({ passed: true, weightedPassShare: 1, failedCriticalClauses: [], insufficientClauses: ["accuracy"] });
  });

  it("leaves an insufficient major clause out of the share, which a failed one would lower", () => {
    const clauses = [
      { ...accuracy, weight: 0.6 },
      { ...fpr, weight: 0.4 },
    ];
    expect(decideRun(clauses, [judged("accuracy", PASSED), judged("fpr", INSUFFICIENT_EVIDENCE)], 0.8)).toEqual({
      passed: true,
      weightedPassShare: 1,
      failedCriticalClauses: [],
      insufficientClauses: ["fpr"],
    });
    expect(decideRun(clauses, [judged("accuracy", PASSED), judged("fpr", FAILED)], 0.8)).toEqual({
      passed: false,
      weightedPassShare: 0.6,
      failedCriticalClauses: [],
      insufficientClauses: [],
    });
  });

  it("treats a clause without a judgement as insufficient, and a run with no decided clause as no breach", () => {
    const run = decideRun(
      [
        { ...accuracy, weight: 0.6 },
        { ...fpr, weight: 0.4 },
      ],
      [judged("fpr", INSUFFICIENT_EVIDENCE)],
      0.8,
    );

    expect(run).toEqual({ passed: true, weightedPassShare: 1, failedCriticalClauses: [], insufficientClauses: ["accuracy", "fpr"] });
  });

  it("still fails a critical clause that has enough evidence, whatever else is insufficient", () => {
    const run = decideRun(
      [
        { ...accuracy, weight: 0.6 },
        { ...fpr, weight: 0.4 },
      ],
      [judged("accuracy", FAILED), judged("fpr", INSUFFICIENT_EVIDENCE)],
      0.3,
    );

    expect(run).toEqual({ passed: false, weightedPassShare: 0, failedCriticalClauses: ["accuracy"], insufficientClauses: ["fpr"] });
  });
});

describe("minSampleSize", () => {
  it("is the smallest n with q^n ≤ 1 − confidence, q the share of cases meeting the promise at the threshold", () => {
    // ln(0.05) / ln(0.92) = 35.9; ln(0.05) / ln(0.9) = 28.4 (FPR ≤ 0.10: q = 0.9); p90: q = 0.9; median: q = 0.5.
    expect(minSampleSize(accuracy, 0.95)).toBe(36);
    expect(minSampleSize(fpr, 0.95)).toBe(29);
    expect(minSampleSize(clause("p90", PactMetric.TIME_TO_CONTAINMENT_P90, Comparator.LTE, 14_400), 0.95)).toBe(29);
    expect(minSampleSize(clause("p50", PactMetric.TIME_TO_CONTAINMENT_P50, Comparator.LTE, 3_600), 0.95)).toBe(5);
    // The default, 0.1: ln(0.9) / ln(0.92) = 1.3; ln(0.9) / ln(0.9) = 1.
    expect(minSampleSize(accuracy, DEFAULT_EVIDENCE_CONFIDENCE)).toBe(2);
    expect(minSampleSize(fpr, DEFAULT_EVIDENCE_CONFIDENCE)).toBe(1);
    // At the minimum, a flawless window is at most (1 − confidence) likely from a run at the threshold; one fewer, more.
    expect(0.92 ** 36).toBeLessThanOrEqual(0.05);
    expect(0.92 ** 35).toBeGreaterThan(0.05);
  });

  it("grows with the confidence and with the threshold's strictness", () => {
    expect(minSampleSize({ ...accuracy, threshold: 0.98 }, 0.95)).toBe(149);
    expect(minSampleSize({ ...accuracy, threshold: 0.5 }, 0.95)).toBe(5);
    expect(minSampleSize(accuracy, 0.99)).toBeGreaterThan(minSampleSize(accuracy, 0.95));
  });

  it("needs 1 case at confidence 0 or a threshold any run meets, and the largest window for a threshold none can beat", () => {
    expect(minSampleSize(accuracy, 0)).toBe(1);
    expect(minSampleSize({ ...accuracy, threshold: 0 }, 0.95)).toBe(1);
    expect(minSampleSize({ ...accuracy, threshold: 1 }, 0.95)).toBe(MAX_WINDOW_CASES);
    expect(minSampleSize({ ...fpr, threshold: 0 }, 0.95)).toBe(MAX_WINDOW_CASES);
  });
});

describe("judgeClause with a minimum", () => {
  const cases = (good: number, bad: number) => [
    ...Array.from({ length: good }, (_, i) => right(`r${i}`)),
    ...Array.from({ length: bad }, (_, i) => wrong(`w${i}`)),
  ];
  it("is INSUFFICIENT_EVIDENCE below the minimum, whatever the observed value, and decided from it on", () => {
    expect(judgeClause(accuracy, cases(8, 0), undefined, 9)).toEqual({
      key: "accuracy",
      observed: 1,
      sampleSize: 8,
      outcome: INSUFFICIENT_EVIDENCE,
    });
    expect(judgeClause(accuracy, cases(0, 8), undefined, 9)).toMatchObject({ observed: 0, outcome: INSUFFICIENT_EVIDENCE });
    expect(judgeClause(accuracy, cases(9, 0), undefined, 9)).toMatchObject({ sampleSize: 9, outcome: PASSED });
    expect(judgeClause(accuracy, cases(8, 1), undefined, 9)).toMatchObject({ sampleSize: 9, outcome: FAILED });
  });

  it("counts toward the minimum only the cases the metric applies to", () => {
    // FPR applies to benign alerts only: 10 cases with 1 benign are 1 case of evidence.
    expect(judgeClause(fpr, [...cases(9, 0), right("tn", false)], undefined, 7)).toMatchObject({
      sampleSize: 1,
      outcome: INSUFFICIENT_EVIDENCE,
    });
  });

  it("judgeRun applies a minimum per clause", () => {
    const history = [...cases(8, 0)].map((c) => ({ ...c, submittedAt: asOf }));
    const result = judgeRun([{ ...accuracy, windowCases: 500 }], cases(8, 0), history, 0.8, asOf, undefined, () => 9);
    expect(result.clauseJudgements[0]).toMatchObject({ sampleSize: 8, outcome: INSUFFICIENT_EVIDENCE });
    expect(result.run).toEqual({ passed: true, weightedPassShare: 1, failedCriticalClauses: [], insufficientClauses: ["accuracy"] });
  });
});

describe("judgeRun", () => {
  // Three clauses, each over its own window of the same history.
  const clauses = [
    clause("recent-accuracy", PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, Comparator.GTE, 0.9, {
      windowCases: 3,
      severity: ClauseSeverity.CRITICAL,
    }),
    clause("monthly-accuracy", PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, Comparator.GTE, 0.9, { windowCases: null, windowDays: 30 }),
    clause("fpr", PactMetric.FALSE_POSITIVE_RATE, Comparator.LTE, 0.1, { windowCases: 100, windowDays: 30 }),
  ];
  const runCases = [right("run-1"), right("run-2"), right("run-3")];
  // Newest first: the run's own cases, then older ones from 10 days ago and 40 days ago.
  const recent = [
    ...runCases.map((c) => at(c, asOf)),
    at(wrong("old-w1"), daysAgo(10)),
    at(wrong("old-w2"), daysAgo(10)),
    at(flaggedBenign("old-fp"), daysAgo(10)),
    ...Array.from({ length: 10 }, (_, i) => at(wrong(`ancient-w${i}`), daysAgo(40))),
    at(right("ancient-tn", false), daysAgo(40)),
  ];

  it("judges the run's cases alone and each clause over its window of the recent cases", () => {
    const result = judgeRun(clauses, runCases, recent, 0.8, asOf);

    expect(result.caseJudgements).toEqual(
      runCases.map((c) => ({ caseId: c.caseId, checks: { "recent-accuracy": true, "monthly-accuracy": true }, passed: true })),
    );
    expect(result.clauseJudgements).toEqual([
      // The last 3 cases are the run's own: 3/3.
      { key: "recent-accuracy", observed: 1, sampleSize: 3, outcome: PASSED },
      // Within 30 days: 3 run cases + 2 wrong + 1 benign with the right severity → 4/6; the 40-day-old ones are out.
      { key: "monthly-accuracy", observed: 4 / 6, sampleSize: 6, outcome: FAILED },
      // Within 30 days the only benign alert was flagged → 1/1; the cleared one is 40 days old.
      { key: "fpr", observed: 1, sampleSize: 1, outcome: FAILED },
    ]);
    // The critical clause passes, but only 1 of 3 equal weights does.
    expect(result.run).toEqual({ passed: false, weightedPassShare: 1 / 3, failedCriticalClauses: [], insufficientClauses: [] });
  });

  it("passes the same history under a lower pass threshold", () => {
    expect(judgeRun(clauses, runCases, recent, 0.3, asOf).run).toEqual({
      passed: true,
      weightedPassShare: 1 / 3,
      failedCriticalClauses: [],
      insufficientClauses: [],
    });
  });

  it("judges as of the run's time: later, the run's cases fall out of a day window", () => {
    const later = new Date(asOf.getTime() + 31 * DAY);
    const result = judgeRun(clauses, runCases, recent, 0.8, later);

    expect(result.clauseJudgements.map((j) => [j.key, j.sampleSize, j.outcome])).toEqual([
      ["recent-accuracy", 3, PASSED],
      ["monthly-accuracy", 0, INSUFFICIENT_EVIDENCE],
      ["fpr", 0, INSUFFICIENT_EVIDENCE],
    ]);
  });
});
