import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../../lib/platform/database.js";
import { TrustProfile } from "../../subgraphs/reputation/trust.entity.js";
import { priorProfile } from "../../subgraphs/reputation/trust.settle.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { FILE_DISPUTE } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { seedAgentWithPact } from "../support/seed.js";
import { StatementRecorder } from "../support/statements-by-subgraph.js";
import { useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

/** Fields from all four subgraphs: the agent itself, its trust, its pacts, its disputes (count and summaries). */
const BULK = `query Bulk($ids: [ID!]!) {
  agentsByIds(ids: $ids) {
    id name
    trust { compositeScore tier eligible }
    pacts { id version }
    openDisputeCount
    disputes(first: 3) { edges { node { status severity } } }
  }
}`;

describe.each(DATABASE_KINDS)("agentsByIds through the gateway (%s)", (kind) => {
  // The outbox relay and the webhook dispatcher poll in the background; their statements are not the request's.
  const recorder = new StatementRecorder(/outbox_messages|webhook_/);
  const system = useTestSystem(kind, { logger: recorder, judge: false });
  const agentIds: string[] = [];
  let partner: Record<string, string>;
  const bulk = (ids: string[]) => postGraphQL<Data>(system.gatewayUrl, BULK, { ids }, partner);

  beforeAll(async () => {
    partner = await bearer("partner", "acme-soc");
    for (let i = 0; i < 100; i += 1) agentIds.push((await seedAgentWithPact(system.dataSource, `bulk-builder-${i % 7}`)).agent.id);
    // Some agents have a trust row, the others read at the prior; some have open disputes.
    await inTransaction(system.dataSource, (manager) =>
      manager.insert(
        TrustProfile,
        agentIds.filter((_, i) => i % 2 === 0).map((id) => Object.assign(priorProfile(id), { updatedAt: new Date() })),
      ),
    );
    const buyer = await bearer("buyer", "bulk-buyer");
    for (const agentId of agentIds.filter((_, i) => i % 10 === 0))
      dataOf(await postGraphQL(system.gatewayUrl, FILE_DISPUTE, { input: { agentId, statement: "Missed a beacon" } }, buyer));
  });

  it("answers in the order asked, with null for unknown ids and repeats as asked", async () => {
    const unknown = randomUUID();
    const ids = [agentIds[3]!, unknown, agentIds[0]!, agentIds[3]!];

    const agents = dataOf(await bulk(ids)).agentsByIds;

    expect(agents.map((agent: Data | null) => agent?.id ?? null)).toEqual([agentIds[3], null, agentIds[0], agentIds[3]]);
    expect(agents[2]).toMatchObject({
      trust: { compositeScore: 500, tier: "UNRATED", eligible: false },
      pacts: [{ version: 1 }],
      openDisputeCount: 1,
      disputes: { edges: [{ node: { status: "OPEN", severity: "MAJOR" } }] },
    });
    expect(agents[0]).toMatchObject({ openDisputeCount: 0, disputes: { edges: [] } });
  });

  it("costs each subgraph the same number of SQL statements for 1, 20 and 100 agents", async () => {
    const costs = [];
    for (const size of [1, 20, 100]) {
      const ids = agentIds.slice(0, size);
      const { result, bySubgraph } = await recorder.during(system.dataSource, () => bulk(ids));
      expect(dataOf(result).agentsByIds.map((agent: Data) => agent.id)).toEqual(ids);
      costs.push(bySubgraph);
    }

    expect(costs[1]).toEqual(costs[0]);
    expect(costs[2]).toEqual(costs[0]);
    // One batch per kind of field, nothing per agent: the agents, their pacts, their trust, and in
    // disputes the open counts and the summaries' page (its ids, then its rows).
    expect(costs[0]).toEqual({ agents: 1, pacts: 1, reputation: 1, disputes: 3, other: 0 });
  });

  it("refuses more than 100 ids and malformed ids as BAD_USER_INPUT naming them, with no SQL", async () => {
    const tooMany = await recorder.during(system.dataSource, () => bulk(Array.from({ length: 101 }, () => randomUUID())));
    const malformed = await bulk([agentIds[0]!, "not-an-id"]);

    expect(tooMany.result.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "ids" });
    expect(tooMany.bySubgraph).toEqual({ agents: 0, pacts: 0, reputation: 0, disputes: 0, other: 0 });
    expect(malformed.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "ids[1]" });
  });

  it("is open to anonymous callers, as agent(id) is", async () => {
    const response = await postGraphQL<Data>(system.gatewayUrl, BULK, { ids: [agentIds[0]] });
    expect(dataOf(response).agentsByIds[0].id).toBe(agentIds[0]);
  });
});
