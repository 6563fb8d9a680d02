import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readCommittedSupergraph } from "../../gateway/supergraph.js";
import { startGateway } from "../../gateway/index.js";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { startSubgraphServer } from "../../lib/platform/subgraph-server.js";
import { agentsSubgraph } from "../../subgraphs/agents/index.js";
import { TEST_SECRETS, postGraphQL } from "../support/graphql-client.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { REQUEST_ID_HEADER, log } from "../../lib/platform/logger.js";

describe("gateway facing a subgraph that never answers", () => {
  let silent: net.Server;
  let gateway: RunningServer;
  beforeAll(async () => {
    // Accepts connections and reads requests, but never replies.
    silent = net.createServer((socket) => socket.on("data", () => {}));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    const url = `http://127.0.0.1:${port}/graphql`;
    gateway = await startGateway({
      config: loadConfig({ PORT: "0", SUBGRAPH_TIMEOUT_MS: "300" }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: url, pacts: url, reputation: url, disputes: url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    silent?.close();
  });

  it("fails the call after its deadline instead of holding the request", async () => {
    const response = await postGraphQL(gateway.url, '{ agent(id: "x") { id } }');

    expect(response.data).toEqual({ agent: null });
    expect(response.errors).toEqual([
      expect.objectContaining({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }),
    ]);
  }, 10_000);
});

describe("gateway whose subgraph secret does not match the subgraphs'", () => {
  const db = useMigratedDatabase("sqlite");
  let subgraph: RunningServer;
  let gateway: RunningServer;
  beforeAll(async () => {
    subgraph = await startSubgraphServer(await agentsSubgraph(db.dataSource), {
      host: "127.0.0.1",
      port: 0,
      secret: TEST_SECRETS.subgraphSecret,
    });
    gateway = await startGateway({
      config: loadConfig({ PORT: "0" }),
      secrets: { ...TEST_SECRETS, subgraphSecret: "a-different-subgraph-secret-0123456789" },
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: subgraph.url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  it("answers with an internal error, not the caller's fault, and shows no internal URL", async () => {
    const consoleError = vi.spyOn(log, "error").mockImplementation(() => {});
    const response = await postGraphQL(gateway.url, '{ agent(id: "x") { id } }');
    consoleError.mockRestore();

    expect(response.errors).toEqual([
      expect.objectContaining({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }),
    ]);
    expect(JSON.stringify(response)).not.toContain("127.0.0.1");
  });
});

describe("gateway passing its request id on", () => {
  let subgraph: http.Server;
  const received: (string | undefined)[] = [];
  let gateway: RunningServer;
  beforeAll(async () => {
    // A subgraph that notes the request id it is given and answers as the agents subgraph would.
    subgraph = http.createServer((req, res) => {
      received.push(req.headers[REQUEST_ID_HEADER] as string | undefined);
      req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"data":{"agent":null}}'));
    });
    await new Promise<void>((resolve) => subgraph.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(subgraph.address() as net.AddressInfo).port}/graphql`;
    gateway = await startGateway({
      config: loadConfig({ PORT: "0" }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: url, pacts: url, reputation: url, disputes: url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    subgraph?.close();
  });

  it("sends each subgraph the id of the request that caused the call, as the caller gave it or as it made it", async () => {
    const given = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", [REQUEST_ID_HEADER]: "soc-ticket-7" },
      body: JSON.stringify({ query: '{ agent(id: "x") { id } }' }),
    });
    const made = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ agent(id: "y") { id } }' }),
    });

    // Only the data: every answer also carries `extensions.rateLimit` (gateway/rate-limit.ts).
    expect(((await given.json()) as { data: unknown }).data).toEqual({ agent: null });
    expect(given.headers.get(REQUEST_ID_HEADER)).toBe("soc-ticket-7");
    expect(received).toEqual(["soc-ticket-7", made.headers.get(REQUEST_ID_HEADER)]);
  });
});
