import { In, type DataSource, type EntityManager } from "typeorm";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { SEQUENCER_ROW, TrustEvent, TrustEventSequencer } from "./trust-event.entity.js";

/*
 * The feed's sequencer: gives committed events their position, in id order, one sequencer at a
 * time. Why this orders the feed without a gap that later fills:
 * - it reads unpositioned rows with a plain read, which sees only committed rows and never waits
 *   for a transaction still open (a locking read would wait for, and then see, a writer's row);
 * - it holds the sequencer row's lock until it commits, so the next sequencer starts from the
 *   positions this one committed, and positions only grow;
 * - so an event committed late, after events with higher ids were positioned, is positioned after
 *   them: a reader who has read up to some position can never be handed one below it later.
 * Trust writers never touch the sequencer row, and never wait for it: they insert rows with no
 * position, and the sequencer updates only rows already committed (by primary key, no gap lock).
 */

/** Events positioned per sequencer transaction: the bound on one feed read's extra work. */
export const SEQUENCER_BATCH = 1000;

/** Ids of committed events without a position, oldest first: a plain read along the position index. */
async function unpositioned(manager: EntityManager, limit: number): Promise<number[]> {
  const rows = await manager
    .createQueryBuilder(TrustEvent, "e")
    .select("e.id", "id")
    .where("e.position IS NULL")
    .orderBy("e.id", "ASC")
    .limit(limit)
    .getRawMany<{ id: number | string }>();
  return rows.map((row) => Number(row.id));
}

/**
 * Positions up to `limit` committed events; returns how many. A plain look first, outside any
 * transaction, so that readers do not queue on the sequencer's lock when there is nothing to do.
 */
export async function sequenceTrustEvents(dataSource: DataSource, limit = SEQUENCER_BATCH): Promise<number> {
  if ((await unpositioned(dataSource.manager, 1)).length === 0) return 0;
  return inTransaction(dataSource, async (manager) => {
    // The lock before any plain read: on MySQL the snapshot of the read below is then taken after
    // the previous sequencer committed, and sees every position it handed out.
    const sequencer = await manager.findOneOrFail(TrustEventSequencer, { where: { id: SEQUENCER_ROW }, lock: writeLock(manager) });
    const ids = await unpositioned(manager, limit);
    if (ids.length === 0) return 0;
    // position = id + offset: increasing in id order, and the first one just past the last
    // position handed out, in one statement whatever the batch. Positions may skip numbers.
    const offset = Number(sequencer.lastPosition) + 1 - ids[0]!;
    await manager
      .createQueryBuilder()
      .update(TrustEvent)
      .set({ position: () => "id + :offset" })
      .setParameter("offset", offset)
      .where({ id: In(ids) })
      .execute();
    await manager.update(TrustEventSequencer, { id: SEQUENCER_ROW }, { lastPosition: ids.at(-1)! + offset });
    return ids.length;
  });
}
