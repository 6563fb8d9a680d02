import { type DataSource, type EntityManager, IsNull } from "typeorm";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { appendedNodes, perfectNodes } from "../../lib/platform/merkle.math.js";
import { LOG_STATE_ROW, LogEntry, LogState, TreeNode } from "./log.entity.js";
import { leafHashOf } from "./log-leaf.math.js";
import { rangeRoots } from "./tree-node.read.js";

/*
 * The log's sequencer, the trust feed's design (subgraphs/reputation/trust-event.sequence.ts,
 * docs/partners.md "Ordering guarantee") with one difference: a Merkle tree needs dense indexes,
 * so each row gets size + rank rather than id + offset. Why acts never wait on it:
 * - acts only INSERT rows without an index; they never touch the state row or the tree;
 * - the sequencer reads unsequenced rows with a plain read, which sees committed rows only and
 *   never waits for an open transaction, and updates them by primary key;
 * - it holds the state row's lock until it commits, so sequencers run one at a time and each
 *   starts from the size the previous one committed. An act that commits late is appended after
 *   whatever was sequenced meanwhile: indexes follow commit order as the sequencer saw it.
 * Not copied into a shared helper with the feed's: the feed's one-statement `id + offset` cannot
 * give dense indexes, and the tree work in between is this log's own.
 */

/** Entries appended per sequencer transaction: bounds one transaction's statement size (4 parameters a row). */
export const LOG_SEQUENCER_BATCH = 500;

async function unsequenced(manager: EntityManager, limit: number): Promise<LogEntry[]> {
  return manager.createQueryBuilder(LogEntry, "e").where("e.log_index IS NULL").orderBy("e.id", "ASC").limit(limit).getMany();
}

/** Appends up to `limit` committed entries to the tree; returns how many. */
export async function sequenceLogBatch(dataSource: DataSource, limit = LOG_SEQUENCER_BATCH): Promise<number> {
  // A plain look first, outside any transaction: nothing to do, no lock taken.
  if (!(await dataSource.manager.existsBy(LogEntry, { logIndex: IsNull() }))) return 0;
  return inTransaction(dataSource, async (manager) => {
    // The lock before any plain read, so that on MySQL the snapshot below sees the last sequencer's commit.
    const state = await manager.findOneOrFail(LogState, { where: { id: LOG_STATE_ROW }, lock: writeLock(manager) });
    const rows = await unsequenced(manager, limit);
    if (rows.length === 0) return 0;
    const size = Number(state.treeSize);
    const frontier = await rangeRoots(
      manager,
      perfectNodes(0, size).map(({ level, index }) => [index * 2 ** level, (index + 1) * 2 ** level] as [number, number]),
    );
    const leaves = rows.map((row, rank) =>
      leafHashOf({ index: size + rank, kind: row.kind, subject: row.subject, payload: row.payload, recordedAt: row.recordedAt }),
    );
    const nodes = appendedNodes(size, frontier, leaves).map(({ node, hash }) =>
      Object.assign(new TreeNode(), { level: node.level, nodeIndex: node.index, hash: hash.toString("hex") }),
    );
    for (let start = 0; start < nodes.length; start += 300) await manager.insert(TreeNode, nodes.slice(start, start + 300));
    // Index and leaf hash of every row in one statement: CASE by primary key, no gap locks.
    const cases = rows.map(() => "WHEN ? THEN ?").join(" ");
    const ids = rows.map((row) => Number(row.id));
    await manager.query(
      `UPDATE transparency_log_entries SET log_index = CASE id ${cases} END, leaf_hash = CASE id ${cases} END WHERE id IN (${ids.map(() => "?").join(",")})`,
      [...ids.flatMap((id, rank) => [id, size + rank]), ...ids.flatMap((id, rank) => [id, leaves[rank]!.toString("hex")]), ...ids],
    );
    await manager.update(LogState, { id: LOG_STATE_ROW }, { treeSize: size + rows.length });
    return rows.length;
  });
}

/** Sequences every committed entry, batch after batch; returns how many. */
export async function sequenceLog(dataSource: DataSource): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await sequenceLogBatch(dataSource);
    total += done;
    if (done < LOG_SEQUENCER_BATCH) return total;
  }
}
