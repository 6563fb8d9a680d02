import { describe, expect, it } from "vitest";
import { thrownBy } from "../../../test/support/thrown.js";
import { ConfigError, loadConfig } from "../config.js";

const problemsOf = (env: Record<string, string>) => thrownBy(() => loadConfig(env), ConfigError).message;

describe("loadConfig: rate limits", () => {
  it("defaults to GitHub-like budgets per hour, counted in memory, trusting no proxy", () => {
    expect(loadConfig({}).gateway).toMatchObject({
      rateLimit: { windowSeconds: 3600, points: { key: 5000, token: 5000, anonymous: 1000 }, store: "memory", redisUrl: undefined },
      trustProxyHops: 0,
    });
  });

  it("reads every setting", () => {
    const config = loadConfig({
      DATABASE_URL: "mysql://app@db:3306/trust",
      RATE_LIMIT_WINDOW_SECONDS: "60",
      RATE_LIMIT_POINTS_KEY: "300",
      RATE_LIMIT_POINTS_TOKEN: "200",
      RATE_LIMIT_POINTS_ANONYMOUS: "10",
      RATE_LIMIT_STORE: "mysql",
      TRUST_PROXY_HOPS: "2",
    });
    expect(config.gateway.rateLimit).toEqual({
      windowSeconds: 60,
      points: { key: 300, token: 200, anonymous: 10 },
      store: "mysql",
      redisUrl: undefined,
      // No RATE_LIMIT_DATABASE_URL: the application's database.
      databaseUrl: "mysql://app@db:3306/trust",
    });
    expect(
      loadConfig({ RATE_LIMIT_STORE: "mysql", RATE_LIMIT_DATABASE_URL: "mysql://gateway@db:3306/trust" }).gateway.rateLimit,
    ).toMatchObject({
      databaseUrl: "mysql://gateway@db:3306/trust",
    });
    expect(config.gateway.trustProxyHops).toBe(2);
    expect(loadConfig({ RATE_LIMIT_STORE: "redis", REDIS_URL: "redis://127.0.0.1:6379" }).gateway.rateLimit).toMatchObject({
      store: "redis",
      redisUrl: "redis://127.0.0.1:6379",
    });
  });

  it("reports a store it does not know, one without what it needs, and budgets out of range", () => {
    expect(problemsOf({ RATE_LIMIT_STORE: "dynamo" })).toContain('RATE_LIMIT_STORE must be memory, mysql or redis, got "dynamo"');
    expect(problemsOf({ RATE_LIMIT_STORE: "mysql" })).toContain(
      "RATE_LIMIT_STORE=mysql counts in RATE_LIMIT_DATABASE_URL's (else DATABASE_URL's) database, which must then be mysql://",
    );
    expect(problemsOf({ RATE_LIMIT_STORE: "redis" })).toContain("RATE_LIMIT_STORE=redis needs REDIS_URL");
    expect(problemsOf({ REDIS_URL: "http://cache:6379" })).toContain('REDIS_URL must use redis: or rediss:, got "http:"');
    const problems = problemsOf({ RATE_LIMIT_POINTS_TOKEN: "0", RATE_LIMIT_WINDOW_SECONDS: "1.5", TRUST_PROXY_HOPS: "-1" });
    expect(problems).toContain('RATE_LIMIT_POINTS_TOKEN must be an integer between 1 and 10000000, got "0"');
    expect(problems).toContain('RATE_LIMIT_WINDOW_SECONDS must be an integer between 1 and 86400, got "1.5"');
    expect(problems).toContain('TRUST_PROXY_HOPS must be an integer between 0 and 10, got "-1"');
  });
});
