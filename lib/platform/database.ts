import { mkdirSync } from "node:fs";
import path from "node:path";
import mysql2 from "mysql2";
import {
  DataSource,
  MigrationExecutor,
  type EntityManager,
  type EntitySchema,
  type EntityTarget,
  type FindOptionsSelect,
  type FindOptionsWhere,
  type Logger,
  type MixedList,
  type ObjectLiteral,
  type QueryRunner,
} from "typeorm";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity.js";
import { mysqlConnectionOf } from "./mysql-tls.js";

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
  /** MySQL: how long runMigrations waits for another process's migrations to finish. */
  migrationLockSeconds?: number;
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
  const connection = mysqlConnectionOf(options.url);
  return new MysqlDataSource(
    {
      ...common,
      type: "mysql",
      // Handed over explicitly: TypeORM's own lookup is a dynamic require that Lambda bundles miss.
      driver: mysql2,
      url: connection.url,
      ssl: connection.ssl,
      // Store and read every DATETIME as UTC whatever the server's time zone.
      timezone: "Z",
      charset: "utf8mb4_unicode_ci",
      poolSize: options.poolSize ?? 10,
    },
    options.migrationLockSeconds ?? MIGRATION_LOCK_SECONDS,
  );
}

/**
 * Long enough for DDL on a grown table, and short enough that a run waiting behind another ends
 * with this clear error inside the Migrate function's 5-minute timeout, connecting included.
 */
const MIGRATION_LOCK_SECONDS = 240;

/**
 * MySQL with migrations serialised across processes: a deploy's Migrate run, a second one started
 * by hand, a `npm start` against the same database. Each takes a named lock (GET_LOCK) for the
 * database first, then runs the pending migrations on the lock's own connection, so a second
 * run waits, then finds nothing pending. A named lock belongs to its connection: should the
 * process die, the server releases it as the connection ends, and no stale lock is left behind.
 * SQLite needs none: its file belongs to one process, the one `npm start` runs.
 */
class MysqlDataSource extends DataSource {
  constructor(
    options: ConstructorParameters<typeof DataSource>[0],
    private readonly migrationLockSeconds: number,
  ) {
    super(options);
  }

  override async runMigrations(options?: Parameters<DataSource["runMigrations"]>[0]): ReturnType<DataSource["runMigrations"]> {
    const runner = this.createQueryRunner("master");
    try {
      // Per database: a named lock is the whole server's, and tests keep many databases on one.
      const [{ name }] = (await runner.query("SELECT LEFT(CONCAT('schema_migrations.', DATABASE()), 64) AS name")) as [{ name: string }];
      const [{ acquired }] = (await runner.query("SELECT GET_LOCK(?, ?) AS acquired", [name, this.migrationLockSeconds])) as [
        { acquired: number | string | null },
      ];
      // 0: the wait timed out; NULL: the server refused (out of memory, or the thread killed).
      if (acquired === null) throw new Error(`Could not take the migration lock "${name}"`);
      if (Number(acquired) !== 1)
        throw new Error(`Another process has been migrating this database for over ${this.migrationLockSeconds} s (lock "${name}")`);
      try {
        return await migrateOn(this, runner, options);
      } finally {
        // Fails only with the connection, whose end has released the lock already.
        await runner.query("DO RELEASE_LOCK(?)", [name]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}

/** DataSource.runMigrations, on a given connection. */
function migrateOn(dataSource: DataSource, runner: QueryRunner, options: Parameters<DataSource["runMigrations"]>[0]) {
  const executor = new MigrationExecutor(dataSource, runner);
  executor.transaction = options?.transaction ?? dataSource.options.migrationsTransactionMode ?? "all";
  executor.fake = options?.fake ?? false;
  return executor.executePendingMigrations();
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
 * Failures to connect that time may cure: nothing listening yet, the network or the server
 * dropping the attempt, a server starting or shutting down, no connection slot left. An Aurora
 * cluster resuming from a pause refuses, or holds an attempt past mysql2's 10 s connect timeout
 * (ETIMEDOUT). Wrong credentials, an unknown database, a host name that does not resolve or a
 * certificate that fails verification are not here: retrying would only delay their error.
 */
const TRANSIENT_CONNECT_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_SERVER_SHUTDOWN",
  "ER_SERVER_OFFLINE_MODE",
]);

/** True when a failed attempt to connect is worth repeating (TRANSIENT_CONNECT_ERRORS). */
export function isTransientConnectError(error: unknown): boolean {
  return TRANSIENT_CONNECT_ERRORS.has(driverErrorCode(error) ?? "");
}

/** No connection to the database could be made. The message names the driver's last error, with no SQL and no stack. */
export class DatabaseUnavailableError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

export interface ConnectRetry {
  /** Start no new attempt later than this after the first. 0: one attempt. */
  retryForMs: number;
  /** Called before each pause: for a log line, and for tests, which count attempts. */
  onRetry?(retry: { attempt: number; code?: string; delayMs: number }): void;
}

/**
 * `connect`, repeated after transient failures (isTransientConnectError) with a growing,
 * jittered pause (¼ s doubling up to 2 s), until `retryForMs` has passed. Every failure ends as a
 * DatabaseUnavailableError, its cause the driver's error.
 */
export async function connectWithRetry<T>(connect: () => Promise<T>, retry: ConnectRetry): Promise<T> {
  const deadline = Date.now() + retry.retryForMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await connect();
    } catch (error) {
      const code = driverErrorCode(error);
      const delayMs = Math.min(2000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      if (!isTransientConnectError(error) || Date.now() + delayMs > deadline) {
        const message = String((error as Error)?.message ?? error)
          .split("\n")[0]!
          .slice(0, 300);
        const reason = code && !message.includes(code) ? `${code}: ${message}` : message;
        throw new DatabaseUnavailableError(
          `Cannot connect to the database (${attempt} attempt${attempt > 1 ? "s" : ""}): ${reason}`,
          attempt,
          {
            cause: error,
          },
        );
      }
      retry.onRetry?.({ attempt, code, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
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

/**
 * Every column of `entity` but `leftOut`, as a find's `select`: what a loader reads when a page
 * never shows some heavy columns. A column added later is read unless it is left out too.
 */
export function columnsBut<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  leftOut: readonly string[],
): FindOptionsSelect<T> {
  const kept = dataSource.getMetadata(entity).columns.filter((column) => !leftOut.includes(column.propertyName));
  return Object.fromEntries(kept.map((column) => [column.propertyName, true])) as FindOptionsSelect<T>;
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
