import type { DataSource } from "typeorm";
import type { WebhookOwner } from "../../lib/contracts/webhook-event.js";
import { decodeCursor, isTimeCursor, pageOf, pageSize } from "../../lib/platform/pagination.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import type { WebhookEndpointConnection } from "./webhook-endpoint.types.js";

/** A page of one owner's endpoints (whose: webhooks.access: ownerToList), oldest first, in one statement. */
export async function listWebhookEndpoints(
  dataSource: DataSource,
  owner: WebhookOwner,
  { first, after }: { first: number | null; after: string | null },
): Promise<WebhookEndpointConnection> {
  const size = pageSize(first);
  const cursor = after ? decodeCursor(after, "after", isTimeCursor) : null;
  const query = dataSource
    .getRepository(WebhookEndpoint)
    .createQueryBuilder("e")
    .where("e.owner_role = :role AND e.owner_id = :subject", { role: owner.role, subject: owner.subject });
  if (cursor) query.andWhere("(e.created_at > :at OR (e.created_at = :at AND e.id > :id))", { at: new Date(cursor[0]), id: cursor[1] });
  const rows = await query
    .orderBy("e.created_at", "ASC")
    .addOrderBy("e.id", "ASC")
    .limit(size + 1)
    .getMany();
  return pageOf(rows, size, (endpoint) => [endpoint.createdAt.getTime(), endpoint.id]);
}
