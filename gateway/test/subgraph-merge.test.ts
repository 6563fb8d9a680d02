import http from "node:http";
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { IDENTITY_HEADER } from "../../lib/platform/identity.js";
import { RATE_LIMIT_HEADER } from "../../lib/platform/rate-limit.js";
import { TEST_SECRETS, bearer } from "../../test/support/graphql-client.js";
import { startGateway } from "../index.js";
import type { SubgraphFetch } from "../subgraph-auth.js";
import { UNMERGED_HEADER, mergeIdenticalQueries } from "../subgraph-merge.js";
import { readCommittedSupergraph } from "../supergraph.js";

/** A `send` that answers only when told to, counting what it was sent. */
function heldSend() {
  const calls: { url: string; init: RequestInit; answer: (status: number, body: unknown) => void; fail: (error: Error) => void }[] = [];
  const send: SubgraphFetch = (url, init) =>
    new Promise((resolve, reject) =>
      calls.push({
        url,
        init,
        answer: (status, body) => resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })),
        fail: reject,
      }),
    );
  return { send, calls };
}

const queryOf = (id: string) =>
  JSON.stringify({ query: "query Read__agents__0($id:ID!){agent(id:$id){id}}", variables: { id }, operationName: "Read__agents__0" });
const QUERY = queryOf("a");
const request = (identity = "anonymous-assertion", body = QUERY, extra: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", [IDENTITY_HEADER]: identity, "x-request-id": String(Math.random()), ...extra },
  body,
});
const URL_A = "http://127.0.0.1:1/graphql";

describe("merging identical subgraph queries in flight", () => {
  it("sends two identical concurrent queries once; each caller gets its own copy of the answer", async () => {
    const { send, calls } = heldSend();
    const merged = mergeIdenticalQueries(send);

    const first = merged(URL_A, request());
    const second = merged(URL_A, request());
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    calls[0]!.answer(200, { data: { agent: { id: "a" } } });
    const [a, b] = await Promise.all([first, second]);
    const [bodyA, bodyB] = (await Promise.all([a.json(), b.json()])) as Record<string, any>[];

    expect(bodyA).toEqual({ data: { agent: { id: "a" } } });
    expect(bodyB).toEqual(bodyA);
    // The gateway merges entities into what it receives: one caller's copy must not be the other's.
    expect(bodyB).not.toBe(bodyA);
    expect(b.status).toBe(200);
    expect(b.headers.get("content-type")).toBe("application/json");
  });

  it("sends a later identical query afresh once the first has answered", async () => {
    const { send, calls } = heldSend();
    const merged = mergeIdenticalQueries(send);
    const first = merged(URL_A, request());
    await Promise.resolve();
    calls[0]!.answer(200, { data: { agent: null } });
    await first;

    const second = merged(URL_A, request());
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    calls[1]!.answer(200, { data: { agent: null } });
    await second;
  });

  it("never merges mutations, other identities, other subgraphs, other bodies, or a caller's rate-limit charge", async () => {
    const { send, calls } = heldSend();
    const merged = mergeIdenticalQueries(send);
    const mutation = JSON.stringify({ query: 'mutation{registerAgent(input:{name:"x"}){id}}', variables: {} });
    const pairs: [string, RequestInit][][] = [
      [
        [URL_A, request("anonymous-assertion", mutation)],
        [URL_A, request("anonymous-assertion", mutation)],
      ],
      [
        [URL_A, request("alice-assertion")],
        [URL_A, request("bob-assertion")],
      ],
      [
        [URL_A, request()],
        ["http://127.0.0.1:2/graphql", request()],
      ],
      [
        [URL_A, request()],
        [URL_A, request("anonymous-assertion", queryOf("b"))],
      ],
      [
        [URL_A, request("anonymous-assertion", QUERY, { [RATE_LIMIT_HEADER]: "charge-1" })],
        [URL_A, request("anonymous-assertion", QUERY, { [RATE_LIMIT_HEADER]: "charge-1" })],
      ],
    ];
    for (const [index, pair] of pairs.entries()) {
      const before = calls.length;
      const answers = pair.map(([url, init]) => merged(url, init));
      await Promise.resolve();
      expect({ index, calls: calls.length - before }).toEqual({ index, calls: 2 });
      for (const call of calls.slice(before)) call.answer(200, { data: {} });
      await Promise.all(answers);
    }
  });

  it("never merges a mutation's own reads, and sends them without the mark that says so", async () => {
    const { send, calls } = heldSend();
    const merged = mergeIdenticalQueries(send);
    const read = merged(URL_A, request());
    const afterWrite = merged(URL_A, request("anonymous-assertion", QUERY, { [UNMERGED_HEADER]: "1" }));
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => (call.init.headers as Record<string, string>)[UNMERGED_HEADER])).toEqual([undefined, undefined]);
    expect((calls[1]!.init.headers as Record<string, string>)[IDENTITY_HEADER]).toBe("anonymous-assertion");
    for (const call of calls) call.answer(200, { data: {} });
    await Promise.all([read, afterWrite]);
  });

  it("fails every caller waiting on a failed call, and does not remember the failure", async () => {
    const { send, calls } = heldSend();
    const merged = mergeIdenticalQueries(send);
    const first = merged(URL_A, request());
    const second = merged(URL_A, request());
    await Promise.resolve();
    calls[0]!.fail(new Error("connection reset"));
    await expect(first).rejects.toThrow("connection reset");
    await expect(second).rejects.toThrow("connection reset");

    const third = merged(URL_A, request());
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    calls[1]!.answer(200, { data: { agent: { id: "a" } } });
    expect(await (await third).json()).toEqual({ data: { agent: { id: "a" } } });
  });

  it("hands an error status to every waiting caller, each able to read its body", async () => {
    const { send, calls } = heldSend();
    const merged = mergeIdenticalQueries(send);
    const answers = [merged(URL_A, request()), merged(URL_A, request())];
    await Promise.resolve();
    calls[0]!.answer(400, { errors: [{ message: "bad", extensions: { code: "BAD_USER_INPUT" } }] });
    for (const response of await Promise.all(answers)) {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ errors: [{ message: "bad", extensions: { code: "BAD_USER_INPUT" } }] });
    }
  });
});

