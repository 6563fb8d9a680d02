import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../lib/platform/config.js";
import { openBudgetStore } from "../../gateway/rate-limit-store.js";
import { openDatabase } from "../../runtime/data-source.js";
import { rejectionOf, thrownBy } from "../support/thrown.js";
import { startTlsMariaDb, type TlsMariaDb } from "../support/tls-mariadb.js";

const SECRET = "s".repeat(32);

/**
 * TLS to MySQL as production configures it (lib/platform/config.ts) and connects
 * (lib/platform/database.ts), against a MariaDB of this file's own that refuses plaintext and
 * whose certificate comes from a CA made here.
 */
describe("TLS to MySQL, against a MariaDB that requires it", () => {
  let server: TlsMariaDb;
  beforeAll(async () => {
    server = await startTlsMariaDb();
  });
  afterAll(async () => {
    await server?.stop();
  });

  const urlOf = (host = "127.0.0.1", query = "") =>
    `mysql://${server.user}:${server.password}@${host}:${server.port}/${server.database}${query}`;
  const production = (env: Record<string, string>) =>
    loadConfig({
      NODE_ENV: "production",
      AUTH_TOKEN_SECRET: SECRET,
      SUBGRAPH_SECRET: SECRET,
      DATABASE_URL: urlOf(),
      ...env,
    });

  /** Connects as the application does, and reads the session's cipher. */
  async function cipherOf(url: string): Promise<string> {
    const dataSource = await openDatabase(url, { migrate: false });
    try {
      const [row] = (await dataSource.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as { Value: string }[];
      return row?.Value ?? "";
    } finally {
      await dataSource.destroy();
    }
  }

  it("in production, by default, verifies the server against the Amazon RDS bundle, which did not sign this one", async () => {
    const config = production({});

    const error = (await rejectionOf(cipherOf(config.databaseUrl))) as Error;

    expect(new URL(config.databaseUrl).searchParams.get("ssl-ca")).toBe("rds");
    expect(error.message).toMatch(/self-signed certificate in certificate chain/);
  });

  it("with the CA that signed the server's certificate, connects, encrypted", async () => {
    const byEnvironment = production({ DATABASE_TLS_CA: server.caFile });
    const byUrl = loadConfig({ DATABASE_URL: urlOf("127.0.0.1", `?ssl-ca=${encodeURIComponent(server.caFile)}`) });

    expect(await cipherOf(byEnvironment.databaseUrl)).toMatch(/^TLS_|AES|CHACHA/);
    expect(await cipherOf(byUrl.databaseUrl)).not.toBe("");
  });

  it("refuses a server whose certificate another CA signed", async () => {
    const config = production({ DATABASE_TLS_CA: server.otherCaFile });

    const error = (await rejectionOf(cipherOf(config.databaseUrl))) as Error;

    expect(error.message).toMatch(/self-signed certificate in certificate chain/);
  });

  it("refuses a certificate issued for another host name, even from the right CA", async () => {
    const config = production({ DATABASE_URL: urlOf("localhost"), DATABASE_TLS_CA: server.caFile });
    const before = await cipherOf(config.databaseUrl);
    await server.reissueCertificate("DNS:db.example.test");
    try {
      const error = (await rejectionOf(cipherOf(config.databaseUrl))) as Error;

      expect(before).not.toBe("");
      expect(error.message).toMatch(/Host: localhost\. is not in the cert's altnames: DNS:db\.example\.test/);
    } finally {
      await server.reissueCertificate();
    }
  });

  it("counts the gateway's rate-limit budgets over the same verified TLS, and refuses a server another CA signed", async () => {
    const charge = async (env: Record<string, string>) => {
      const settings = production({ RATE_LIMIT_STORE: "mysql", ...env });
      const config = settings.gateway.rateLimit;
      // As gateway/rate-limit.ts opens it.
      const store = await openBudgetStore(config, { url: config.databaseUrl ?? settings.databaseUrl, poolSize: 1 });
      try {
        return (await store.charge({ kind: "anonymous", key: "ip:192.0.2.1" }, 3)).state.remaining;
      } finally {
        await store.close();
      }
    };
    const config = production({ RATE_LIMIT_STORE: "mysql" }).gateway.rateLimit;
    expect(await charge({ DATABASE_TLS_CA: server.caFile })).toBe(config.points.anonymous - 3);
    // The store falls back to counting in memory when its database refuses it: what shows the
    // refusal is that the shared table never counted this charge.
    await charge({ DATABASE_TLS_CA: server.otherCaFile });
    const counted = await openDatabase(production({ DATABASE_TLS_CA: server.caFile }).databaseUrl, { migrate: false });
    try {
      const [row] = (await counted.query("SELECT points FROM gateway_rate_limits WHERE `key` LIKE ?", ["%ip:192.0.2.1"])) as {
        points: number;
      }[];
      expect(Number(row?.points)).toBe(3);
    } finally {
      await counted.destroy();
    }
  });

  it("plaintext needs DATABASE_TLS=off in production, and then this server refuses it", async () => {
    const fromUrl = thrownBy(() => production({ DATABASE_URL: urlOf("127.0.0.1", "?ssl=off") }), ConfigError);
    const optedOut = production({ DATABASE_TLS: "off" });

    const refused = (await rejectionOf(cipherOf(optedOut.databaseUrl))) as Error & { code?: string };

    expect(fromUrl.message).toContain("DATABASE_URL turns TLS off; in production only DATABASE_TLS=off may");
    expect(new URL(optedOut.databaseUrl).search).toBe("");
    // MariaDB answers a plaintext login under require_secure_transport as a wrong password: the
    // same user and password connect over TLS in the test above.
    expect(refused.code).toBe("ER_ACCESS_DENIED_ERROR");
    expect(await server.admin("SELECT @@require_secure_transport AS required")).toEqual([{ required: 1 }]);
  });
});
