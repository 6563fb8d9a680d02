import http from "node:http";
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveFetch } from "../subgraph-client.js";

describe("the gateway's client for subgraph calls", () => {
  let server: http.Server;
  let url: string;
  let connections = 0;
  const received: { method?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  /** What the server does with the next request; by default it answers 200 with JSON. */
  let answer: (res: http.ServerResponse) => void;
  const json = (res: http.ServerResponse) =>
    res.writeHead(200, "OK", { "content-type": "application/json", "x-seen": ["a", "b"] }).end('{"data":{"agent":{"id":"a"}}}');
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ method: req.method, headers: req.headers, body });
        answer(res);
      });
    });
    server.on("connection", () => (connections += 1));
    // Announced as `Keep-Alive: timeout=2`: the client lets idle connections go after 1 s.
    server.keepAliveTimeout = 2_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/graphql`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (send = keepAliveFetch(), init: RequestInit = {}) =>
    send(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-identity": "anonymous" },
      body: '{"query":"{ a }"}',
      ...init,
    });

  it("sends the method, headers and body as given, with its length, and answers as fetch would", async () => {
    answer = json;
    const response = await post();

    expect(received.at(-1)).toEqual({
      method: "POST",
      headers: expect.objectContaining({ "content-type": "application/json", "x-identity": "anonymous", "content-length": "17" }),
      body: '{"query":"{ a }"}',
    });
    expect(received.at(-1)!.headers).not.toHaveProperty("transfer-encoding");
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.statusText).toBe("OK");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-seen")).toBe("a, b");
    expect(await response.json()).toEqual({ data: { agent: { id: "a" } } });
  });

  it("answers an error status with its body, and a 204 without one", async () => {
    answer = (res) => res.writeHead(400, { "content-type": "application/json" }).end('{"errors":[{"message":"bad"}]}');
    const refused = await post();
    expect(refused.status).toBe(400);
    expect(refused.ok).toBe(false);
    expect(await refused.json()).toEqual({ errors: [{ message: "bad" }] });

    answer = (res) => res.writeHead(204).end();
    expect((await post()).status).toBe(204);
  });

  it("keeps one connection for calls one after the other, and lets it go before the server would", async () => {
    answer = json;
    const send = keepAliveFetch();
    const before = connections;
    for (let i = 0; i < 5; i += 1) await (await post(send)).json();
    expect(connections - before).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await (await post(send)).json();
    expect(connections - before).toBe(2);
  });

  it("gives up when its signal says so", async () => {
    answer = () => {};
    await expect(post(keepAliveFetch(), { signal: AbortSignal.timeout(100) })).rejects.toThrow(/abort/i);
  });

  it("fails when nothing listens", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(keepAliveFetch()(`http://127.0.0.1:${port}/graphql`, { method: "POST", body: "{}" })).rejects.toThrow(/ECONNREFUSED/);
  });
});
