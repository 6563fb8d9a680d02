import { execFile } from "node:child_process";
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogEntryKind } from "../../../lib/contracts/transparency-log.js";
import { inTransaction } from "../../../lib/platform/database.js";
import { leafHash, treeRoot, verifyConsistency, verifyInclusion } from "../../../lib/platform/merkle.math.js";
import { fileSigner, keySetFile, parseKeySet, rotateKeySetFile } from "../../../lib/platform/signing-keys.js";
import { onRunJudged } from "../../../runtime/contexts.js";
import { judgedRunOf } from "../../../test/support/judged-run.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { errorOf, startSubgraphHarness, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { transparencySubgraph } from "../index.js";
import { appendLogEntry } from "../log-entry.append.js";
import { LOG_STATE_ROW, LogEntry, LogState } from "../log.entity.js";
import { type HeadSigner, leafBytes } from "../log-leaf.math.js";
import { sequenceLog } from "../log.sequence.js";
import { jwksVerifier, verifyLog } from "../log.verify.js";
import { publishTreeHead } from "../tree-head.publish.js";
import { runLogVerify } from "../../../scripts/log-verify.js";

/** A test key made with node:crypto, as a partner's verifier would see it: a JWKS. */
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const KID = "test-key";
const signer: HeadSigner = async (bytes) => ({ kid: KID, signature: sign(null, bytes, privateKey).toString("base64url") });
const verifier = jwksVerifier({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: KID }] });

const hex = (text: string) => Buffer.from(text, "hex");
const append = (dataSource: DataSource, n: number, subject = "agent-1") =>
  inTransaction(dataSource, async (manager) => {
    for (let i = 0; i < n; i += 1)
      await appendLogEntry(manager, {
        kind: LogEntryKind.API_KEY_ISSUED,
        subject,
        payload: { n: i, z: [1, "a"], a: null },
        at: new Date(),
      });
  });

const PROOF = `query P($index: Int!, $treeSize: Int) {
  logProof(index: $index, treeSize: $treeSize) { index treeSize leafHash auditPath treeHead { treeSize rootHash signedContent signature keyId } }
}`;
const CONSISTENCY = `query C($from: Int!, $to: Int!) { logConsistency(fromSize: $from, toSize: $to) { proof fromHead { rootHash } toHead { rootHash } } }`;
const ENTRY = `query E($index: Int!) { logEntry(index: $index) { index kind subject payload recordedAt leafHash } }`;

