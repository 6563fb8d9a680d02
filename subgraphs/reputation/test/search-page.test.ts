import { beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../../../lib/platform/database.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../../test/support/contexts.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { SEARCH_AGENTS } from "../../../test/support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../../../test/support/graphql-client.js";
import { seedAgentWithPact } from "../../../test/support/seed.js";
import { StatementRecorder } from "../../../test/support/statements-by-subgraph.js";
import { useTestSystem } from "../../../test/support/system.js";
import { TrustTier, tierRank } from "../score.math.js";
import { TrustProfile } from "../trust.entity.js";
import { priorProfile } from "../trust.settle.js";

type Data = Record<string, any>;

/** The page of SEARCH_AGENTS with the heavy fields too: the agent's description and its pacts' terms. */
const SEARCH_WITH_TERMS = `query Search($first: Int) {
  searchAgents(first: $first) {
    edges { node { id description pacts { id consequenceLadder { action } escalationRoute { action notify } } } }
  }
}`;

/**
 * Columns no search page shows: the agent's description and name keys, the pacts' terms, the
 * trust's scoring state. Each is JSON or long text; the loaders on the search path leave them out.
 */
const HEAVY_COLUMNS =
  /\b(description|name_key|name_skeleton|escalation_route|consequence_ladder|scoring_state|evaluation_drift|consequence_terms|recent_breaches|last_run_failed_critical)\b/;

describe.each(DATABASE_KINDS)("a search page through the gateway (%s)", (kind) => {
  // The outbox relay and the webhook dispatcher poll in the background; their statements are not the page's.
  const recorder = new StatementRecorder(/outbox_messages|webhook_/);
  const system = useTestSystem(kind, { logger: recorder, judge: false });
  let buyer: Record<string, string>;

  /** One page: its response, the SQL text of its statements, and how many each subgraph paid for. */
  async function page(query: string, variables: Record<string, unknown>) {
    const start = recorder.statements.length;
    // A buyer's token: authenticated reads are never answered from the gateway's cache, so every page reaches the subgraphs.
    const { result, bySubgraph } = await recorder.during(system.dataSource, () =>
      postGraphQL<Data>(system.gatewayUrl, query, variables, buyer),
    );
    return { edges: dataOf(result).searchAgents.edges as Data[], statements: recorder.statements.slice(start), bySubgraph };
  }

  beforeAll(async () => {
    buyer = await bearer("buyer", "search-buyer");
    const profiles: TrustProfile[] = [];
    for (let i = 0; i < 100; i += 1) {
      const { agent } = await seedAgentWithPact(system.dataSource, `search-builder-${i % 7}`);
      profiles.push(
        Object.assign(priorProfile(agent.id), {
          compositeScore: 600 + i,
          tier: TrustTier.SILVER,
          tierRank: tierRank(TrustTier.SILVER),
          eligible: true,
          updatedAt: new Date(),
        }),
      );
    }
    await inTransaction(system.dataSource, (manager) => manager.insert(TrustProfile, profiles));
  });

  it("reads none of the heavy columns, in the same statements for 1, 20 and 100 agents", async () => {
    const pages = [];
    for (const first of [1, 20, 100]) pages.push({ first, ...(await page(SEARCH_AGENTS, { first })) });

    for (const { first, edges, statements } of pages) {
      expect(edges).toHaveLength(first);
      expect(edges[0]!.node).toMatchObject({
        pacts: [{ version: 1 }],
        trust: { compositeScore: 699, tier: "SILVER" },
        openDisputeCount: 0,
      });
      expect(statements.filter((statement) => HEAVY_COLUMNS.test(statement))).toEqual([]);
    }
    // The search itself and one batch per kind of field (the agents, their pacts, their trust, their open disputes): nothing per agent.
    for (const { bySubgraph } of pages) expect(bySubgraph).toEqual({ agents: 1, pacts: 1, reputation: 2, disputes: 1, other: 0 });
  });

  it("loads the heavy fields only when asked for, in one more statement each, whatever the page size", async () => {
    const small = await page(SEARCH_WITH_TERMS, { first: 1 });
    const large = await page(SEARCH_WITH_TERMS, { first: 100 });

    for (const { node } of [...small.edges, ...large.edges])
      expect(node).toMatchObject({
        description: expect.stringMatching(/works the SOC queue$/),
        pacts: [
          {
            consequenceLadder: DEFAULT_LADDER.map(({ action }) => ({ action })),
            escalationRoute: DEFAULT_ROUTE.map(({ action, notify }) => ({ action, notify })),
          },
        ],
      });
    // The agents and their descriptions, the pacts and their terms, and the search.
    expect(small.bySubgraph).toEqual({ agents: 2, pacts: 2, reputation: 1, disputes: 0, other: 0 });
    expect(large.bySubgraph).toEqual(small.bySubgraph);
  });
});
