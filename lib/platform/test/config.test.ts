import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { thrownBy } from "../../../test/support/thrown.js";
import { ConfigError, loadConfig } from "../config.js";
import { webhookSecretKey } from "../secrets.js";

const SECRET = "x".repeat(32);

/** The ConfigError `work` throws, failing the test when it does not throw one. */
const configErrorOf = (work: () => unknown): ConfigError => thrownBy(work, ConfigError);

describe("loadConfig", () => {
  it("runs with no environment at all: SQLite under the data directory, ports 4000–4007", () => {
    const config = loadConfig({}, "/srv/agent-trust");

    expect(config.production).toBe(false);
    expect(config.dataDir).toBe(path.resolve("/srv/agent-trust", ".data"));
    expect(config.databaseUrl).toBe(`sqlite:${path.join("/srv/agent-trust", ".data", "agent-trust.sqlite")}`);
    expect(config.gateway).toMatchObject({ host: "127.0.0.1", port: 4000, introspection: true });
    expect(config.subgraphs.ports).toEqual({
      agents: 4001,
      pacts: 4002,
      reputation: 4003,
      disputes: 4004,
      partners: 4005,
      transparency: 4006,
      webhooks: 4007,
    });
    expect(config.auth).toMatchObject({ tokenSecret: undefined, subgraphSecret: undefined });
  });

  it("places the default SQLite file under DATA_DIR, resolved against the working directory", () => {
    const config = loadConfig({ DATA_DIR: "state" }, "/srv/agent-trust");

    expect(config.dataDir).toBe(path.resolve("/srv/agent-trust", "state"));
    expect(config.databaseUrl).toBe(`sqlite:${path.resolve("/srv/agent-trust", "state", "agent-trust.sqlite")}`);
  });

  it("reports every problem at once in one ConfigError", () => {
    const error = configErrorOf(() =>
      loadConfig({ PORT: "http", PACTS_PORT: "70000", SUBGRAPH_SECRET: "short", AGENTS_URL: "ftp://agents" }),
    );

    expect(error.message).toContain('PORT must be an integer between 0 and 65535, got "http"');
    expect(error.message).toContain('PACTS_PORT must be an integer between 0 and 65535, got "70000"');
    expect(error.message).toContain("SUBGRAPH_SECRET must be at least 32 characters");
    expect(error.message).toContain("AGENTS_URL must use http: or https:");
  });

  it("rejects secrets shorter than 32 characters and accepts 32", () => {
    const error = configErrorOf(() => loadConfig({ AUTH_TOKEN_SECRET: "x".repeat(31), SUBGRAPH_SECRET: SECRET }));

    expect(error.message).toContain("AUTH_TOKEN_SECRET must be at least 32 characters");
    expect(error.message).not.toContain("SUBGRAPH_SECRET");
    expect(loadConfig({ AUTH_TOKEN_SECRET: SECRET, SUBGRAPH_SECRET: SECRET }).auth).toMatchObject({
      tokenSecret: SECRET,
      subgraphSecret: SECRET,
    });
  });

  it("requires both secrets in production, where none may be generated", () => {
    const error = configErrorOf(() => loadConfig({ NODE_ENV: "production" }));

    expect(error.message).toContain("AUTH_TOKEN_SECRET is required when NODE_ENV=production");
    expect(error.message).toContain("SUBGRAPH_SECRET is required when NODE_ENV=production");
  });

  it("turns introspection off by default in production", () => {
    const config = loadConfig({ NODE_ENV: "production", AUTH_TOKEN_SECRET: SECRET, SUBGRAPH_SECRET: SECRET });

    expect(config.production).toBe(true);
    expect(config.gateway.introspection).toBe(false);
  });

  it("rejects a DATABASE_URL of an unsupported engine without echoing its credentials", () => {
    const error = configErrorOf(() => loadConfig({ DATABASE_URL: "postgres://app:hunter2@db:5432/trust" }));

    expect(error.message).toContain('DATABASE_URL must start with mysql:// or sqlite:, got "postgres:…"');
    expect(error.message).not.toContain("hunter2");
  });

  it("accepts mysql://, mariadb:// and sqlite: database URLs", () => {
    for (const url of ["mysql://root@127.0.0.1:3306/trust", "mariadb://root@127.0.0.1:3306/trust", "sqlite:/tmp/trust.sqlite"]) {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    }
  });

  it("reads the jury: offline rubric jurors by default, models by name, policy and slice size", () => {
    expect(loadConfig({}).jury).toMatchObject({
      members: [
        { provider: "rubric", variant: "strict" },
        { provider: "rubric", variant: "balanced" },
        { provider: "rubric", variant: "lenient" },
      ],
      policy: { timeoutMs: 20_000, retries: 2, backoffMs: 500, quorum: 2, minAgreement: 0.75, minConfidence: 0.6 },
      concurrency: 8,
      sliceCases: 50,
    });
    const jury = loadConfig({
      JURY_MEMBERS: "openai:gpt-4o-mini, bedrock:anthropic.claude-3-haiku-20240307-v1:0",
      OPENAI_API_KEY: "sk-test",
      OPENAI_PRICE_INPUT_PER_1K: "0.00015",
      JURY_MIN_AGREEMENT: "1",
    }).jury;
    expect(jury.members).toEqual([
      { provider: "openai", model: "gpt-4o-mini" },
      { provider: "bedrock", model: "anthropic.claude-3-haiku-20240307-v1:0" },
    ]);
    expect(jury.openai).toEqual({
      baseUrl: "https://api.openai.com/v1",
      apiKey: "sk-test",
      prices: { inputPer1k: 0.00015, outputPer1k: 0 },
    });
    expect(jury.policy.minAgreement).toBe(1);
  });

  it("refuses a jury that could not work or would lie", () => {
    const problems = (env: Record<string, string>) => configErrorOf(() => loadConfig(env)).message;
    expect(problems({ JURY_MEMBERS: "gpt:4" })).toContain('JURY_MEMBERS: "gpt:4" is not rubric:<strict|balanced|lenient>');
    expect(problems({ JURY_MEMBERS: "rubric:strict,rubric:strict" })).toContain("JURY_MEMBERS names rubric:strict more than once");
    expect(problems({ JURY_MEMBERS: "rubric:strict", JURY_QUORUM: "2" })).toContain("JURY_QUORUM (2) cannot exceed the 1 jurors");
    expect(problems({ JURY_MEMBERS: "openai:gpt-4o-mini" })).toContain("OPENAI_API_KEY is required for openai: jurors");
    expect(problems({ JURY_MIN_AGREEMENT: "0.4" })).toContain("JURY_MIN_AGREEMENT must be a number between 0.5 and 1");
    const production = {
      NODE_ENV: "production",
      AUTH_TOKEN_SECRET: SECRET,
      SUBGRAPH_SECRET: SECRET,
      JURY_MEMBERS: "bedrock:m",
    };
    expect(problems(production)).toContain("BEDROCK_PRICE_INPUT_PER_1K and BEDROCK_PRICE_OUTPUT_PER_1K are required in production");
  });

  it("reads how long the gateway reuses an API key's answer (the revocation bound) and waits for its lookup", () => {
    expect(loadConfig({}).gateway.apiKeys).toEqual({ cacheSeconds: 10, lookupTimeoutMs: 5000 });
    expect(loadConfig({ API_KEY_CACHE_SECONDS: "0", API_KEY_LOOKUP_TIMEOUT_MS: "800" }).gateway.apiKeys).toEqual({
      cacheSeconds: 0,
      lookupTimeoutMs: 800,
    });
    const error = configErrorOf(() => loadConfig({ API_KEY_CACHE_SECONDS: "301", API_KEY_LOOKUP_TIMEOUT_MS: "fast" }));
    expect(error.message).toContain('API_KEY_CACHE_SECONDS must be an integer between 0 and 300, got "301"');
    expect(error.message).toContain('API_KEY_LOOKUP_TIMEOUT_MS must be an integer between 100 and 60000, got "fast"');
  });

  it("reads how long the gateway answers anonymous public reads from memory (the staleness bound), 0 for never", () => {
    expect(loadConfig({}).gateway.cacheMaxAgeSeconds).toBe(5);
    expect(loadConfig({ GATEWAY_CACHE_MAX_AGE_SECONDS: "0" }).gateway.cacheMaxAgeSeconds).toBe(0);
    expect(configErrorOf(() => loadConfig({ GATEWAY_CACHE_MAX_AGE_SECONDS: "61" })).message).toContain(
      'GATEWAY_CACHE_MAX_AGE_SECONDS must be an integer between 0 and 60, got "61"',
    );
  });

  it("reads the webhooks' settings: loopback endpoints and a key file outside production, defaults for the rest", () => {
    const local = loadConfig({});
    expect(local.webhooks).toEqual({
      secretKey: undefined,
      queueUrl: undefined,
      allowLoopback: true,
      timeoutMs: 10_000,
      maxResponseBytes: 65_536,
      secretGraceHours: 24,
      dispatchIntervalMs: 250,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 60,
    });
    const set = loadConfig({ WEBHOOK_SECRET_KEY: SECRET, WEBHOOKS_ALLOW_LOOPBACK: "false", WEBHOOK_SECRET_GRACE_HOURS: "0" }).webhooks;
    expect(set).toMatchObject({ secretKey: SECRET, allowLoopback: false, secretGraceHours: 0 });
    const production = { NODE_ENV: "production", AUTH_TOKEN_SECRET: SECRET, SUBGRAPH_SECRET: SECRET, WEBHOOK_SECRET_KEY: SECRET };
    expect(loadConfig(production).webhooks).toMatchObject({ secretKey: SECRET, allowLoopback: false });
  });

  it("refuses a short WEBHOOK_SECRET_KEY, none where production signs webhooks, and loopback endpoints in production", () => {
    const short = configErrorOf(() => loadConfig({ WEBHOOK_SECRET_KEY: "x".repeat(31) }));
    expect(short.message).toContain("WEBHOOK_SECRET_KEY must be at least 32 characters");

    // Only the webhooks subgraph and the deliverer hold the key: every other process starts
    // without it, and those two refuse to derive a secret without it.
    const production = { NODE_ENV: "production", AUTH_TOKEN_SECRET: SECRET, SUBGRAPH_SECRET: SECRET };
    const withoutKey = loadConfig(production);
    expect(withoutKey.webhooks.secretKey).toBeUndefined();
    expect(() => webhookSecretKey(withoutKey)).toThrow("WEBHOOK_SECRET_KEY is required when NODE_ENV=production");
    expect(webhookSecretKey(loadConfig({ ...production, WEBHOOK_SECRET_KEY: SECRET }))).toBe(SECRET);

    const loopback = configErrorOf(() => loadConfig({ ...production, WEBHOOK_SECRET_KEY: SECRET, WEBHOOKS_ALLOW_LOOPBACK: "true" }));
    expect(loopback.message).toContain("WEBHOOKS_ALLOW_LOOPBACK=true is refused in production");
    expect(loopback.message).not.toContain("WEBHOOK_SECRET_KEY");
    // Saying false in production is saying what production does anyway.
    expect(loadConfig({ ...production, WEBHOOK_SECRET_KEY: SECRET, WEBHOOKS_ALLOW_LOOPBACK: "false" }).webhooks.allowLoopback).toBe(false);
  });

  it("refuses a reconciler that would requeue jobs SQS is still retrying", () => {
    const error = configErrorOf(() => loadConfig({ JUDGE_VISIBILITY_TIMEOUT_SECONDS: "1800", JUDGE_MAX_RECEIVE_COUNT: "3" }));
    expect(error.message).toContain(
      "JUDGE_STALE_AFTER_SECONDS (900) must exceed JUDGE_MAX_RECEIVE_COUNT × JUDGE_VISIBILITY_TIMEOUT_SECONDS (5400)",
    );
    expect(loadConfig({ JUDGE_VISIBILITY_TIMEOUT_SECONDS: "1800", JUDGE_STALE_AFTER_SECONDS: "7200" }).sqs.staleAfterSeconds).toBe(7200);
  });
});

