import { describe, expect, it } from "vitest";
import { StatementCounter } from "../../lib/platform/database.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { ADOPT_PACT, EVALUATION_RUN, FILE_DISPUTE, REGISTER_AGENT, SEARCH_AGENTS, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

describe.each(DATABASE_KINDS)("the trust loop through the gateway (%s)", (kind) => {
  // The outbox relay and the webhook dispatcher poll in the background; their statements are not the page's.
  const statements = new StatementCounter(/outbox_messages|webhook_/);
  const system = useTestSystem(kind, { logger: statements });
  const call = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);

  async function registerJudgedAgent(owner: string, name: string, cases = triageCases(40, { wrongSeverity: 1 })) {
    const builder = await bearer("builder", owner);
    const agent = dataOf(
      await call(REGISTER_AGENT, { input: { name, description: `${name} triages EDR alerts`, domains: ["ALERT_TRIAGE"] } }, builder),
    ).registerAgent;
    const pact = dataOf(await call(ADOPT_PACT, { agentId: agent.id, template: "alert-triage" }, builder)).adoptPactTemplate;
    const run = dataOf(await call(SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases } }, builder)).submitEvaluationRun;
    const judged = await eventually(
      async () => {
        const current = dataOf(await call(EVALUATION_RUN, { id: run.id })).evaluationRun;
        return current.status === "COMPLETED" ? current : undefined;
      },
      20_000,
      `run ${run.id} to be judged`,
    );
    return { agent, pact, run, judged };
  }

  it("walks register → pact → run → judge → dispute → search, with fields from all four subgraphs", async () => {
    const { agent, pact, run, judged } = await registerJudgedAgent("alice", "Sentinel Triage");
    expect(run.status).toBe("QUEUED");
    expect(pact.clauses.map((c: Data) => c.key)).toEqual(["severity-accuracy", "false-positive-rate"]);
    expect(judged).toMatchObject({ passedCount: 39, failedCount: 1, passed: true });
    expect(judged.clauseResults).toEqual([
      expect.objectContaining({ clauseKey: "severity-accuracy", observed: 39 / 40, outcome: "PASSED" }),
      expect.objectContaining({ clauseKey: "false-positive-rate", observed: 0, outcome: "PASSED" }),
    ]);

    const buyer = await bearer("buyer", "bob");
    const dispute = dataOf(
      await call(FILE_DISPUTE, { input: { agentId: agent.id, statement: "Downgraded a ransomware alert to LOW" } }, buyer),
    ).fileDispute;
    expect(dispute).toMatchObject({ status: "OPEN", severity: "MAJOR", agent: { id: agent.id } });

    const search = dataOf(await call(SEARCH_AGENTS, { filter: { domain: "ALERT_TRIAGE", minCompositeScore: 500 } })).searchAgents;
    const node = search.edges.find((edge: Data) => edge.node.id === agent.id)?.node;
    expect(node).toEqual({
      id: agent.id,
      name: "Sentinel Triage",
      domains: ["ALERT_TRIAGE"],
      pacts: [{ id: pact.id, version: 1 }],
      trust: {
        // Per-metric Beta(5,5) means, each metric weighing its pact weight × cases / (cases + 10):
        // severity accuracy (weight 0.6) checked on all 40 cases, 39 met: (39+5)/(40+10) = 0.88,
        // weighing 0.6·40/50 = 0.48; false-positive rate (0.4) checked only on the 14 benign cases
        // (i % 3 === 0), all met: (14+5)/(14+10) = 0.7917, weighing 0.4·14/24 = 0.2333.
        // (0.48·0.88 + 0.2333·0.7917) / 0.7133 = (0.4224 + 0.1847) / 0.7133 = 0.8511 → 851.
        // Confidence n/(n+50) with n = (0.48·40 + 0.2333·14) / 0.7133 = 22.47 / 0.7133 = 31.50
        // cases: 31.50 / 81.50 = 0.386.
        // No production evidence yet: reputation stays at the 500 prior with confidence 0.
        compositeScore: 851,
        compositeConfidence: 0.386,
        tier: "BRONZE",
        eligible: true,
        reasons: [
          "tier BRONZE: composite score 851 with confidence 0.386, reputation score 500 with confidence 0",
          "reputation confidence 0 is below 0.25: production evidence does not yet bear on the tier",
          "latest evaluation run met its pact",
        ],
      },
      openDisputeCount: 1,
    });
  });

  it("ranks by composite score, filters, and pages with cursors", async () => {
    await registerJudgedAgent("carol", "Perfect Triage", triageCases(40));
    const failing = await registerJudgedAgent("carol", "Sloppy Triage", triageCases(40, { wrongSeverity: 10 }));
    expect(failing.judged.passed).toBe(false);

    const listed = dataOf(await call(SEARCH_AGENTS, { filter: { domain: "ALERT_TRIAGE" } })).searchAgents.edges.map((e: Data) => e.node);
    const names = listed.map((n: Data) => n.name);
    expect(names).toContain("Perfect Triage");
    expect(names).not.toContain("Sloppy Triage");
    const scores = listed.map((n: Data) => n.trust.compositeScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const all = dataOf(await call(SEARCH_AGENTS, { filter: { eligibleOnly: false }, first: 100 })).searchAgents.edges.map(
      (e: Data) => e.node.id,
    );
    const pages: string[] = [];
    let after: string | null = null;
    do {
      const page: Data = dataOf(await call(SEARCH_AGENTS, { filter: { eligibleOnly: false }, first: 1, after })).searchAgents;
      pages.push(...page.edges.map((e: Data) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(pages).toEqual(all);
    expect(all).toContain(failing.agent.id);

    const none = dataOf(await call(SEARCH_AGENTS, { filter: { domain: "THREAT_INTEL_SYNTHESIS", eligibleOnly: false } })).searchAgents;
    expect(none).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it("resolves a page with a constant number of SQL statements, whatever its size", async () => {
    const builder = await bearer("builder", "dave");
    for (let i = 0; i < 12; i += 1) {
      const agent = dataOf(
        await call(REGISTER_AGENT, { input: { name: `Bulk ${i}`, description: "bulk", domains: ["PLAYBOOK_ROUTING"] } }, builder),
      ).registerAgent;
      expect(agent.id).toBeTruthy();
    }
    const cost = async (first: number) => {
      const before = statements.count;
      const page = dataOf(await call(SEARCH_AGENTS, { filter: { domain: "PLAYBOOK_ROUTING", eligibleOnly: false }, first })).searchAgents;
      expect(page.edges).toHaveLength(first);
      return statements.count - before;
    };
    const small = await cost(2);
    const large = await cost(12);
    expect(large).toBe(small);
    // search (two statements with eligibleOnly false: agents with a trust row, then agents still at
    // the prior) + one batch per subgraph (agents, pacts, trust, disputes): nothing per agent.
    expect(small).toBe(6);
  });

  it("refuses bad input with a coded error naming the field, and writes nothing", async () => {
    const builder = await bearer("builder", "erin");
    const agents = async () => Number((await system.dataSource.query("SELECT COUNT(*) AS n FROM agents"))[0].n);
    const before = await agents();
    const invalid = await call(REGISTER_AGENT, { input: { name: "", description: "x", domains: [] } }, builder);
    expect(invalid.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    expect(invalid.errors?.[0]?.message).toContain("input.domains");
    // Which subgraph answered is an internal detail.
    expect(invalid.errors?.[0]?.extensions).not.toHaveProperty("serviceName");
    const anonymous = await call(REGISTER_AGENT, { input: { name: "Anon", description: "x", domains: ["ALERT_TRIAGE"] } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const wrongRole = await call(
      REGISTER_AGENT,
      { input: { name: "Buyer's", description: "x", domains: ["ALERT_TRIAGE"] } },
      await bearer("buyer", "bob"),
    );
    expect(wrongRole.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(await agents()).toBe(before);

    const missing = await call(ADOPT_PACT, { agentId: "00000000-0000-0000-0000-000000000000", template: "alert-triage" }, builder);
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "agentId" });

    const badToken = await fetch(system.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer nope" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(badToken.status).toBe(401);
    expect(JSON.stringify(await badToken.json())).toContain("UNAUTHENTICATED");
    const badEnum = await call(REGISTER_AGENT, { input: { name: "Enum", description: "x", domains: ["EVERYTHING"] } }, builder);
    expect(badEnum.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.domains[0]" });
    const flood = await call(`{ ${Array.from({ length: 50 }, (_, i) => `a${i}: searchAgents { edges { cursor } }`).join(" ")} }`);
    expect(flood.status).toBe(400);
    expect(flood.errors?.[0]).toMatchObject({
      message: "Operation asks for 50 top-level fields; the limit is 10",
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    for (const response of [invalid, anonymous, wrongRole, missing]) {
      expect(JSON.stringify(response)).not.toMatch(/stack|SELECT|INSERT|at .*\.ts/);
    }
  });
});
