import { describe, expect, it } from "vitest";
import { parseJudgeJob, judgeJob } from "../evaluation.job.js";
import { decideRun, judgeCase, judgeClause, judgeTriageRun, measure, type ClauseJudgement, type ClauseSpec, type TriageCase } from "../judging/alert-triage.js";
import { PACT_TEMPLATES, clauseStatement } from "../pact-templates.js";
import { AlertSeverity, ClauseOutcome, ClauseSeverity, Comparator, PactMetric } from "../pact.enums.js";

function triageCase(id: string, expected: [AlertSeverity, boolean], output: [AlertSeverity, boolean]): TriageCase {
  return {
    caseId: id,
    expected: { severity: expected[0], truePositive: expected[1] },
    output: { severity: output[0], truePositive: output[1] },
  };
}

/** `correct` cases whose severity matches, then `wrong` whose severity does not; all true positives. */
function severityCases(correct: number, wrong: number): TriageCase[] {
  return [
    ...Array.from({ length: correct }, (_, i) => triageCase(`ok-${i}`, [AlertSeverity.HIGH, true], [AlertSeverity.HIGH, true])),
    ...Array.from({ length: wrong }, (_, i) => triageCase(`bad-${i}`, [AlertSeverity.HIGH, true], [AlertSeverity.LOW, true])),
  ];
}

const accuracyClause: ClauseSpec = {
  key: "severity-accuracy",
  metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
  comparator: Comparator.GTE,
  threshold: 0.92,
  windowCases: 500,
  weight: 0.6,
  severity: ClauseSeverity.CRITICAL,
};
const falsePositiveClause: ClauseSpec = {
  key: "false-positive-rate",
  metric: PactMetric.FALSE_POSITIVE_RATE,
  comparator: Comparator.LTE,
  threshold: 0.1,
  windowCases: 500,
  weight: 0.4,
  severity: ClauseSeverity.MAJOR,
};

const judged = (key: string, outcome: ClauseOutcome): ClauseJudgement => ({ key, observed: null, sampleSize: 0, outcome });

describe("judgeCase", () => {
  it("passes a case only when both severity and decision match", () => {
    const right = judgeCase(triageCase("a", [AlertSeverity.HIGH, true], [AlertSeverity.HIGH, true]));
    const wrongSeverity = judgeCase(triageCase("b", [AlertSeverity.HIGH, true], [AlertSeverity.MEDIUM, true]));
    const wrongDecision = judgeCase(triageCase("c", [AlertSeverity.LOW, false], [AlertSeverity.LOW, true]));

    expect(right).toEqual({ caseId: "a", severityCorrect: true, decisionCorrect: true, passed: true });
    expect(wrongSeverity).toEqual({ caseId: "b", severityCorrect: false, decisionCorrect: true, passed: false });
    expect(wrongDecision).toEqual({ caseId: "c", severityCorrect: true, decisionCorrect: false, passed: false });
  });
});

describe("measure", () => {
  it("measures severity accuracy over every case", () => {
    const result = measure(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, severityCases(3, 1));

    expect(result).toEqual({ observed: 0.75, sampleSize: 4 });
  });

  it("measures the false positive rate over benign cases only, as FP / (FP + TN)", () => {
    const cases = [
      // Benign: one flagged (FP), three cleared (TN).
      triageCase("fp", [AlertSeverity.LOW, false], [AlertSeverity.LOW, true]),
      triageCase("tn-1", [AlertSeverity.LOW, false], [AlertSeverity.LOW, false]),
      triageCase("tn-2", [AlertSeverity.LOW, false], [AlertSeverity.LOW, false]),
      triageCase("tn-3", [AlertSeverity.LOW, false], [AlertSeverity.LOW, false]),
      // Real threats, one of them missed: neither belongs in a false positive rate.
      triageCase("tp", [AlertSeverity.HIGH, true], [AlertSeverity.HIGH, true]),
      triageCase("fn", [AlertSeverity.HIGH, true], [AlertSeverity.HIGH, false]),
    ];

    expect(measure(PactMetric.FALSE_POSITIVE_RATE, cases)).toEqual({ observed: 0.25, sampleSize: 4 });
  });

  it("returns null with sample size 0 when no case applies", () => {
    expect(measure(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, [])).toEqual({ observed: null, sampleSize: 0 });
    expect(measure(PactMetric.FALSE_POSITIVE_RATE, severityCases(5, 0))).toEqual({ observed: null, sampleSize: 0 });
  });
});