describe("loadConfig: the API edge (CORS and the explorer)", () => {
  const production = { NODE_ENV: "production", AUTH_TOKEN_SECRET: SECRET, SUBGRAPH_SECRET: SECRET };

  it("allows no cross-origin caller by default, and serves the explorer locally but not in production", () => {
    expect(loadConfig({}).gateway).toMatchObject({ cors: { origins: [], credentials: false }, explorer: true });
    expect(loadConfig(production).gateway.explorer).toBe(false);
    expect(loadConfig({ ...production, EXPLORER: "true" }).gateway.explorer).toBe(true);
    expect(loadConfig({ EXPLORER: "false" }).gateway.explorer).toBe(false);
  });

  it("reads CORS_ORIGINS as a list of origins, or * for any", () => {
    expect(loadConfig({ CORS_ORIGINS: "https://app.example.com, http://localhost:5173" }).gateway.cors).toEqual({
      origins: ["https://app.example.com", "http://localhost:5173"],
      credentials: false,
    });
    expect(loadConfig({ CORS_ORIGINS: "*" }).gateway.cors).toEqual({ origins: "*", credentials: false });
    expect(loadConfig({ CORS_ORIGINS: "https://app.example.com", CORS_ALLOW_CREDENTIALS: "true" }).gateway.cors.credentials).toBe(true);
  });

  it("refuses * together with credentials, entries that are not origins, and flags that are not true or false, all at once", () => {
    const error = configErrorOf(() => loadConfig({ CORS_ORIGINS: "*", CORS_ALLOW_CREDENTIALS: "true", EXPLORER: "yes" }));
    const origins = configErrorOf(() => loadConfig({ CORS_ORIGINS: "https://app.example.com/, app.example.com, ftp://x.example, *" }));

    expect(error.message).toContain("CORS_ORIGINS=* cannot be combined with CORS_ALLOW_CREDENTIALS=true");
    expect(error.message).toContain('EXPLORER must be true or false, got "yes"');
    expect(origins.message).toContain("CORS_ORIGINS is either * or a list of origins, not both");
    expect(configErrorOf(() => loadConfig({ CORS_ORIGINS: "https://app.example.com/, app.example.com, ftp://x.example" })).message).toMatch(
      /"https:\/\/app\.example\.com\/" is not an origin[\s\S]*"app\.example\.com" is not an origin[\s\S]*"ftp:\/\/x\.example" is not an origin/,
    );
  });
});

