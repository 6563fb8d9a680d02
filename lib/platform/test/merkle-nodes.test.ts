import { describe, expect, it } from "vitest";
import {
  appendedNodes,
  consistencyProof,
  consistencyProofRanges,
  inclusionProof,
  inclusionProofRanges,
  leafHash,
  perfectNodes,
  rootOfNodes,
  treeRoot,
  type TreeNodeRef,
} from "../merkle.math.js";

// A tree kept as stored perfect subtrees must give exactly what the list-of-leaves functions give.
const LEAVES = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const key = (node: TreeNodeRef) => `${node.level}:${node.index}`;

/** Builds the node store the way the log does: appending in uneven batches from the frontier. */
function store(leaves: Buffer[]): Map<string, Buffer> {
  const nodes = new Map<string, Buffer>();
  let size = 0;
  for (const batch of [1, 2, 5, 3, 16, 7, 36]) {
    const frontier = perfectNodes(0, size).map((node) => nodes.get(key(node))!);
    for (const { node, hash } of appendedNodes(size, frontier, leaves.slice(size, size + batch))) {
      expect(nodes.has(key(node)), `node ${key(node)} written twice`).toBe(false);
      nodes.set(key(node), hash);
    }
    size += batch;
  }
  expect(size).toBe(leaves.length);
  return nodes;
}

const rangeRoot = (nodes: Map<string, Buffer>, [from, to]: [number, number]) =>
  rootOfNodes(perfectNodes(from, to).map((n) => nodes.get(key(n))!));

describe("the Merkle tree kept as perfect subtrees", () => {
  const nodes = store(LEAVES);

  it("writes each node once, fewer than two per leaf, each the root of its leaves", () => {
    expect(nodes.size).toBeLessThan(2 * LEAVES.length);
    for (const [name, hash] of nodes) {
      const [level, index] = name.split(":").map(Number) as [number, number];
      expect(hash.equals(treeRoot(LEAVES.slice(index * 2 ** level, (index + 1) * 2 ** level))), name).toBe(true);
    }
  });

  it("gives every prefix's root from its frontier alone", () => {
    for (let size = 0; size <= LEAVES.length; size += 1)
      expect(rangeRoot(nodes, [0, size]).equals(treeRoot(LEAVES.slice(0, size))), `size ${size}`).toBe(true);
  });

  it("gives the same inclusion and consistency proofs as the leaves do, for every size", () => {
    for (let size = 1; size <= LEAVES.length; size += 1) {
      const tree = LEAVES.slice(0, size);
      for (let index = 0; index < size; index += 1) {
        const fromNodes = inclusionProofRanges(index, size).map((range) => rangeRoot(nodes, range));
        expect(fromNodes, `leaf ${index} of ${size}`).toEqual(inclusionProof(index, tree));
      }
      for (let oldSize = 1; oldSize <= size; oldSize += 1) {
        const fromNodes = consistencyProofRanges(oldSize, size).map((range) => rangeRoot(nodes, range));
        expect(fromNodes, `${oldSize} → ${size}`).toEqual(consistencyProof(oldSize, tree));
      }
    }
  });

  it("refuses a frontier that does not fit the size", () => {
    expect(() => appendedNodes(3, [LEAVES[0]!], [LEAVES[1]!])).toThrow(RangeError);
  });
});
