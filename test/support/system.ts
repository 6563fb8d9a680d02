import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DataSource, Logger } from "typeorm";
import { afterAll, beforeAll } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import { startLocalSystem, type LocalSystem } from "../../runtime/local.js";
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from "./databases.js";
import { EVALUATION_RUN } from "./fixtures.js";
import { ANY_PORTS } from "./free-port.js";
import { TEST_SECRETS, dataOf, postGraphQL } from "./graphql-client.js";

export interface TestSystemOptions {
  databaseUrl: string;
  judge?: boolean;
  /** Run the webhook dispatcher and deliverer (default true). */
  webhooks?: boolean;
  logger?: Logger;
  env?: Record<string, string>;
  /** Run the gateway on a worker thread of its own, as `npm start` does (default false). */
  gatewayThread?: boolean;
}

/** The whole local system on free ports, with fast polling so tests do not wait on timers. */
export async function startTestSystem(options: TestSystemOptions): Promise<LocalSystem> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-data-"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl,
    ...ANY_PORTS,
    AUTH_TOKEN_SECRET: TEST_SECRETS.tokenSecret,
    SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret,
    JUDGE_WAIT_TIME_SECONDS: "1",
    JUDGE_VISIBILITY_TIMEOUT_SECONDS: "2",
    OUTBOX_POLL_INTERVAL_MS: "100",
    // Tests read what they have just written, often anonymously: no response cache unless a test
    // asks for one (test/e2e/response-cache.test.ts does); `npm start` and its tests keep the default.
    GATEWAY_CACHE_MAX_AGE_SECONDS: "0",
    ...options.env,
  });
  const system = await startLocalSystem(config, {
    judge: options.judge,
    webhooks: options.webhooks,
    logger: options.logger,
    gatewayThread: options.gatewayThread,
  });
  return {
    ...system,
    async stop() {
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The running system as the tests of a `describe` reach it. */
export interface TestSystem {
  readonly gatewayUrl: string;
  readonly subgraphUrls: LocalSystem["subgraphUrls"];
  readonly dataSource: DataSource;
}

/**
 * The whole local system on a fresh database of `kind` for the enclosing `describe`: started
 * before its tests, stopped and its database dropped after them.
 */
export function useTestSystem(kind: DatabaseKindUnderTest, options: Omit<TestSystemOptions, "databaseUrl"> = {}): TestSystem {
  let database: TestDatabase | undefined;
  let system: LocalSystem | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    system = await startTestSystem({ ...options, databaseUrl: database.url });
  });
  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });
  const running = () => {
    if (!system) throw new Error("the test system runs only inside the describe's tests");
    return system;
  };
  return {
    get gatewayUrl() {
      return running().gatewayUrl;
    },
    get subgraphUrls() {
      return running().subgraphUrls;
    },
    get dataSource() {
      return running().dataSource;
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the gateway shows the run judged (COMPLETED), and returns it as `EVALUATION_RUN` reads it. */
export function judgedRun(gatewayUrl: string, runId: string): Promise<Record<string, any>> {
  return eventually(
    async () => {
      const current = dataOf(await postGraphQL<Record<string, any>>(gatewayUrl, EVALUATION_RUN, { id: runId })).evaluationRun;
      return current.status === "COMPLETED" ? current : undefined;
    },
    20_000,
    `run ${runId} to be judged`,
  );
}