describe("loadConfig: SUBGRAPH_AUTH (private subgraphs)", () => {
  const production = { NODE_ENV: "production", AUTH_TOKEN_SECRET: SECRET, SUBGRAPH_SECRET: SECRET };
  const functionUrls = {
    AGENTS_URL: "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/",
    PARTNERS_URL: "https://bcdefghijklmnopqrstuvwxyz0123456.lambda-url.eu-west-1.on.aws/",
  };
  const credentials = { AWS_ACCESS_KEY_ID: "ASIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", AWS_SESSION_TOKEN: "token" };

  it("sends subgraph calls unsigned by default, locally and in production with URLs that are not function URLs", () => {
    expect(loadConfig({}).subgraphs).toMatchObject({ auth: "none", region: "us-east-1" });
    expect(loadConfig({ ...production, AGENTS_URL: "http://127.0.0.1:4001/graphql" }).subgraphs.auth).toBe("none");
  });

  it("signs with SUBGRAPH_AUTH=iam, in AWS_REGION, given the function's credentials", () => {
    expect(
      loadConfig({ ...production, ...functionUrls, ...credentials, SUBGRAPH_AUTH: "iam", AWS_REGION: "eu-west-1" }).subgraphs,
    ).toMatchObject({
      auth: "iam",
      region: "eu-west-1",
    });
    expect(loadConfig({ ...production, ...functionUrls, SUBGRAPH_AUTH: "none" }).subgraphs.auth).toBe("none");
  });

  it("requires SUBGRAPH_AUTH in production when a subgraph URL is a Lambda function URL, naming the URLs", () => {
    const error = configErrorOf(() => loadConfig({ ...production, ...functionUrls }));

    expect(error.message).toContain(
      "SUBGRAPH_AUTH is required in production when a subgraph URL is a Lambda function URL (AGENTS_URL, PARTNERS_URL): iam when the URLs use IAM auth, none when they are public",
    );
    expect(loadConfig(functionUrls).subgraphs.auth).toBe("none");
  });

  it("refuses an unknown mode, iam without credentials, and iam over plain http in production", () => {
    expect(configErrorOf(() => loadConfig({ SUBGRAPH_AUTH: "sigv4" })).message).toContain('SUBGRAPH_AUTH must be iam or none, got "sigv4"');
    expect(configErrorOf(() => loadConfig({ SUBGRAPH_AUTH: "iam", AWS_ACCESS_KEY_ID: "ASIAEXAMPLE" })).message).toContain(
      "SUBGRAPH_AUTH=iam signs with the function's AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)",
    );
    const plain = configErrorOf(() =>
      loadConfig({ ...production, ...credentials, SUBGRAPH_AUTH: "iam", AGENTS_URL: "http://agents.internal/graphql" }),
    );
    expect(plain.message).toContain("AGENTS_URL must use https: with SUBGRAPH_AUTH=iam in production");
    // Outside production a local stand-in over http is allowed (test/integration/private-subgraphs.test.ts).
    expect(loadConfig({ ...credentials, SUBGRAPH_AUTH: "iam", AGENTS_URL: "http://127.0.0.1:4001/" }).subgraphs.auth).toBe("iam");
  });
});