describe("a gateway's calls to a slow subgraph, merged as the query planner writes them", () => {
  let subgraph: http.Server;
  let gateway: RunningServer;
  const received: { body: string; rateLimit: string | undefined }[] = [];
  beforeAll(async () => {
    // Answers after 200 ms, so that concurrent callers' calls are in flight together.
    subgraph = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ body, rateLimit: req.headers[RATE_LIMIT_HEADER] as string | undefined });
        const data = body.includes("rateLimit")
          ? { rateLimit: { limit: 50, cost: 1, remaining: 49, resetAt: new Date().toISOString() } }
          : body.includes("registerAgent")
            ? { registerAgent: { id: "a" } }
            : { agent: { id: "a", name: "Sentinel" } };
        setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data })), 200);
      });
    });
    await new Promise<void>((resolve) => subgraph.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(subgraph.address() as net.AddressInfo).port}/graphql`;
    gateway = await startGateway({
      // No response cache: what is measured here is the subgraph calls alone.
      config: loadConfig({ PORT: "0", GATEWAY_CACHE_MAX_AGE_SECONDS: "0", AUTH_TOKEN_SECRET: TEST_SECRETS.tokenSecret }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: url, partners: url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    subgraph?.close();
  });

  const ask = (query: string, headers: Record<string, string> = {}) =>
    fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    }).then((response) => response.json() as Promise<Record<string, any>>);

  /** How many calls reached the subgraph while `work` ran. */
  const callsDuring = async (work: () => Promise<unknown>) => {
    const before = received.length;
    await work();
    return received.slice(before);
  };

  it("sends concurrent identical reads once, whoever the caller, as long as it is the same caller", async () => {
    const read = '{ agent(id: "a") { id name } }';
    const anonymous = await callsDuring(async () => {
      const answers = await Promise.all([ask(read), ask(read), ask(read)]);
      for (const answer of answers) expect(answer.data).toEqual({ agent: { id: "a", name: "Sentinel" } });
    });
    expect(anonymous).toHaveLength(1);
    // The charge is not sent where `rateLimit` is not asked for, so it does not keep reads apart.
    expect(anonymous[0]!.rateLimit).toBeUndefined();

    const alice = await bearer("buyer", "alice");
    const bob = await bearer("buyer", "bob");
    const two = await callsDuring(() => Promise.all([ask(read, alice), ask(read, alice), ask(read, bob)]));
    expect(two).toHaveLength(2);
  });

  it("sends every mutation, and every read of the caller's own rate limit, with the charge", async () => {
    const builder = await bearer("builder", "alice");
    const mutation = 'mutation { registerAgent(input: {name: "x", description: "y", domains: [ALERT_TRIAGE]}) { id } }';
    expect(await callsDuring(() => Promise.all([ask(mutation, builder), ask(mutation, builder)]))).toHaveLength(2);

    const limits = await callsDuring(() => Promise.all([ask("{ rateLimit { remaining } }"), ask("{ rateLimit { remaining } }")]));
    expect(limits).toHaveLength(2);
    for (const call of limits) expect(call.rateLimit).toBeDefined();
  });
});
