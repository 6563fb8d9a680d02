import { ClauseOutcome, ClauseSeverity, Comparator, type PactMetric } from "../../pact.enums.js";
import type { JudgedCase } from "./evaluation-case.facts.js";
import { caseValue, measure, metricDefinition, shareAtThreshold } from "./metric.catalogue.js";

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
  /** Weight of passing clauses over the weight of clauses with enough evidence (PASSED or FAILED), 0–1. */
  weightedPassShare: number;
  failedCriticalClauses: string[];
  /** Clauses whose window held too few cases to decide: they neither pass nor fail. */
  insufficientClauses: string[];
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

/** The confidence `minSampleSize` uses when none is configured (`EVIDENCE_CONFIDENCE`). */
export const DEFAULT_EVIDENCE_CONFIDENCE = 0.1;

/**
 * The fewest cases a clause's window must hold before its verdict counts. A run exactly at the
 * threshold meets the clause's promise on each case with probability q (the catalogue's
 * `shareAtThreshold`: p for "≥ p", 1 − p for "≤ p", the percentile's share for "p90 ≤ t"). The
 * minimum is the smallest n at which even a flawless window (all n cases meeting it) could not
 * plausibly come from such a run: q^n ≤ 1 − confidence, so n = ⌈ln(1 − confidence) / ln q⌉ (the
 * exact one-sided binomial bound; the "rule of three" at 95 %). Fewer cases cannot tell an agent
 * that keeps its promise from one that just scrapes by, in either direction. Severity accuracy
 * ≥ 0.92 at 95 % needs 36 cases, false positive rate ≤ 0.10 needs 29, a p90 needs 29, a median 5.
 * A threshold no run can beat (q = 1: "≥ 1" or "≤ 0") needs the largest window; at least 1 case.
 */
export function minSampleSize(clause: Pick<ClauseSpec, "metric" | "comparator" | "threshold">, confidence: number): number {
  const q = shareAtThreshold(metricDefinition(clause.metric), clause.threshold);
  if (confidence <= 0 || q <= 0) return 1;
  if (q >= 1 || confidence >= 1) return MAX_WINDOW_CASES;
  return Math.min(MAX_WINDOW_CASES, Math.max(1, Math.ceil(Math.log(1 - confidence) / Math.log(q) - EPSILON)));
}

/**
 * A clause's verdict over its window: INSUFFICIENT_EVIDENCE when fewer than `minimum` cases (see
 * minSampleSize) carry what the metric measures, else PASSED or FAILED on the observed value.
 */
export function judgeClause(clause: ClauseSpec, cases: readonly JudgedCase[], override?: ClauseOverride, minimum = 1): ClauseJudgement {
  const { observed, sampleSize } = measure(metricDefinition(clause.metric), cases, override && ((c) => override(clause, c)));
  if (observed === null || sampleSize < minimum)
    return { key: clause.key, observed, sampleSize, outcome: ClauseOutcome.INSUFFICIENT_EVIDENCE };
  return {
    key: clause.key,
    observed,
    sampleSize,
    outcome: meets(clause.comparator, observed, clause.threshold) ? ClauseOutcome.PASSED : ClauseOutcome.FAILED,
  };
}

/**
 * The pact's run rule over the clauses with enough evidence: no critical clause FAILED, and the
 * weight of PASSED clauses over the weight of decided (PASSED or FAILED) clauses reaches the pass
 * threshold. An INSUFFICIENT_EVIDENCE clause neither passes nor fails: it is left out of both
 * sides of the share and cannot make a critical failure, because too few cases say nothing either
 * way (docs/pacts.md, "Enough evidence"). A run with no decided clause has share 1 and fails
 * nothing: it is no breach, and carries no evidence to the scores (its clause tallies are empty).
 */
export function decideRun(clauses: readonly ClauseSpec[], judgements: readonly ClauseJudgement[], passThreshold: number): RunJudgement {
  const outcomeByKey = new Map(judgements.map((j) => [j.key, j.outcome ?? ClauseOutcome.INSUFFICIENT_EVIDENCE]));
  const outcomeOf = (clause: ClauseSpec) => outcomeByKey.get(clause.key) ?? ClauseOutcome.INSUFFICIENT_EVIDENCE;
  const decided = clauses.filter((clause) => outcomeOf(clause) !== ClauseOutcome.INSUFFICIENT_EVIDENCE);
  const decidedWeight = decided.reduce((sum, clause) => sum + clause.weight, 0);
  const passingWeight = decided.filter((c) => outcomeOf(c) === ClauseOutcome.PASSED).reduce((sum, clause) => sum + clause.weight, 0);
  const weightedPassShare = decidedWeight > 0 ? passingWeight / decidedWeight : 1;
  const failedCriticalClauses = decided
    .filter((c) => c.severity === ClauseSeverity.CRITICAL && outcomeOf(c) === ClauseOutcome.FAILED)
    .map((c) => c.key);
  return {
    passed: failedCriticalClauses.length === 0 && weightedPassShare >= passThreshold - EPSILON,
    weightedPassShare,
    failedCriticalClauses,
    insufficientClauses: clauses.filter((c) => outcomeOf(c) === ClauseOutcome.INSUFFICIENT_EVIDENCE).map((c) => c.key),
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
  minimumOf: (clause: ClauseSpec) => number = () => 1,
) {
  const caseJudgements = runCases.map((c) => judgeCase(clauses, c, override));
  const clauseJudgements = clauses.map((clause) => judgeClause(clause, windowOf(clause, recentCases, asOf), override, minimumOf(clause)));
  return { caseJudgements, clauseJudgements, run: decideRun(clauses, clauseJudgements, passThreshold) };
}
