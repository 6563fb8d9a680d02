import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { agentsSubgraph } from "../index.js";

const BULK = `query Bulk($ids: [ID!]!) { agentsByIds(ids: $ids) { id name } }`;

describe.each(DATABASE_KINDS)("agentsByIds on the agents subgraph (%s)", (kind) => {
  let harness: SubgraphHarness;
  const ids: string[] = [];

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, agentsSubgraph);
    for (let i = 0; i < 5; i += 1) ids.push((await harness.seedAgent(`bulk-${i}`, [AgentDomain.ALERT_TRIAGE], `Bulk ${i}`)).id);
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const bulk = (variables: Record<string, unknown>, identity?: Identity) => harness.call(BULK, variables, identity);

  it("answers in the order asked, null for an unknown id, a repeated id each time, in one statement", async () => {
    const unknown = randomUUID();
    const asked = [ids[4]!, unknown, ids[0]!, ids[4]!, ids[2]!];

    const { response, statements } = await harness.statementsFor(BULK, { ids: asked });

    expect(dataOf(response).agentsByIds.map((agent: Data | null) => agent?.name ?? null)).toEqual([
      "Bulk 4",
      null,
      "Bulk 0",
      "Bulk 4",
      "Bulk 2",
    ]);
    expect(statements).toBe(1);
  });

  it("answers an empty list with an empty list and no SQL", async () => {
    const { response, statements } = await harness.statementsFor(BULK, { ids: [] });
    expect(dataOf(response).agentsByIds).toEqual([]);
    expect(statements).toBe(0);
  });

  it("takes 100 ids and refuses 101 as BAD_USER_INPUT naming ids, reading nothing", async () => {
    const hundred = Array.from({ length: 100 }, (_, i) => ids[i % ids.length]!);
    expect(dataOf(await bulk({ ids: hundred })).agentsByIds).toHaveLength(100);

    const { response, statements } = await harness.statementsFor(BULK, { ids: [...hundred, ids[0]] });

    expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "ids" });
    expect(response.data).toBeNull();
    expect(statements).toBe(0);
  });

  it.each([
    ["an empty string", ""],
    ["a name", "Bulk 0"],
    ["a UUID with a character too many", `${randomUUID()}0`],
    ["SQL", "' OR 1=1 --"],
    // Ids compare byte for byte: an upper-case one would match nothing, silently.
    ["an agent's id in upper case", "UPPER"],
  ])("refuses %s among the ids as BAD_USER_INPUT naming its index", async (_label, bad) => {
    const response = await bulk({ ids: [ids[0], ids[1], bad === "UPPER" ? ids[0]!.toUpperCase() : bad] });
    expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "ids[2]" });
    expect(JSON.stringify(response)).not.toMatch(/SELECT|stack/);
  });

  it.each<[string, Identity]>([
    ["anonymous callers", { role: "anonymous", subject: null }],
    ["buyers", { role: "buyer", subject: "bob" }],
    ["a partner with a token", { role: "partner", subject: "acme" }],
    ["a partner's key with reputation:read", { role: "partner", subject: "acme", scopes: ["reputation:read"] }],
  ])("is open to %s", async (_label, identity) => {
    expect(dataOf(await bulk({ ids: [ids[0]] }, identity)).agentsByIds).toEqual([{ id: ids[0], name: "Bulk 0" }]);
  });

  it("refuses a partner's key without reputation:read as FORBIDDEN naming the scope, reading nothing", async () => {
    const key: Identity = { role: "partner", subject: "acme", scopes: ["feed:read", "disputes:read"] };

    const { response, statements } = await harness.statementsFor(BULK, { ids: [ids[0]] }, key);

    expect(errorOf(response).code).toBe("FORBIDDEN");
    expect(errorOf(response).message).toContain("reputation:read");
    expect(response.data).toBeNull();
    expect(statements).toBe(0);
  });
});
