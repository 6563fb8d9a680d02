import type { DataSource } from "typeorm";
import { LOG_STATE_ROW, LogState, TreeHead } from "./log.entity.js";
import { headBytes, type HeadSigner } from "./log-leaf.math.js";
import { sequenceLog } from "./log.sequence.js";
import { rangeRoots } from "./tree-node.read.js";

/**
 * The scheduled job: sequences what committed, then, when the tree grew past the latest head,
 * signs and stores a head for its current size. Two runs at once store the same size at most once
 * (the size is the key; the loser's insert is skipped). Returns what it did.
 */
export async function publishTreeHead(
  dataSource: DataSource,
  sign: HeadSigner,
  now: () => Date = () => new Date(),
): Promise<{ sequenced: number; treeSize: number | null }> {
  const sequenced = await sequenceLog(dataSource);
  const state = await dataSource.manager.findOneByOrFail(LogState, { id: LOG_STATE_ROW });
  const size = Number(state.treeSize);
  const latest = await dataSource.manager.find(TreeHead, { order: { treeSize: "DESC" }, take: 1 });
  if (size === 0 || (latest[0] && Number(latest[0].treeSize) >= size)) return { sequenced, treeSize: null };
  const [root] = await rangeRoots(dataSource.manager, [[0, size]]);
  const createdAt = now();
  const rootHash = root!.toString("hex");
  const { kid, signature } = await sign(headBytes({ treeSize: size, rootHash, timestamp: createdAt.getTime() }));
  await dataSource.manager
    .createQueryBuilder()
    .insert()
    .into(TreeHead)
    .values({ treeSize: size, rootHash, createdAt, signature, keyId: kid })
    .orIgnore()
    .updateEntity(false)
    .execute();
  return { sequenced, treeSize: size };
}