describe("judgeClause", () => {
  it("passes a GTE clause whose ratio lands exactly on the threshold (23/25 vs 0.92)", () => {
    const result = judgeClause(accuracyClause, severityCases(23, 2));

    expect(result).toEqual({ key: "severity-accuracy", observed: 23 / 25, sampleSize: 25, outcome: ClauseOutcome.PASSED });
  });

  it("does not fail a clause on float noise in a computed threshold", () => {
    // A threshold computed upstream as 0.1 * 3 is 0.30000000000000004, a hair above 3/10.
    const threshold = 0.1 * 3;
    expect(3 / 10 < threshold).toBe(true);

    const result = judgeClause({ ...accuracyClause, threshold }, severityCases(3, 7));

    expect(result.outcome).toBe(ClauseOutcome.PASSED);
  });

  it("fails a GTE clause just below the threshold", () => {
    const result = judgeClause(accuracyClause, severityCases(22, 3));

    expect(result.outcome).toBe(ClauseOutcome.FAILED);
    expect(result.observed).toBeCloseTo(0.88);
  });

  it("passes an LTE clause at the threshold and fails it above", () => {
    const benign = (flagged: number, cleared: number) => [
      ...Array.from({ length: flagged }, (_, i) => triageCase(`fp-${i}`, [AlertSeverity.LOW, false], [AlertSeverity.LOW, true])),
      ...Array.from({ length: cleared }, (_, i) => triageCase(`tn-${i}`, [AlertSeverity.LOW, false], [AlertSeverity.LOW, false])),
    ];

    expect(judgeClause(falsePositiveClause, benign(1, 9)).outcome).toBe(ClauseOutcome.PASSED);
    expect(judgeClause(falsePositiveClause, benign(2, 8)).outcome).toBe(ClauseOutcome.FAILED);
  });

  it("reports INSUFFICIENT_EVIDENCE, not a pass or fail, when no case applies", () => {
    const result = judgeClause(falsePositiveClause, severityCases(10, 0));

    expect(result).toEqual({ key: "false-positive-rate", observed: null, sampleSize: 0, outcome: ClauseOutcome.INSUFFICIENT_EVIDENCE });
  });
});

describe("decideRun", () => {
  it("fails the run when a critical clause fails, even with a weighted share above the threshold", () => {
    const clauses: ClauseSpec[] = [
      { ...accuracyClause, weight: 0.1 },
      { ...falsePositiveClause, weight: 0.9 },
    ];

    const run = decideRun(clauses, [judged("severity-accuracy", ClauseOutcome.FAILED), judged("false-positive-rate", ClauseOutcome.PASSED)], 0.8);

    expect(run.weightedPassShare).toBeCloseTo(0.9);
    expect(run).toMatchObject({ passed: false, failedCriticalClauses: ["severity-accuracy"] });
  });

  it("fails the run when the weighted share of passing clauses is below the threshold", () => {
    const run = decideRun([accuracyClause, falsePositiveClause], [judged("severity-accuracy", ClauseOutcome.PASSED), judged("false-positive-rate", ClauseOutcome.FAILED)], 0.8);

    expect(run).toEqual({ passed: false, weightedPassShare: 0.6, failedCriticalClauses: [] });
  });

  it("passes the run when every critical clause passes and the weighted share reaches the threshold", () => {
    const run = decideRun([accuracyClause, falsePositiveClause], [judged("severity-accuracy", ClauseOutcome.PASSED), judged("false-positive-rate", ClauseOutcome.FAILED)], 0.6);

    expect(run).toEqual({ passed: true, weightedPassShare: 0.6, failedCriticalClauses: [] });
  });

  it("does not fail the run on float noise in the weighted share", () => {
    // (0.7 + 0.1) / 1 is 0.7999999999999999, a hair below a 0.8 threshold.
    const clauses: ClauseSpec[] = [
      { ...accuracyClause, key: "a", weight: 0.7 },
      { ...falsePositiveClause, key: "b", weight: 0.1 },
      { ...falsePositiveClause, key: "c", weight: 0.2 },
    ];

    const run = decideRun(clauses, [judged("a", ClauseOutcome.PASSED), judged("b", ClauseOutcome.PASSED), judged("c", ClauseOutcome.FAILED)], 0.8);

    expect(run.weightedPassShare).toBeLessThan(0.8);
    expect(run.passed).toBe(true);
  });

  it("counts insufficient evidence as not passed, for the share and for critical clauses", () => {
    const run = decideRun(
      [accuracyClause, falsePositiveClause],
      [judged("severity-accuracy", ClauseOutcome.INSUFFICIENT_EVIDENCE), judged("false-positive-rate", ClauseOutcome.PASSED)],
      0.3,
    );

    expect(run).toEqual({ passed: false, weightedPassShare: 0.4, failedCriticalClauses: ["severity-accuracy"] });
  });

  it("treats a clause with no judgement as not passed", () => {
    const run = decideRun([accuracyClause, falsePositiveClause], [judged("severity-accuracy", ClauseOutcome.PASSED)], 0.8);

    expect(run).toEqual({ passed: false, weightedPassShare: 0.6, failedCriticalClauses: [] });
  });
});

