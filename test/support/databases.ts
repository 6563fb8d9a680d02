import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createConnection } from "mysql2/promise";
import type { DataSource } from "typeorm";

/** The MariaDB/MySQL server tests use; its database is only a starting point, each test gets its own. */
export const MYSQL_URL = process.env.DATABASE_URL?.startsWith("mysql") ? process.env.DATABASE_URL : "mysql://root@127.0.0.1:3306/test";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export type DatabaseKindUnderTest = "mysql" | "sqlite";

/** Both engines the system runs on; integration tests run against each. */
export const DATABASE_KINDS: DatabaseKindUnderTest[] = ["mysql", "sqlite"];

/** A fresh, empty database of the given kind. */
export async function createTestDatabase(kind: DatabaseKindUnderTest): Promise<TestDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "agent-trust-"));
    return { url: `sqlite:${path.join(dir, "test.sqlite")}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `at_${randomBytes(6).toString("hex")}`;
  const server = new URL(MYSQL_URL);
  const admin = await createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username),
    password: decodeURIComponent(server.password),
  });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  server.pathname = `/${name}`;
  return {
    url: server.toString(),
    async drop() {
      const connection = await createConnection({
        host: server.hostname,
        port: Number(server.port || 3306),
        user: decodeURIComponent(server.username),
        password: decodeURIComponent(server.password),
      });
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    },
  };
}

/** The timestamp a migration's name ends with: what TypeORM orders migrations by. */
const stampOf = (migration: { name: string }) => Number(/(\d{13})$/.exec(migration.name)![1]);

/** Every migration older than `target`: the schema as it stood just before it. */
export const migrationsBefore = <T extends { name: string }>(migrations: T[], target: { name: string }): T[] =>
  migrations.filter((migration) => stampOf(migration) < stampOf(target));

/** Names of the migrations applied to a database. */
export const appliedMigrations = async (dataSource: DataSource): Promise<string[]> =>
  ((await dataSource.query("SELECT name FROM schema_migrations")) as { name: string }[]).map((row) => row.name);

/** Undoes migrations, newest first, down to and including `name`. */
export async function undoThrough(dataSource: DataSource, name: string): Promise<void> {
  while ((await appliedMigrations(dataSource)).includes(name)) await dataSource.undoLastMigration({ transaction: "each" });
}

/** A table's column names, sorted; null when there is no such table. */
export async function columnsOf(dataSource: DataSource, table: string): Promise<string[] | null> {
  const runner = dataSource.createQueryRunner();
  try {
    const found = await runner.getTable(table);
    return found ? found.columns.map((column) => column.name).sort() : null;
  } finally {
    await runner.release();
  }
}

/** A table's index names, sorted. */
export async function indicesOf(dataSource: DataSource, table: string): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return ((await runner.getTable(table))?.indices ?? []).map((index) => index.name!).sort();
  } finally {
    await runner.release();
  }
}

/**
 * Writes one row with plain SQL, column by column as the table stands: for rows as an older
 * schema held them, which the entities no longer describe.
 */
export async function insertRow(dataSource: DataSource, table: string, row: Record<string, unknown>): Promise<void> {
  const columns = Object.keys(row);
  await dataSource.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, Object.values(row));
}

/**
 * MySQL/MariaDB only: the text columns of `tables` that do not compare byte for byte (a collation
 * other than utf8mb4_bin), as table `t` and column `c`.
 */
export function looselyCollatedColumns(dataSource: DataSource, tables: string[]): Promise<{ t: string; c: string }[]> {
  return dataSource.query(
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) AND COLLATION_NAME IS NOT NULL AND COLLATION_NAME <> 'utf8mb4_bin'",
    [tables],
  );
}
