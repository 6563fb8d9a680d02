import { AgentDomain } from "../../../lib/agent-domain.js";
import type { AlertSeverity } from "../pact.enums.js";

/** What a case states on one side (expected or the agent's output); which fields depend on the workflow. */
export interface CaseFacts {
  severity?: AlertSeverity;
  truePositive?: boolean;
  escalate?: boolean;
  escalateTo?: string;
  playbook?: string;
  techniques?: string[];
  indicators?: string[];
}

/** Durations the agent took, as measured by the builder's harness. */
export interface CaseTimings {
  escalationSeconds?: number;
  containmentSeconds?: number;
}

/** A case as the deterministic judges see it: everything but the raw input. */
export interface JudgedCase {
  caseId: string;
  expected: CaseFacts;
  output: CaseFacts;
  timings: CaseTimings;
  /** How many of the output's indicators occur in the case's input, computed once at submission. */
  groundedIndicators: number | null;
}

export type FactField = keyof CaseFacts;
export type TimingField = keyof CaseTimings;

/** Which facts and timings a case of each workflow carries; anything else is refused on submission. */
export const CASE_SCHEMAS: Record<AgentDomain, { facts: readonly FactField[]; timings: readonly TimingField[] }> = {
  [AgentDomain.ALERT_TRIAGE]: { facts: ["severity", "truePositive"], timings: [] },
  [AgentDomain.INCIDENT_ESCALATION]: { facts: ["severity", "escalate", "escalateTo"], timings: ["escalationSeconds"] },
  [AgentDomain.PLAYBOOK_ROUTING]: { facts: ["playbook"], timings: ["containmentSeconds"] },
  [AgentDomain.THREAT_INTEL_SYNTHESIS]: { facts: ["techniques", "indicators"], timings: [] },
};

/** ATT&CK technique or sub-technique id, e.g. T1059 or T1059.001. */
export const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;

/** Playbook and team names compare without regard to case or surrounding spaces. */
export function sameName(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Reports defang indicators (`hxxp://evil[.]com`) so that nobody clicks them; judging undoes it. */
function refang(text: string): string {
  return text
    .replace(/hxxp/gi, "http")
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, ".")
    .replace(/\[:\]/g, ":")
    .replace(/\[@\]|\[at\]/gi, "@");
}

/**
 * Indicators compare refanged and lower-cased, so the same indicator never counts as two.
 * Lower-casing also folds URL paths: a simplification that only merges near-identical indicators.
 */
export function normalizeIndicator(indicator: string): string {
  return refang(indicator.trim()).toLowerCase();
}

/** The distinct, normalised indicators of a list. */
export function indicatorSet(indicators: readonly string[] = []): Set<string> {
  return new Set(indicators.map(normalizeIndicator).filter((indicator) => indicator.length > 0));
}

export function techniqueSet(techniques: readonly string[] = []): Set<string> {
  return new Set(techniques.map((technique) => technique.trim().toUpperCase()));
}

function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string") into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsIn(item, into);
  else if (value !== null && typeof value === "object") for (const item of Object.values(value)) stringsIn(item, into);
  return into;
}

/**
 * How many of the distinct `indicators` occur as a whole token in some string of `input`, both
 * refanged and lower-cased: `1.2.3.4` is not grounded by `11.2.3.45`, nor `evil.com` by
 * `notevil.com` or `www.evil.com` (a different indicator). A trailing full stop ends a token.
 */
export function countGroundedIndicators(indicators: readonly string[], input: unknown): number {
  const source = refang(stringsIn(input).join("\n")).toLowerCase();
  return [...indicatorSet(indicators)].filter((indicator) => wholeToken(indicator).test(source)).length;
}

function wholeToken(indicator: string): RegExp {
  const escaped = indicator.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<![\\w.-])${escaped}(?![\\w-]|\\.\\w)`);
}
