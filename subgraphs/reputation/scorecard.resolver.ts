import { Arg, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from "type-graphql";
import { AgentRef } from "./agent.stub.js";
import { submitKpiReport } from "./kpi-report.submit.js";
import { requireKpiReporter, requireTrustReader } from "./reputation.access.js";
import type { ReputationContext } from "./reputation.context.js";
import { compileScorecard } from "./scorecard.compile.js";
import { KpiReportInput } from "./scorecard.inputs.js";
import { Scorecard } from "./scorecard.types.js";

@Resolver(() => AgentRef)
export class ScorecardResolver {
  @Mutation(() => Boolean, {
    description:
      "Files one week of an agent's production KPIs: by a buyer running it, or by its builder. One report per reporter and week.",
  })
  async submitKpiReport(
    @Arg("input", () => KpiReportInput, { description: "The agent, the week and its KPIs." }) input: KpiReportInput,
    @Ctx() context: ReputationContext,
  ): Promise<boolean> {
    return submitKpiReport(context.dataSource, requireKpiReporter(context.identity), input);
  }

  @FieldResolver(() => Scorecard, { description: "The agent's weekly production scorecard." })
  async scorecard(
    @Root() agent: AgentRef,
    @Arg("weeks", () => Int, { nullable: true, description: "How many weeks, 1–104; 12 when absent." }) weeks: number | null | undefined,
    @Arg("endingWeek", () => String, { nullable: true, description: "The last ISO week shown; the current week when absent." }) endingWeek:
      | string
      | null
      | undefined,
    @Ctx() context: ReputationContext,
  ): Promise<Scorecard> {
    requireTrustReader(context.identity);
    return compileScorecard(context, agent.id, { weeks, endingWeek });
  }
}
