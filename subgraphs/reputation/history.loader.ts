import DataLoader from "dataloader";
import { In, type DataSource, type EntityTarget, type ObjectLiteral } from "typeorm";
import { decodeCursor, encodeCursor, pageSize } from "../../lib/pagination.js";

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

type HistoryCursor = [at: number, id: string];
const isHistoryCursor = (values: unknown[]): values is HistoryCursor =>
  values.length === 2 && Number.isSafeInteger(values[0]) && Math.abs(values[0] as number) <= 8.64e15 && typeof values[1] === "string";

/**
 * Pages of a per-agent history (newest first, by time then id) for every agent a request asks
 * about, in two statements per distinct page request: the page's ids for all agents at once,
 * numbered per agent by a window function over the (agent, time, id) index, then the rows.
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
          return { ...key, size: pageSize(key.first), cursor: key.after ? decodeCursor(key.after, "after", isHistoryCursor) : null };
        } catch (error) {
          return error as Error;
        }
      });
      const groups = new Map<string, { size: number; cursor: HistoryCursor | null; agentIds: string[] }>();
      for (const request of requests) {
        if (request instanceof Error) continue;
        const group = `${request.size}|${request.after ?? ""}`;
        const found = groups.get(group) ?? { size: request.size, cursor: request.cursor, agentIds: [] };
        found.agentIds.push(request.agentId);
        groups.set(group, found);
      }
      const pages = new Map<string, HistoryPage<T>>();
      for (const [group, { size, cursor, agentIds }] of groups) {
        const ids = await dataSource
          .createQueryBuilder()
          .select("x.id", "id")
          .from((sub) => {
            sub
              .select("h.id", "id")
              .addSelect("h.agent_id", "agent_id")
              .addSelect(`ROW_NUMBER() OVER (PARTITION BY h.agent_id ORDER BY h.${time.column} DESC, h.id DESC)`, "rn")
              .from(entity, "h")
              .where("h.agent_id IN (:...agentIds)", { agentIds: [...new Set(agentIds)] });
            if (cursor) sub.andWhere(`(h.${time.column} < :at OR (h.${time.column} = :at AND h.id < :id))`, { at: new Date(cursor[0]), id: cursor[1] });
            return sub;
          }, "x")
          .where("x.rn <= :limit", { limit: size + 1 })
          .getRawMany<{ id: string }>();
        const rows = ids.length ? await dataSource.getRepository(entity).findBy({ id: In(ids.map((row) => row.id)) } as never) : [];
        rows.sort((a, b) => time.of(b).getTime() - time.of(a).getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
        for (const agentId of new Set(agentIds)) {
          const mine = rows.filter((row) => row.agentId === agentId);
          const edges = mine.slice(0, size).map((node) => ({ cursor: encodeCursor([time.of(node).getTime(), node.id]), node }));
          pages.set(`${agentId}|${group}`, { edges, pageInfo: { hasNextPage: mine.length > size, endCursor: edges.at(-1)?.cursor ?? null } });
        }
      }
      return requests.map((request) => (request instanceof Error ? request : pages.get(`${request.agentId}|${request.size}|${request.after ?? ""}`)!));
    },
    { cacheKeyFn: (key) => `${key.agentId}|${key.first ?? ""}|${key.after ?? ""}` },
  );
}