describe("judgeTriageRun", () => {
  it("judges every case and clause of the alert-triage template and decides the run", () => {
    const template = PACT_TEMPLATES["alert-triage"]!;
    const cases = [
      ...severityCases(23, 1),
      triageCase("benign-cleared", [AlertSeverity.LOW, false], [AlertSeverity.LOW, false]),
    ];

    const result = judgeTriageRun(template.clauses, cases, cases, template.passThreshold);

    expect(result.caseJudgements).toHaveLength(25);
    expect(result.caseJudgements.filter((c) => c.passed)).toHaveLength(24);
    expect(result.clauseJudgements).toEqual([
      { key: "severity-accuracy", observed: 24 / 25, sampleSize: 25, outcome: ClauseOutcome.PASSED },
      { key: "false-positive-rate", observed: 0, sampleSize: 1, outcome: ClauseOutcome.PASSED },
    ]);
    expect(result.run).toEqual({ passed: true, weightedPassShare: 1, failedCriticalClauses: [] });
  });

  it("fails a run with no benign case on the share rule, since its false positive clause lacks evidence", () => {
    const template = PACT_TEMPLATES["alert-triage"]!;

    const cases = severityCases(25, 0);
    const result = judgeTriageRun(template.clauses, cases, cases, template.passThreshold);

    expect(result.clauseJudgements[1]?.outcome).toBe(ClauseOutcome.INSUFFICIENT_EVIDENCE);
    expect(result.run).toEqual({ passed: false, weightedPassShare: 0.6, failedCriticalClauses: [] });
  });
});

describe("judgeTriageRun over a window of recent cases", () => {
  const clause = (windowCases: number): ClauseSpec => ({ ...accuracyClause, windowCases });

  it("judges each clause over its own window of the most recent cases, and each case of the run alone", () => {
    // Newest first: the run's 3 good cases, then 10 older bad ones.
    const run = severityCases(3, 0);
    const recent = [...run, ...severityCases(0, 10)];

    const result = judgeTriageRun([clause(3), { ...clause(13), key: "wide" }], run, recent, 0.8);

    expect(result.caseJudgements.every((c) => c.passed)).toBe(true);
    expect(result.clauseJudgements).toEqual([
      { key: "severity-accuracy", observed: 1, sampleSize: 3, outcome: ClauseOutcome.PASSED },
      { key: "wide", observed: 3 / 13, sampleSize: 13, outcome: ClauseOutcome.FAILED },
    ]);
    expect(result.run.passed).toBe(false);
  });

  it("lets a small run that is good on its own fail a pact whose recent history is bad", () => {
    const run = severityCases(3, 0);

    const result = judgeTriageRun([clause(500)], run, [...run, ...severityCases(40, 20)], 0.8);

    expect(result.clauseJudgements[0]).toMatchObject({ sampleSize: 63, outcome: ClauseOutcome.FAILED });
  });
});

describe("clauseStatement", () => {
  it("states a clause in words from its fields", () => {
    const [accuracy, falsePositives] = PACT_TEMPLATES["alert-triage"]!.clauses;

    expect(clauseStatement(accuracy!)).toBe("severity classification accuracy ≥ 0.92 over the last 500 cases (critical)");
    expect(clauseStatement(falsePositives!)).toBe("false positive rate ≤ 0.1 over the last 500 cases (major)");
  });

  it("follows a change of any field", () => {
    const statement = clauseStatement({ metric: PactMetric.FALSE_POSITIVE_RATE, comparator: Comparator.GTE, threshold: 0.25, windowCases: 40, severity: ClauseSeverity.MINOR });

    expect(statement).toBe("false positive rate ≥ 0.25 over the last 40 cases (minor)");
  });
});

describe("parseJudgeJob", () => {
  it("round-trips a job built by judgeJob", () => {
    expect(parseJudgeJob(JSON.stringify(judgeJob("run-1")))).toEqual({ kind: "evaluation-run", runId: "run-1" });
  });

  it("drops properties it does not know", () => {
    expect(parseJudgeJob(JSON.stringify({ kind: "evaluation-run", runId: "run-1", extra: "x" }))).toEqual({ kind: "evaluation-run", runId: "run-1" });
  });

  it.each([
    ["malformed JSON", "{not json", /not JSON/],
    ["JSON null", "null", /no valid kind and runId/],
    ["a wrong kind", JSON.stringify({ kind: "something-else", runId: "run-1" }), /no valid kind and runId/],
    ["a missing runId", JSON.stringify({ kind: "evaluation-run" }), /no valid kind and runId/],
    ["an empty runId", JSON.stringify({ kind: "evaluation-run", runId: "" }), /no valid kind and runId/],
    ["a numeric runId", JSON.stringify({ kind: "evaluation-run", runId: 42 }), /no valid kind and runId/],
    ["a runId longer than an id column", JSON.stringify({ kind: "evaluation-run", runId: "x".repeat(37) }), /no valid kind and runId/],
  ])("rejects %s", (_label, body, message) => {
    expect(() => parseJudgeJob(body)).toThrow(message);
  });
});
