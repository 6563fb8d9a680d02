import type { DataSource } from "typeorm";
import { afterAll, beforeAll } from "vitest";
import { openDatabase, provideDataSource } from "../../runtime/data-source.js";
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from "./databases.js";

/**
 * A fresh, migrated database for the enclosing `describe`, opened before its tests and dropped
 * after them. With `provide`, it is also the DataSource the Lambda handlers under test use.
 */
export function useMigratedDatabase(kind: DatabaseKindUnderTest, options: { provide?: boolean } = {}): { readonly dataSource: DataSource; readonly url: string } {
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
