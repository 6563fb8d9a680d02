import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { disputesSubgraph } from "../index.js";

const ENTITY = (selection: string) =>
  `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agent { ${selection} } } }`;
const FILE = `mutation($input: FileDisputeInput!) { fileDispute(input: $input) { id } }`;

const WITHOUT: Identity = { role: "partner", subject: "acme", scopes: ["reputation:read", "feed:read"] };
const WITH: Identity = { role: "partner", subject: "acme", scopes: ["disputes:read"] };

describe.each(DATABASE_KINDS)("dispute fields and API key scopes (%s)", (kind) => {
  let harness: SubgraphHarness;
  let agentId: string;
  let disputeId: string;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (ds) => disputesSubgraph(ds));
    agentId = (await harness.seedAgent("alice", [AgentDomain.ALERT_TRIAGE])).id;
    disputeId = dataOf(
      await harness.call(FILE, { input: { agentId, statement: "Downgraded a ransomware alert" } }, { role: "buyer", subject: "bob" }),
    ).fileDispute.id;
  });
  afterAll(async () => {
    await harness?.stop();
  });

  /** Each way to read disputes, as the gateway would ask the subgraph. */
  const reads: [string, string, () => Record<string, unknown>][] = [
    ["Agent.openDisputeCount", ENTITY("openDisputeCount"), () => ({ representations: [{ __typename: "Agent", id: agentId }] })],
    ["Agent.disputes", ENTITY("disputes { edges { cursor } }"), () => ({ representations: [{ __typename: "Agent", id: agentId }] })],
    ["dispute", "query($id: ID!) { dispute(id: $id) { id } }", () => ({ id: disputeId })],
    ["disputes", "{ disputes { edges { cursor } } }", () => ({})],
  ];

  it.each(reads)("refuses %s to a key without disputes:read, FORBIDDEN naming the scope", async (_field, query, variables) => {
    const response = await harness.call(query, variables(), WITHOUT);

    expect(errorOf(response).code).toBe("FORBIDDEN");
    expect(errorOf(response).message).toContain("disputes:read");
  });

  it.each(reads.slice(0, 2))("answers %s to a key with disputes:read and to a partner's token", async (_field, query, variables) => {
    for (const identity of [WITH, { role: "partner", subject: "acme" } as Identity]) {
      expect((await harness.call(query, variables(), identity)).errors).toBeUndefined();
    }
  });
});
