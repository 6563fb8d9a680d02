import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { StatementCounter } from "../../lib/platform/database.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { ADOPT_PACT, FILE_DISPUTE, REGISTER_AGENT, SEARCH_AGENTS, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { type GraphQLResponse, bearer, dataOf } from "../support/graphql-client.js";
import { judgedRun, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

/** The bound under test: anonymous readers may see an answer this many seconds old, no older. */
const BOUND_SECONDS = 5;

/*
 * The gateway's response cache end to end (gateway/response-cache.ts), with
 * GATEWAY_CACHE_MAX_AGE_SECONDS=5: an anonymous buyer's search is answered from memory, so a trust
 * change reaches it late, but within the bound; a buyer with a token sees it at once; and identical
 * anonymous searches at once cost the database what one does.
 */
describe.each(DATABASE_KINDS)("anonymous reads through the gateway's response cache (%s)", (kind) => {
  // The outbox relay and the webhook dispatcher poll in the background; their statements are not the searches'.
  const statements = new StatementCounter(/outbox_messages|webhook_/);
  const system = useTestSystem(kind, { logger: statements, env: { GATEWAY_CACHE_MAX_AGE_SECONDS: String(BOUND_SECONDS) } });

  /** An operation over HTTP: its answer's data (failing on errors), its headers and its extensions. */
  async function post(query: string, variables: Data, headers: Record<string, string> = {}) {
    const response = await fetch(system.gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<Data>, "status"> & { extensions?: Data };
    return { data: dataOf({ status: response.status, ...body }), headers: response.headers, extensions: body.extensions ?? {} };
  }

  /** The search as a caller sees it: the agents found, what caches are told, what is left of the caller's budget. */
  async function search(variables: Data, headers: Record<string, string> = {}) {
    const { data, headers: answered, extensions } = await post(SEARCH_AGENTS, variables, headers);
    return {
      ids: data.searchAgents.edges.map((edge: Data) => edge.node.id as string),
      cacheControl: answered.get("cache-control"),
      remaining: extensions.rateLimit.remaining as number,
    };
  }

  /** An agent judged on a passing run: BRONZE and listed, so the default search shows it. */
  async function listedAgent(name: string): Promise<string> {
    const builder = await bearer("builder", "alice");
    const call = async (query: string, variables: Data) => (await post(query, variables, builder)).data;
    const agent = (await call(REGISTER_AGENT, { input: { name, description: `${name} triages EDR alerts`, domains: ["ALERT_TRIAGE"] } }))
      .registerAgent;
    const pact = (await call(ADOPT_PACT, { agentId: agent.id, template: "alert-triage" })).adoptPactTemplate;
    const run = (await call(SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases: triageCases(40, { wrongSeverity: 1 }) } }))
      .submitEvaluationRun;
    await judgedRun(system.gatewayUrl, run.id);
    return agent.id;
  }

  it("shows an anonymous reader a critical dispute's delisting late but within the bound, and a reader with a token at once", async () => {
    const agent = await listedAgent("Harbor Triage");
    const listed = { filter: { domain: "ALERT_TRIAGE" } };
    const buyer = await bearer("buyer", "bob");

    const before = await search(listed);
    expect(before.ids).toContain(agent);
    expect(before.cacheControl).toMatch(/^public, max-age=[0-5]$/);

    // An open critical dispute takes the agent off the listing, in the dispute's own transaction.
    const input = { agentId: agent, category: "MISSED_ESCALATION", severity: "CRITICAL", statement: "Sat on a compromise" };
    const dispute = (await post(FILE_DISPUTE, { input }, buyer)).data.fileDispute;
    expect(dispute.status).toBe("OPEN");
    const changedAt = Date.now();

    const withToken = await search(listed, buyer);
    expect(withToken.ids).not.toContain(agent);
    expect(withToken.cacheControl).toBe("no-store");
    // Served from memory: the listing as it was, and still charged to the caller's budget.
    const cached = await search(listed);
    expect(cached.ids).toContain(agent);
    expect(cached.remaining).toBeLessThan(before.remaining);

    // The answer held was computed before the change, so it is gone by the bound: whatever the
    // machine's load, a search starting after it reads afresh (a slower machine only reads later).
    await sleep(changedAt + BOUND_SECONDS * 1000 + 50 - Date.now());
    expect((await search(listed)).ids).not.toContain(agent);
  });

  it("answers identical anonymous searches arriving together with the statements of one", async () => {
    await listedAgent("Pier Triage");
    // Two searches no one has asked for yet, the same but for their page size (the cost does not depend on it).
    const statementsOf = async (work: () => Promise<unknown>) => {
      const before = statements.count;
      await work();
      return statements.count - before;
    };
    const one = await statementsOf(() => search({ filter: { eligibleOnly: false }, first: 50 }));
    expect(one).toBeGreaterThan(0);
    const together = await statementsOf(() =>
      Promise.all(Array.from({ length: 8 }, () => search({ filter: { eligibleOnly: false }, first: 60 }))),
    );
    expect(together).toBe(one);
  });
});
