import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "../../gateway/index.js";
import { RATE_LIMIT_TABLE } from "../../gateway/rate-limit-store.js";
import { readCommittedSupergraph } from "../../gateway/supergraph.js";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import type { LocalSystem } from "../../runtime/local.js";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../support/databases.js";
import { REGISTER_AGENT } from "../support/fixtures.js";
import { TEST_SECRETS, bearer } from "../support/graphql-client.js";
import { startTestSystem, useTestSystem } from "../support/system.js";

/** The whole HTTP answer: the rate limit lives in headers as much as in the body. */
interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: any };
}

async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer["body"] };
}

/** Costs ⌈first / 20⌉ points (gateway/operation-cost.math.ts): a page of 100 is 5. */
const search = (first: number) => `{ searchAgents(first: ${first}) { edges { node { id } } } }`;

/** As one proxy of ours in front of the gateway (TRUST_PROXY_HOPS=1) tells it: this client's address. */
const from = (address: string) => ({ "x-forwarded-for": address });

const registration = (name: string) => ({ input: { name, description: "Triage under test", domains: ["ALERT_TRIAGE"] } });

const SMALL_BUDGETS = {
  RATE_LIMIT_POINTS_ANONYMOUS: "12",
  RATE_LIMIT_POINTS_TOKEN: "25",
  RATE_LIMIT_WINDOW_SECONDS: "3600",
  TRUST_PROXY_HOPS: "1",
};

describe.each(DATABASE_KINDS)("rate limits at the gateway (%s, memory store)", (kind) => {
  const system = useTestSystem(kind, { judge: false, env: SMALL_BUDGETS });

  it("says on every answer what the request cost and what is left: headers and extensions.rateLimit", async () => {
    const answer = await post(system.gatewayUrl, search(40), {}, from("198.51.100.1"));

    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.extensions.rateLimit).toEqual({ limit: 12, cost: 2, remaining: 10, resetAt: expect.any(String) });
    const resetIn = Date.parse(answer.body.extensions.rateLimit.resetAt) - Date.now();
    expect(resetIn).toBeGreaterThan(0);
    expect(resetIn).toBeLessThanOrEqual(3600 * 1000);
    expect(answer.headers.get("ratelimit-policy")).toBe('"default";q=12;w=3600');
    expect(answer.headers.get("ratelimit")).toMatch(/^"default";r=10;t=\d+$/);
    expect(answer.headers.get("retry-after")).toBeNull();
  });

  it("answers the rateLimit field with the same charge, alongside the rest of the operation", async () => {
    const answer = await post(
      system.gatewayUrl,
      `{ rateLimit { limit cost remaining resetAt } searchAgents(first: 20) { edges { node { id } } } }`,
      {},
      from("198.51.100.7"),
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data!.rateLimit).toEqual(answer.body.extensions.rateLimit);
    // Two root fields and a page of 20 objects: ⌈22 / 20⌉ = 2 points.
    expect(answer.body.data!.rateLimit).toMatchObject({ limit: 12, cost: 2, remaining: 10 });
  });

  it("refuses a request over budget with 429, Retry-After and RATE_LIMITED, and runs nothing of it", async () => {
    const builder = await bearer("builder", "rate-limited-builder");
    const owned = async () =>
      Number(
        (
          (await system.dataSource.query("SELECT COUNT(*) AS n FROM agents WHERE owner_id = ?", ["rate-limited-builder"])) as {
            n: unknown;
          }[]
        )[0]?.n,
      );
    // Two registrations of 10 points fit in 25; the third does not.
    for (const name of ["First", "Second"]) {
      const answer = await post(system.gatewayUrl, REGISTER_AGENT, registration(`${name} agent`), builder);
      expect(answer.body.errors).toBeUndefined();
    }
    expect(await owned()).toBe(2);

    const refused = await post(system.gatewayUrl, REGISTER_AGENT, registration("Third agent"), builder);

    expect(refused.status).toBe(429);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      {
        message: expect.stringMatching(/^Rate limit exceeded: this operation costs 10 points and 5 of the 25 points/),
        extensions: { code: "RATE_LIMITED" },
      },
    ]);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-policy")).toBe('"default";q=25;w=3600');
    expect(refused.headers.get("ratelimit")).toMatch(/^"default";r=5;t=\d+$/);
    expect(refused.body.extensions.rateLimit).toMatchObject({ limit: 25, cost: 10, remaining: 5 });
    // Nothing of the refused mutation ran.
    expect(await owned()).toBe(2);

    // A refused request costs nothing: the 5 points left still buy a read.
    const read = await post(system.gatewayUrl, search(20), {}, builder);
    expect(read.status).toBe(200);
    expect(read.body.extensions.rateLimit).toMatchObject({ cost: 1, remaining: 4 });
  });

  it("keeps anonymous budgets per address, an IPv6 address's /64 being one address", async () => {
    // 12 points: two pages of 100 (10) and one of 40 (2).
    for (const first of [100, 100, 40]) expect((await post(system.gatewayUrl, search(first), {}, from("203.0.113.9"))).status).toBe(200);

    const spent = await post(system.gatewayUrl, search(1), {}, from("203.0.113.9"));
    const other = await post(system.gatewayUrl, search(1), {}, from("203.0.113.10"));

    expect(spent.status).toBe(429);
    expect(spent.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(other.status).toBe(200);
    expect(other.body.extensions.rateLimit).toMatchObject({ limit: 12, cost: 1, remaining: 11 });

    for (const first of [100, 100, 40])
      expect((await post(system.gatewayUrl, search(first), {}, from("2001:db8:0:1::1"))).status).toBe(200);
    expect((await post(system.gatewayUrl, search(1), {}, from("2001:db8:0:1::ffff"))).status).toBe(429);
    expect((await post(system.gatewayUrl, search(1), {}, from("2001:db8:0:2::1"))).status).toBe(200);
  });

  it("refuses, without charging, an operation that would cost more than a whole window", async () => {
    // 100 agents × 100 disputes: 10,100 objects, 505 points, over the 12 of an anonymous caller.
    const huge = "{ searchAgents(first: 100) { edges { node { disputes(first: 100) { edges { node { id } } } } } } }";

    const answer = await post(system.gatewayUrl, huge, {}, from("192.0.2.77"));

    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]).toEqual({
      message: "Operation costs 505 points, more than the 12 points of a whole window: ask for smaller pages (first) or fewer nested lists",
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    expect(answer.headers.get("retry-after")).toBeNull();
    expect(answer.body.extensions.rateLimit).toMatchObject({ limit: 12, cost: 505, remaining: 12 });
  });

  it("charges nothing for introspection, and does not even read the budget for it", async () => {
    const answer = await post(system.gatewayUrl, "{ __schema { queryType { name } } }", {}, from("192.0.2.78"));

    expect(answer.status).toBe(200);
    expect(answer.body.extensions?.rateLimit).toBeUndefined();
    expect(answer.headers.get("ratelimit")).toBeNull();
    // The address's budget is whole: the next read is its first charge.
    const next = await post(system.gatewayUrl, search(20), {}, from("192.0.2.78"));
    expect(next.body.extensions.rateLimit).toMatchObject({ limit: 12, cost: 1, remaining: 11 });
  });
});

