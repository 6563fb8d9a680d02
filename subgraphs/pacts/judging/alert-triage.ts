import { AlertSeverity, ClauseOutcome, ClauseSeverity, Comparator, PactMetric } from "../pact.enums.js";

/** What an alert-triage case states: the severity and whether the alert is a real threat. */
export interface TriageResult {
  severity: AlertSeverity;
  truePositive: boolean;
}

export interface TriageCase {
  caseId: string;
  expected: TriageResult;
  output: TriageResult;
}

export interface CaseJudgement {
  caseId: string;
  severityCorrect: boolean;
  decisionCorrect: boolean;
  /** A case passes when every check on it passes. */
  passed: boolean;
}

export interface ClauseSpec {
  key: string;
  /** The clause is judged over this many most recent cases. */
  windowCases: number;
  metric: PactMetric;
  comparator: Comparator;
  threshold: number;
  weight: number;
  severity: ClauseSeverity;
}

export interface ClauseJudgement {
  key: string;
  observed: number | null;
  sampleSize: number;
  outcome: ClauseOutcome;
}

export interface RunJudgement {
  passed: boolean;
  /** Weight of passing clauses over total weight, 0–1. */
  weightedPassShare: number;
  failedCriticalClauses: string[];
}

export function judgeCase(triageCase: TriageCase): CaseJudgement {
  const severityCorrect = triageCase.output.severity === triageCase.expected.severity;
  const decisionCorrect = triageCase.output.truePositive === triageCase.expected.truePositive;
  return { caseId: triageCase.caseId, severityCorrect, decisionCorrect, passed: severityCorrect && decisionCorrect };
}

/** The observed value of a metric over the cases it applies to, or null when it applies to none. */
export function measure(metric: PactMetric, cases: readonly TriageCase[]): { observed: number | null; sampleSize: number } {
  switch (metric) {
    case PactMetric.SEVERITY_CLASSIFICATION_ACCURACY: {
      const correct = cases.filter((c) => c.output.severity === c.expected.severity).length;
      return { observed: cases.length ? correct / cases.length : null, sampleSize: cases.length };
    }
    case PactMetric.FALSE_POSITIVE_RATE: {
      // FP / (FP + TN): only alerts that really were benign can be false positives.
      const benign = cases.filter((c) => !c.expected.truePositive);
      const flagged = benign.filter((c) => c.output.truePositive).length;
      return { observed: benign.length ? flagged / benign.length : null, sampleSize: benign.length };
    }
  }
}

// Ratios like 23/25 land a hair off a decimal threshold; do not fail a clause on float noise.
const EPSILON = 1e-9;

export function judgeClause(clause: ClauseSpec, cases: readonly TriageCase[]): ClauseJudgement {
  const { observed, sampleSize } = measure(clause.metric, cases);
  if (observed === null) return { key: clause.key, observed, sampleSize, outcome: ClauseOutcome.INSUFFICIENT_EVIDENCE };
  const meets = clause.comparator === Comparator.GTE ? observed >= clause.threshold - EPSILON : observed <= clause.threshold + EPSILON;
  return { key: clause.key, observed, sampleSize, outcome: meets ? ClauseOutcome.PASSED : ClauseOutcome.FAILED };
}

/** The pact's run rule: every critical clause passes, and the weighted pass share reaches the threshold. */
export function decideRun(clauses: readonly ClauseSpec[], judgements: readonly ClauseJudgement[], passThreshold: number): RunJudgement {
  const outcomeByKey = new Map(judgements.map((j) => [j.key, j.outcome]));
  const passedOf = (clause: ClauseSpec) => outcomeByKey.get(clause.key) === ClauseOutcome.PASSED;
  const totalWeight = clauses.reduce((sum, clause) => sum + clause.weight, 0);
  const passingWeight = clauses.filter(passedOf).reduce((sum, clause) => sum + clause.weight, 0);
  const weightedPassShare = totalWeight > 0 ? passingWeight / totalWeight : 0;
  const failedCriticalClauses = clauses.filter((c) => c.severity === ClauseSeverity.CRITICAL && !passedOf(c)).map((c) => c.key);
  return {
    passed: failedCriticalClauses.length === 0 && weightedPassShare >= passThreshold - EPSILON,
    weightedPassShare,
    failedCriticalClauses,
  };
}

/**
 * Judges an alert-triage run against a pact: each of the run's own cases, and each clause over its
 * window of the agent's most recent cases under the pact (`recentCases`, newest first, the run's
 * own included), as "accuracy ≥ 0.92 over the last 500 cases" says.
 */
export function judgeTriageRun(clauses: readonly ClauseSpec[], runCases: readonly TriageCase[], recentCases: readonly TriageCase[], passThreshold: number) {
  const caseJudgements = runCases.map(judgeCase);
  const clauseJudgements = clauses.map((clause) => judgeClause(clause, recentCases.slice(0, clause.windowCases)));
  return { caseJudgements, clauseJudgements, run: decideRun(clauses, clauseJudgements, passThreshold) };
}
