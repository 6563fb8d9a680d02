import { describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

const ADOPT = `mutation($a: ID!) { adoptPactTemplate(agentId: $a, template: "playbook-routing") { id clauses { key metric comparator threshold windowCases windowDays method weight severity } } }`;
const AMEND = `mutation($p: ID!, $i: AmendPactInput!) { amendPact(pactId: $p, input: $i) { id } }`;
const ACTIVATE = `mutation($p: ID!) { activatePact(pactId: $p) { id version } }`;
const SUBMIT = `mutation($i: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $i) { id sliceCount } }`;
const RUN = `query($id: ID!) { evaluationRun(id: $id) { status passedCount failedCount juryAgreement clauseResults { clauseKey observed method outcome } juryVerdicts { caseId outcome decidedBy juryOutcome deterministicOutcome votes { juror verdict } } } }`;
const QUEUE = `{ reviewQueue(first: 50) { edges { node { id caseId agent { id } uncertainBecause evidence } } } }`;
const REVIEW = `mutation($id: ID!, $v: ReviewVerdict!) { submitReview(reviewId: $id, verdict: $v, note: "Same playbook under its older name") { outcome decidedBy reviewer } }`;
const TRUST = `query($id: ID!) { agent(id: $id) { trust { compositeScore } } }`;

/** Routing cases: the first `synonyms` route to a longer name of the expected playbook, which the rubric jurors split on. */
function routingCases(prefix: string, total: number, synonyms: number) {
  return Array.from({ length: total }, (_, i) => ({
    caseId: `${prefix}-${i}`,
    input: { incident: `INC-${i}`, detection: "ransom note on file server" },
    expected: { playbook: "ransomware containment" },
    output: { playbook: i < synonyms ? "ransomware isolation and containment" : "Ransomware Containment" },
    timings: { containmentSeconds: 1200 },
  }));
}

describe.each(DATABASE_KINDS)("jury and human review through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind, { env: { JUDGE_SLICE_CASES: "4" } });
  const call = async (query: string, variables: Record<string, unknown>, token?: string) =>
    dataOf(await postGraphQL<Data>(system.gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {}));

  /** An agent on a playbook-routing pact whose routing clause is judged HYBRID, with a 10-case run judged as far as the jury can. */
  async function runAwaitingReview(owner: string, name: string) {
    const builder = (await bearer("builder", owner)).authorization!.replace("Bearer ", "");
    const agent = (
      await call(REGISTER_AGENT, { input: { name, description: "Routes incidents to playbooks", domains: ["PLAYBOOK_ROUTING"] } }, builder)
    ).registerAgent;
    const v1 = (await call(ADOPT, { a: agent.id }, builder)).adoptPactTemplate;
    const clauses = v1.clauses.map((c: Data) => (c.key === "routing-accuracy" ? { ...c, method: "HYBRID" } : c));
    const draft = (await call(AMEND, { p: v1.id, i: { clauses } }, builder)).amendPact;
    const pact = (await call(ACTIVATE, { p: draft.id }, builder)).activatePact;
    const run = (
      await call(SUBMIT, { i: { agentId: agent.id, pactId: pact.id, cases: routingCases(name.replace(/\s/g, "-"), 10, 2) } }, builder)
    ).submitEvaluationRun;
    expect(run.sliceCount).toBe(3);
    const awaiting = await eventually(
      async () => {
        const current = (await call(RUN, { id: run.id }, builder)).evaluationRun;
        return current.status === "AWAITING_REVIEW" ? current : undefined;
      },
      30_000,
      `run ${run.id} to await review`,
    );
    return { agent, run, builder, awaiting };
  }

  it("sends the cases the jury splits on to arbiters, and the arbiter's verdict decides the run and the score", async () => {
    const reviewed = [await runAwaitingReview("rhea", "Router Upheld"), await runAwaitingReview("rhea", "Router Rejected")];
    const [upheld, rejected] = reviewed;

    // 8 exact names: deterministic PASS, jurors unanimous PASS. 2 longer names: the rubric jurors split 1–2.
    const verdicts = upheld!.awaiting.juryVerdicts;
    expect(verdicts).toHaveLength(10);
    expect(verdicts.filter((v: Data) => v.outcome === "PASS" && v.decidedBy === "JURY")).toHaveLength(8);
    const uncertain = verdicts.filter((v: Data) => v.outcome === "UNCERTAIN");
    expect(uncertain.map((v: Data) => v.caseId).sort()).toEqual(["Router-Upheld-0", "Router-Upheld-1"]);
    expect(uncertain[0].votes.map((v: Data) => [v.juror, v.verdict])).toEqual([
      ["rubric:strict", "FAIL"],
      ["rubric:balanced", "FAIL"],
      ["rubric:lenient", "PASS"],
    ]);
    expect(upheld!.awaiting.clauseResults).toEqual([]);

    // Arbiters see the queue with the evidence; builders may not.
    const arbiter = (await bearer("arbiter", "ada")).authorization!.replace("Bearer ", "");
    const refused = await postGraphQL<Data>(system.gatewayUrl, QUEUE, {}, { authorization: `Bearer ${upheld!.builder}` });
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const queue = (await call(QUEUE, {}, arbiter)).reviewQueue.edges.map((e: Data) => e.node);
    expect(queue).toHaveLength(4);
    expect(queue[0]).toMatchObject({
      uncertainBecause: expect.stringMatching(/disagree/),
      evidence: { expected: { playbook: "ransomware containment" } },
    });

    for (const item of queue) {
      const verdict = item.agent.id === upheld!.agent.id ? "PASS" : "FAIL";
      expect((await call(REVIEW, { id: item.id, v: verdict }, arbiter)).submitReview).toEqual({
        outcome: verdict,
        decidedBy: "HUMAN",
        reviewer: "ada",
      });
    }

    const [upheldRun, rejectedRun] = await Promise.all(
      reviewed.map(({ run, builder }) =>
        eventually(
          async () => {
            const current = (await call(RUN, { id: run.id }, builder)).evaluationRun;
            return current.status === "COMPLETED" ? current : undefined;
          },
          30_000,
          `run ${run.id} to be decided`,
        ),
      ),
    );
    // Upheld: 10 of 10 routed right. Rejected: 8 of 10, under the critical 0.9.
    expect(upheldRun).toMatchObject({ passedCount: 10, failedCount: 0 });
    expect(upheldRun!.clauseResults.find((r: Data) => r.clauseKey === "routing-accuracy")).toMatchObject({
      observed: 1,
      method: "HYBRID",
      outcome: "PASSED",
    });
    expect(rejectedRun).toMatchObject({ passedCount: 8, failedCount: 2 });
    expect(rejectedRun!.clauseResults.find((r: Data) => r.clauseKey === "routing-accuracy")).toMatchObject({
      observed: 0.8,
      outcome: "FAILED",
    });

    const scores = await Promise.all(
      [upheld!, rejected!].map(async ({ agent }) => (await call(TRUST, { id: agent.id })).agent.trust.compositeScore),
    );
    // Per-metric Beta(5,5) means weighted by the pact. Both runs meet the two containment clauses
    // (weight 0.2 each) on all 10 cases (1200 s per case): (10+5)/(10+10) = 0.75 each. Routing
    // accuracy (0.6): upheld (10+5)/(10+10) = 0.75, so 750 overall; rejected (8+5)/(10+10) = 0.65,
    // so 0.6·0.65 + 0.4·0.75 = 0.69, 690.
    expect(scores).toEqual([750, 690]);
    expect((await call(QUEUE, {}, arbiter)).reviewQueue.edges).toEqual([]);
  });
});
