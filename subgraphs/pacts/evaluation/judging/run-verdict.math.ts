import { ClauseOutcome, ClauseSeverity, Comparator, type PactMetric } from "../../pact.enums.js";
import type { JudgedCase } from "./evaluation-case.facts.js";
import { caseValue, measure, metricDefinition } from "./metric.catalogue.js";

export interface ClauseSpec {
  key: string;
  metric: PactMetric;
  comparator: Comparator;
  threshold: number;
  /** The clause is judged over at most this many most recent cases… */
  windowCases: number | null;
  /** …submitted at most this many days before the run. At least one of the two is set. */
  windowDays: number | null;
  weight: number;
  severity: ClauseSeverity;
}

/** A case in a clause's window: when its run was submitted places it in time. */
export interface WindowCase extends JudgedCase {
  submittedAt: Date;
}

export interface CaseJudgement {
  caseId: string;
  /** Per clause that applies to the case: whether the case on its own meets the clause's threshold. */
  checks: Record<string, boolean>;
  /** A case passes when every check on it passes. */
  passed: boolean;
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

const DAY_MS = 24 * 3600 * 1000;
/**
 * Largest count window, and how far back a days-only window reads: bounds a judgement's memory
 * (case facts are capped at submission) whatever the agent's history.
 */
export const MAX_WINDOW_CASES = 5_000;
// Ratios like 23/25 land a hair off a decimal threshold; do not fail a clause on float noise.
const EPSILON = 1e-9;

export function meets(comparator: Comparator, value: number, threshold: number): boolean {
  return comparator === Comparator.GTE ? value >= threshold - EPSILON : value <= threshold + EPSILON;
}

/**
 * The clause's window out of `recentCases` (newest first): the last N cases, and/or those of the
 * last N days, up to `asOf`. Later cases never count, so a run's verdict cannot change.
 */
export function windowOf<T extends WindowCase>(
  clause: Pick<ClauseSpec, "windowCases" | "windowDays">,
  recentCases: readonly T[],
  asOf: Date,
): T[] {
  const since = clause.windowDays === null ? -Infinity : asOf.getTime() - clause.windowDays * DAY_MS;
  const inTime = recentCases.filter((c) => c.submittedAt.getTime() >= since && c.submittedAt.getTime() <= asOf.getTime());
  return clause.windowCases === null ? [...inTime] : inTime.slice(0, clause.windowCases);
}

/**
 * A clause's value for a case as a jury or a human decided it (1 or 0), or undefined to keep the
 * deterministic value: how JURY and HYBRID clauses enter the same run rule.
 */
export type ClauseOverride = (clause: ClauseSpec, c: JudgedCase) => number | undefined;

export function judgeCase(clauses: readonly ClauseSpec[], c: JudgedCase, override?: ClauseOverride): CaseJudgement {
  const checks: Record<string, boolean> = {};
  for (const clause of clauses) {
    const value = caseValue(metricDefinition(clause.metric), c);
    if (value !== null) checks[clause.key] = meets(clause.comparator, override?.(clause, c) ?? value, clause.threshold);
  }
  return { caseId: c.caseId, checks, passed: Object.values(checks).every(Boolean) };
}

export function judgeClause(clause: ClauseSpec, cases: readonly JudgedCase[], override?: ClauseOverride): ClauseJudgement {
  const { observed, sampleSize } = measure(metricDefinition(clause.metric), cases, override && ((c) => override(clause, c)));
  if (observed === null) return { key: clause.key, observed, sampleSize, outcome: ClauseOutcome.INSUFFICIENT_EVIDENCE };
  return {
    key: clause.key,
    observed,
    sampleSize,
    outcome: meets(clause.comparator, observed, clause.threshold) ? ClauseOutcome.PASSED : ClauseOutcome.FAILED,
  };
}

/** The pact's run rule: every critical clause passes, and the weighted share of passing clauses reaches the pass threshold. */
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
 * Judges a run against a pact version: each of the run's own cases, and each clause over its
 * window of the agent's most recent cases in the workflow (`recentCases`, newest first, the run's
 * own included), as "accuracy ≥ 0.92 over the last 500 cases" says. `asOf` is the run's submission
 * time, so a redelivered job judges exactly as the first one did.
 */
export function judgeRun(
  clauses: readonly ClauseSpec[],
  runCases: readonly JudgedCase[],
  recentCases: readonly WindowCase[],
  passThreshold: number,
  asOf: Date,
  override?: ClauseOverride,
) {
  const caseJudgements = runCases.map((c) => judgeCase(clauses, c, override));
  const clauseJudgements = clauses.map((clause) => judgeClause(clause, windowOf(clause, recentCases, asOf), override));
  return { caseJudgements, clauseJudgements, run: decideRun(clauses, clauseJudgements, passThreshold) };
}
