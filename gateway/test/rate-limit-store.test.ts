import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { createConnection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RateLimitConfig } from "../../lib/platform/config.js";
import { MYSQL_URL, createTestDatabase, type TestDatabase } from "../../test/support/databases.js";
import { type BudgetStore, openBudgetStore } from "../rate-limit-store.js";

const settings = (store: RateLimitConfig["store"]): RateLimitConfig => ({
  windowSeconds: 3600,
  points: { key: 30, token: 20, anonymous: 10 },
  store,
});

const run = randomUUID().slice(0, 8);

/** What the shared store holds for a key: Redis's counter or the MySQL table's points; null for the memory store. */
async function sharedCount(kind: "memory" | "mysql" | "redis", database: TestDatabase | undefined, key: string): Promise<number | null> {
  if (kind === "memory") return null;
  if (kind === "redis") {
    const client = new Redis("redis://127.0.0.1:6379");
    const value = await client.get(key);
    await client.quit();
    return value === null ? null : Number(value);
  }
  const connection = await createConnection(database!.url);
  const [rows] = (await connection.query("SELECT points FROM gateway_rate_limits WHERE `key` = ?", [key])) as unknown as [
    { points: number }[],
  ];
  await connection.end();
  return rows[0]?.points ?? null;
}

describe.each(["memory", "mysql", "redis"] as const)("budget store (%s)", (kind) => {
  let database: TestDatabase | undefined;
  let store: BudgetStore;
  beforeAll(async () => {
    database = kind === "mysql" ? await createTestDatabase("mysql") : undefined;
    // Redis runs on this machine (127.0.0.1:6379) and outlives the test: each run counts its own keys (`run`).
    const redisUrl = kind === "redis" ? "redis://127.0.0.1:6379" : undefined;
    store = await openBudgetStore({ ...settings(kind), redisUrl }, { url: database?.url ?? "sqlite:unused", poolSize: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("charges while the points fit, refuses what does not, and takes nothing for a refusal", async () => {
    const budget = { kind: "token" as const, key: `sub:buyer:store-test-${run}` };
    expect(await store.peek(budget)).toMatchObject({ limit: 20, remaining: 20 });

    expect(await store.charge(budget, 15)).toMatchObject({ allowed: true, state: { limit: 20, remaining: 5 } });
    const refused = await store.charge(budget, 6);
    expect(refused).toMatchObject({ allowed: false, state: { remaining: 5 } });
    expect(refused.state.msBeforeReset).toBeGreaterThan(0);
    expect(refused.state.msBeforeReset).toBeLessThanOrEqual(3600 * 1000);
    expect(await store.charge(budget, 5)).toMatchObject({ allowed: true, state: { remaining: 0 } });
    expect(await store.charge(budget, 1)).toMatchObject({ allowed: false, state: { remaining: 0 } });
    // Counted in the shared store itself, not in the gateway's memory fallback.
    expect(await sharedCount(kind, database, `budget:${budget.key}`)).toBe(kind === "memory" ? null : 20);
  });

  it("keeps each kind's own number of points, and each key's own count", async () => {
    expect(await store.charge({ kind: "key", key: `partner:acme-${run}` }, 25)).toMatchObject({
      allowed: true,
      state: { limit: 30, remaining: 5 },
    });
    expect(await store.charge({ kind: "anonymous", key: `ip:192.0.2.1-${run}` }, 10)).toMatchObject({
      allowed: true,
      state: { remaining: 0 },
    });
    expect(await store.charge({ kind: "anonymous", key: `ip:192.0.2.2-${run}` }, 4)).toMatchObject({
      allowed: true,
      state: { remaining: 6 },
    });
  });
});

describe("budget store (mysql) while the database is unreachable", () => {
  let store: BudgetStore;
  beforeAll(async () => {
    // Nothing listens on port 9: every query fails at once.
    store = await openBudgetStore(settings("mysql"), { url: "mysql://root@127.0.0.1:9/nowhere", poolSize: 1 });
  });
  afterAll(() => store?.close());

  it("counts in the gateway's memory instead of failing requests or letting them through uncounted", async () => {
    const budget = { kind: "anonymous" as const, key: "ip:192.0.2.50" };

    expect(await store.charge(budget, 8)).toMatchObject({ allowed: true, state: { remaining: 2 } });
    expect(await store.charge(budget, 8)).toMatchObject({ allowed: false, state: { remaining: 2 } });
  });
});

describe("budget store (mysql) as a user allowed only the counters' table", () => {
  let database: TestDatabase;
  let store: BudgetStore;
  const user = `gw_${run}`;
  const admin = () => createConnection(MYSQL_URL);
  beforeAll(async () => {
    database = await createTestDatabase("mysql");
    // The operator's set-up (docs/deployment.md): the table made by an administrator, the gateway's user allowed rows only.
    const owner = await openBudgetStore(settings("mysql"), { url: database.url, poolSize: 1 });
    await owner.charge({ kind: "token", key: "setup" }, 1);
    await owner.close();
    const name = new URL(database.url).pathname.slice(1);
    const connection = await admin();
    await connection.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'counter-only'`);
    await connection.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${name}\`.gateway_rate_limits TO '${user}'@'%'`);
    await connection.end();
    const limited = new URL(database.url);
    limited.username = user;
    limited.password = "counter-only";
    store = await openBudgetStore(settings("mysql"), { url: limited.toString(), poolSize: 1 });
  });
  afterAll(async () => {
    await store?.close();
    const connection = await admin();
    await connection.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await connection.end();
    await database?.drop();
  });

  it("counts in the shared table, though it may not create it", async () => {
    const budget = { kind: "anonymous" as const, key: `ip:192.0.2.9-${run}` };
    expect(await store.charge(budget, 7)).toMatchObject({ allowed: true, state: { remaining: 3 } });
    expect(await store.charge(budget, 7)).toMatchObject({ allowed: false, state: { remaining: 3 } });
    const connection = await admin();
    const [rows] = await connection.query(
      `SELECT points FROM \`${new URL(database.url).pathname.slice(1)}\`.gateway_rate_limits WHERE \`key\` LIKE ?`,
      [`%${budget.key}`],
    );
    await connection.end();
    expect(rows).toEqual([{ points: 7 }]);
  });
});
