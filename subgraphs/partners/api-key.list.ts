import type { DataSource } from "typeorm";
import { decodeCursor, isTimeCursor, pageOf, pageSize } from "../../lib/platform/pagination.js";
import { ApiKey } from "./api-key.entity.js";
import type { ApiKeyConnection } from "./api-key.types.js";

/** A page of one partner's keys (whose: partners.access: partnerToList), newest first, in one statement. */
export async function listApiKeys(
  dataSource: DataSource,
  partner: string,
  { first, after }: { first: number | null; after: string | null },
): Promise<ApiKeyConnection> {
  const size = pageSize(first);
  const cursor = after ? decodeCursor(after, "after", isTimeCursor) : null;
  const query = dataSource.getRepository(ApiKey).createQueryBuilder("k").where("k.partner = :partner", { partner });
  if (cursor) query.andWhere("(k.created_at < :at OR (k.created_at = :at AND k.id < :id))", { at: new Date(cursor[0]), id: cursor[1] });
  const rows = await query
    .orderBy("k.created_at", "DESC")
    .addOrderBy("k.id", "DESC")
    .limit(size + 1)
    .getMany();
  return pageOf(rows, size, (key) => [key.createdAt.getTime(), key.id]);
}
