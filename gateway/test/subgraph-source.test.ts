import http from "node:http";
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { startGateway } from "../index.js";
import { clientErrorFromSubgraph } from "../subgraph-source.js";
import { readCommittedSupergraph } from "../supergraph.js";

const SECRETS = { tokenSecret: "gateway-test-token-secret-0123456789ab", subgraphSecret: "gateway-test-subgraph-secret-0123456789" };

describe("clientErrorFromSubgraph", () => {
  it("passes a subgraph's client error on with its message, code and field, nothing else", () => {
    const error = clientErrorFromSubgraph(400, {
      errors: [
        { message: "input.name: must not be empty", extensions: { code: "BAD_USER_INPUT", field: "input.name", stacktrace: ["…"] } },
      ],
    });

    expect(error.message).toBe("input.name: must not be empty");
    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.name" });
  });

  it("answers any other refusal as BAD_REQUEST, without the subgraph's words", () => {
    for (const body of [
      "<html>Payload Too Large</html>",
      { errors: [{ message: "SELECT * FROM agents", extensions: { code: "INTERNAL_SERVER_ERROR" } }] },
    ]) {
      const error = clientErrorFromSubgraph(413, body);

      expect(error.extensions).toEqual({ code: "BAD_REQUEST" });
      expect(error.message).toBe("The request was refused by the service behind the gateway (HTTP 413)");
    }
  });
});

describe("a gateway whose subgraph refuses a request with an HTTP 4xx", () => {
  let subgraph: http.Server;
  let gateway: RunningServer;
  let answer: { status: number; body: string } = { status: 400, body: "{}" };
  beforeAll(async () => {
    subgraph = http.createServer((req, res) => {
      req.resume().on("end", () => res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body));
    });
    await new Promise<void>((resolve) => subgraph.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(subgraph.address() as net.AddressInfo).port}/graphql`;
    gateway = await startGateway({
      config: loadConfig({ PORT: "0" }),
      secrets: SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: url, pacts: url, reputation: url, disputes: url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    subgraph?.close();
  });

  const ask = () =>
    fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ agent(id: "x") { id } }' }),
    }).then((response) => response.json() as Promise<Record<string, any>>);

  it("shows the caller the subgraph's BAD_USER_INPUT, not an internal error, and not the subgraph's URL", async () => {
    answer = {
      status: 400,
      body: JSON.stringify({
        errors: [{ message: 'Variable "$id" got invalid value 5; ID cannot represent value: 5', extensions: { code: "BAD_USER_INPUT" } }],
      }),
    };

    const response = await ask();

    expect(response.errors).toEqual([
      expect.objectContaining({
        message: 'Variable "$id" got invalid value 5; ID cannot represent value: 5',
        extensions: { code: "BAD_USER_INPUT", field: "id" },
      }),
    ]);
    expect(JSON.stringify(response)).not.toContain("127.0.0.1");
  });

  it("shows a 4xx without a GraphQL body as BAD_REQUEST", async () => {
    answer = { status: 413, body: "too large" };

    const response = await ask();

    expect(response.errors?.[0]?.extensions).toEqual({ code: "BAD_REQUEST" });
  });
});
