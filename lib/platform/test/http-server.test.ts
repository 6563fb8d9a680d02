import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveGraphQL, type RunningServer } from "../http-server.js";
import { jsonDepth } from "../json-depth.js";
import { okServer } from "../../../test/support/ok-server.js";

/** Sends raw bytes and returns everything the server answered before closing. */
function raw(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.end(request));
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("serveGraphQL", () => {
  let server: RunningServer;
  let port: number;
  beforeAll(async () => {
    const apollo = okServer();
    server = await serveGraphQL(apollo, { host: "127.0.0.1", port: 0, maxBodyBytes: 1024, context: async () => ({}) });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const ok = () =>
    fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ ok }" }) }).then(
      (r) => r.json(),
    );

  it("answers a malformed request target with 400 and keeps serving", async () => {
    const answer = await raw(port, "GET //[ HTTP/1.1\r\nHost: x\r\n\r\n");

    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(await ok()).toEqual({ data: { ok: true } });
  });

  it("answers an oversized body with 413 instead of dropping the connection", async () => {
    const body = JSON.stringify({ query: `{ ok } # ${"x".repeat(4096)}` });

    const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body });

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_REQUEST" } }] });
    expect(await ok()).toEqual({ data: { ok: true } });
  });

  it("answers a body that is not JSON with 400", async () => {
    const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });

    expect(response.status).toBe(400);
  });

  it("serves only /graphql and /health", async () => {
    expect((await fetch(server.url.replace("/graphql", "/health"))).status).toBe(200);
    expect((await fetch(server.url.replace("/graphql", "/admin"))).status).toBe(404);
  });
});

describe("serveGraphQL and deeply nested bodies", () => {
  it("refuses a body nested deeper than the limit with 400, before anything recursive sees it", async () => {
    const apollo = okServer();
    const server = await serveGraphQL(apollo, { host: "127.0.0.1", port: 0, maxBodyBytes: 1024 * 1024, context: async () => ({}) });
    try {
      const deep = `{"query":"{ ok }","variables":{"v":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}}`;
      const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: deep });

      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain("nests deeper than 64 levels");
    } finally {
      await server.stop();
    }
  });
});

describe("jsonDepth", () => {
  it("measures nesting without recursion, and stops past a limit", () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [1, { b: null }] })).toBe(3);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(jsonDepth(deep)).toBe(200_000);
    expect(jsonDepth(deep, 10)).toBe(11);
  });
});
