import { GraphQLID, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { decodeRateLimitHeader } from "../../lib/platform/rate-limit.js";
import { type ForwardedByGateway, startSubgraphServer } from "../../lib/platform/subgraph-server.js";
import { TEST_SECRETS } from "../../test/support/graphql-client.js";
import { startGateway } from "../index.js";
import { readCommittedSupergraph } from "../supergraph.js";

/**
 * An `agents` subgraph whose one agent's name is the rate limit the gateway forwarded, as the
 * subgraph server hands it to createContext: the path the `rateLimit` field reads, end to end.
 */
function echoingSubgraph() {
  const agent = new GraphQLObjectType<unknown, ForwardedByGateway>({
    name: "Agent",
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID), resolve: () => "a" },
      name: { type: GraphQLString, resolve: (_agent, _args, forwarded) => forwarded.rateLimit ?? null },
    },
  });
  const query = new GraphQLObjectType({
    name: "Query",
    fields: { agent: { type: agent, args: { id: { type: GraphQLID } }, resolve: () => ({}) } },
  });
  return {
    name: "agents" as const,
    schema: new GraphQLSchema({ query }),
    createContext: (_identity: unknown, _log: unknown, forwarded: ForwardedByGateway) => forwarded,
  };
}

describe("the charge, forwarded from the gateway to the subgraphs", () => {
  let subgraph: RunningServer;
  let gateway: RunningServer;
  beforeAll(async () => {
    subgraph = await startSubgraphServer(echoingSubgraph(), { host: "127.0.0.1", port: 0, secret: TEST_SECRETS.subgraphSecret });
    gateway = await startGateway({
      config: loadConfig({ PORT: "0", RATE_LIMIT_POINTS_ANONYMOUS: "50" }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: subgraph.url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  it("reaches the subgraph's context as the numbers the caller is shown", async () => {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ agent(id: "a") { id name } }' }),
    });
    const body = (await response.json()) as { data: { agent: { name: string | null } }; extensions: { rateLimit: unknown } };

    const forwarded = decodeRateLimitHeader(body.data.agent.name ?? undefined);
    expect(forwarded).toEqual({ limit: 50, cost: 1, remaining: 49, resetAt: expect.any(String) });
    expect(body.extensions.rateLimit).toEqual(forwarded);
  });
});
