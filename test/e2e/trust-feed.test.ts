import { describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { ADOPT_PACT, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { judgedRun, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

const FEED = `query Feed($after: String, $agentIds: [ID!]) {
  trustEvents(after: $after, agentIds: $agentIds, first: 100) {
    edges { cursor node { type scoreBefore scoreAfter tierBefore tierAfter eligibleBefore eligibleAfter cause causeId agent { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe.each(DATABASE_KINDS)("the trust change feed through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind);
  const call = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);

  it("tells a partner what judged runs did to an agent's trust: score up, tier and listing changed, then resumes after them", async () => {
    const builder = await bearer("builder", "feed-builder");
    const partner = await bearer("partner", "acme-soc");
    const agent = dataOf(
      await call(REGISTER_AGENT, { input: { name: "Feed Triage", description: "Triages EDR alerts", domains: ["ALERT_TRIAGE"] } }, builder),
    ).registerAgent;
    const pact = dataOf(await call(ADOPT_PACT, { agentId: agent.id, template: "alert-triage" }, builder)).adoptPactTemplate;
    const submit = async (cases: ReturnType<typeof triageCases>) =>
      dataOf(await call(SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases } }, builder)).submitEvaluationRun;

    const first = await submit(triageCases(40, { wrongSeverity: 1, idPrefix: "first" }));
    await judgedRun(system.gatewayUrl, first.id);
    const page = dataOf(await call(FEED, { agentIds: [agent.id] }, partner)).trustEvents;

    // The run of 39/40 cases (see LISTED_SCORES in test/support/fixtures.ts): 500 → 851, BRONZE, listed.
    const cause = { cause: "EVALUATION_RUN", causeId: first.id, agent: { id: agent.id, name: "Feed Triage" } };
    expect(page.edges.map((edge: Data) => edge.node)).toEqual([
      expect.objectContaining({ ...cause, type: "COMPOSITE_SCORE", scoreBefore: 500, scoreAfter: 851, tierBefore: null }),
      expect.objectContaining({ ...cause, type: "TIER", tierBefore: "UNRATED", tierAfter: "BRONZE", scoreBefore: null }),
      expect.objectContaining({ ...cause, type: "ELIGIBILITY", eligibleBefore: false, eligibleAfter: true }),
    ]);
    expect(page.pageInfo.hasNextPage).toBe(false);

    // A perfect run moves the composite score up again; resuming from the stored cursor gives only that.
    const second = await submit(triageCases(40, { idPrefix: "second" }));
    await judgedRun(system.gatewayUrl, second.id);
    const resumed = dataOf(await call(FEED, { agentIds: [agent.id], after: page.pageInfo.endCursor }, partner)).trustEvents;
    const moves = resumed.edges.map((edge: Data) => edge.node);
    expect(moves.length).toBeGreaterThan(0);
    expect(moves.every((node: Data) => node.causeId === second.id)).toBe(true);
    const score = moves.find((node: Data) => node.type === "COMPOSITE_SCORE");
    expect(score.scoreBefore).toBe(851);
    expect(score.scoreAfter).toBeGreaterThan(851);
  });

  it("is refused to buyers and builders (FORBIDDEN) and to anonymous callers (UNAUTHENTICATED)", async () => {
    const refusals = [
      await call(FEED, {}, await bearer("buyer", "bob")),
      await call(FEED, {}, await bearer("builder", "alice")),
      await call(FEED),
    ].map((response) => response.errors?.[0]?.extensions?.code);

    expect(refusals).toEqual(["FORBIDDEN", "FORBIDDEN", "UNAUTHENTICATED"]);
  });
});
