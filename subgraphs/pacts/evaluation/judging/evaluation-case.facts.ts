import { AgentDomain } from "../../../../lib/contracts/agent-domain.js";
import type { AlertSeverity } from "../../pact.enums.js";

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
 * The tokens an indicator can be, in one pass over the text: every whitespace-separated chunk
 * stripped of surrounding brackets, quotes and punctuation (URLs, e-mail addresses), and every run
 * of word characters, dots and hyphens (domains, IPs, hashes), without a trailing full stop.
 */
function tokensOf(text: string): Set<string> {
  const tokens = new Set<string>();
  for (const chunk of text.split(/\s+/)) {
    const trimmed = chunk.replace(/^[("'<[{]+|[)"'>\]},;:!?.]+$/g, "");
    if (trimmed) tokens.add(trimmed);
    for (const run of chunk.match(/[\w.-]+/g) ?? []) tokens.add(run.replace(/\.+$/, ""));
  }
  return tokens;
}

/**
 * How many of the distinct `indicators` occur as a whole token in some string of `input`, both
 * refanged and lower-cased: `1.2.3.4` is not grounded by `11.2.3.45`, nor `evil.com` by
 * `notevil.com` or `www.evil.com` (a different indicator). Linear in the input's size.
 */
export function countGroundedIndicators(indicators: readonly string[], input: unknown): number {
  const tokens = tokensOf(refang(stringsIn(input).join("\n")).toLowerCase());
  return [...indicatorSet(indicators)].filter((indicator) => tokens.has(indicator)).length;
}
