import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CorsConfig } from "../config.js";
import { answerOptions, corsResponseHeaders } from "../cors.js";
import { serveGraphQL, type RunningServer } from "../http-server.js";
import { okServer } from "../../../test/support/ok-server.js";

const APP = "http://app.example.test:5173";
const listed: CorsConfig = { origins: [APP], credentials: false };

describe("corsResponseHeaders", () => {
  it("lets a listed origin read the answer and its request id", () => {
    expect(corsResponseHeaders(listed, APP)).toEqual({
      vary: "Origin",
      "access-control-allow-origin": APP,
      "access-control-expose-headers": "x-request-id, ratelimit, ratelimit-policy, retry-after",
    });
  });

  it("gives another origin nothing but Vary, so no cache mixes the two", () => {
    expect(corsResponseHeaders(listed, "http://evil.example.test")).toEqual({ vary: "Origin" });
    expect(corsResponseHeaders(listed, undefined)).toEqual({ vary: "Origin" });
  });

  it("answers any origin with * when so configured, and allows credentials only for listed origins", () => {
    expect(corsResponseHeaders({ origins: "*", credentials: false }, "http://any.example.test")).toMatchObject({
      "access-control-allow-origin": "*",
    });
    expect(corsResponseHeaders({ origins: [APP], credentials: true }, APP)).toMatchObject({ "access-control-allow-credentials": "true" });
  });
});

describe("answerOptions", () => {
  it("answers a preflight from a listed origin with the methods and headers clients send", () => {
    const answer = answerOptions(listed, { origin: APP, "access-control-request-method": "POST" });

    expect(answer.status).toBe(204);
    expect(answer.headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS");
    for (const header of ["authorization", "content-type", "apollo-require-preflight", "x-apollo-operation-name", "x-request-id"])
      expect(answer.headers["access-control-allow-headers"]?.split(", ")).toContain(header);
    expect(answer.headers["access-control-expose-headers"]).toBe("x-request-id, ratelimit, ratelimit-policy, retry-after");
  });

  it("refuses a preflight from another origin, or from any when CORS is off, saying why", () => {
    const other = answerOptions(listed, { origin: "http://evil.example.test", "access-control-request-method": "POST" });
    const off = answerOptions(undefined, { origin: APP, "access-control-request-method": "POST" });

    expect(other.status).toBe(403);
    expect(other.headers).not.toHaveProperty("access-control-allow-origin");
    expect(other.message).toContain("http://evil.example.test");
    expect(off.status).toBe(403);
  });

  it("answers a plain OPTIONS with the methods", () => {
    expect(answerOptions(listed, {})).toEqual({ status: 204, headers: { allow: "GET, POST, OPTIONS" } });
  });
});

describe("serveGraphQL with a CORS policy", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const apollo = okServer();
    server = await serveGraphQL(apollo, { host: "127.0.0.1", port: 0, maxBodyBytes: 1024, cors: listed, context: async () => ({}) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers the browser's preflight instead of refusing it as a CSRF attempt", async () => {
    const response = await fetch(server.url, {
      method: "OPTIONS",
      headers: { origin: APP, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
  });

  it("marks the listed origin's answers readable, and only its", async () => {
    const post = (origin: string) =>
      fetch(server.url, {
        method: "POST",
        headers: { origin, "content-type": "application/json" },
        body: JSON.stringify({ query: "{ ok }" }),
      });

    const allowed = await post(APP);
    const other = await post("http://evil.example.test");

    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect(allowed.headers.get("access-control-expose-headers")).toBe("x-request-id, ratelimit, ratelimit-policy, retry-after");
    expect(await allowed.json()).toEqual({ data: { ok: true } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
