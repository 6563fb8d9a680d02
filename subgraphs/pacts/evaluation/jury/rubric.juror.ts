/**
 * The offline rubric juror: a documented HEURISTIC, not a model. It exists so that the embedded
 * default system can run a jury with no network and no API keys, deterministically.
 *
 * For the question's metric it computes a similarity s in [0, 1] between the expected facts and the
 * agent's output, and votes PASS when s ≥ the variant's threshold (strict 0.9, balanced 0.7,
 * lenient 0.5), with confidence min(1, 0.5 + |s − threshold|) rounded to 2 decimals. It costs
 * nothing and reports no tokens.
 *
 * Similarity per metric:
 * - SEVERITY_CLASSIFICATION_ACCURACY: severities ordered INFORMATIONAL < LOW < MEDIUM < HIGH <
 *   CRITICAL; s = 1 − |distance| / 4.
 * - FALSE_POSITIVE_RATE: 1 when the output's truePositive equals the expected one, else 0.
 * - ESCALATION_PRECISION, ESCALATION_RECALL: 0 when the escalate decisions differ; 1 when they
 *   agree and the expected names no team (or neither side escalates, so no team is involved);
 *   else the token Jaccard similarity of the team names.
 * - PLAYBOOK_ROUTING_ACCURACY: the token Jaccard similarity of the playbook names.
 *
 * Names tokenise lower-cased and split on non-alphanumerics; names equal under `sameName` score 1.
 * Any other metric, or a missing or malformed fact the similarity needs (on either side), throws a
 * non-retryable ModelCallError: the juror abstains rather than guessing.
 *
 * The three variants disagree exactly on the partially similar cases — e.g. playbook "ransomware
 * containment" vs "ransomware isolation and containment" has s = 2/4 = 0.5: lenient PASS, balanced
 * and strict FAIL — which is what makes a local jury send borderline cases to humans.
 */

import { sameName, type CaseFacts } from "../judging/evaluation-case.facts.js";
import { AlertSeverity, PactMetric } from "../../pact.enums.js";
import { ModelCallError, type JuryQuestion, type ModelAnswer, type ModelJudge } from "./model.juror.js";

/** How readily the juror passes a partially similar case. */
export type RubricVariant = "strict" | "balanced" | "lenient";

export const RUBRIC_THRESHOLDS: Readonly<Record<RubricVariant, number>> = { strict: 0.9, balanced: 0.7, lenient: 0.5 };

const SEVERITY_ORDER: readonly AlertSeverity[] = [
  AlertSeverity.INFORMATIONAL,
  AlertSeverity.LOW,
  AlertSeverity.MEDIUM,
  AlertSeverity.HIGH,
  AlertSeverity.CRITICAL,
];

interface Similarity {
  s: number;
  /** What was compared, for the rationale. */
  detail: string;
}

function abstain(message: string): never {
  throw new ModelCallError(message, false);
}

function rankOf(severity: unknown, side: string): number {
  const rank = SEVERITY_ORDER.indexOf(severity as AlertSeverity);
  if (rank < 0) abstain(`the ${side} severity is missing or unknown`);
  return rank;
}

function booleanOf(value: unknown, field: string, side: string): boolean {
  if (typeof value !== "boolean") abstain(`the ${side} ${field} is missing`);
  return value;
}

function nameOf(value: unknown, field: string, side: string): string {
  if (typeof value !== "string" || value.trim() === "") abstain(`the ${side} ${field} is missing`);
  return value;
}

/** Lower-cased alphanumeric runs of a name. */
export function nameTokens(name: string): Set<string> {
  return new Set(
    name
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((token) => token.length > 0),
  );
}

/** Token Jaccard similarity of two names; names equal under `sameName` score 1, an empty side 0. */
export function nameSimilarity(a: string | undefined, b: string | undefined): number {
  if (sameName(a, b)) return 1;
  const left = nameTokens(a ?? "");
  const right = nameTokens(b ?? "");
  const union = new Set([...left, ...right]).size;
  if (union === 0) return 0;
  const shared = [...left].filter((token) => right.has(token)).length;
  return shared / union;
}

function quoted(name: string | undefined): string {
  return name === undefined ? "none" : JSON.stringify(name);
}

function similarity(metric: PactMetric, expected: CaseFacts, output: CaseFacts): Similarity {
  switch (metric) {
    case PactMetric.SEVERITY_CLASSIFICATION_ACCURACY: {
      const want = rankOf(expected.severity, "expected");
      const got = rankOf(output.severity, "output");
      return { s: 1 - Math.abs(want - got) / 4, detail: `severity ${output.severity} vs expected ${expected.severity}` };
    }
    case PactMetric.FALSE_POSITIVE_RATE: {
      const want = booleanOf(expected.truePositive, "truePositive", "expected");
      const got = booleanOf(output.truePositive, "truePositive", "output");
      return { s: want === got ? 1 : 0, detail: `truePositive ${got} vs expected ${want}` };
    }
    case PactMetric.ESCALATION_PRECISION:
    case PactMetric.ESCALATION_RECALL: {
      const want = booleanOf(expected.escalate, "escalate", "expected");
      const got = booleanOf(output.escalate, "escalate", "output");
      if (want !== got) return { s: 0, detail: `escalate ${got} vs expected ${want}` };
      const namesTeam = expected.escalateTo !== undefined && expected.escalateTo.trim() !== "";
      if (!want || !namesTeam) return { s: 1, detail: `escalate ${got} as expected` };
      return {
        s: nameSimilarity(expected.escalateTo, output.escalateTo),
        detail: `team ${quoted(output.escalateTo)} vs expected ${quoted(expected.escalateTo)}`,
      };
    }
    case PactMetric.PLAYBOOK_ROUTING_ACCURACY: {
      const want = nameOf(expected.playbook, "playbook", "expected");
      const got = nameOf(output.playbook, "playbook", "output");
      return { s: nameSimilarity(want, got), detail: `playbook ${quoted(got)} vs expected ${quoted(want)}` };
    }
    default:
      return abstain(`the rubric heuristic cannot judge ${String(metric)}`);
  }
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** s to 2 decimals, unless rounding would carry a failing s up to the threshold. */
function shown(s: number, threshold: number): string {
  const rounded = round2(s);
  return s < threshold && rounded >= threshold ? s.toFixed(4) : String(rounded);
}

/** An offline, deterministic juror named `rubric:<variant>`; see the module comment. */
export function rubricJuror(variant: RubricVariant): ModelJudge {
  const threshold = RUBRIC_THRESHOLDS[variant];
  if (threshold === undefined) throw new TypeError(`unknown rubric variant ${String(variant)}`);
  return {
    name: `rubric:${variant}`,
    // A heuristic computed here: no call is paid for, so none is reserved against a budget.
    maxCostUsd: 0,
    async judge(question: JuryQuestion, signal: AbortSignal): Promise<ModelAnswer> {
      if (signal.aborted) throw new ModelCallError("timed out", true);
      const { s, detail } = similarity(question.metric, question.expected ?? {}, question.output ?? {});
      return {
        vote: {
          verdict: s >= threshold ? "PASS" : "FAIL",
          confidence: round2(Math.min(1, 0.5 + Math.abs(s - threshold))),
          rationale: `similarity ${shown(s, threshold)} against the ${variant} threshold ${threshold} (${detail})`,
        },
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      };
    },
  };
}
