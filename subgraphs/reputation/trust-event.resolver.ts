import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import { requireFeedReader } from "./reputation.access.js";
import type { ReputationContext } from "./reputation.context.js";
import { TrustEventType } from "./trust-event.entity.js";
import { readTrustFeed } from "./trust-event.list.js";
import { TrustEventConnection } from "./trust-event.types.js";

@Resolver()
export class TrustEventResolver {
  @Query(() => TrustEventConnection, {
    description:
      "The trust change feed: every change of an agent's composite or reputation score, tier, listing eligibility or consequence step, in one order that never changes. Resume from a stored `endCursor` to get each event exactly once. For partners (an API key needs feed:read), operators and arbiters.",
  })
  trustEvents(
    @Arg("after", () => String, {
      nullable: true,
      description: "The `endCursor` of the previous page; from the start of the feed when absent.",
    })
    after: string | null,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100 (default 20)." }) first: number | null,
    @Arg("agentIds", () => [ID], { nullable: true, description: "Only these agents' events (1–100 ids); all agents when absent." })
    agentIds: string[] | null,
    @Arg("types", () => [TrustEventType], { nullable: true, description: "Only these kinds of change; all kinds when absent." })
    types: TrustEventType[] | null,
    @Ctx() context: ReputationContext,
  ): Promise<TrustEventConnection> {
    requireFeedReader(context.identity);
    // Arguments left out arrive as undefined.
    return readTrustFeed(context.dataSource, {
      after: after ?? null,
      first: first ?? null,
      agentIds: agentIds ?? null,
      types: types ?? null,
    });
  }
}