describe("two gateway instances on the mysql store", () => {
  const env = { ...SMALL_BUDGETS, RATE_LIMIT_STORE: "mysql", RATE_LIMIT_POINTS_TOKEN: "20" };
  let database: TestDatabase | undefined;
  let system: LocalSystem | undefined;
  let second: RunningServer | undefined;
  beforeAll(async () => {
    database = await createTestDatabase("mysql");
    system = await startTestSystem({ databaseUrl: database.url, judge: false, env });
    // Another instance, as Lambda runs many: its own process state, the same subgraphs and database.
    second = await startGateway({
      config: loadConfig({ ...env, DATABASE_URL: database.url, PORT: "0" }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: system.subgraphUrls,
    });
  });
  afterAll(async () => {
    await second?.stop();
    await system?.stop();
    await database?.drop();
  });

  it("share one budget: half spent through each, the next request is refused by both", async () => {
    const caller = await bearer("buyer", "shared-budget-buyer");
    const gateways = [system!.gatewayUrl, second!.url];

    // 10 points through the first instance, then 10 through the second: the whole 20.
    for (const url of gateways) {
      for (const _ of [1, 2]) expect((await post(url, search(100), {}, caller)).status).toBe(200);
    }
    const last = await post(second!.url, search(100), {}, caller);
    expect(last.status).toBe(429);
    expect(last.body.extensions.rateLimit).toMatchObject({ limit: 20, remaining: 0 });
    expect((await post(system!.gatewayUrl, search(1), {}, caller)).status).toBe(429);

    // The count is one row in the database both instances use.
    const rows = (await system!.dataSource.query(`SELECT points FROM ${RATE_LIMIT_TABLE} WHERE \`key\` = ?`, [
      "budget:sub:buyer:shared-budget-buyer",
    ])) as { points: number }[];
    expect(rows.map((row) => Number(row.points))).toEqual([20]);
  });

  it("keeps subjects differing only in case apart, as subjects are everywhere else", async () => {
    const upper = await bearer("buyer", "Case-Buyer");
    const lower = await bearer("buyer", "case-buyer");
    for (const _ of [1, 2, 3, 4]) expect((await post(system!.gatewayUrl, search(100), {}, upper)).status).toBe(200);

    const answer = await post(second!.url, search(100), {}, lower);

    expect(answer.status).toBe(200);
    expect(answer.body.extensions.rateLimit).toMatchObject({ remaining: 15 });
  });
});
