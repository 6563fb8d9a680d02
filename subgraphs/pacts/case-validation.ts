import type { AgentDomain } from "../../lib/agent-domain.js";
import { BadUserInputError } from "../../lib/errors.js";
import { jsonDepth } from "../../lib/json-depth.js";
import { CASE_SCHEMAS, countGroundedIndicators, type CaseFacts, type CaseTimings, type JudgedCase } from "./judging/evaluation-case.js";
import { metricDefinition, missingFields } from "./judging/metric-catalogue.js";
import type { ClauseSpec } from "./judging/run-rule.js";
import type { EvaluationCaseInput } from "./pact.inputs.js";

const MAX_INPUT_BYTES = 64 * 1024;
/** Real alerts and reports nest a few levels. */
const MAX_INPUT_DEPTH = 32;

/** A submitted case, checked against the pact and ready to store. */
export interface AcceptedCase extends JudgedCase {
  input: Record<string, unknown>;
}

const workflowName = (workflow: AgentDomain) => workflow.toLowerCase().replace(/_/g, "-");

/** Only the fields the workflow's cases carry, so that stored evidence has one shape per workflow. */
function pickFacts(facts: CaseFacts, allowed: readonly string[], at: string, workflow: AgentDomain): CaseFacts {
  const picked: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(facts)) {
    if (value == null) continue;
    if (!allowed.includes(field)) throw new BadUserInputError(`${at}.${field}`, `is not part of a ${workflowName(workflow)} case`);
    picked[field] = typeof value === "string" ? value.trim() : value;
  }
  return picked as CaseFacts;
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
    if (jsonDepth(c.input, MAX_INPUT_DEPTH) > MAX_INPUT_DEPTH) throw new BadUserInputError(`${at}.input`, `${named}: nests deeper than ${MAX_INPUT_DEPTH} levels`);
    if (Buffer.byteLength(JSON.stringify(c.input)) > MAX_INPUT_BYTES) throw new BadUserInputError(`${at}.input`, `${named}: is larger than 64 KiB`);
    const accepted: AcceptedCase = {
      caseId: c.caseId,
      input: c.input,
      expected: pickFacts(c.expected, schema.facts, `${at}.expected`, workflow),
      output: pickFacts(c.output, schema.facts, `${at}.output`, workflow),
      timings: pickFacts((c.timings ?? {}) as CaseFacts, schema.timings, `${at}.timings`, workflow) as CaseTimings,
      groundedIndicators: null,
    };
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