describe.each(DATABASE_KINDS)("the transparency log (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, transparencySubgraph);
  });
  afterAll(() => harness.stop());

  it("logs a trust change in the act's transaction, and nothing when the act rolls back", async () => {
    const before = await harness.count("transparency_log_entries");
    const run = judgedRunOf();
    const agentId = run.agentId;
    await expect(
      inTransaction(harness.dataSource, async (manager) => {
        await onRunJudged(manager, run);
        throw new Error("the act fails after judging");
      }),
    ).rejects.toThrow("the act fails");
    expect(await harness.count("transparency_log_entries")).toBe(before);

    await inTransaction(harness.dataSource, (manager) => onRunJudged(manager, run));
    const logged = await harness.dataSource.manager.find(LogEntry, { where: { subject: agentId } });
    expect(logged.map((entry) => entry.kind).sort()).toEqual([LogEntryKind.ELIGIBILITY, LogEntryKind.TRUST_CHANGE]);
    const change = JSON.parse(logged.find((entry) => entry.kind === LogEntryKind.TRUST_CHANGE)!.payload);
    expect(change).toMatchObject({ cause: "EVALUATION_RUN", causeId: run.runId });
    expect(change.after.compositeScore).not.toBe(change.before.compositeScore);
    expect(logged.every((entry) => entry.logIndex === null)).toBe(true);
  });

  it.runIf(kind === "mysql")("lets acts append while a sequencer holds its lock", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sequencer = inTransaction(harness.dataSource, async (manager) => {
      await manager.findOneOrFail(LogState, { where: { id: LOG_STATE_ROW }, lock: { mode: "pessimistic_write" } });
      await held;
    });
    // The append must finish while the lock is held: if it waited, it would lose this race to the timer.
    const outcome = await Promise.race([
      append(harness.dataSource, 3).then(() => "appended"),
      new Promise((r) => setTimeout(r, 5000, "waited")),
    ]);
    release();
    await sequencer;
    expect(outcome).toBe("appended");
  });

  it("gives dense indexes, signed heads, and proofs that RFC 9162's verifiers accept", async () => {
    await append(harness.dataSource, 5);
    const first = await publishTreeHead(harness.dataSource, signer);
    await append(harness.dataSource, 9);
    const second = await publishTreeHead(harness.dataSource, signer);
    expect(second.treeSize! - first.treeSize!).toBe(9);
    expect((await publishTreeHead(harness.dataSource, signer)).treeSize).toBeNull();

    const rows = await harness.dataSource.manager.find(LogEntry, { order: { logIndex: "ASC" } });
    expect(rows.map((row) => Number(row.logIndex))).toEqual(rows.map((_, i) => i));
    const leaves = rows.map((row, index) => leafHash(leafBytes({ index, ...row, recordedAt: row.recordedAt })));
    expect(rows.map((row) => row.leafHash)).toEqual(leaves.map((leaf) => leaf.toString("hex")));

    for (const index of [0, 3, second.treeSize! - 1]) {
      const { data } = await harness.call(PROOF, { index });
      const proof = data!.logProof;
      expect(proof.treeSize).toBe(second.treeSize);
      expect(verifyInclusion(hex(proof.leafHash), index, proof.treeSize, proof.auditPath.map(hex), hex(proof.treeHead.rootHash))).toBe(
        true,
      );
      expect(proof.treeHead.rootHash).toBe(treeRoot(leaves).toString("hex"));
      const signedAt = new Date(JSON.parse(proof.treeHead.signedContent).timestamp);
      expect(await verifier(Buffer.from(proof.treeHead.signedContent), proof.treeHead.signature, proof.treeHead.keyId, signedAt)).toBe(
        true,
      );
      expect(JSON.parse(proof.treeHead.signedContent)).toEqual({
        rootHash: proof.treeHead.rootHash,
        timestamp: expect.any(Number),
        treeSize: proof.treeSize,
      });
    }
    const { data: old } = await harness.call(PROOF, { index: 1, treeSize: first.treeSize });
    expect(
      verifyInclusion(
        hex(old!.logProof.leafHash),
        1,
        first.treeSize!,
        old!.logProof.auditPath.map(hex),
        hex(old!.logProof.treeHead.rootHash),
      ),
    ).toBe(true);

    const { data } = await harness.call(CONSISTENCY, { from: first.treeSize, to: second.treeSize });
    const c = data!.logConsistency;
    expect(verifyConsistency(first.treeSize!, second.treeSize!, c.proof.map(hex), hex(c.fromHead.rootHash), hex(c.toHead.rootHash))).toBe(
      true,
    );

    const { data: entry } = await harness.call(ENTRY, { index: 2 });
    expect(entry!.logEntry).toMatchObject({ index: 2, leafHash: rows[2]!.leafHash, payload: rows[2]!.payload });
    expect(rows.at(-1)!.payload).toBe('{"a":null,"n":8,"z":[1,"a"]}');
  });

  it("answers bad arguments with BAD_USER_INPUT naming them, unknown ones with NOT_FOUND, and a key without reputation:read with FORBIDDEN", async () => {
    expect(errorOf(await harness.call(PROOF, { index: -1 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "index" });
    expect(errorOf(await harness.call(PROOF, { index: 10_000 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "index" });
    expect(errorOf(await harness.call(PROOF, { index: 0, treeSize: 1 }))).toMatchObject({ code: "NOT_FOUND", field: "treeSize" });
    expect(errorOf(await harness.call(CONSISTENCY, { from: 9, to: 5 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "fromSize" });
    expect(errorOf(await harness.call(ENTRY, { index: 10_000 }))).toMatchObject({ code: "NOT_FOUND", field: "index" });
    const key = { role: "partner" as const, subject: "p", scopes: ["feed:read" as const] };
    expect(errorOf(await harness.call(ENTRY, { index: 0 }, key))).toMatchObject({ code: "FORBIDDEN", scope: "reputation:read" });
  });

  it("verifies clean, then reports each kind of tampering at its position", async () => {
    await sequenceLog(harness.dataSource);
    expect((await verifyLog(harness.dataSource, verifier)).problems).toEqual([]);
    const db = harness.dataSource;
    const at = async (index: number) => await db.manager.findOneByOrFail(LogEntry, { logIndex: index });
    const problemsOf = async () =>
      (await verifyLog(db, verifier)).problems.filter((p) => p.position !== null).map((p) => [p.position, p.kind]);
    const heads = async () => (await verifyLog(db, verifier)).problems.filter((p) => p.kind === "HEAD_MISMATCH").length;

    // Edited: a payload changed, its stored leaf hash even recomputed to match.
    const edited = await at(3);
    await db.manager.update(LogEntry, { id: edited.id }, { payload: '{"n":99}', leafHash: null });
    expect(await problemsOf()).toEqual([[3, "EDITED"]]);
    expect(await heads()).toBeGreaterThan(0);
    await db.manager.update(LogEntry, { id: edited.id }, { payload: edited.payload });

    // Swapped: two rows' contents exchanged.
    const [a, b] = [await at(2), await at(6)];
    await db.manager.update(LogEntry, { id: a.id }, { subject: "x", payload: b.payload, recordedAt: b.recordedAt, kind: b.kind });
    await db.manager.update(LogEntry, { id: b.id }, { subject: a.subject, payload: a.payload, recordedAt: a.recordedAt, kind: a.kind });
    await db.manager.update(LogEntry, { id: a.id }, { subject: b.subject });
    expect(await problemsOf()).toEqual([
      [2, "REORDERED"],
      [6, "REORDERED"],
    ]);
    await db.manager.update(LogEntry, { id: a.id }, { payload: a.payload, recordedAt: a.recordedAt, kind: a.kind, subject: a.subject });
    await db.manager.update(LogEntry, { id: b.id }, { payload: b.payload, recordedAt: b.recordedAt, kind: b.kind, subject: b.subject });
    expect((await verifyLog(db, verifier)).problems).toEqual([]);

    // Inserted: a forged row at 4, the later ones pushed up by one (highest first: the index is unique).
    const size = Number((await db.manager.findOneByOrFail(LogState, { id: LOG_STATE_ROW })).treeSize);
    for (let index = size - 1; index >= 4; index -= 1) await db.manager.update(LogEntry, { logIndex: index }, { logIndex: index + 1 });
    await db.manager.insert(LogEntry, {
      logIndex: 4,
      kind: LogEntryKind.API_KEY_REVOKED,
      subject: "forged",
      payload: "{}",
      leafHash: null,
      recordedAt: new Date(),
    });
    const inserted = await problemsOf();
    expect(inserted[0]).toEqual([4, "INSERTED"]);
    // Every entry after it is found moved, none taken for edited.
    expect(inserted.slice(1).map(([, problem]) => problem)).not.toContain("EDITED");
    expect(inserted.length).toBeGreaterThan(1);
    // Undone, then deleted: a row gone.
    await db.manager.delete(LogEntry, { logIndex: 4 });
    for (let index = 5; index <= size; index += 1) await db.manager.update(LogEntry, { logIndex: index }, { logIndex: index - 1 });
    expect((await verifyLog(db, verifier)).problems).toEqual([]);
    const deleted = await at(5);
    await db.manager.delete(LogEntry, { id: deleted.id });
    expect(await problemsOf()).toEqual([[5, "DELETED"]]);
    await db.manager.insert(LogEntry, { ...deleted });
    expect((await verifyLog(db, verifier)).problems).toEqual([]);

    // A forged head signature.
    await db.query("UPDATE transparency_tree_heads SET signature = ? WHERE tree_size = ?", [
      sign(null, Buffer.from("other"), privateKey).toString("base64url"),
      size,
    ]);
    expect((await verifyLog(db, verifier)).problems.map((p) => p.kind)).toEqual(["BAD_SIGNATURE"]);
  });

  it("fails a consistency proof between an old and a new head when history was rewritten in between", async () => {
    const db = harness.dataSource;
    const oldHead = (await harness.call(`{ treeHead { treeSize rootHash } }`)).data!.treeHead;
    // History rewritten: entry 1 edited and every stored hash above it recomputed, then the log grows and signs a new head.
    const row = await db.manager.findOneByOrFail(LogEntry, { logIndex: 1 });
    await db.manager.update(LogEntry, { id: row.id }, { payload: '{"rewritten":true}' });
    await db.query("UPDATE transparency_log_state SET tree_size = 0");
    await db.query("DELETE FROM transparency_tree_nodes");
    await db.query("UPDATE transparency_log_entries SET log_index = NULL, leaf_hash = NULL");
    await append(db, 3);
    const newHead = await publishTreeHead(db, signer);
    expect(newHead.treeSize).toBeGreaterThan(oldHead.treeSize);
    const { data } = await harness.call(CONSISTENCY, { from: oldHead.treeSize, to: newHead.treeSize });
    const c = data!.logConsistency;
    // The log's own old head, as the reader kept it: the rewritten log cannot prove it a prefix.
    expect(verifyConsistency(oldHead.treeSize, newHead.treeSize!, c.proof.map(hex), hex(oldHead.rootHash), hex(c.toHead.rootHash))).toBe(
      false,
    );
    // And log:verify names the heads the rewrite broke.
    expect((await verifyLog(db, verifier)).problems.some((p) => p.kind === "HEAD_MISMATCH")).toBe(true);
  });

  it("checks heads signed by keys retired long ago, and refuses one a retired key signed after its retirement", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "log-keys-"));
    const fresh = await startSubgraphHarness(kind, transparencySubgraph);
    try {
      const file = keySetFile(dataDir);
      const keys = fileSigner(file);
      await append(fresh.dataSource, 3);
      await publishTreeHead(fresh.dataSource, (bytes) => keys.sign(bytes));
      const first = parseKeySet(readFileSync(file, "utf8")).current;
      // Two rotations, each key out of the JWKS at once (no attestation lifetime to wait out).
      await rotateKeySetFile(file, new Date(), 0);
      await append(fresh.dataSource, 2);
      await publishTreeHead(fresh.dataSource, (bytes) => keys.sign(bytes));
      await rotateKeySetFile(file, new Date(), 0);
      expect((await keys.publicJwks()).keys.map((key) => key.kid)).not.toContain(first.kid);
      const logKeys = await keys.treeHeadKeys();
      expect(logKeys.keys.map((key) => key.kid)).toContain(first.kid);
      expect(JSON.stringify(logKeys)).not.toContain('"d"');
      expect((await verifyLog(fresh.dataSource, jwksVerifier(logKeys))).problems).toEqual([]);
      // Under the JWKS alone, the first head's key is gone: what log:verify must not rely on.
      expect((await verifyLog(fresh.dataSource, jwksVerifier(await keys.publicJwks()))).problems.map((p) => p.kind)).toEqual([
        "BAD_SIGNATURE",
        "BAD_SIGNATURE",
      ]);

      // Whoever kept the first private key signs a head after its retirement.
      const stolen = createPrivateKey({ key: { ...first }, format: "jwk" });
      await append(fresh.dataSource, 1);
      await publishTreeHead(fresh.dataSource, async (bytes) => ({
        kid: first.kid,
        signature: sign(null, bytes, stolen).toString("base64url"),
      }));
      const { problems } = await verifyLog(fresh.dataSource, jwksVerifier(await keys.treeHeadKeys()));
      expect(problems.map((problem) => problem.message)).toEqual([
        `tree head of size 6: the signature does not verify under key ${first.kid}, or was made after that key retired`,
      ]);
    } finally {
      await fresh.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("runs as `npm run log:verify`: exit 0 on a clean log, 1 with positions on a tampered one", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "log-verify-"));
    try {
      const fresh = await startSubgraphHarness(kind, transparencySubgraph);
      try {
        const keys = fileSigner(keySetFile(dataDir));
        await append(fresh.dataSource, 4);
        await publishTreeHead(fresh.dataSource, (bytes) => keys.sign(bytes));
        const options = fresh.dataSource.options as { url?: string; database?: string };
        const databaseUrl = kind === "mysql" ? options.url! : `sqlite:${options.database}`;
        const run = () =>
          promisify(execFile)("node", ["--import", "tsx", "scripts/log-verify.ts"], {
            env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: "warn" },
          }).then(
            (done) => ({ code: 0, out: done.stdout }),
            (failed: { code: number; stdout: string }) => ({ code: failed.code, out: failed.stdout }),
          );
        const clean = await run();
        expect(clean).toMatchObject({ code: 0, out: expect.stringMatching(/^log:verify: ok, 4 entries, 1 signed heads/) });
        await fresh.dataSource.query("UPDATE transparency_log_entries SET payload = ? WHERE log_index = 2", ['{"n":7}']);
        const tampered = await run();
        expect(tampered.code).toBe(1);
        expect(tampered.out).toContain("entry 2: does not hash to the leaf logged there (edited)");
        // In-process, as the tests call it.
        const lines: string[] = [];
        expect(await runLogVerify(databaseUrl, (line) => lines.push(line), jwksVerifier(await keys.treeHeadKeys()))).toBe(1);
        expect(lines[0]).toContain("entry 2");
      } finally {
        await fresh.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
