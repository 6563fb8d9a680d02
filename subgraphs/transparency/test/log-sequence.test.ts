import { describe, expect, it } from "vitest";
import { LogEntryKind } from "../../../lib/contracts/transparency-log.js";
import { inTransaction } from "../../../lib/platform/database.js";
import { leafHash, treeRoot } from "../../../lib/platform/merkle.math.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { useScratchDatabase } from "../../../test/support/migrated-database.js";
import type { DataSource } from "typeorm";
import { appendLogEntry } from "../log-entry.append.js";
import { LOG_STATE_ROW, LogEntry, LogState } from "../log.entity.js";
import { leafBytes } from "../log-leaf.math.js";
import { LOG_SEQUENCER_BATCH, sequenceLog, sequenceLogBatch } from "../log.sequence.js";
import { rangeRoots } from "../tree-node.read.js";

/*
 * The sequencer past one batch (log.sequence.ts): LOG_SEQUENCER_BATCH entries per transaction,
 * each batch continuing the tree where the last one left it. Indexes must stay dense and in commit
 * order across batches, and the stored tree must be the RFC 9162 tree of the leaves recomputed
 * from the rows, at the final size and at every batch's boundary.
 */

/** Appends `n` entries in one transaction, `n` counting on from `from` in their payloads. */
const append = (dataSource: DataSource, n: number, from = 0) =>
  inTransaction(dataSource, async (manager) => {
    for (let i = from; i < from + n; i += 1)
      await appendLogEntry(manager, { kind: LogEntryKind.TRUST_CHANGE, subject: `agent-${i % 7}`, payload: { n: i }, at: new Date() });
  });

/** Every entry in index order, with its leaf recomputed from its stored fields. */
async function recomputed(dataSource: DataSource) {
  const rows = await dataSource.manager.find(LogEntry, { order: { id: "ASC" } });
  return rows.map((row) => ({
    id: Number(row.id),
    index: row.logIndex === null ? null : Number(row.logIndex),
    n: (JSON.parse(row.payload) as { n: number }).n,
    stored: row.leafHash,
    leaf: row.logIndex === null ? null : leafHash(leafBytes({ ...row, index: Number(row.logIndex) })),
  }));
}

async function treeSize(dataSource: DataSource): Promise<number> {
  return Number((await dataSource.manager.findOneByOrFail(LogState, { id: LOG_STATE_ROW })).treeSize);
}

/** Checks the log is the dense, commit-ordered tree of `n` recomputed leaves, its root also at `prefixes`. */
async function expectTreeOf(dataSource: DataSource, n: number, prefixes: number[]) {
  const entries = await recomputed(dataSource);
  expect(entries).toHaveLength(n);
  // Dense, from 0, in id (commit) order: the i-th appended is at index i.
  expect(entries.map((entry) => entry.index)).toEqual(entries.map((_, i) => i));
  expect(entries.map((entry) => entry.n)).toEqual(entries.map((_, i) => i));
  expect(entries.map((entry) => entry.stored)).toEqual(entries.map((entry) => entry.leaf!.toString("hex")));
  expect(await treeSize(dataSource)).toBe(n);
  const leaves = entries.map((entry) => entry.leaf!);
  const sizes = [...prefixes, n];
  const roots = await rangeRoots(
    dataSource.manager,
    sizes.map((size) => [0, size]),
  );
  expect(roots.map((root) => root.toString("hex"))).toEqual(sizes.map((size) => treeRoot(leaves.slice(0, size)).toString("hex")));
}

describe.each(DATABASE_KINDS)("sequencing the transparency log in batches (%s)", (kind) => {
  const scratch = useScratchDatabase(kind);

  it("is sized as documented", () => {
    expect(LOG_SEQUENCER_BATCH).toBe(500);
  });

  it("sequences more than a batch into dense indexes across batches, the root that of the recomputed leaves", async () => {
    const db = await scratch.open();
    const n = 2 * LOG_SEQUENCER_BATCH + 37;
    await append(db, n);

    expect(await sequenceLog(db)).toBe(n);

    await expectTreeOf(db, n, [1, LOG_SEQUENCER_BATCH - 1, LOG_SEQUENCER_BATCH, LOG_SEQUENCER_BATCH + 1, 2 * LOG_SEQUENCER_BATCH]);
    // Nothing left: a second pass appends nothing.
    expect(await sequenceLog(db)).toBe(0);
  });

  it("sequences exactly one batch, then one more entry after it; a batch takes exactly LOG_SEQUENCER_BATCH", async () => {
    const db = await scratch.open();
    await append(db, LOG_SEQUENCER_BATCH);

    expect(await sequenceLog(db)).toBe(LOG_SEQUENCER_BATCH);
    await expectTreeOf(db, LOG_SEQUENCER_BATCH, [LOG_SEQUENCER_BATCH - 1]);

    await append(db, 1, LOG_SEQUENCER_BATCH);
    expect(await sequenceLog(db)).toBe(1);
    await expectTreeOf(db, LOG_SEQUENCER_BATCH + 1, [LOG_SEQUENCER_BATCH]);

    // One more than a batch committed at once: a full batch, then the one left, then nothing.
    await append(db, LOG_SEQUENCER_BATCH + 1, LOG_SEQUENCER_BATCH + 1);
    expect([await sequenceLogBatch(db), await sequenceLogBatch(db), await sequenceLogBatch(db)]).toEqual([LOG_SEQUENCER_BATCH, 1, 0]);
    await expectTreeOf(db, 2 * LOG_SEQUENCER_BATCH + 2, [LOG_SEQUENCER_BATCH + 1, 2 * LOG_SEQUENCER_BATCH + 1]);
  });
});
