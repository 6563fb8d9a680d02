import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from "node:crypto";
import type { DataSource } from "typeorm";
import { nodeHash, treeRoot } from "../../lib/platform/merkle.math.js";
import { LOG_STATE_ROW, LogEntry, LogState, TreeHead, TreeNode } from "./log.entity.js";
import { headBytes, type HeadVerifier, leafHashOf } from "./log-leaf.math.js";

/*
 * `npm run log:verify`: recomputes every leaf from the entries as stored, rebuilds the tree, and
 * checks every signed head's root and signature. Positions are found against the sequencer's own
 * record of each leaf (tree nodes of level 0): a row edited, deleted, inserted or moved no longer
 * hashes to the leaf recorded at its position. Whoever also rewrote that record is still caught by
 * the signed heads, which no one can re-sign without the key; then the report narrows the change
 * to the entries between the last head that still matches and the first that does not.
 */

export interface LogProblem {
  /** The entry's index, or null for a problem with a head as a whole. */
  position: number | null;
  kind: "EDITED" | "DELETED" | "INSERTED" | "REORDERED" | "HEAD_MISMATCH" | "BAD_SIGNATURE";
  message: string;
}

export interface LogVerification {
  entries: number;
  heads: number;
  problems: LogProblem[];
}

const PAGE = 5000;

/**
 * A verifier over the log keys (the gateway's /.well-known/log-keys.json, or the key set's public
 * halves): a head verifies under the key it names, and only if it was signed before that key was
 * retired, when there is a `retiredAt`: whoever kept a retired private key cannot sign new heads.
 */
export function jwksVerifier(jwks: { keys: readonly { kid?: string; retiredAt?: string }[] }): HeadVerifier {
  const keys = new Map(
    jwks.keys.map(({ retiredAt, ...jwk }) => [
      jwk.kid,
      { key: createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }), until: retiredAt ? Date.parse(retiredAt) : Infinity },
    ]),
  );
  return async (bytes, signature, kid, signedAt) => {
    const known = keys.get(kid);
    return !!known && signedAt.getTime() <= known.until && cryptoVerify(null, bytes, known.key, Buffer.from(signature, "base64url"));
  };
}

/** Streams every sequenced entry in index order, a page at a time (keyset pagination). */
async function* entriesInOrder(dataSource: DataSource): AsyncGenerator<LogEntry> {
  let after = -1;
  for (;;) {
    const page = await dataSource.manager
      .createQueryBuilder(LogEntry, "e")
      .where("e.log_index > :after", { after })
      .orderBy("e.log_index", "ASC")
      .limit(PAGE)
      .getMany();
    yield* page;
    if (page.length < PAGE) return;
    after = Number(page.at(-1)!.logIndex);
  }
}

/** The sequencer's recorded leaf hashes, by index. */
async function recordedLeaves(dataSource: DataSource): Promise<Map<number, string>> {
  const rows = await dataSource.manager.find(TreeNode, { where: { level: 0 }, select: { nodeIndex: true, hash: true } });
  return new Map(rows.map((row) => [Number(row.nodeIndex), row.hash]));
}

const hashAt = (entry: LogEntry, index: number) =>
  leafHashOf({ index, kind: entry.kind, subject: entry.subject, payload: entry.payload, recordedAt: entry.recordedAt }).toString("hex");

