/**
 * Alert-triage cases: `total` cases, of which `wrongSeverity` get a misclassified severity and
 * every third is benign. Case ids are evidence once per agent: give each batch for one agent its
 * own `idPrefix`.
 */
export function triageCases(total: number, options: { wrongSeverity?: number; falsePositives?: number; idPrefix?: string } = {}) {
  const wrong = options.wrongSeverity ?? 0;
  let falsePositives = options.falsePositives ?? 0;
  return Array.from({ length: total }, (_, i) => {
    const benign = i % 3 === 0;
    const flagBenign = benign && falsePositives > 0;
    if (flagBenign) falsePositives -= 1;
    return {
      caseId: `${options.idPrefix ?? "case"}-${i}`,
      input: { rule: "suspicious-powershell", host: `ws-${i}`, score: i },
      expected: { severity: "HIGH", truePositive: !benign },
      output: { severity: i < wrong ? "LOW" : "HIGH", truePositive: flagBenign ? true : !benign },
    };
  });
}

/**
 * The trust of an alert-triage agent whose only evidence is one run of `triageCases(40, {
 * wrongSeverity: 1 })` against the template pact: listed, BRONZE.
 *
 * Per-metric Beta(5,5) means, each weighing its pact weight × cases / (cases + 10): severity
 * accuracy (0.6) on 40 cases, 39 met: (39+5)/(40+10) = 0.88, weighing 0.6·40/50 = 0.48; the
 * false-positive rate (0.4) only on the 14 benign cases (i % 3 === 0), all met: (14+5)/(14+10) =
 * 0.7917, weighing 0.4·14/24 = 0.2333. (0.48·0.88 + 0.2333·0.7917) / 0.7133 = 0.8511 → 851.
 * Cases behind the average metric (0.48·40 + 0.2333·14) / 0.7133 = 31.50: confidence 31.50/81.50
 * = 0.386. No production evidence: reputation at the Beta(5,5) prior, 500 with confidence 0.
 * (Later evidence dated a few seconds after the run decays the composite by 2^(−s / 90 days), far
 * below rounding.)
 */
export const LISTED_SCORES = { compositeScore: 851, compositeConfidence: 0.386, reputationScore: 500, reputationConfidence: 0 };
export const LISTED_REASONS = [
  "tier BRONZE: composite score 851 with confidence 0.386, reputation score 500 with confidence 0",
  "reputation confidence 0 is below 0.25: production evidence does not yet bear on the tier",
  "latest evaluation run met its pact",
];

export const REGISTER_AGENT = `mutation Register($input: RegisterAgentInput!) {
  registerAgent(input: $input) { id name description domains ownerId registeredAt }
}`;

export const ADOPT_PACT = `mutation Adopt($agentId: ID!, $template: String!) {
  adoptPactTemplate(agentId: $agentId, template: $template) { id version status workflow clauses { key metric comparator threshold severity statement } escalationOwner { team contact ackDeadlineMinutes } }
}`;

export const SUBMIT_RUN = `mutation Submit($input: SubmitEvaluationRunInput!) {
  submitEvaluationRun(input: $input) { id status caseCount pactVersion }
}`;

export const EVALUATION_RUN = `query Run($id: ID!) {
  evaluationRun(id: $id) { id status passedCount failedCount passed weightedPassShare clauseResults { clauseKey observed sampleSize outcome statement } }
}`;

export const FILE_DISPUTE = `mutation File($input: FileDisputeInput!) {
  fileDispute(input: $input) { id status severity agent { id } }
}`;

export const SEARCH_AGENTS = `query Search($filter: AgentSearchFilter, $first: Int, $after: String) {
  searchAgents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id name domains pacts { id version } trust { compositeScore compositeConfidence tier eligible reasons } openDisputeCount } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * `total` cases that meet every clause of the workflow's template, ids prefixed with `idPrefix`;
 * `misses` of them (the first ones) get the workflow's main decision wrong.
 */
export function workflowCases(workflow: string, total: number, idPrefix: string, misses = 0) {
  return Array.from({ length: total }, (_, i) => {
    const miss = i < misses;
    const caseId = `${idPrefix}-${i}`;
    switch (workflow) {
      case "INCIDENT_ESCALATION":
        return {
          caseId,
          input: { incident: `INC-${i}`, summary: "Domain admin logon from an unmanaged host" },
          expected: { severity: "CRITICAL", escalate: true, escalateTo: "IR On-Call" },
          output: { severity: "CRITICAL", escalate: !miss, ...(miss ? {} : { escalateTo: "ir on-call" }) },
          timings: miss ? {} : { escalationSeconds: 120 + i },
        };
      case "PLAYBOOK_ROUTING":
        return {
          caseId,
          input: { incident: `INC-${i}`, detection: "ransomware note dropped" },
          expected: { playbook: "ransomware-containment" },
          output: { playbook: miss ? "phishing-response" : "Ransomware-Containment" },
          timings: { containmentSeconds: 900 + 10 * i },
        };
      case "THREAT_INTEL_SYNTHESIS":
        return {
          caseId,
          input: { report: `Actor used PowerShell (T1059.001) and beaconed to hxxp://c2-${i}[.]example and 203.0.113.${i % 250}` },
          expected: { techniques: ["T1059.001"], indicators: [`http://c2-${i}.example`, `203.0.113.${i % 250}`] },
          output: { techniques: miss ? ["T1566"] : ["T1059.001"], indicators: [`hxxp://c2-${i}[.]example`, `203.0.113.${i % 250}`] },
        };
      default:
        return {
          caseId,
          input: { rule: "suspicious-powershell", host: `ws-${i}` },
          // Every third alert is benign, so that the false-positive clause has evidence.
          expected: { severity: "HIGH", truePositive: i % 3 !== 0 },
          output: { severity: miss ? "LOW" : "HIGH", truePositive: i % 3 !== 0 },
        };
    }
  });
}
