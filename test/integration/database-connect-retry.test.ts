import net from "node:net";
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { connectWithRetry, DatabaseUnavailableError } from "../../lib/platform/database.js";
import { MYSQL_URL } from "../support/databases.js";
import { freePort } from "../support/free-port.js";
import { TEST_SECRETS, asGateway } from "../support/graphql-client.js";
import { functionUrlEvent, lambdaContext } from "../support/lambda-events.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { rejectionOf } from "../support/thrown.js";

const structured = (result: APIGatewayProxyResultV2 | undefined) => result as APIGatewayProxyStructuredResultV2;

/**
 * A port where nothing listens until `open()`; then everything sent to it goes to the test
 * MariaDB: a database that is away, then back (as an Aurora cluster resuming from a pause).
 */
function databaseComingBack(port: number) {
  const server = new URL(MYSQL_URL);
  const sockets = new Set<net.Socket>();
  let forwarded = 0;
  const proxy = net.createServer((client) => {
    forwarded += 1;
    const upstream = net.connect(Number(server.port || 3306), server.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => socket.destroy());
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  return {
    get forwarded() {
      return forwarded;
    },
    open: () => proxy.listen(port, "127.0.0.1"),
    async close() {
      for (const socket of sockets) socket.destroy();
      if (proxy.listening) await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

describe("a Lambda's first connection to a database that is away", () => {
  const db = useMigratedDatabase("mysql");
  let port: number;
  let database: ReturnType<typeof databaseComingBack>;
  beforeAll(async () => {
    port = await freePort();
  });
  beforeEach(() => {
    database = databaseComingBack(port);
  });
  afterEach(async () => {
    // The handler's DataSource, opened through the proxy, closes with it.
    const { sharedDataSource } = await import("../../runtime/data-source.js");
    await sharedDataSource()
      .then((dataSource) => dataSource.destroy())
      .catch(() => undefined);
    await database.close();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  /** The agents subgraph's Lambda handler, loaded as Lambda loads it, with DATABASE_URL at the proxy's port. */
  async function agentsLambda(retrySeconds: number) {
    const url = new URL(db.url);
    url.port = String(port);
    vi.stubEnv("DATABASE_URL", url.toString());
    vi.stubEnv("DATABASE_CONNECT_RETRY_SECONDS", String(retrySeconds));
    vi.stubEnv("SUBGRAPH_SECRET", TEST_SECRETS.subgraphSecret);
    vi.resetModules();
    const { log } = await import("../../lib/platform/logger.js");
    const retries = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const errors = vi.spyOn(log, "error").mockImplementation(() => undefined);
    // Nothing listens yet: loading the module must not connect, or this import would fail.
    const { handler } = await import("../../functions/agents-subgraph.js");
    const ask = async () =>
      structured(
        await handler(
          functionUrlEvent({ query: '{ agent(id: "x") { id } }' }, await asGateway("agents", { role: "anonymous", subject: null })),
          lambdaContext(),
          () => {},
        ),
      );
    return { ask, retries, errors };
  }

  it("the first request waits while the database is away, then is answered", async () => {
    const { ask, retries } = await agentsLambda(20);
    // The database comes back as the second retry is announced, before its pause ends.
    retries.mockImplementation(() => {
      if (retries.mock.calls.length === 2) database.open();
    });

    const response = await ask();

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ data: { agent: null } });
    expect(retries).toHaveBeenCalledTimes(2);
    expect(retries.mock.calls[0]![0]).toMatchObject({ attempt: 1, code: "ECONNREFUSED" });
    expect(database.forwarded).toBeGreaterThan(0);
  });

  it("past DATABASE_CONNECT_RETRY_SECONDS the caller gets a 503 without details, the log the reason; the next request tries again", async () => {
    const { ask, retries, errors } = await agentsLambda(1);

    const refused = await ask();
    database.open();
    const answered = await ask();

    expect(refused.statusCode).toBe(503);
    expect(JSON.parse(refused.body!)).toEqual({
      errors: [{ message: "The database is unavailable; try again shortly", extensions: { code: "DATABASE_UNAVAILABLE" } }],
    });
    const logged = errors.mock.calls[0]![0] as { err: DatabaseUnavailableError };
    expect(logged.err).toBeInstanceOf(Error);
    expect(logged.err.name).toBe("DatabaseUnavailableError");
    expect(logged.err.message).toBe(
      `Cannot connect to the database (${logged.err.attempts} attempts): connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    // Each attempt but the last was followed by a retry.
    expect(logged.err.attempts).toBeGreaterThan(1);
    expect(retries).toHaveBeenCalledTimes(logged.err.attempts - 1);
    expect(answered.statusCode).toBe(200);
  });

  it("does not retry what waiting cannot cure: an unknown database fails at the first attempt", async () => {
    const url = new URL(MYSQL_URL);
    url.pathname = "/no_such_database";
    vi.stubEnv("DATABASE_URL", url.toString());
    vi.resetModules();
    const { log } = await import("../../lib/platform/logger.js");
    const retries = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const { sharedDataSource } = await import("../../runtime/data-source.js");
    // The class as the freshly loaded modules know it.
    const { DatabaseUnavailableError } = await import("../../lib/platform/database.js");

    const error = await rejectionOf(sharedDataSource(), DatabaseUnavailableError);

    expect(error.attempts).toBe(1);
    expect(error.message).toBe("Cannot connect to the database (1 attempt): ER_BAD_DB_ERROR: Unknown database 'no_such_database'");
    expect(retries).not.toHaveBeenCalled();
  });
});

describe("connectWithRetry", () => {
  const failing = (code: string) => Object.assign(new Error("the attempt failed"), { code });

  it.each(["ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "PROTOCOL_CONNECTION_LOST", "ER_CON_COUNT_ERROR", "ER_SERVER_SHUTDOWN"])(
    "retries %s",
    async (code) => {
      let attempts = 0;
      const connected = await connectWithRetry(
        async () => {
          attempts += 1;
          if (attempts < 3) throw failing(code);
          return "connected";
        },
        { retryForMs: 60_000 },
      );

      expect(connected).toBe("connected");
      expect(attempts).toBe(3);
    },
  );

  it.each(["ER_ACCESS_DENIED_ERROR", "ER_BAD_DB_ERROR", "ENOTFOUND", "HANDSHAKE_SSL_ERROR", "ERR_TLS_CERT_ALTNAME_INVALID"])(
    "fails at once on %s",
    async (code) => {
      let attempts = 0;
      const error = await rejectionOf(
        connectWithRetry(
          async () => {
            attempts += 1;
            throw failing(code);
          },
          { retryForMs: 60_000 },
        ),
        DatabaseUnavailableError,
      );

      expect(attempts).toBe(1);
      expect(error.message).toBe(`Cannot connect to the database (1 attempt): ${code}: the attempt failed`);
    },
  );

  it("with no time to retry, makes one attempt", async () => {
    let attempts = 0;
    const error = await rejectionOf(
      connectWithRetry(
        async () => {
          attempts += 1;
          throw failing("ECONNREFUSED");
        },
        { retryForMs: 0 },
      ),
      DatabaseUnavailableError,
    );

    expect(attempts).toBe(1);
    expect(error.attempts).toBe(1);
  });
});
