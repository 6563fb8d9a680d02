import type { DataSource } from "typeorm";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createDataSource } from "../../lib/platform/database.js";
import { type allMigrations, openDatabase, provideDataSource } from "../../runtime/data-source.js";
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from "./databases.js";

/**
 * A fresh, migrated database for the enclosing `describe`, opened before its tests and dropped
 * after them. With `provide`, it is also the DataSource the Lambda handlers under test use.
 */
export function useMigratedDatabase(
  kind: DatabaseKindUnderTest,
  options: { provide?: boolean } = {},
): { readonly dataSource: DataSource; readonly url: string } {
  let database: TestDatabase | undefined;
  let dataSource: DataSource | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await openDatabase(database.url);
    if (options.provide) provideDataSource(dataSource);
  });
  afterAll(async () => {
    if (options.provide) provideDataSource(undefined);
    await dataSource?.destroy();
    await database?.drop();
  });
  return {
    get dataSource() {
      if (!dataSource) throw new Error("the test database is open only inside the describe's tests");
      return dataSource;
    },
    get url() {
      if (!database) throw new Error("the test database is open only inside the describe's tests");
      return database.url;
    },
  };
}

/** A database of its own for each test of a migration, which the test builds up from an older schema. */
export interface ScratchDatabase {
  /**
   * Creates the test's database with only `migrations` applied, and hands `write` a connection to
   * it that knows no entity, to check that schema and write rows as it held them. The connection
   * is closed afterwards.
   */
  createAtSchema(migrations: typeof allMigrations, write: (old: DataSource) => Promise<void>): Promise<void>;
  /** Opens the test's database (an empty one when the test created none), migrated to the latest schema. */
  open(): Promise<DataSource>;
}

/**
 * A scratch database per test of the enclosing `describe`: created when the test asks for it,
 * closed and dropped after the test, so that every test starts from nothing.
 */
export function useScratchDatabase(kind: DatabaseKindUnderTest): ScratchDatabase {
  let database: TestDatabase | undefined;
  let dataSource: DataSource | undefined;
  afterEach(async () => {
    await dataSource?.destroy();
    dataSource = undefined;
    await database?.drop();
    database = undefined;
  });
  const created = async () => {
    database ??= await createTestDatabase(kind);
    return database;
  };
  return {
    async createAtSchema(migrations, write) {
      if (database) throw new Error("the test's database exists already: create it at a schema first");
      const old = createDataSource({ url: (await created()).url, entities: [], migrations });
      await old.initialize();
      try {
        await old.runMigrations({ transaction: "each" });
        await write(old);
      } finally {
        await old.destroy();
      }
    },
    async open() {
      if (dataSource) throw new Error("the test's database is open already");
      dataSource = await openDatabase((await created()).url);
      return dataSource;
    },
  };
}
