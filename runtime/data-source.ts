import type { DataSource, Logger } from "typeorm";
import { config } from "../lib/platform/config.js";
import { createDataSource } from "../lib/platform/database.js";
import { CreateOutbox1764100000000, OutboxMessage } from "../lib/platform/outbox.js";
import { agentsEntities, agentsMigrations } from "../subgraphs/agents/index.js";
import { disputesEntities, disputesMigrations } from "../subgraphs/disputes/index.js";
import { pactsEntities, pactsMigrations } from "../subgraphs/pacts/index.js";
import { partnersEntities, partnersMigrations } from "../subgraphs/partners/index.js";
import { reputationEntities, reputationMigrations } from "../subgraphs/reputation/index.js";
import { transparencyEntities, transparencyMigrations } from "../subgraphs/transparency/index.js";

/** Every context's tables live in one database; each context owns its own tables and migrations. */
export const allEntities = [
  OutboxMessage,
  ...agentsEntities,
  ...pactsEntities,
  ...reputationEntities,
  ...disputesEntities,
  ...partnersEntities,
  ...transparencyEntities,
];
export const allMigrations = [
  CreateOutbox1764100000000,
  ...agentsMigrations,
  ...pactsMigrations,
  ...reputationMigrations,
  ...disputesMigrations,
  ...partnersMigrations,
  ...transparencyMigrations,
];

/** Connects and, unless told otherwise, brings the schema up to date. */
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

/**
 * The DataSource of this process: the one provided locally, or on Lambda one opened at the first
 * invocation and reused while the container lives. Lambda never migrates (functions/migrate.ts does).
 */
export function sharedDataSource(): Promise<DataSource> {
  shared ??= openDatabase(config().databaseUrl, { migrate: false, poolSize: config().databasePoolSize }).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}
