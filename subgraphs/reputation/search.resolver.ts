import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import { decodeCursor, encodeCursor, pageSize } from "../../lib/pagination.js";
import { AgentRef } from "./agent.stub.js";
import { AgentConnection, AgentSearchFilter } from "./search.types.js";
import { TrustProfile } from "./trust.entity.js";
import { priorProfile } from "./trust.service.js";
import type { ReputationContext } from "./reputation.context.js";

type SearchCursor = [score: number, agentId: string];
const isSearchCursor = (values: unknown[]): values is SearchCursor =>
  values.length === 2 && Number.isInteger(values[0]) && typeof values[1] === "string";

/** Agents with no evidence rank at the newcomer prior. */
const PRIOR_SCORE = priorProfile("").compositeScore;

@Resolver()
export class SearchResolver {
  @Query(() => AgentConnection, { description: "Agents ranked by composite score, highest first (ties in a stable order); open to everyone." })
  async searchAgents(
    @Arg("filter", () => AgentSearchFilter, { nullable: true, description: "Workflow, minimum score, listed only." }) filter: AgentSearchFilter | null,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100 (default 20)." }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the item to continue after." }) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<AgentConnection> {
    const size = pageSize(first);
    const eligibleOnly = filter?.eligibleOnly ?? true;
    // Listed agents all have a trust row: walk trust_profiles down its (eligible, score, agent)
    // index and stop after one page. Including unlisted agents means every agent in the directory,
    // those without evidence at the prior score, which needs the outer join and a sort.
    const query = eligibleOnly
      ? context.dataSource.createQueryBuilder().from(TrustProfile, "t").innerJoin("agent_directory", "d", "d.agent_id = t.agent_id").where("t.eligible = 1")
      : context.dataSource.createQueryBuilder().from("agent_directory", "d").leftJoin(TrustProfile, "t", "t.agent_id = d.agent_id");
    const score = eligibleOnly ? "t.composite_score" : `COALESCE(t.composite_score, ${PRIOR_SCORE})`;
    const id = eligibleOnly ? "t.agent_id" : "d.agent_id";
    query
      .select(id, "agent_id")
      .addSelect(score, "score")
      .orderBy(score, "DESC")
      .addOrderBy(id, "DESC")
      .limit(size + 1);
    // Workflow names never contain one another, so a substring match on the stored list is exact.
    if (filter?.domain) query.andWhere("d.domains LIKE :domain", { domain: `%${filter.domain}%` });
    if (filter?.minCompositeScore != null) query.andWhere(`${score} >= :minScore`, { minScore: filter.minCompositeScore });
    if (after) {
      const [afterScore, afterId] = decodeCursor(after, "after", isSearchCursor);
      query.andWhere(`(${score} < :afterScore OR (${score} = :afterScore AND ${id} < :afterId))`, { afterScore, afterId });
    }
    const rows = await query.getRawMany<{ agent_id: string; score: number | string }>();
    const page = rows.slice(0, size);
    const edges = page.map((row) => ({ cursor: encodeCursor([Number(row.score), row.agent_id]), node: { id: row.agent_id } }));
    return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

@Resolver(() => AgentRef)
export class AgentTrustResolver {
  @FieldResolver(() => TrustProfile, { description: "The agent's trust: scores, confidence, tier and listing eligibility." })
  trust(@Root() agent: AgentRef, @Ctx() context: ReputationContext): Promise<TrustProfile> {
    return context.trustByAgentId.load(agent.id);
  }
}
