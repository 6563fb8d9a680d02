import type { DataSource, SelectQueryBuilder } from "typeorm";
import { BadUserInputError } from "../../lib/platform/errors.js";
import { decodeCursor, pageOf, pageSize } from "../../lib/platform/pagination.js";
import { tierRank } from "./score.math.js";
import type { AgentSearchFilter } from "./search.inputs.js";
import { AgentSortKey, type AgentConnection } from "./search.types.js";
import { TrustProfile } from "./trust.entity.js";
import { priorProfile } from "./trust.settle.js";

type SearchCursor = [sortKey: string, score: number, agentId: string];
const isSearchCursor = (values: unknown[]): values is SearchCursor =>
  values.length === 3 && typeof values[0] === "string" && Number.isInteger(values[1]) && typeof values[2] === "string";

/** Agents with no evidence rank at the newcomer prior. */
const PRIOR = priorProfile("");
const SCORE_COLUMN: Record<AgentSortKey, "composite_score" | "reputation_score"> = {
  [AgentSortKey.COMPOSITE_SCORE]: "composite_score",
  [AgentSortKey.REPUTATION_SCORE]: "reputation_score",
};

interface Ranked {
  agentId: string;
  score: number;
}

const before = (a: Ranked, b: Ranked) => b.score - a.score || (a.agentId < b.agentId ? 1 : a.agentId > b.agentId ? -1 : 0);

/** How a search is ordered and paged, as the query gives it. */
export interface SearchPage {
  orderBy: AgentSortKey | null | undefined;
  first: number | null;
  after: string | null;
}

/**
 * Agents ranked by composite or reputation score, highest first, ties in a stable order (agent id,
 * descending), one page after the cursor; agents with no evidence yet rank at the newcomer prior.
 */
export async function searchAgents(
  dataSource: DataSource,
  filter: AgentSearchFilter | null,
  { orderBy, first, after }: SearchPage,
): Promise<AgentConnection> {
  const size = pageSize(first);
  const sortKey = orderBy ?? AgentSortKey.COMPOSITE_SCORE;
  const cursor = after ? decodeCursor(after, "after", isSearchCursor) : null;
  if (cursor && cursor[0] !== sortKey)
    throw new BadUserInputError("after", `is a cursor of a search ordered by ${cursor[0]}, not ${sortKey}`);
  const position = cursor ? { score: cursor[1], agentId: cursor[2] } : null;
  const eligibleOnly = filter?.eligibleOnly ?? true;
  const column = `t.${SCORE_COLUMN[sortKey]}`;

  // Agents with a trust row, walked down (eligible, score, agent) or (score, agent) and stopped
  // after one page: filters are checked row by row along the index, never a sort of all agents.
  const scored = dataSource
    .createQueryBuilder()
    .from(TrustProfile, "t")
    .innerJoin("agent_directory", "d", "d.agent_id = t.agent_id")
    .select("t.agent_id", "agent_id")
    .addSelect(column, "score")
    .orderBy(column, "DESC")
    .addOrderBy("t.agent_id", "DESC")
    .limit(size + 1);
  if (eligibleOnly) scored.where("t.eligible = 1");
  narrow(scored, filter);
  if (filter?.minCompositeScore != null) scored.andWhere("t.composite_score >= :minComposite", { minComposite: filter.minCompositeScore });
  if (filter?.minReputationScore != null)
    scored.andWhere("t.reputation_score >= :minReputation", { minReputation: filter.minReputationScore });
  if (filter?.minTier) scored.andWhere("t.tier_rank >= :minTier", { minTier: tierRank(filter.minTier) });
  if (position) scored.andWhere(`(${column} < :score OR (${column} = :score AND t.agent_id < :agentId))`, position);
  const rows = await scored.getRawMany<{ agent_id: string; score: number | string }>();
  const ranked: Ranked[] = rows.map((row) => ({ agentId: row.agent_id, score: Number(row.score) }));

  // Agents with no evidence yet all stand at the prior: walked down the directory's key, only
  // when the prior passes the filters and lies after the cursor, then merged in score order.
  const priorScore = sortKey === AgentSortKey.COMPOSITE_SCORE ? PRIOR.compositeScore : PRIOR.reputationScore;
  const priorPasses =
    !eligibleOnly &&
    (filter?.minCompositeScore ?? 0) <= PRIOR.compositeScore &&
    (filter?.minReputationScore ?? 0) <= PRIOR.reputationScore &&
    (filter?.minTier ? tierRank(filter.minTier) : 0) <= PRIOR.tierRank &&
    (!position || position.score >= priorScore);
  if (priorPasses) {
    // An anti-join, not NOT EXISTS: MariaDB turned the latter into a read of every trust row.
    const unscored = dataSource
      .createQueryBuilder()
      .from("agent_directory", "d")
      .leftJoin(TrustProfile, "t", "t.agent_id = d.agent_id")
      .select("d.agent_id", "agent_id")
      .where("t.agent_id IS NULL")
      .orderBy("d.agent_id", "DESC")
      .limit(size + 1);
    narrow(unscored, filter);
    if (position && position.score === priorScore) unscored.andWhere("d.agent_id < :agentId", { agentId: position.agentId });
    ranked.push(...(await unscored.getRawMany<{ agent_id: string }>()).map((row) => ({ agentId: row.agent_id, score: priorScore })));
    ranked.sort(before);
  }

  return pageOf(
    ranked,
    size,
    (row) => [sortKey, row.score, row.agentId],
    (row) => ({ id: row.agentId }),
  );
}

/** Narrows a query over the directory `d` to the filter's workflow. */
function narrow(query: SelectQueryBuilder<object>, filter: AgentSearchFilter | null): void {
  // Workflow names never contain one another, so a substring match on the stored list is exact.
  if (filter?.domain) query.andWhere("d.domains LIKE :domain", { domain: `%${filter.domain}%` });
}
