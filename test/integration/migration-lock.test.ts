import { createConnection } from "mysql2/promise";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDataSource } from "../../lib/platform/database.js";
import { allEntities, allMigrations, migrateDatabase, openDatabase } from "../../runtime/data-source.js";
import { appliedMigrations, createTestDatabase, type TestDatabase } from "../support/databases.js";
import { rejectionOf } from "../support/thrown.js";

/** Every migration's name, in the order TypeORM applies them: by the timestamp each name ends with. */
const ALL = allMigrations.map((migration) => migration.name).sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13)));

/** Opens `url` without migrating, runs `work`, closes. */
async function withDatabase<T>(url: string, work: (dataSource: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const dataSource = await openDatabase(url, { migrate: false });
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

describe("migrations on MySQL run under a lock", () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    await database?.drop();
    database = undefined;
  });

  it("two Migrate functions started at once on a fresh database: one applies every migration, once; the other nothing", async () => {
    database = await createTestDatabase("mysql");
    vi.stubEnv("DATABASE_URL", database.url);
    const { handler } = await import("../../functions/migrate.js");

    const results = await Promise.all([handler(), handler()]);

    const applied = await withDatabase(database.url, appliedMigrations);
    expect(results.map((result) => result.applied.length).sort((a, b) => a - b)).toEqual([0, ALL.length]);
    expect(results.flatMap((result) => result.applied)).toEqual(ALL);
    expect(applied.sort()).toEqual([...ALL].sort());
  });

  it("`npm start` (openDatabase) and a Migrate run at once take the same lock", async () => {
    database = await createTestDatabase("mysql");
    const url = database.url;

    const [started, migrated] = await Promise.all([openDatabase(url), migrateDatabase(url)]);
    await started.destroy();

    const applied = await withDatabase(url, appliedMigrations);
    expect(applied.sort()).toEqual([...ALL].sort());
    expect([0, ALL.length]).toContain(migrated.applied.length);
  });

  it("a run waits for the lock, and gives up with a clear error when it stays held", async () => {
    database = await createTestDatabase("mysql");
    const server = new URL(database.url);
    const holder = await createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username),
      password: decodeURIComponent(server.password),
      database: server.pathname.slice(1),
    });
    const waiting = createDataSource({ url: database.url, entities: allEntities, migrations: allMigrations, migrationLockSeconds: 1 });
    await waiting.initialize();
    try {
      await holder.query("SELECT GET_LOCK(CONCAT('schema_migrations.', DATABASE()), 0)");

      const error = (await rejectionOf(waiting.runMigrations({ transaction: "each" }))) as Error;

      expect(error.message).toMatch(
        /^Another process has been migrating this database for over 1 s \(lock "schema_migrations\.at_[0-9a-f]+"\)$/,
      );
      expect(await appliedMigrations(waiting).catch(() => [])).toEqual([]);

      await holder.query("SELECT RELEASE_LOCK(CONCAT('schema_migrations.', DATABASE()))");
      const applied = await waiting.runMigrations({ transaction: "each" });
      expect(applied.map((migration) => migration.name)).toEqual(ALL);
    } finally {
      await waiting.destroy();
      await holder.end();
    }
  });

  it("the lock is released when a migration fails, while its process lives on", async () => {
    database = await createTestDatabase("mysql");
    const failing = class Failing1999999999999 {
      async up() {
        throw new Error("this migration fails");
      }
      async down() {}
    };
    const open = (lockSeconds: number) =>
      createDataSource({ url: database!.url, entities: [], migrations: [...allMigrations, failing], migrationLockSeconds: lockSeconds });
    const first = await open(1).initialize();
    const second = await open(1).initialize();
    try {
      const firstError = (await rejectionOf(first.runMigrations({ transaction: "each" }))) as Error;
      // `first` keeps its connections open: a lock still held would make this one time out.
      const secondError = (await rejectionOf(second.runMigrations({ transaction: "each" }))) as Error;

      expect(firstError.message).toBe("this migration fails");
      expect(secondError.message).toBe("this migration fails");
      expect(await appliedMigrations(second)).toHaveLength(ALL.length);
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });
});

describe("migrations on SQLite", () => {
  it("need no lock: one process owns the file; a second run applies nothing", async () => {
    const database = await createTestDatabase("sqlite");
    try {
      const first = await migrateDatabase(database.url);
      const second = await migrateDatabase(database.url);

      expect(first.applied).toEqual(ALL);
      expect(second.applied).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});
