import type { DataSource } from "typeorm";
import { BadUserInputError, NotFoundError } from "../../lib/platform/errors.js";
import { consistencyProofRanges, inclusionProofRanges, perfectNodes } from "../../lib/platform/merkle.math.js";
import { LogEntry, TreeHead } from "./log.entity.js";
import { headBytes } from "./log-leaf.math.js";
import type { LogConsistencyProof, LogInclusionProof, SignedTreeHead, TransparencyLogEntry } from "./log.types.js";
import { rangeRoots, readNodes } from "./tree-node.read.js";

/*
 * The log's reads. Proofs are only given against a signed head, so that whoever checks one has a
 * root the log committed to; every proof reads O(log² n) stored nodes in one statement.
 */

const MAX_INDEX = 2 ** 53 - 1;

function checkedCount(field: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > MAX_INDEX) throw new BadUserInputError(field, `must be an integer ≥ ${min}`);
  return value;
}

function headOf(row: TreeHead): SignedTreeHead {
  const treeSize = Number(row.treeSize);
  return {
    treeSize,
    rootHash: row.rootHash,
    timestamp: row.createdAt,
    signedContent: headBytes({ treeSize, rootHash: row.rootHash, timestamp: row.createdAt.getTime() }).toString("utf8"),
    signature: row.signature,
    keyId: row.keyId,
  };
}

/** The latest head, or the head of `treeSize`; null when there is none yet (latest) — NOT_FOUND for a size never signed. */
export async function readTreeHead(dataSource: DataSource, treeSize: number | null, field = "treeSize"): Promise<SignedTreeHead | null> {
  if (treeSize === null) {
    const [latest] = await dataSource.manager.find(TreeHead, { order: { treeSize: "DESC" }, take: 1 });
    return latest ? headOf(latest) : null;
  }
  const row = await dataSource.manager.findOneBy(TreeHead, { treeSize: checkedCount(field, treeSize, 1) });
  if (!row) throw new NotFoundError(field, "tree head of size", String(treeSize));
  return headOf(row);
}

export async function readLogEntry(dataSource: DataSource, index: number): Promise<TransparencyLogEntry> {
  const row = await dataSource.manager.findOneBy(LogEntry, { logIndex: checkedCount("index", index, 0) });
  if (!row) throw new NotFoundError("index", "log entry", String(index));
  return {
    index: Number(row.logIndex),
    kind: row.kind,
    subject: row.subject,
    payload: row.payload,
    recordedAt: row.recordedAt,
    leafHash: row.leafHash!,
  };
}

/** Inclusion of entry `index` in the head of `treeSize` (default the latest head). */
export async function readInclusionProof(dataSource: DataSource, index: number, treeSize: number | null): Promise<LogInclusionProof> {
  checkedCount("index", index, 0);
  const head = await readTreeHead(dataSource, treeSize);
  if (!head) throw new NotFoundError("treeSize", "tree head of size", "any: the log has no signed head yet");
  if (index >= head.treeSize) throw new BadUserInputError("index", `must be below the tree size ${head.treeSize}`);
  // The leaf is read from the tree itself, the sequencer's record, not from the entry row.
  const [leafNodes, path] = await Promise.all([
    readNodes(dataSource.manager, perfectNodes(index, index + 1)),
    rangeRoots(dataSource.manager, inclusionProofRanges(index, head.treeSize)),
  ]);
  return {
    index,
    treeSize: head.treeSize,
    leafHash: [...leafNodes.values()][0]!.toString("hex"),
    auditPath: path.map((hash) => hash.toString("hex")),
    treeHead: head,
  };
}

/** That the head of `fromSize` is a prefix of the head of `toSize`. */
export async function readConsistencyProof(dataSource: DataSource, fromSize: number, toSize: number): Promise<LogConsistencyProof> {
  checkedCount("fromSize", fromSize, 1);
  checkedCount("toSize", toSize, 1);
  if (fromSize > toSize) throw new BadUserInputError("fromSize", "must not exceed toSize");
  const fromHead = (await readTreeHead(dataSource, fromSize, "fromSize"))!;
  const toHead = (await readTreeHead(dataSource, toSize, "toSize"))!;
  const proof = await rangeRoots(dataSource.manager, consistencyProofRanges(fromSize, toSize));
  return { fromSize, toSize, proof: proof.map((hash) => hash.toString("hex")), fromHead, toHead };
}
