import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { errorOf, startSubgraphHarness, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { reputationSubgraph } from "../index.js";

const ENTITY = (selection: string) =>
  `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agent { ${selection} } } }`;
/** Each trust field a partner's key may read with reputation:read, as the gateway would ask for it. */
const TRUST_FIELDS: [string, string][] = [
  ["Agent.trust", ENTITY("trust { compositeScore }")],
  ["Agent.scoreHistory", ENTITY("scoreHistory { edges { cursor } }")],
  ["Agent.eligibilityHistory", ENTITY("eligibilityHistory { edges { cursor } }")],
  ["Agent.scorecard", ENTITY("scorecard { weeks { week } }")],
  ["searchAgents", "{ searchAgents { edges { cursor } } }"],
];

describe.each(DATABASE_KINDS)("reputation fields and API key scopes (%s)", (kind) => {
  let harness: SubgraphHarness;
  let agentId: string;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, reputationSubgraph);
    agentId = (await harness.seedAgent("scoped", [AgentDomain.ALERT_TRIAGE])).id;
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const ask = (query: string, identity: Identity) =>
    harness.call(query, { representations: [{ __typename: "Agent", id: agentId }] }, identity);

  it.each(TRUST_FIELDS)("refuses %s to a key without reputation:read, FORBIDDEN naming the scope", async (_field, query) => {
    const response = await ask(query, { role: "partner", subject: "acme", scopes: ["feed:read", "disputes:read"] });

    expect(errorOf(response).code).toBe("FORBIDDEN");
    expect(errorOf(response).message).toContain("reputation:read");
  });

  it.each(TRUST_FIELDS)("answers %s to a key with reputation:read, and to a partner's token", async (_field, query) => {
    for (const identity of [
      { role: "partner", subject: "acme", scopes: ["reputation:read"] },
      { role: "partner", subject: "acme" },
    ] as Identity[]) {
      const response = await ask(query, identity);
      expect(response.errors).toBeUndefined();
    }
  });
});
