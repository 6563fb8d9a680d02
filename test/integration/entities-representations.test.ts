import type { BaseContext } from "@apollo/server";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { agentsSubgraph } from "../../subgraphs/agents/index.js";
import { disputesSubgraph } from "../../subgraphs/disputes/index.js";
import { pactsSubgraph } from "../../subgraphs/pacts/index.js";
import { reputationSubgraph } from "../../subgraphs/reputation/index.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { dataOf } from "../support/graphql-client.js";
import { startSubgraphHarness, type Data, type SubgraphHarness } from "../support/subgraph-harness.js";

/*
 * The gateway only ever sends well-formed representations, but a subgraph must not trust that:
 * whatever reaches `_entities` is refused as BAD_USER_INPUT, naming the representation, before
 * any loader runs, in every subgraph (the check lives in lib/platform/federation.ts).
 */

/** Each subgraph with an `Agent` field that costs SQL, so a representation that got through would show as statements. */
const SUBGRAPHS: { name: string; build: (dataSource: DataSource) => Promise<Subgraph<BaseContext>>; agentFields: string }[] = [
  { name: "agents", build: agentsSubgraph, agentFields: "id name" },
  { name: "pacts", build: (dataSource) => pactsSubgraph(dataSource), agentFields: "id pacts { id }" },
  { name: "disputes", build: (dataSource) => disputesSubgraph(dataSource), agentFields: "id openDisputeCount" },
  { name: "reputation", build: reputationSubgraph, agentFields: "id trust { tier }" },
];

const CASES = DATABASE_KINDS.flatMap((kind) => SUBGRAPHS.map((subgraph) => ({ kind, ...subgraph })));

describe.each(CASES)("_entities in the $name subgraph ($kind)", ({ kind, build, agentFields }) => {
  let harness: SubgraphHarness;
  let agentId: string;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, build);
    agentId = (await harness.seedAgent("olga", [AgentDomain.ALERT_TRIAGE])).id;
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const entities = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agent { ${agentFields} } } }`;
  const agent = () => ({ __typename: "Agent", id: agentId });

  /** The response to `representations`, asserting that it ran no SQL statement. */
  async function refusal(representations: unknown[]) {
    const { response, statements } = await harness.statementsFor(entities, { representations });
    expect(statements).toBe(0);
    expect(response.data).toBeNull();
    expect(response.errors).toHaveLength(1);
    return response.errors![0]!;
  }

  it('refuses `__typename: "Nope"`, a type this subgraph does not have', async () => {
    const error = await refusal([agent(), { __typename: "Nope", id: agentId }]);

    expect(error.extensions).toEqual({
      code: "BAD_USER_INPUT",
      field: "representations[1].__typename",
      fields: ["representations[1].__typename"],
    });
    expect(error.message).toBe('representations[1].__typename: "Nope" is not an entity type of this subgraph (Agent)');
  });

  it("refuses a type that exists but is no entity", async () => {
    const error = await refusal([{ __typename: "Query", id: agentId }]);

    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "representations[0].__typename" });
  });

  it("refuses a representation without its id", async () => {
    const error = await refusal([agent(), { __typename: "Agent" }]);

    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", field: "representations[1].id", fields: ["representations[1].id"] });
    expect(error.message).toBe("representations[1].id: is required, the key of Agent");
  });

  it("refuses an object as the id, and lets nothing reach SQL", async () => {
    const error = await refusal([agent(), agent(), { __typename: "Agent", id: { x: 1 } }]);

    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", field: "representations[2].id", fields: ["representations[2].id"] });
    expect(error.message).toBe("representations[2].id: must be a non-empty string of at most 64 characters");
  });

  it("refuses the object id when it is written inline, too", async () => {
    const query = `{ _entities(representations: [{ __typename: "Agent", id: { x: 1 } }]) { ... on Agent { ${agentFields} } } }`;

    const { response, statements } = await harness.statementsFor(query);

    expect(statements).toBe(0);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "representations[0].id" });
  });

  it("refuses an empty, an overlong or a numeric id, and a representation that is no object", async () => {
    const fields = async (representations: unknown[]) => (await refusal(representations)).extensions;

    expect(await fields([{ __typename: "Agent", id: "" }])).toMatchObject({ field: "representations[0].id" });
    expect(await fields([{ __typename: "Agent", id: "a".repeat(65) }])).toMatchObject({ field: "representations[0].id" });
    expect(await fields([{ __typename: "Agent", id: 7 }])).toMatchObject({ field: "representations[0].id" });
    expect(await fields([agent(), "Agent"])).toMatchObject({ field: "representations[1]" });
  });

  it("names every offending representation at once", async () => {
    const error = await refusal([{ __typename: "Nope" }, agent(), { __typename: "Agent", id: [] }]);

    expect(error.extensions).toEqual({
      code: "BAD_USER_INPUT",
      field: "representations[0].__typename",
      fields: ["representations[0].__typename", "representations[2].id"],
    });
  });

  it("still resolves valid representations", async () => {
    const response = await harness.call(entities, { representations: [agent(), agent()] });

    expect((dataOf(response)._entities as Data[]).map((entity) => entity.id)).toEqual([agentId, agentId]);
  });
});
