import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCommittedSupergraph } from "../../gateway/compose.js";
import { startGateway } from "../../gateway/index.js";
import { loadConfig } from "../../lib/config.js";
import type { RunningServer } from "../../lib/http-server.js";
import { TEST_SECRETS, postGraphQL } from "../support/graphql-client.js";

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
    expect(response.errors).toEqual([expect.objectContaining({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } })]);
  }, 10_000);
});
