import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../runtime/local.js";
import { REGISTER_AGENT, SEARCH_AGENTS } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { startTestSystem } from "../support/system.js";

/** A GraphQL request from another process, printing the answer: run with spawnSync, it blocks this thread until then. */
const ASK = `fetch(process.argv[1], { method: "POST", headers: { "content-type": "application/json" }, body: process.argv[2] })
  .then((response) => response.text()).then((text) => process.stdout.write(text), () => process.exit(1));`;

describe("the gateway on its own thread (npm start's layout)", () => {
  let system: LocalSystem;

  beforeAll(async () => {
    // The embedded SQLite database (an empty DATABASE_URL), as npm start's default.
    system = await startTestSystem({ databaseUrl: "", gatewayThread: true, judge: false, webhooks: false });
  });
  afterAll(() => system?.stop());

  it("answers while this thread, which runs the subgraphs, is blocked", () => {
    // The query needs no subgraph. Were the gateway on this thread, the request would wait until
    // spawnSync gave up on the child, and it would print nothing.
    const child = spawnSync(process.execPath, ["-e", ASK, system.gatewayUrl, JSON.stringify({ query: "{ __typename }" })], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.error).toBeUndefined();
    expect(JSON.parse(child.stdout)).toMatchObject({ data: { __typename: "Query" } });
  });

  it("serves a search across the subgraphs on this thread, with the secrets this thread resolved", async () => {
    const builder = await bearer("builder", "thread-builder");
    const agent = dataOf(
      await postGraphQL<Record<string, any>>(
        system.gatewayUrl,
        REGISTER_AGENT,
        { input: { name: "Threaded", description: "triage", domains: ["ALERT_TRIAGE"] } },
        builder,
      ),
    ).registerAgent;
    const page = dataOf(
      await postGraphQL<Record<string, any>>(system.gatewayUrl, SEARCH_AGENTS, { filter: { eligibleOnly: false }, first: 20 }),
    ).searchAgents;
    expect(page.edges.map((edge: Record<string, any>) => edge.node)).toEqual([
      expect.objectContaining({ id: agent.id, name: "Threaded", pacts: [], trust: expect.objectContaining({ eligible: false }) }),
    ]);
  });
});
