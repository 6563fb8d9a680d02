import { createHash } from "node:crypto";

/*
 * The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: what a transparency log
 * of trust decisions is built on, so that anyone holding a signed tree head can check that an entry
 * is in the log (inclusion) and that a later head extends an earlier one without rewriting it
 * (consistency). Pure functions over leaf hashes; SHA-256 throughout.
 */

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** The hash of a leaf: SHA-256(0x00 ‖ entry). The prefix keeps a leaf from passing for an inner node. */
export function leafHash(entry: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, entry);
}

/** The hash of an inner node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right);
}

/** The largest power of two smaller than n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The Merkle Tree Hash of leaves [from, to) given by their leaf hashes. `memo` keeps subtree roots
 * across calls, so that proofs against one tree share the work.
 */
function subtreeRoot(leaves: readonly Uint8Array[], from: number, to: number, memo?: Map<string, Buffer>): Buffer {
  const n = to - from;
  if (n === 0) return sha256();
  if (n === 1) return Buffer.from(leaves[from]!);
  const key = `${from}:${to}`;
  const known = memo?.get(key);
  if (known) return known;
  const k = split(n);
  const root = nodeHash(subtreeRoot(leaves, from, from + k, memo), subtreeRoot(leaves, from + k, to, memo));
  memo?.set(key, root);
  return root;
}

/** MTH(D[n]): the root of the tree whose leaf hashes are `leaves` (SHA-256 of nothing when empty). */
export function treeRoot(leaves: readonly Uint8Array[]): Buffer {
  return subtreeRoot(leaves, 0, leaves.length);
}

/** PATH(m, D[n]): the audit path proving that leaf `index` is in the tree of `leaves`, leaf-most first. */
export function inclusionProof(index: number, leaves: readonly Uint8Array[], memo = new Map<string, Buffer>()): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError(`no leaf ${index} in a tree of ${leaves.length}`);
  const path = (m: number, from: number, to: number): Buffer[] => {
    if (to - from <= 1) return [];
    const k = split(to - from);
    return m < k
      ? [...path(m, from, from + k), subtreeRoot(leaves, from + k, to, memo)]
      : [...path(m - k, from + k, to), subtreeRoot(leaves, from, from + k, memo)];
  };
  return path(index, 0, leaves.length);
}

/** PROOF(m, D[n]): the proof that the tree of the first `oldSize` leaves is a prefix of the tree of `leaves`. */
export function consistencyProof(oldSize: number, leaves: readonly Uint8Array[], memo = new Map<string, Buffer>()): Buffer[] {
  if (!Number.isInteger(oldSize) || oldSize < 1 || oldSize > leaves.length)
    throw new RangeError(`no consistency proof from ${oldSize} to ${leaves.length} leaves`);
  const subproof = (m: number, from: number, to: number, whole: boolean): Buffer[] => {
    const n = to - from;
    if (m === n) return whole ? [] : [subtreeRoot(leaves, from, to, memo)];
    const k = split(n);
    return m <= k
      ? [...subproof(m, from, from + k, whole), subtreeRoot(leaves, from + k, to, memo)]
      : [...subproof(m - k, from + k, to, false), subtreeRoot(leaves, from, from + k, memo)];
  };
  return subproof(oldSize, 0, leaves.length, true);
}

/** RFC 9162 §2.1.3.2: whether `proof` shows the leaf with hash `leaf` at `index` in a tree of `size` with root `root`. */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else r = nodeHash(r, p);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && r.equals(root);
}

/**
 * RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `oldSize` leaves with root `oldRoot`
 * is a prefix of the tree of `newSize` leaves with root `newRoot`: nothing in it was edited,
 * dropped or reordered.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  proof: readonly Uint8Array[],
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
): boolean {
  if (!Number.isInteger(oldSize) || !Number.isInteger(newSize) || oldSize < 1 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && Buffer.from(oldRoot).equals(newRoot);
  // A power-of-two old tree is a node of the new one: its root is the proof's implicit first step.
  const path = (oldSize & (oldSize - 1)) === 0 ? [oldRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) [fn, sn] = [fn >> 1, sn >> 1];
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else sr = nodeHash(sr, c);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}

/*
 * The same tree kept in a store of perfect subtrees instead of a list of leaves: node (level, index)
 * is the root of the 2^level leaves from index·2^level. Every subtree RFC 9162 splits a tree into
 * starts at a multiple of its largest power of two, so it is a few stored nodes, and a root or a
 * proof for a tree of n leaves reads O(log² n) nodes, never the leaves. Appending n leaves writes
 * fewer than 2n nodes: each node is written once, when its last leaf arrives, and never changes.
 */

