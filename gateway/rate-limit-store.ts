import { RateLimiterMemory, RateLimiterMySQL, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimitConfig } from "../lib/platform/config.js";
import { log } from "../lib/platform/logger.js";

/** Whose budget a request is charged to: an API key's partner, a token's subject, or an address. */
export type BudgetKind = "key" | "token" | "anonymous";

export interface Budget {
  kind: BudgetKind;
  /** The counter's key: `partner:<subject>`, `sub:<role>:<subject>` or `ip:<address>`. */
  key: string;
}

/** A budget as a charge or a look left it. */
export interface BudgetState {
  limit: number;
  remaining: number;
  /** Until the window ends and the budget is whole again. */
  msBeforeReset: number;
}

/** Where budgets are counted (RATE_LIMIT_STORE). */
export interface BudgetStore {
  /**
   * Charges `points` when they fit in what is left of the window. A charge that does not fit is
   * taken back at once, so that a refused request costs nothing: a caller with 5 points left can
   * still make a 1-point read after a 10-point mutation was refused.
   */
  charge(budget: Budget, points: number): Promise<{ allowed: boolean; state: BudgetState }>;
  /** The budget as it stands, charging nothing. */
  peek(budget: Budget): Promise<BudgetState>;
  close(): Promise<void>;
}

/** The table the mysql store counts in, in DATABASE_URL's database. */
export const RATE_LIMIT_TABLE = "gateway_rate_limits";

/**
 * Created by the gateway itself, not by a migration: the gateway runs no migrations (they are
 * listed in runtime/, which its Lambda may not import, and run by functions/migrate.ts), the
 * table belongs to no context, and what it holds is only counters that expire within a window.
 * The columns are rate-limiter-flexible's, in its order (it inserts `VALUES (?, ?, ?)`), with one
 * change: keys compare byte for byte (utf8mb4_bin), as subjects do everywhere else here, where
 * the library's own table would make `sub:buyer:Bob` and `sub:buyer:bob` one budget.
 */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS \`${RATE_LIMIT_TABLE}\` (
  \`key\` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  \`points\` INT NOT NULL DEFAULT 0,
  \`expire\` BIGINT UNSIGNED,
  PRIMARY KEY (\`key\`)
) ENGINE = InnoDB`;

/** MySQL's "CREATE command denied to user … for table …". */
const ER_TABLEACCESS_DENIED = 1142;

/** How often the mysql store deletes counters whose window ended over an hour ago. */
const CLEAR_EXPIRED_EVERY_MS = 5 * 60_000;

/** A store failing is logged at most this often: during an outage every request would log it. */
const STORE_ERROR_LOG_INTERVAL_MS = 60_000;

type Limiters = Record<BudgetKind, RateLimiterAbstract>;

/**
 * Opens the store RATE_LIMIT_STORE names. When a shared store fails (database or Redis down), a
 * request is counted in this process's memory instead, with a warning: the limits then hold per
 * gateway instance rather than not at all, and the gateway keeps answering.
 */
export async function openBudgetStore(config: RateLimitConfig, database: { url: string; poolSize: number }): Promise<BudgetStore> {
  const inMemory = limitersOf(config, (options) => new RateLimiterMemory(options));
  if (config.store === "memory") return storeOver(config, inMemory, undefined, async () => {});
  if (config.store === "mysql") return mysqlStore(config, database, inMemory);
  return redisStore(config, inMemory);
}

type LimiterOptions = { points: number; duration: number; keyPrefix: string };

function limitersOf(config: RateLimitConfig, create: (options: LimiterOptions) => RateLimiterAbstract): Limiters {
  // One limiter per kind, for its number of points; the keys tell the kinds apart in one table.
  const options = (points: number): LimiterOptions => ({ points, duration: config.windowSeconds, keyPrefix: "budget" });
  return {
    key: create(options(config.points.key)),
    token: create(options(config.points.token)),
    anonymous: create(options(config.points.anonymous)),
  };
}

