import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import { decodeCursor, isTimeCursor, pageOf, pageSize } from "../../lib/platform/pagination.js";
import { Dispute } from "./dispute.entity.js";
import type { DisputeFilter } from "./dispute.inputs.js";
import type { DisputeConnection } from "./dispute-summary.types.js";
import { readableBy } from "./disputes.access.js";

/** Where a page of disputes starts and how long it is, as the query gives them. */
export interface DisputePage {
  first: number | null;
  after: string | null;
}

/** A page of the disputes the caller may read in full (disputes.access: readableBy) that meet the filter, newest first. */
export async function listDisputes(
  dataSource: DataSource,
  caller: Identity,
  filter: DisputeFilter | null,
  { first, after }: DisputePage,
): Promise<DisputeConnection> {
  const size = pageSize(first);
  const cursor = after ? decodeCursor(after, "after", isTimeCursor) : null;
  const query = readableBy(dataSource.getRepository(Dispute).createQueryBuilder("d"), caller);
  if (filter?.agentId) query.andWhere("d.agent_id = :agentId", { agentId: filter.agentId });
  if (filter?.kind) query.andWhere("d.kind = :kind", { kind: filter.kind });
  if (filter?.statuses?.length) query.andWhere("d.status IN (:...statuses)", { statuses: filter.statuses });
  if (filter?.filedBy) query.andWhere("d.filed_by = :filedBy", { filedBy: filter.filedBy });
  if (filter?.assignedTo) query.andWhere("d.assigned_to = :assignedTo", { assignedTo: filter.assignedTo });
  if (cursor) query.andWhere("(d.filed_at < :at OR (d.filed_at = :at AND d.id < :id))", { at: new Date(cursor[0]), id: cursor[1] });
  const rows = await query
    .orderBy("d.filed_at", "DESC")
    .addOrderBy("d.id", "DESC")
    .limit(size + 1)
    .getMany();
  return pageOf(rows, size, (node) => [node.filedAt.getTime(), node.id]);
}
