import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { createConnection } from "mysql2/promise";
import { freePort } from "./free-port.js";

/** A MariaDB server of a test's own that accepts TLS connections only, with a CA made for it. */
export interface TlsMariaDb {
  port: number;
  /** A user allowed everything, from any host, with a password. */
  user: string;
  password: string;
  /** A database created for the tests. */
  database: string;
  /** The PEM file of the CA that signed the server's certificate (for 127.0.0.1 and localhost). */
  caFile: string;
  /** The PEM file of a CA that signed nothing of this server's. */
  otherCaFile: string;
  /**
   * Has the CA issue the server a new certificate for `subjectAltName` (`DNS:db.example.test`),
   * which the server then serves (FLUSH SSL); without one, the first certificate's names again.
   */
  reissueCertificate(subjectAltName?: string): Promise<void>;
  /** Statements as root over the server's Unix socket, which the server counts as secure. */
  admin(sql: string): Promise<unknown>;
  stop(): Promise<void>;
}

const openssl = (dir: string, args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

/** A self-signed CA, `name`.pem and `name`.key in `dir`. */
function makeCa(dir: string, name: string, subject: string): void {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    subject,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  ]);
}

/** The names of the server's first certificate. */
const SERVER_NAMES = "DNS:localhost,IP:127.0.0.1";

/** server.pem and server.key in `dir`, signed by ca.pem, for `subjectAltName` only. */
function makeServerCertificate(dir: string, subjectAltName = SERVER_NAMES): void {
  openssl(dir, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=agent-trust-test", "-keyout", "server.key", "-out", "server.csr"]);
  writeFileSync(path.join(dir, "server.ext"), `subjectAltName=${subjectAltName}\n`);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "server.ext",
    "-out",
    "server.pem",
  ]);
}

/**
 * Makes a CA and a server certificate with the `openssl` CLI, initialises a data directory and
 * starts a second mariadbd on a free port with `--require-secure-transport=ON`, everything in a
 * temporary directory that `stop` removes.
 */
export async function startTlsMariaDb(): Promise<TlsMariaDb> {
  const dir = mkdtempSync(path.join(tmpdir(), "agent-trust-tls-mariadb-"));
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    makeCa(dir, "ca", "/CN=Agent Trust test CA");
    makeCa(dir, "other-ca", "/CN=Another test CA");
    makeServerCertificate(dir);
    // As root, mariadbd insists on being told so; as anyone else --user is ignored.
    const user = `--user=${userInfo().username}`;
    const dataDir = path.join(dir, "data");
    execFileSync(
      "mariadb-install-db",
      ["--no-defaults", `--datadir=${dataDir}`, user, "--auth-root-authentication-method=normal", "--skip-test-db"],
      { stdio: "pipe" },
    );
    const port = await freePort();
    const socketPath = path.join(dir, "mariadb.sock");
    server = spawn(
      "/usr/sbin/mariadbd",
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        user,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        `--socket=${socketPath}`,
        `--pid-file=${path.join(dir, "mariadb.pid")}`,
        `--log-error=${path.join(dir, "mariadb.err")}`,
        `--ssl-ca=${path.join(dir, "ca.pem")}`,
        `--ssl-cert=${path.join(dir, "server.pem")}`,
        `--ssl-key=${path.join(dir, "server.key")}`,
        "--require-secure-transport=ON",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=16M",
      ],
      { stdio: "ignore" },
    );
    const admin = async (sql: string) => {
      const connection = await createConnection({ socketPath, user: "root" });
      try {
        return (await connection.query(sql))[0];
      } finally {
        await connection.end();
      }
    };
    await waitFor(server, () => admin("SELECT 1"));
    const password = randomBytes(12).toString("hex");
    await admin(`CREATE USER 'app'@'%' IDENTIFIED BY '${password}'`);
    await admin("GRANT ALL ON *.* TO 'app'@'%'");
    await admin("CREATE DATABASE agent_trust CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    return {
      port,
      user: "app",
      password,
      database: "agent_trust",
      caFile: path.join(dir, "ca.pem"),
      otherCaFile: path.join(dir, "other-ca.pem"),
      async reissueCertificate(subjectAltName) {
        makeServerCertificate(dir, subjectAltName);
        await admin("FLUSH SSL");
      },
      admin,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Retries `probe` until it succeeds, for up to 30 s, or until the server has exited. */
async function waitFor(server: ChildProcess, probe: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    if (server.exitCode !== null) throw new Error(`mariadbd exited with ${server.exitCode} before it answered`);
    try {
      await probe();
      return;
    } catch (error) {
      if (attempt >= 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
