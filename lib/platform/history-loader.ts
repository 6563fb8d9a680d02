import DataLoader from "dataloader";
import { In, type DataSource, type EntityTarget, type ObjectLiteral } from "typeorm";
import { readInChunks } from "./database.js";
import { decodeCursor, isTimeCursor, pageOf, pageSize, type TimeCursor } from "./pagination.js";

/** One agent's page of a history, newest first. */
export interface HistoryPageKey {
  agentId: string;
  first: number | null | undefined;
  after: string | null | undefined;
}

export interface HistoryPage<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const WALKS_PER_STATEMENT = 200;

/**
 * Pages of a per-agent history (newest first, by time then id) for every agent a request asks
 * about, in two statements per distinct page request: the page's ids for all agents at once, one
 * `LIMIT` walk down the (agent, time, id) index per agent joined by UNION ALL (a window function
 * over the agents' rows would number their whole histories first), then the rows.
 */
export function createHistoryLoader<T extends ObjectLiteral & { id: string; agentId: string }>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  time: { column: string; of: (row: T) => Date },
): DataLoader<HistoryPageKey, HistoryPage<T>, string> {
  return new DataLoader(
    async (keys: readonly HistoryPageKey[]) => {
      // Arguments are checked first: a bad one fails that field alone.
      const requests = keys.map((key) => {
        try {
          return { ...key, size: pageSize(key.first), cursor: key.after ? decodeCursor(key.after, "after", isTimeCursor) : null };
        } catch (error) {
          return error as Error;
        }
      });
      const groups = new Map<string, { size: number; cursor: TimeCursor | null; agentIds: string[] }>();
      for (const request of requests) {
        if (request instanceof Error) continue;
        const group = `${request.size}|${request.after ?? ""}`;
        const found = groups.get(group) ?? { size: request.size, cursor: request.cursor, agentIds: [] };
        found.agentIds.push(request.agentId);
        groups.set(group, found);
      }
      const pages = new Map<string, HistoryPage<T>>();
      for (const [group, { size, cursor, agentIds }] of groups) {
        const walks = [...new Set(agentIds)].map((agentId, index) => {
          const walk = dataSource
            .createQueryBuilder()
            .select("h.id", "id")
            .from(entity, "h")
            .where("h.agent_id = :agentId", { agentId })
            .orderBy(`h.${time.column}`, "DESC")
            .addOrderBy("h.id", "DESC")
            .limit(size + 1);
          if (cursor)
            walk.andWhere(`(h.${time.column} < :at OR (h.${time.column} = :at AND h.id < :id))`, {
              at: new Date(cursor[0]),
              id: cursor[1],
            });
          const [sql, parameters] = walk.getQueryAndParameters();
          // Each walk in a derived table: SQLite allows no ORDER BY or LIMIT in a UNION's members.
          return { sql: `SELECT id FROM (${sql}) w${index}`, parameters };
        });
        // SQLite allows 500 members in a compound SELECT: a request asking for many agents'
        // histories (aliases) takes one statement per WALKS_PER_STATEMENT agents.
        const ids: { id: string }[] = [];
        for (let start = 0; start < walks.length; start += WALKS_PER_STATEMENT) {
          const part = walks.slice(start, start + WALKS_PER_STATEMENT);
          ids.push(
            ...(await dataSource.query(
              part.map((walk) => walk.sql).join(" UNION ALL "),
              part.flatMap((walk) => walk.parameters),
            )),
          );
        }
        const rows = await readInChunks(
          ids.map((row) => row.id),
          (chunk) => dataSource.getRepository(entity).findBy({ id: In(chunk) } as never),
        );
        rows.sort((a, b) => time.of(b).getTime() - time.of(a).getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        for (const agentId of new Set(agentIds)) {
          const mine = rows.filter((row) => row.agentId === agentId);
          pages.set(
            `${agentId}|${group}`,
            pageOf(mine, size, (node) => [time.of(node).getTime(), node.id]),
          );
        }
      }
      return requests.map((request) =>
        request instanceof Error ? request : pages.get(`${request.agentId}|${request.size}|${request.after ?? ""}`)!,
      );
    },
    { cacheKeyFn: (key) => `${key.agentId}|${key.first ?? ""}|${key.after ?? ""}` },
  );
}