async function mysqlStore(config: RateLimitConfig, database: { url: string; poolSize: number }, inMemory: Limiters): Promise<BudgetStore> {
  // Loaded only for this store: the gateway's Lambda starts without evaluating the driver otherwise.
  const [{ default: mysql }, { mysqlConnectionOf }] = await Promise.all([import("mysql2"), import("../lib/platform/mysql-tls.js")]);
  // The URL's TLS parameters (production's default: verified TLS) go to mysql2 as `ssl`, never in the URI it would misread.
  const connection = mysqlConnectionOf(database.url);
  const dbName = decodeURIComponent(new URL(connection.url).pathname.slice(1));
  // The library speaks mysql2's callback API: a pool, with `storeType: "pool"`.
  const pool = mysql.createPool({ uri: connection.url, ssl: connection.ssl, connectionLimit: database.poolSize });
  const shared = limitersOf(
    config,
    (options) =>
      new RateLimiterMySQL({ ...options, storeClient: pool, storeType: "pool", dbName, tableName: RATE_LIMIT_TABLE, tableCreated: true }),
  );
  const run = (sql: string, values: unknown[] = []) =>
    new Promise<void>((resolve, reject) => pool.query(sql, values, (error) => (error ? reject(error) : resolve())));
  // Created at the first charge rather than at start-up, so that a database that is down when
  // the gateway starts only sends counting to memory until it is back.
  let table: Promise<void> | undefined;
  const ready = () => {
    table ??= run(CREATE_TABLE).catch((error: unknown) => {
      // A user allowed only the counters (as the gateway's is on AWS, docs/deployment.md) may not
      // CREATE even what exists: the table is then the operator's to have made, and counting goes on.
      if ((error as { errno?: number }).errno === ER_TABLEACCESS_DENIED) return;
      table = undefined;
      throw error;
    });
    return table;
  };
  const sweep = setInterval(() => {
    run(`DELETE FROM \`${RATE_LIMIT_TABLE}\` WHERE expire < ?`, [Date.now() - 3_600_000]).catch((error: unknown) =>
      log.warn({ err: error }, "could not delete expired rate limit counters"),
    );
  }, CLEAR_EXPIRED_EVERY_MS);
  sweep.unref();
  return storeOver(config, shared, { inMemory, ready }, async () => {
    clearInterval(sweep);
    await new Promise<void>((resolve) => pool.end(() => resolve()));
  });
}

async function redisStore(config: RateLimitConfig, inMemory: Limiters): Promise<BudgetStore> {
  // Loaded only when chosen, as mysql2 is: a gateway on another store never opens it.
  const { Redis } = await import("ioredis");
  // No offline queue: while Redis is away a charge fails at once and is counted in memory.
  // Bounded waits: a Redis that stops answering must cost a request milliseconds, not hang it.
  const client = new Redis(config.redisUrl ?? "", { enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 500 });
  // Counting starts on Redis, not in memory: the first charges of every start would otherwise
  // split the budget. A Redis that is down at start leaves the gateway counting in memory.
  await new Promise<void>((resolve) => {
    const done = () => {
      client.off("ready", done);
      client.off("error", done);
      resolve();
    };
    client.once("ready", done);
    client.once("error", done);
  });
  client.on("error", (error) => log.warn({ err: error }, "rate limit store (Redis) error"));
  const shared = limitersOf(config, (options) => new RateLimiterRedis({ ...options, storeClient: client }));
  return storeOver(config, shared, { inMemory, ready: async () => {} }, async () => {
    // quit() refuses while the connection is not up (no offline queue): then just drop it.
    await client.quit().catch(() => client.disconnect());
  });
}

function storeOver(
  config: RateLimitConfig,
  limiters: Limiters,
  fallback: { inMemory: Limiters; ready: () => Promise<void> } | undefined,
  close: () => Promise<void>,
): BudgetStore {
  const limitOf = (kind: BudgetKind) => config.points[kind];
  const stateOf = (kind: BudgetKind, res: RateLimiterRes | null): BudgetState => ({
    limit: limitOf(kind),
    remaining: res ? Math.max(0, limitOf(kind) - res.consumedPoints) : limitOf(kind),
    msBeforeReset: res && res.msBeforeNext >= 0 ? res.msBeforeNext : config.windowSeconds * 1000,
  });

  let lastLogged = Number.NEGATIVE_INFINITY;
  /** Runs `act` on the shared limiters, or on the in-memory ones while the shared store fails. */
  const withLimiters = async <T>(act: (chosen: Limiters) => Promise<T>): Promise<T> => {
    if (!fallback) return act(limiters);
    try {
      await fallback.ready();
      return await act(limiters);
    } catch (error) {
      // A refusal is the store's answer, not its failure.
      if (error instanceof RateLimiterRes) throw error;
      if (Date.now() - lastLogged > STORE_ERROR_LOG_INTERVAL_MS) {
        lastLogged = Date.now();
        log.warn({ err: error }, "rate limit store failed: counting in this gateway's memory until it is back");
      }
      return act(fallback.inMemory);
    }
  };

  return {
    async charge(budget, points) {
      return withLimiters(async (chosen) => {
        const limiter = chosen[budget.kind];
        try {
          return { allowed: true, state: stateOf(budget.kind, await limiter.consume(budget.key, points)) };
        } catch (refusal) {
          if (!(refusal instanceof RateLimiterRes)) throw refusal;
          // Concurrent requests may see the points of this one for the moment it takes to give
          // them back, and be refused too: the limit errs on the safe side.
          // Giving back can fail on its own (the store went away just now): the request stays refused,
          // and is not charged again in memory as if the store had failed the charge.
          const after = await limiter.reward(budget.key, points).catch(() => refusal);
          return { allowed: false, state: stateOf(budget.kind, after) };
        }
      });
    },
    async peek(budget) {
      return withLimiters(async (chosen) => stateOf(budget.kind, await chosen[budget.kind].get(budget.key)));
    },
    close,
  };
}
