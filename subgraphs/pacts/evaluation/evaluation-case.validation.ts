import type { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { BadUserInputError } from "../../../lib/platform/errors.js";
import { jsonDepth } from "../../../lib/platform/json-depth.js";
import {
  CASE_SCHEMAS,
  countGroundedIndicators,
  type CaseFacts,
  type CaseTimings,
  type JudgedCase,
} from "./judging/evaluation-case.facts.js";
import { metricDefinition, missingFields } from "./judging/metric.catalogue.js";
import type { ClauseSpec } from "./judging/run-verdict.math.js";
import type { EvaluationCaseInput } from "./evaluation-run.inputs.js";

const MAX_INPUT_BYTES = 64 * 1024;
/**
 * Each side of a case's facts, as stored: judges hold up to MAX_WINDOW_CASES of them in memory,
 * and MySQL's TEXT column holds 64 KiB.
 */
const MAX_FACTS_BYTES = 8 * 1024;
/** Real alerts and reports nest a few levels. */
const MAX_INPUT_DEPTH = 32;

/** A submitted case, checked against the pact and ready to store. */
export interface AcceptedCase extends JudgedCase {
  input: Record<string, unknown>;
}

/** Only the fields the workflow's cases carry, so that stored evidence has one shape per workflow. */
function pick<T extends object>(fields: T, allowed: readonly string[], at: string, named: string, workflow: AgentDomain): T {
  const picked: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value == null) continue;
    if (!allowed.includes(field)) throw new BadUserInputError(`${at}.${field}`, `${named}: ${workflow} cases have no ${field}`);
    picked[field] = typeof value === "string" ? value.trim() : value;
  }
  return picked as T;
}

/**
 * Checks what GraphQL and class-validator cannot: ids unique within the run, the input's size, that
 * each case carries only its workflow's fields and every field the pact's metrics need. Errors name
 * the case by index and id, and the field by path.
 */
export function acceptCases(cases: readonly EvaluationCaseInput[], workflow: AgentDomain, clauses: readonly ClauseSpec[]): AcceptedCase[] {
  const schema = CASE_SCHEMAS[workflow];
  const metrics = [...new Set(clauses.map((clause) => clause.metric))].map(metricDefinition);
  const seen = new Set<string>();
  return cases.map((c, index) => {
    const at = `input.cases[${index}]`;
    const named = `case "${c.caseId}"`;
    if (seen.has(c.caseId)) throw new BadUserInputError(`${at}.caseId`, `"${c.caseId}" appears more than once in the run`);
    seen.add(c.caseId);
    if (jsonDepth(c.input, MAX_INPUT_DEPTH) > MAX_INPUT_DEPTH)
      throw new BadUserInputError(`${at}.input`, `${named}: nests deeper than ${MAX_INPUT_DEPTH} levels`);
    if (Buffer.byteLength(JSON.stringify(c.input)) > MAX_INPUT_BYTES)
      throw new BadUserInputError(`${at}.input`, `${named}: is larger than 64 KiB`);
    const accepted: AcceptedCase = {
      caseId: c.caseId,
      input: c.input,
      expected: pick<CaseFacts>(c.expected, schema.facts, `${at}.expected`, named, workflow),
      output: pick<CaseFacts>(c.output, schema.facts, `${at}.output`, named, workflow),
      timings: pick<CaseTimings>(c.timings ?? {}, schema.timings, `${at}.timings`, named, workflow),
      groundedIndicators: null,
    };
    for (const side of ["expected", "output"] as const) {
      if (Buffer.byteLength(JSON.stringify(accepted[side])) > MAX_FACTS_BYTES)
        throw new BadUserInputError(`${at}.${side}`, `${named}: is larger than 8 KiB`);
    }
    for (const metric of metrics) {
      const [missing] = missingFields(metric, accepted);
      if (missing) throw new BadUserInputError(`${at}.${missing}`, `${named}: is required by the pact's ${metric.metric} clause`);
    }
    // Counted for every case with indicators, not only under a grounding clause: a later version
    // of the pact may add one, and its window then reaches back over these cases.
    if (accepted.output.indicators) accepted.groundedIndicators = countGroundedIndicators(accepted.output.indicators, c.input);
    return accepted;
  });
}