describe("loadConfig: TLS to MySQL", () => {
  const production = { NODE_ENV: "production", AUTH_TOKEN_SECRET: SECRET, SUBGRAPH_SECRET: SECRET };
  const DB = "mysql://app:pw@db.example.com:3306/agent_trust";
  const dir = mkdtempSync(path.join(tmpdir(), "agent-trust-config-"));
  // Only its first line is checked here; test/integration/database-tls.test.ts connects with real ones.
  writeFileSync(path.join(dir, "ca.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  writeFileSync(path.join(dir, "not-a-ca.pem"), "hello\n");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const paramsOf = (url: string) => Object.fromEntries(new URL(url).searchParams);

  it("leaves a local MySQL URL as it is: plaintext unless TLS is asked for", () => {
    expect(loadConfig({ DATABASE_URL: DB }).databaseUrl).toBe(DB);
    expect(paramsOf(loadConfig({ DATABASE_URL: `${DB}?ssl=on` }).databaseUrl)).toEqual({ ssl: "on", "ssl-ca": "rds" });
    expect(paramsOf(loadConfig({ DATABASE_URL: DB, DATABASE_TLS: "true" }).databaseUrl)).toEqual({ ssl: "on", "ssl-ca": "rds" });
  });

  it("in production, verifies the server against the Amazon RDS bundle unless another CA is named", () => {
    expect(paramsOf(loadConfig({ ...production, DATABASE_URL: DB }).databaseUrl)).toEqual({ ssl: "on", "ssl-ca": "rds" });
    expect(paramsOf(loadConfig({ ...production, DATABASE_URL: DB, DATABASE_TLS_CA: "system" }).databaseUrl)).toEqual({
      ssl: "on",
      "ssl-ca": "system",
    });
    // A CA file, resolved against the working directory; naming one turns TLS on outside production too.
    expect(paramsOf(loadConfig({ DATABASE_URL: `${DB}?ssl-ca=ca.pem` }, dir).databaseUrl)).toEqual({
      ssl: "on",
      "ssl-ca": path.join(dir, "ca.pem"),
    });
    // SQLite has no connection to secure.
    expect(loadConfig({ ...production }, "/srv").databaseUrl).toBe("sqlite:/srv/.data/agent-trust.sqlite");
  });

  it("gives the rate limiter's URL the same treatment", () => {
    const config = loadConfig({
      ...production,
      DATABASE_URL: DB,
      RATE_LIMIT_DATABASE_URL: "mysql://gateway:pw@db.example.com/agent_trust",
    });

    expect(paramsOf(config.gateway.rateLimit.databaseUrl!)).toEqual({ ssl: "on", "ssl-ca": "rds" });
  });

  it("turns TLS off in production only with DATABASE_TLS=off, never with a URL's ssl=off", () => {
    expect(loadConfig({ ...production, DATABASE_URL: DB, DATABASE_TLS: "off" }).databaseUrl).toBe(DB);
    expect(configErrorOf(() => loadConfig({ ...production, DATABASE_URL: `${DB}?ssl=false` })).message).toContain(
      "DATABASE_URL turns TLS off; in production only DATABASE_TLS=off may (docs/deployment.md)",
    );
    expect(loadConfig({ DATABASE_URL: `${DB}?ssl=off` }).databaseUrl).toBe(DB);
  });

  it("refuses what it would otherwise ignore or misread, all at once", () => {
    const error = configErrorOf(() =>
      loadConfig(
        {
          DATABASE_URL: `${DB}?ssl=${encodeURIComponent('{"rejectUnauthorized":false}')}&charset=utf8mb4`,
          DATABASE_TLS: "maybe",
          DATABASE_TLS_CA: "not-a-ca.pem",
          RATE_LIMIT_DATABASE_URL: "mysql://gateway:pw@db.example.com/agent_trust?ssl=off&ssl-ca=missing.pem",
          DATABASE_CONNECT_RETRY_SECONDS: "600",
        },
        dir,
      ),
    );

    expect(error.message).toContain('DATABASE_URL: parameter "charset" is not read; only ssl and ssl-ca are');
    expect(error.message).toContain(`DATABASE_URL's ssl must be on or off, got "{"rejectUnauthorized":false}"`);
    expect(error.message).toContain('DATABASE_TLS must be on or off, got "maybe"');
    expect(error.message).toContain(
      `DATABASE_TLS_CA must be rds, system or a readable PEM file of CA certificates; ${path.join(dir, "not-a-ca.pem")} is not`,
    );
    expect(error.message).toContain("RATE_LIMIT_DATABASE_URL's ssl-ca and DATABASE_TLS_CA disagree: set one of them");
    expect(error.message).toContain("RATE_LIMIT_DATABASE_URL's ssl-ca names a CA, but TLS is off");
    expect(error.message).toContain('DATABASE_CONNECT_RETRY_SECONDS must be an integer between 0 and 300, got "600"');
    expect(configErrorOf(() => loadConfig({ DATABASE_URL: `${DB}?ssl=on`, DATABASE_TLS: "off" })).message).toContain(
      "DATABASE_URL's ssl and DATABASE_TLS disagree: set one of them",
    );
  });

  it("retries a Lambda's first connection for 20 s by default", () => {
    expect(loadConfig({}).databaseConnectRetrySeconds).toBe(20);
    expect(loadConfig({ DATABASE_CONNECT_RETRY_SECONDS: "0" }).databaseConnectRetrySeconds).toBe(0);
  });
});
