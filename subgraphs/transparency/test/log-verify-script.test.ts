import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { DataSource } from "typeorm";
import { afterAll, describe, expect, it } from "vitest";
import { LogEntryKind } from "../../../lib/contracts/transparency-log.js";
import { loadConfig } from "../../../lib/platform/config.js";
import { inTransaction } from "../../../lib/platform/database.js";
import { attestationSigner } from "../../../lib/platform/signing-keys.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { useMigratedDatabase } from "../../../test/support/migrated-database.js";
import { appendLogEntry } from "../log-entry.append.js";
import { publishTreeHead } from "../tree-head.publish.js";

/*
 * `npm run log:verify` exactly as an operator types it (docs/transparency.md, "Verifying"): the
 * package script, in a process of its own, on a database it only knows by DATABASE_URL and with
 * the public keys of the key set under DATA_DIR, the one the heads were signed with.
 */

const REPOSITORY = path.resolve(import.meta.dirname, "../../..");

const append = (dataSource: DataSource, n: number) =>
  inTransaction(dataSource, async (manager) => {
    for (let i = 0; i < n; i += 1)
      await appendLogEntry(manager, { kind: LogEntryKind.API_KEY_REVOKED, subject: "partner-1", payload: { n: i }, at: new Date() });
  });

/** `npm run -s log:verify` with these settings: its exit code and the lines it printed. */
async function npmRunLogVerify(databaseUrl: string, dataDir: string): Promise<{ code: number; lines: string[]; stderr: string }> {
  // The key set must come from DATA_DIR alone, whatever this process was given.
  const { ATTESTATION_SIGNING_KEYS: _unused, ...inherited } = process.env;
  const done = await promisify(execFile)("npm", ["run", "-s", "log:verify"], {
    cwd: REPOSITORY,
    env: { ...inherited, DATABASE_URL: databaseUrl, DATA_DIR: dataDir },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, stdout: failed.stdout, stderr: failed.stderr }),
  );
  return { code: done.code, lines: done.stdout.split("\n").filter(Boolean), stderr: done.stderr };
}

describe.each(DATABASE_KINDS)("npm run log:verify (%s)", (kind) => {
  const db = useMigratedDatabase(kind);
  const dataDir = mkdtempSync(path.join(tmpdir(), "log-verify-npm-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("exits 0 with its ok line on a sequenced, signed log, and 1 naming the position of an edited entry", async () => {
    const keys = attestationSigner(loadConfig({ DATA_DIR: dataDir }));
    await append(db.dataSource, 4);
    await publishTreeHead(db.dataSource, (bytes) => keys.sign(bytes));
    await append(db.dataSource, 2);
    await publishTreeHead(db.dataSource, (bytes) => keys.sign(bytes));

    const clean = await npmRunLogVerify(db.url, dataDir);
    expect(clean, clean.stderr).toMatchObject({ code: 0, lines: [expect.stringMatching(/^log:verify: ok, 6 entries, 2 signed heads\b/)] });

    await db.dataSource.query("UPDATE transparency_log_entries SET payload = ? WHERE log_index = 2", ['{"n":99}']);
    const tampered = await npmRunLogVerify(db.url, dataDir);

    expect(tampered.code, tampered.stderr).toBe(1);
    expect(tampered.lines).toContain("entry 2: does not hash to the leaf logged there (edited)");
    // No other entry is blamed, and the summary line comes last.
    expect(tampered.lines.filter((line) => line.startsWith("entry "))).toEqual([
      "entry 2: does not hash to the leaf logged there (edited)",
    ]);
    expect(tampered.lines.at(-1)).toMatch(/^log:verify: \d+ problem\(s\) in 6 entries/);
  });
});
