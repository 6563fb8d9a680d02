import { mkdirSync } from "node:fs";
import path from "node:path";
import mysql2 from "mysql2";
import {
  DataSource,
  type EntityManager,
  type EntitySchema,
  type EntityTarget,
  type FindOptionsWhere,
  type Logger,
  type MixedList,
  type ObjectLiteral,
} from "typeorm";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity.js";

export type DatabaseKind = "mysql" | "sqlite";

export function databaseKind(url: string): DatabaseKind {
  return url.startsWith("sqlite:") ? "sqlite" : "mysql";
}

export interface DataSourceOptions {
  url: string;
  // biome-ignore lint/complexity/noBannedTypes: TypeORM types entity classes as Function.
  entities: MixedList<Function | string | EntitySchema>;
  // biome-ignore lint/complexity/noBannedTypes: TypeORM types migration classes as Function.
  migrations?: MixedList<Function | string>;
  logger?: Logger;
  poolSize?: number;
}

/** A DataSource for `mysql://…` (MySQL 8 / MariaDB) or `sqlite:<file>`; never synchronizes the schema. */
export function createDataSource(options: DataSourceOptions): DataSource {
  const common = {
    entities: options.entities,
    migrations: options.migrations ?? [],
    migrationsTableName: "schema_migrations",
    synchronize: false,
    logging: options.logger ? ("all" as const) : false,
    logger: options.logger,
  };
  if (databaseKind(options.url) === "sqlite") {
    const file = options.url.slice("sqlite:".length);
    if (file === ":memory:") throw new Error("DATABASE_URL sqlite: needs a file; a reader and a writer connection must share it");
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    return new SqliteDataSource({
      ...common,
      type: "better-sqlite3",
      database: file,
      enableWAL: true,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma("busy_timeout = 5000");
        db.pragma("foreign_keys = ON");
      },
    });
  }
  return new DataSource({
    ...common,
    type: "mysql",
    // Handed over explicitly: TypeORM's own lookup is a dynamic require that Lambda bundles miss.
    driver: mysql2,
    url: options.url.replace(/^mariadb:/, "mysql:"),
    // Store and read every DATETIME as UTC whatever the server's time zone.
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    poolSize: options.poolSize ?? 10,
  });
}

/**
 * SQLite as two connections to one WAL file. TypeORM gives a SQLite DataSource a single shared
 * connection, so reads made while a transaction is open would see its uncommitted rows. Here
 * every read uses the DataSource's own connection and sees only committed data, and transactions
 * run one at a time on a second, writer connection (inTransaction).
 */
class SqliteDataSource extends DataSource {
  readonly writer: DataSource;
  /** The tail of the queue of transactions waiting for the writer. */
  writes: Promise<unknown> = Promise.resolve();

  constructor(options: ConstructorParameters<typeof DataSource>[0]) {
    super(options);
    this.writer = new DataSource(options);
  }

  override async initialize(): Promise<this> {
    await super.initialize();
    await this.writer.initialize();
    return this;
  }

  override async destroy(): Promise<void> {
    if (this.writer.isInitialized) await this.writer.destroy();
    await super.destroy();
  }
}

/**
 * Runs `work` in one transaction. Every write in this codebase goes through here: on MySQL it is
 * retried after a deadlock, on SQLite it waits its turn for the writer connection.
 */
export function inTransaction<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  if (!(dataSource instanceof SqliteDataSource)) return retryingConflicts(() => dataSource.transaction(work));
  const next = dataSource.writes.catch(() => undefined).then(() => dataSource.writer.transaction(work));
  dataSource.writes = next;
  return next;
}

const CONFLICT_ATTEMPTS = 4;

/** The driver's error code (mysql2's `ER_…`, better-sqlite3's `SQLITE_…`), wrapped by TypeORM or not. */
function driverErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } };
  return e.driverError?.code ?? e.code;
}

/** True for InnoDB's deadlock and lock-wait-timeout errors, after which the transaction is rolled back. */
function isLockConflict(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT";
}

/**
 * InnoDB resolves a deadlock by rolling one transaction back; the documented remedy is to run it
 * again. Work passed to inTransaction only touches the database, so repeating it is safe.
 */
async function retryingConflicts<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (!isLockConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 40));
    }
  }
}

/** Row locking for read-modify-write inside a transaction; SQLite locks the whole file on write anyway. */
export function writeLock(manager: EntityManager): { mode: "pessimistic_write" } | undefined {
  return manager.connection.options.type === "better-sqlite3" ? undefined : { mode: "pessimistic_write" };
}

/**
 * A row that serialises some writers, created if missing and locked for the rest of the
 * transaction. An upsert, not INSERT IGNORE: on InnoDB the latter takes a shared lock on an
 * existing row, and two writers upgrading theirs to FOR UPDATE deadlock. Call it before any plain
 * read, so that on MySQL the transaction's snapshot is taken after the lock and sees what the
 * previous holder committed. `keyColumns` are the primary key's columns, `key` the same as a
 * where clause.
 */
export async function lockRow<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  row: QueryDeepPartialEntity<T>,
  keyColumns: [string, ...string[]],
  key: FindOptionsWhere<T>,
): Promise<T> {
  await manager.createQueryBuilder().insert().into(entity).values(row).orUpdate([keyColumns[0]], keyColumns).execute();
  return manager.findOneOrFail(entity, { where: key, lock: writeLock(manager) });
}

/** True for a duplicate-key error from MySQL/MariaDB or SQLite. */
export function isUniqueViolation(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code === "ER_DUP_ENTRY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Counts SQL statements, for tests and benchmarks that prove a page costs a constant number of them. */
export class StatementCounter implements Logger {
  count = 0;
  /** @param ignore statements to leave out, e.g. a background poller's. */
  constructor(private readonly ignore?: RegExp) {}
  logQuery(query: string): void {
    if (/^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.test(query.trim())) return;
    if (this.ignore?.test(query)) return;
    this.count += 1;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Stores a value as JSON text: portable across MySQL and SQLite, unlike native JSON columns. */
export const jsonText = {
  to: (value: unknown) => (value === undefined ? undefined : JSON.stringify(value)),
  from: (value: string | null) => (value === null ? null : JSON.parse(value)),
};

const INSERT_CHUNK = 200;
/** Keys per `IN (…)`: well under every engine's parameter limit. */
const READ_CHUNK = 500;

/** `read` over `keys` in chunks, results concatenated: for `IN (…)` lists of any length. */
export async function readInChunks<K, R>(keys: readonly K[], read: (chunk: K[]) => Promise<R[]>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < keys.length; start += READ_CHUNK) results.push(...(await read(keys.slice(start, start + READ_CHUNK))));
  return results;
}

/** Multi-row inserts in chunks, keeping each statement well under packet and parameter limits. */
export async function insertInChunks<T extends object>(manager: EntityManager, entity: new () => T, rows: T[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    await manager.insert(entity, rows.slice(start, start + INSERT_CHUNK) as never);
  }
}

/** Stores a short list of identifiers as comma-separated text in a VARCHAR, on every engine. */
export const commaList = {
  to: (value: string[] | undefined) => value?.join(","),
  from: (value: string | null) => (value ? value.split(",") : []),
};