/** A perfect subtree: the root of leaves [index·2^level, (index + 1)·2^level). */
export interface TreeNodeRef {
  level: number;
  index: number;
}

/** The perfect subtrees leaves [from, to) are made of, left to right (`from` a multiple of the largest power of two ≤ to − from). */
export function perfectNodes(from: number, to: number): TreeNodeRef[] {
  const nodes: TreeNodeRef[] = [];
  let start = from;
  for (let level = Math.floor(Math.log2(Math.max(to - from, 1))) + 1; level >= 0; level -= 1) {
    const width = 2 ** level;
    if (start + width <= to) {
      nodes.push({ level, index: start / width });
      start += width;
    }
  }
  return nodes;
}

/** The root of a range from its perfect subtrees' roots, left to right (as perfectNodes lists them). */
export function rootOfNodes(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return sha256();
  let root: Buffer = Buffer.from(hashes.at(-1)!);
  for (let i = hashes.length - 2; i >= 0; i -= 1) root = nodeHash(hashes[i]!, root);
  return root;
}

/** The ranges [from, to) whose roots make PATH(index, D[size]), leaf-most first: what inclusionProof hashes. */
export function inclusionProofRanges(index: number, size: number): [number, number][] {
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const path = (m: number, from: number, to: number): [number, number][] => {
    if (to - from <= 1) return [];
    const k = split(to - from);
    return m < k ? [...path(m, from, from + k), [from + k, to]] : [...path(m - k, from + k, to), [from, from + k]];
  };
  return path(index, 0, size);
}

/** The ranges [from, to) whose roots make PROOF(oldSize, D[size]): what consistencyProof hashes. */
export function consistencyProofRanges(oldSize: number, size: number): [number, number][] {
  if (!Number.isInteger(oldSize) || oldSize < 1 || oldSize > size)
    throw new RangeError(`no consistency proof from ${oldSize} to ${size} leaves`);
  const subproof = (m: number, from: number, to: number, whole: boolean): [number, number][] => {
    const n = to - from;
    if (m === n) return whole ? [] : [[from, to]];
    const k = split(n);
    return m <= k ? [...subproof(m, from, from + k, whole), [from + k, to]] : [...subproof(m - k, from + k, to, false), [from, from + k]];
  };
  return subproof(oldSize, 0, size, true);
}

/**
 * The nodes that appending `leaves` after the first `size` writes: each leaf (level 0) and every
 * subtree it completes. `frontier` holds the roots of perfectNodes(0, size), left to right: all
 * an append needs of the tree so far.
 */
export function appendedNodes(
  size: number,
  frontier: readonly Uint8Array[],
  leaves: readonly Uint8Array[],
): { node: TreeNodeRef; hash: Buffer }[] {
  const refs = perfectNodes(0, size);
  if (refs.length !== frontier.length) throw new RangeError(`a tree of ${size} has ${refs.length} frontier nodes, not ${frontier.length}`);
  const stack = refs.map((node, i): { node: TreeNodeRef; hash: Buffer } => ({ node, hash: Buffer.from(frontier[i]!) }));
  const written: { node: TreeNodeRef; hash: Buffer }[] = [];
  leaves.forEach((leaf, i) => {
    let top: { node: TreeNodeRef; hash: Buffer } = { node: { level: 0, index: size + i }, hash: Buffer.from(leaf) };
    written.push(top);
    // A right child completes its parent: merge while the two topmost are siblings.
    while (stack.length > 0 && stack.at(-1)!.node.level === top.node.level) {
      const left = stack.pop()!;
      top = { node: { level: top.node.level + 1, index: left.node.index / 2 }, hash: nodeHash(left.hash, top.hash) };
      written.push(top);
    }
    stack.push(top);
  });
  return written;
}
