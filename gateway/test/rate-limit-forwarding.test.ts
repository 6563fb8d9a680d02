import { GraphQLID, GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { type RateLimitStatus, decodeRateLimitHeader } from "../../lib/platform/rate-limit.js";
import { type ForwardedByGateway, startSubgraphServer } from "../../lib/platform/subgraph-server.js";
import { TEST_SECRETS } from "../../test/support/graphql-client.js";
import { startGateway } from "../index.js";
import { readCommittedSupergraph } from "../supergraph.js";

/**
 * Subgraphs that answer with what the gateway forwarded, as the subgraph server hands it to
 * createContext: `partners` answers `rateLimit` from it, the path the real field reads, end to end;
 * `agents` answers an agent whose name is whatever charge reached it, if any.
 */
function echoingSubgraph(name: "agents" | "partners") {
  const agent = new GraphQLObjectType<unknown, ForwardedByGateway>({
    name: "Agent",
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID), resolve: () => "a" },
      name: { type: GraphQLString, resolve: (_agent, _args, forwarded) => forwarded.rateLimit ?? "no charge" },
    },
  });
  const rateLimit = new GraphQLObjectType<RateLimitStatus | undefined>({
    name: "RateLimit",
    fields: Object.fromEntries(
      (["limit", "cost", "remaining"] as const).map((field) => [field, { type: GraphQLInt, resolve: (status) => status?.[field] ?? null }]),
    ),
  });
  const query = new GraphQLObjectType<unknown, ForwardedByGateway>({
    name: "Query",
    fields:
      name === "agents"
        ? { agent: { type: agent, args: { id: { type: GraphQLID } }, resolve: () => ({}) } }
        : { rateLimit: { type: rateLimit, resolve: (_root, _args, forwarded) => decodeRateLimitHeader(forwarded.rateLimit) } },
  });
  return {
    name,
    schema: new GraphQLSchema({ query }),
    createContext: (_identity: unknown, _log: unknown, forwarded: ForwardedByGateway) => forwarded,
  };
}

describe("the charge, forwarded from the gateway to the subgraphs", () => {
  let agents: RunningServer;
  let partners: RunningServer;
  let gateway: RunningServer;
  beforeAll(async () => {
    const options = { host: "127.0.0.1", port: 0, secret: TEST_SECRETS.subgraphSecret };
    agents = await startSubgraphServer(echoingSubgraph("agents"), options);
    partners = await startSubgraphServer(echoingSubgraph("partners"), options);
    gateway = await startGateway({
      config: loadConfig({ PORT: "0", RATE_LIMIT_POINTS_ANONYMOUS: "50" }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: agents.url, partners: partners.url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await agents?.stop();
    await partners?.stop();
  });

  it("reaches the subgraph answering `rateLimit` as the numbers the caller is shown, and no other subgraph", async () => {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ agent(id: "a") { id name } rateLimit { limit cost remaining } }' }),
    });
    const body = (await response.json()) as {
      data: { agent: { name: string }; rateLimit: unknown };
      extensions: { rateLimit: Record<string, unknown> };
    };

    expect(body.data.rateLimit).toEqual({ limit: 50, cost: 1, remaining: 49 });
    expect(body.extensions.rateLimit).toEqual({ limit: 50, cost: 1, remaining: 49, resetAt: expect.any(String) });
    // A call carrying the caller's charge is the caller's own, and could not be merged with others'.
    expect(body.data.agent.name).toBe("no charge");
  });
});
