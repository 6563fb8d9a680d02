import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LogEntryKind } from "../../lib/contracts/transparency-log.js";
import { loadConfig } from "../../lib/platform/config.js";
import { inTransaction } from "../../lib/platform/database.js";
import { leafHash, treeRoot } from "../../lib/platform/merkle.math.js";
import { attestationSigner } from "../../lib/platform/signing-keys.js";
import { onRunJudged } from "../../runtime/contexts.js";
import { runScheduledJobs } from "../../runtime/jobs.js";
import { appendLogEntry } from "../../subgraphs/transparency/log-entry.append.js";
import { LogEntry, TreeHead } from "../../subgraphs/transparency/log.entity.js";
import { leafBytes } from "../../subgraphs/transparency/log-leaf.math.js";
import { judgedRunOf } from "../support/judged-run.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";

/*
 * The transparency log's bound (docs/transparency.md, "Sequencing"): an act is in the tree, and in
 * a signed tree head, after one run of the scheduled jobs; a run that finds nothing new signs
 * nothing. Run through runScheduledJobs, as the scheduled Lambda and `npm start` run it, with the
 * key file under DATA_DIR that the gateway publishes as the JWKS.
 */

/** A judged run, as the judge hands it to reputation: it logs a trust change and an eligibility. */

describe.each(DATABASE_KINDS)("the transparency log's scheduled job (%s)", (kind) => {
  const db = useMigratedDatabase(kind);
  const dataDir = mkdtempSync(path.join(tmpdir(), "transparency-job-"));
  const settings = loadConfig({ DATA_DIR: dataDir });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const appendEntries = (n: number) =>
    inTransaction(db.dataSource, async (manager) => {
      for (let i = 0; i < n; i += 1)
        await appendLogEntry(manager, { kind: LogEntryKind.API_KEY_ISSUED, subject: "partner-1", payload: { n: i }, at: new Date() });
    });
  const heads = () => db.dataSource.manager.find(TreeHead, { order: { treeSize: "ASC" } });
  const runJobs = async () => {
    const { counts, failures } = await runScheduledJobs(db.dataSource, settings);
    expect(failures).toEqual([]);
    return counts;
  };

  /** Checks a stored head as a partner would: its root is the entries' recomputed root, its signature the published key's. */
  async function expectVerifiedHead(head: TreeHead) {
    const size = Number(head.treeSize);
    const rows = await db.dataSource.manager.find(LogEntry, { order: { logIndex: "ASC" }, take: size });
    const leaves = rows.map((row, index) => leafHash(leafBytes({ ...row, index })));
    expect(head.rootHash).toBe(treeRoot(leaves).toString("hex"));

    // The keys the gateway publishes (lib/platform/jwks.ts), from the key set the job signed with.
    const published = await attestationSigner(settings).publicJwks();
    const jwk = published.keys.find((key) => key.kid === head.keyId);
    expect(jwk, `no published key ${head.keyId}`).toBeDefined();
    // docs/transparency.md: Ed25519 over canonicalJson({ rootHash, timestamp, treeSize }).
    const signed = Buffer.from(JSON.stringify({ rootHash: head.rootHash, timestamp: head.createdAt.getTime(), treeSize: size }));
    const publicKey = createPublicKey({ key: jwk as never, format: "jwk" });
    expect(verify(null, signed, publicKey, Buffer.from(head.signature, "base64url"))).toBe(true);
    // The same signature does not cover another size: the check above can fail.
    const other = Buffer.from(JSON.stringify({ rootHash: head.rootHash, timestamp: head.createdAt.getTime(), treeSize: size + 1 }));
    expect(verify(null, other, publicKey, Buffer.from(head.signature, "base64url"))).toBe(false);
  }

  it("sequences what acts logged and signs a head in one run; a run with nothing new signs none", async () => {
    // Acts: a judged run (reputation logs through the port runtime/contexts installs), and appended entries.
    await inTransaction(db.dataSource, (manager) => onRunJudged(manager, judgedRunOf()));
    await appendEntries(3);
    const logged = await db.dataSource.manager.find(LogEntry);
    expect(logged.length).toBeGreaterThanOrEqual(5);
    expect(logged.every((entry) => entry.logIndex === null)).toBe(true);
    expect(await heads()).toEqual([]);

    const first = await runJobs();

    expect(first.logged).toBe(logged.length);
    const sequenced = await db.dataSource.manager.find(LogEntry, { order: { logIndex: "ASC" } });
    expect(sequenced.map((entry) => Number(entry.logIndex))).toEqual(logged.map((_, index) => index));
    const afterFirst = await heads();
    expect(afterFirst.map((head) => Number(head.treeSize))).toEqual([logged.length]);
    await expectVerifiedHead(afterFirst[0]!);

    // Nothing new: at least once a minute when it grew, and only then.
    const second = await runJobs();
    expect(second.logged).toBe(0);
    expect(await heads()).toEqual(afterFirst);

    // It grows again: the next run appends and signs the larger tree.
    await appendEntries(2);
    const third = await runJobs();
    expect(third.logged).toBe(2);
    const afterThird = await heads();
    expect(afterThird.map((head) => Number(head.treeSize))).toEqual([logged.length, logged.length + 2]);
    await expectVerifiedHead(afterThird[1]!);
  });
});