export async function verifyLog(dataSource: DataSource, verifySignature: HeadVerifier): Promise<LogVerification> {
  const problems: LogProblem[] = [];
  const heads = await dataSource.manager.find(TreeHead, { order: { treeSize: "ASC" } });
  const state = await dataSource.manager.findOneByOrFail(LogState, { id: LOG_STATE_ROW });
  const recorded = await recordedLeaves(dataSource);
  const treeSize = Math.max(Number(state.treeSize), recorded.size, ...heads.map((head) => Number(head.treeSize)));

  // Pass 1: the rows, in index order; the leaves recomputed from them (null where none is).
  const rows = new Map<number, LogEntry>();
  const leaves: (Buffer | null)[] = [];
  for await (const entry of entriesInOrder(dataSource)) {
    const index = Number(entry.logIndex);
    rows.set(index, entry);
    if (index < treeSize) leaves[index] = Buffer.from(hashAt(entry, index), "hex");
  }
  const mismatched: number[] = [];
  for (let index = 0; index < treeSize; index += 1) {
    const row = rows.get(index);
    if (!row) problems.push({ position: index, kind: "DELETED", message: `entry ${index}: missing (deleted)` });
    else if (recorded.has(index) && leaves[index]!.toString("hex") !== recorded.get(index)) mismatched.push(index);
  }
  for (const index of [...rows.keys()].filter((index) => index >= treeSize))
    problems.push({
      position: index,
      kind: "INSERTED",
      message: `entry ${index}: beyond the tree of ${treeSize}, never sequenced there (inserted)`,
    });

  // A mismatched row that hashes right at another position was moved there: swapped, or shifted
  // by a row deleted or inserted before it. One that hashes right nowhere was edited, or inserted.
  const candidates = new Set(mismatched);
  const movedFrom = new Map<number, number>();
  for (const index of mismatched) {
    const row = rows.get(index)!;
    const tries = new Set([index - 1, index + 1, ...(candidates.size <= 64 ? candidates : [])]);
    for (const other of tries)
      if (other !== index && recorded.get(other) === hashAt(row, other)) {
        movedFrom.set(index, other);
        break;
      }
  }
  for (const index of mismatched) {
    const from = movedFrom.get(index);
    if (from !== undefined && movedFrom.get(from) === index)
      problems.push({ position: index, kind: "REORDERED", message: `entry ${index}: holds the entry logged at ${from} (reordered)` });
    else if (from !== undefined)
      problems.push({ position: index, kind: "REORDERED", message: `entry ${index}: holds the entry logged at ${from} (shifted)` });
    else if (movedFrom.get(index + 1) === index)
      problems.push({
        position: index,
        kind: "INSERTED",
        message: `entry ${index}: not in the log; the entries after it were shifted (inserted)`,
      });
    else problems.push({ position: index, kind: "EDITED", message: `entry ${index}: does not hash to the leaf logged there (edited)` });
  }

  // Pass 2: every head, against the tree of the leaves recomputed from the rows, in one sweep of
  // the frontier (perfect subtrees of the prefix so far), so each head's root costs O(log n).
  const frontier: { level: number; hash: Buffer }[] = [];
  let size = 0;
  let lastGood = 0;
  for (const head of heads) {
    const headSize = Number(head.treeSize);
    let broken = false;
    for (; size < headSize; size += 1) {
      const leaf = leaves[size];
      if (!leaf) broken = true;
      let top = { level: 0, hash: leaf ?? Buffer.alloc(32) };
      while (frontier.length > 0 && frontier.at(-1)!.level === top.level) {
        const left = frontier.pop()!;
        top = { level: top.level + 1, hash: nodeHash(left.hash, top.hash) };
      }
      frontier.push(top);
    }
    const root = frontier.length === 0 ? treeRoot([]) : frontier.map((node) => node.hash).reduceRight((acc, hash) => nodeHash(hash, acc));
    if (broken || root.toString("hex") !== head.rootHash)
      problems.push({
        position: null,
        kind: "HEAD_MISMATCH",
        message: `tree head of size ${headSize}: its root does not match the entries (a change among entries ${lastGood}–${headSize - 1})`,
      });
    else lastGood = headSize;
    const bytes = headBytes({ treeSize: headSize, rootHash: head.rootHash, timestamp: head.createdAt.getTime() });
    if (!(await verifySignature(bytes, head.signature, head.keyId, head.createdAt)))
      problems.push({
        position: null,
        kind: "BAD_SIGNATURE",
        message: `tree head of size ${headSize}: the signature does not verify under key ${head.keyId}, or was made after that key retired`,
      });
  }
  problems.sort((a, b) => (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER));
  return { entries: rows.size, heads: heads.length, problems };
}
