import type { EntityManager } from "typeorm";
import { perfectNodes, rootOfNodes, type TreeNodeRef } from "../../lib/platform/merkle.math.js";
import { TreeNode } from "./log.entity.js";

const key = (level: number, index: number) => `${level}:${index}`;

/**
 * The stored nodes `refs` name, in one statement (one IN list per level, at most ~40 levels).
 * Throws if one is missing: every node of a sequenced prefix is written when its last leaf is.
 */
export async function readNodes(manager: EntityManager, refs: readonly TreeNodeRef[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (refs.length === 0) return found;
  const byLevel = new Map<number, Set<number>>();
  for (const ref of refs) byLevel.set(ref.level, (byLevel.get(ref.level) ?? new Set()).add(ref.index));
  const query = manager.createQueryBuilder(TreeNode, "n").select(["n.level", "n.nodeIndex", "n.hash"]);
  [...byLevel].forEach(([level, indexes], i) => {
    query.orWhere(`(n.level = :level${i} AND n.node_index IN (:...indexes${i}))`, { [`level${i}`]: level, [`indexes${i}`]: [...indexes] });
  });
  for (const node of await query.getMany()) found.set(key(node.level, Number(node.nodeIndex)), Buffer.from(node.hash, "hex"));
  for (const ref of refs) if (!found.has(key(ref.level, ref.index))) throw new Error(`tree node ${key(ref.level, ref.index)} is missing`);
  return found;
}

/** The roots of `ranges` of the tree, read from the stored nodes in one statement. */
export async function rangeRoots(manager: EntityManager, ranges: readonly [number, number][]): Promise<Buffer[]> {
  const parts = ranges.map(([from, to]) => perfectNodes(from, to));
  const nodes = await readNodes(manager, parts.flat());
  return parts.map((refs) => rootOfNodes(refs.map((ref) => nodes.get(key(ref.level, ref.index))!)));
}
