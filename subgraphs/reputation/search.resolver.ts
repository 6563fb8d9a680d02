import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { searchAgents } from "./agent.search.js";
import { AgentSearchFilter } from "./search.inputs.js";
import { AgentConnection, AgentSortKey } from "./search.types.js";
import { requireTrustReader } from "./reputation.access.js";
import type { ReputationContext } from "./reputation.context.js";

@Resolver()
export class SearchResolver {
  @Query(() => AgentConnection, {
    description: "Agents ranked by composite or reputation score, highest first (ties in a stable order); open to everyone.",
  })
  async searchAgents(
    @Arg("filter", () => AgentSearchFilter, { nullable: true, description: "Workflow, minimum scores and tier, listed only." })
    filter: AgentSearchFilter | null,
    @Arg("orderBy", () => AgentSortKey, {
      nullable: true,
      defaultValue: AgentSortKey.COMPOSITE_SCORE,
      description: "The score to rank by (default COMPOSITE_SCORE).",
    })
    orderBy: AgentSortKey,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100 (default 20)." }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "Cursor of the item to continue after." }) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<AgentConnection> {
    requireTrustReader(context.identity);
    return searchAgents(context.dataSource, filter, { orderBy, first, after });
  }
}
