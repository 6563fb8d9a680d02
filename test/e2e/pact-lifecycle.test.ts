import { describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT, workflowCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

const TEMPLATES = [
  { template: "alert-triage", workflow: "ALERT_TRIAGE" },
  { template: "incident-escalation", workflow: "INCIDENT_ESCALATION" },
  { template: "playbook-routing", workflow: "PLAYBOOK_ROUTING" },
  { template: "threat-intel-synthesis", workflow: "THREAT_INTEL_SYNTHESIS" },
];

const PACT_FIELDS =
  "id version status workflow template amends { id version } activatedAt closedAt retiredReason clauses { key threshold statement }";
const ADOPT = `mutation($agentId: ID!, $template: String!) { adoptPactTemplate(agentId: $agentId, template: $template) { ${PACT_FIELDS} } }`;
const AMEND = `mutation($pactId: ID!, $input: AmendPactInput!) { amendPact(pactId: $pactId, input: $input) { ${PACT_FIELDS} } }`;
const ACTIVATE = `mutation($pactId: ID!) { activatePact(pactId: $pactId) { ${PACT_FIELDS} } }`;
const RETIRE = `mutation($pactId: ID!, $reason: String) { retirePact(pactId: $pactId, reason: $reason) { ${PACT_FIELDS} } }`;
const SUBMIT = `mutation($input: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $input) { id pactVersion } }`;
const RUN = `query($id: ID!) { evaluationRun(id: $id) { status passed pactVersion pact { version } clauseResults { clauseKey threshold observed sampleSize outcome } } }`;
const HISTORY = `query($id: ID!) { agent(id: $id) { name pacts { version status workflow } } }`;

describe.each(DATABASE_KINDS)("pact lifecycle through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind);
  const call = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);

  async function judged(runId: string): Promise<Data> {
    return eventually(
      async () => {
        const run = dataOf(await call(RUN, { id: runId })).evaluationRun;
        return run.status === "COMPLETED" ? run : undefined;
      },
      20_000,
      `run ${runId} to be judged`,
    );
  }

  it("adopts, amends, activates and retires each template, judging every run against the version it was submitted to", async () => {
    const builder = await bearer("builder", "bea");
    const agent = dataOf(
      await call(
        REGISTER_AGENT,
        { input: { name: "SOC Copilot", description: "Covers the whole SOC", domains: TEMPLATES.map((t) => t.workflow) } },
        builder,
      ),
    ).registerAgent;

    for (const { template, workflow } of TEMPLATES) {
      const v1 = dataOf(await call(ADOPT, { agentId: agent.id, template }, builder)).adoptPactTemplate;
      expect(v1).toMatchObject({ version: 1, status: "ACTIVE", workflow, template, amends: null });
      const firstRun = dataOf(
        await call(SUBMIT, { input: { agentId: agent.id, pactId: v1.id, cases: workflowCases(workflow, 10, `${template}-a`) } }, builder),
      ).submitEvaluationRun;

      // Raise the first clause's bar: a new DRAFT version; v1 stays in force until activation.
      const [first, ...rest] = v1.clauses as Data[];
      const amended = dataOf(
        await call(
          AMEND,
          { pactId: v1.id, input: { clauses: await clauseInputs(v1.id, { [first!.key]: tighter(first!.threshold) }) } },
          builder,
        ),
      ).amendPact;
      expect(amended).toMatchObject({ version: 2, status: "DRAFT", template, amends: { id: v1.id, version: 1 } });
      expect(amended.clauses.map((c: Data) => c.key)).toEqual([first!.key, ...rest.map((c) => c.key)]);

      const v2 = dataOf(await call(ACTIVATE, { pactId: amended.id }, builder)).activatePact;
      expect(v2).toMatchObject({ version: 2, status: "ACTIVE" });
      expect(v2.activatedAt).toEqual(expect.any(String));

      const secondRun = dataOf(
        await call(SUBMIT, { input: { agentId: agent.id, pactId: v2.id, cases: workflowCases(workflow, 10, `${template}-b`) } }, builder),
      ).submitEvaluationRun;
      const [firstJudged, secondJudged] = [await judged(firstRun.id), await judged(secondRun.id)];
      expect(firstJudged).toMatchObject({ passed: true, pactVersion: 1, pact: { version: 1 } });
      expect(firstJudged.clauseResults[0]).toMatchObject({ clauseKey: first!.key, threshold: first!.threshold, sampleSize: 10 });
      // Judged against v2's threshold, over the workflow's window spanning both versions' runs.
      expect(secondJudged).toMatchObject({ passed: true, pactVersion: 2, pact: { version: 2 } });
      expect(secondJudged.clauseResults[0]).toMatchObject({
        clauseKey: first!.key,
        threshold: tighter(first!.threshold),
        sampleSize: 20,
        outcome: "PASSED",
      });

      const retired = dataOf(await call(RETIRE, { pactId: v2.id, reason: "Workflow handed back to analysts" }, builder)).retirePact;
      expect(retired).toMatchObject({ status: "RETIRED", retiredReason: "Workflow handed back to analysts" });
      expect(retired.closedAt).toEqual(expect.any(String));
      const refused = await call(
        SUBMIT,
        { input: { agentId: agent.id, pactId: v2.id, cases: workflowCases(workflow, 1, `${template}-c`) } },
        builder,
      );
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", field: "input.pactId" });
    }

    // The whole history is public, through the agents subgraph's entity.
    const history = dataOf(await call(HISTORY, { id: agent.id })).agent.pacts;
    expect(history).toHaveLength(8);
    for (const { workflow } of TEMPLATES) {
      expect(history.filter((p: Data) => p.workflow === workflow)).toEqual([
        { version: 2, status: "RETIRED", workflow },
        { version: 1, status: "SUPERSEDED", workflow },
      ]);
    }
  });

  /** The pact's clauses as inputs, with some thresholds replaced. */
  async function clauseInputs(pactId: string, thresholds: Record<string, number>): Promise<Data[]> {
    const pact = dataOf(
      await call(
        `query($id: ID!) { pact(id: $id) { clauses { key metric comparator threshold windowCases windowDays method weight severity } } }`,
        { id: pactId },
      ),
    ).pact;
    return pact.clauses.map((c: Data) => ({ ...c, threshold: thresholds[c.key] ?? c.threshold }));
  }
});

/** A stricter threshold of the same kind: closer to 1 for ratios, shorter for durations. */
function tighter(threshold: number): number {
  return threshold <= 1 ? Math.min(1, Math.round(((threshold + 1) / 2) * 1000) / 1000) : Math.round(threshold / 2);
}
