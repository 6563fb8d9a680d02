import type { DataSource, Logger } from "typeorm";
import { config } from "../lib/platform/config.js";
import { type ConnectRetry, connectWithRetry, createDataSource } from "../lib/platform/database.js";
import { log } from "../lib/platform/logger.js";
import { CreateOutbox1764100000000, OutboxMessage } from "../lib/platform/outbox.js";
import { agentsEntities, agentsMigrations } from "../subgraphs/agents/index.js";
import { disputesEntities, disputesMigrations } from "../subgraphs/disputes/index.js";
import { pactsEntities, pactsMigrations } from "../subgraphs/pacts/index.js";
import { partnersEntities, partnersMigrations } from "../subgraphs/partners/index.js";
import { reputationEntities, reputationMigrations } from "../subgraphs/reputation/index.js";
import { transparencyEntities, transparencyMigrations } from "../subgraphs/transparency/index.js";
import { webhooksEntities, webhooksMigrations } from "../subgraphs/webhooks/index.js";

/** Every context's tables live in one database; each context owns its own tables and migrations. */
export const allEntities = [
  OutboxMessage,
  ...agentsEntities,
  ...pactsEntities,
  ...reputationEntities,
  ...disputesEntities,
  ...partnersEntities,
  ...transparencyEntities,
  ...webhooksEntities,
];
export const allMigrations = [
  CreateOutbox1764100000000,
  ...agentsMigrations,
  ...pactsMigrations,
  ...reputationMigrations,
  ...disputesMigrations,
  ...partnersMigrations,
  ...transparencyMigrations,
  ...webhooksMigrations,
];

/**
 * Connects and, unless told otherwise, brings the schema up to date; on MySQL under the
 * migration lock, so that processes starting together migrate one after the other.
 */
export async function openDatabase(
  url: string,
  options: { migrate?: boolean; logger?: Logger; poolSize?: number } = {},
): Promise<DataSource> {
  const dataSource = createDataSource({
    url,
    entities: allEntities,
    migrations: allMigrations,
    logger: options.logger,
    poolSize: options.poolSize,
  });
  await dataSource.initialize();
  if (options.migrate ?? true) await dataSource.runMigrations({ transaction: "each" });
  return dataSource;
}

let shared: Promise<DataSource> | undefined;

/** Lets a local process hand its DataSource to the Lambda handlers it invokes. */
export function provideDataSource(dataSource: DataSource | undefined): void {
  shared = dataSource ? Promise.resolve(dataSource) : undefined;
}

/** Retries for `seconds`, logging each retry: what every Lambda's first connection does. */
function retryingFor(seconds: number): ConnectRetry {
  return {
    retryForMs: seconds * 1000,
    onRetry: ({ attempt, code, delayMs }) =>
      log.warn({ attempt, code, retryInMs: Math.round(delayMs) }, "the database is not reachable yet; retrying"),
  };
}

/**
 * The DataSource of this process: the one provided locally, or on Lambda one opened at the first
 * invocation that needs it and reused while the container lives. That first connection retries
 * for DATABASE_CONNECT_RETRY_SECONDS while the database refuses or times out (an Aurora cluster
 * resuming), then fails with a DatabaseUnavailableError; the next call tries afresh. Lambda
 * never migrates here (functions/migrate.ts does).
 */
export function sharedDataSource(): Promise<DataSource> {
  if (!shared) {
    const settings = config();
    shared = connectWithRetry(
      () => openDatabase(settings.databaseUrl, { migrate: false, poolSize: settings.databasePoolSize }),
      retryingFor(settings.databaseConnectRetrySeconds),
    ).catch((error: unknown) => {
      shared = undefined;
      throw error;
    });
  }
  return shared;
}

/**
 * Brings the schema of the database at `url` up to date in a connection of its own, then closes
 * it: what the deploy's Migrate function runs. Connecting retries as sharedDataSource does; the
 * migrations run under the lock, so a second run started meanwhile waits, then applies nothing.
 */
export async function migrateDatabase(url: string, options: { connectRetrySeconds?: number } = {}): Promise<{ applied: string[] }> {
  const dataSource = await connectWithRetry(() => openDatabase(url, { migrate: false }), retryingFor(options.connectRetrySeconds ?? 0));
  try {
    return { applied: (await dataSource.runMigrations({ transaction: "each" })).map((migration) => migration.name) };
  } finally {
    await dataSource.destroy();
  }
}
