import { randomUUID } from "node:crypto";
import { IsInt, IsNumber, IsOptional, Length, Matches, Max, Min } from "class-validator";
import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from "type-graphql";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction, isUniqueViolation } from "../../lib/platform/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from "../../lib/platform/errors.js";
import { requireRole } from "../../lib/platform/identity.js";
import { AgentRef } from "./agent.stub.js";
import { KpiReport } from "./kpi-report.entity.js";
import type { ReputationContext } from "./reputation.context.js";
import { recordKpiReport } from "./trust.record.js";
import { lockProfile } from "./trust.settle.js";
import { Kpi, Trend, detectDrift, isoWeekOf, reportedSeries, trendOf, weekStart, weeklyScorecard, weeksEnding } from "./scorecard.math.js";

/** How far back a report may be filed, and a scorecard may look. */
const MAX_WEEKS_BACK = 104;

@InputType({ description: "One week of an agent's production KPIs, as the reporting SOC (or the agent's builder) measured them." })
export class KpiReportInput {
  @Field(() => ID, { description: "The agent the KPIs are about." })
  @Length(1, 36)
  agentId: string;

  @Field(() => String, { description: "The ISO week, e.g. `2026-W47`; not in the future, at most two years back." })
  @Matches(/^\d{4}-W\d{2}$/, { message: "must be an ISO week such as 2026-W47" })
  week: string;

  @Field(() => Int, { description: "Alerts the agent handled that week (1–10,000,000); weighs the report against other reporters'." })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  alertsHandled: number;

  @Field(() => Float, { description: "Median minutes from detection to containment (0–525,600)." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(525_600)
  timeToContainmentMinutes: number;

  @Field(() => Float, { description: "Share of what the agent sent to analysts that was a false positive, 0–1." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  falsePositiveLoad: number;

  @Field(() => Float, { description: "Share of audited alerts whose severity the agent got right, 0–1." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  severityAccuracy: number;

  @Field(() => Float, { description: "Quality of the agent's escalations as the SOC measures it (e.g. F1), 0–1." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  escalationQuality: number;

  @Field(() => Int, { nullable: true, defaultValue: 0, description: "Alerts where analysts reversed the agent's decision that week (0 to alertsHandled); counts against reputation." })
  @IsOptional()
  @IsInt()
  @Min(0)
  humanOverrides?: number;
}

@ObjectType({ description: "One week of the scorecard: the KPIs across reporters, weighted by the alerts each handled." })
export class ScorecardWeekView {
  @Field(() => String, { description: "The ISO week." })
  week: string;

  @Field(() => Int, { description: "Reports that week; 0 means no data, and every KPI is null." })
  reports: number;

  @Field(() => [ID], { description: "The ids of those reports (not who filed them), for a dispute's evidence to cite." })
  reportIds: string[];

  @Field(() => Int, { description: "Alerts handled that week, across reporters." })
  alertsHandled: number;

  @Field(() => Float, { nullable: true, description: "Median minutes to containment." })
  timeToContainmentMinutes: number | null;

  @Field(() => Float, { nullable: true, description: "False positive load, 0–1." })
  falsePositiveLoad: number | null;

  @Field(() => Float, { nullable: true, description: "Severity classification accuracy, 0–1." })
  severityAccuracy: number | null;

  @Field(() => Float, { nullable: true, description: "Escalation quality, 0–1." })
  escalationQuality: number | null;
}

@ObjectType({ description: "Which way one KPI has been moving over the scorecard's weeks." })
export class KpiTrend {
  @Field(() => Kpi, { description: "The KPI." })
  kpi: Kpi;

  @Field(() => Trend, { nullable: true, description: "COMPOUNDING, STABLE or DEGRADING; null with fewer than 3 weeks of data." })
  trend: Trend | null;

  @Field(() => Float, { nullable: true, description: "Least-squares change per week, in the KPI's unit; null with fewer than 3 weeks of data." })
  slopePerWeek: number | null;

  @Field(() => Float, { nullable: true, description: "The latest week's value; null when that week has no data." })
  latest: number | null;
}

@ObjectType({ description: "A sustained drift of a KPI away from its pilot baseline, found by CUSUM." })
export class DriftAlarmView {
  @Field(() => Kpi, { description: "The drifting KPI." })
  kpi: Kpi;

  @Field(() => String, { description: "The first week the alarm stood." })
  week: string;

  @Field(() => Float, { description: "The CUSUM statistic that week, in the KPI's unit (relative for times)." })
  statistic: number;

  @Field(() => Float, { description: "The baseline: the mean of the agent's first four weeks of data." })
  baseline: number;
}

@ObjectType({ description: "An agent's weekly production scorecard: each KPI by week, its trend, and drift alarms." })
export class Scorecard {
  @Field(() => [ScorecardWeekView], { description: "The weeks asked for, oldest first." })
  weeks: ScorecardWeekView[];

  @Field(() => [KpiTrend], { description: "Each KPI's trend over those weeks." })
  trends: KpiTrend[];

  @Field(() => [DriftAlarmView], { description: "KPIs drifting from the pilot baseline, over all the agent's reports up to the last week shown; empty when none." })
  driftAlarms: DriftAlarmView[];
}

@Resolver(() => AgentRef)
export class ScorecardResolver {
  @Mutation(() => Boolean, { description: "Files one week of an agent's production KPIs: by a buyer running it, or by its builder. One report per reporter and week." })
  async submitKpiReport(@Arg("input", () => KpiReportInput, { description: "The agent, the week and its KPIs." }) input: KpiReportInput, @Ctx() context: ReputationContext): Promise<boolean> {
    const reporter = requireRole(context.identity, "buyer", "builder");
    const start = weekStart(input.week);
    if (!start) throw new BadUserInputError("input.week", `${input.week} is not an ISO week`);
    const now = new Date();
    if (start.getTime() > now.getTime()) throw new BadUserInputError("input.week", `${input.week} has not started yet`);
    if (now.getTime() - start.getTime() > MAX_WEEKS_BACK * 7 * 24 * 3600 * 1000) throw new BadUserInputError("input.week", `${input.week} is more than two years back`);
    const humanOverrides = input.humanOverrides ?? 0;
    if (humanOverrides > input.alertsHandled) throw new BadUserInputError("input.humanOverrides", "cannot exceed alertsHandled");
    await inTransaction(context.dataSource, async (manager) => {
      // The trust row is locked first, before any read: reports of one agent filed at once are
      // counted one after the other, each seeing the others' (an unknown agent rolls it back).
      const current = await lockProfile(manager, input.agentId);
      const agent = await findAgent(manager, input.agentId);
      if (!agent) throw new NotFoundError("input.agentId", "agent", input.agentId);
      if (context.identity.role === "builder" && agent.ownerId !== reporter) throw new ForbiddenError("A builder reports only on its own agents");
      const report = Object.assign(new KpiReport(), { id: randomUUID(), ...input, humanOverrides, weekStart: start, reporter, reporterRole: context.identity.role, submittedAt: now });
      await manager.insert(KpiReport, report);
      await recordKpiReport(manager, current, report);
    }).catch((error: unknown) => {
      if (isUniqueViolation(error)) throw new ConflictError("input.week", `you already reported ${input.week} for this agent`);
      throw error;
    });
    return true;
  }

  @FieldResolver(() => Scorecard, { description: "The agent's weekly production scorecard." })
  async scorecard(
    @Root() agent: AgentRef,
    @Arg("weeks", () => Int, { nullable: true, description: "How many weeks, 1–104; 12 when absent." }) weeks: number | null | undefined,
    @Arg("endingWeek", () => String, { nullable: true, description: "The last ISO week shown; the current week when absent." }) endingWeek: string | null | undefined,
    @Ctx() context: ReputationContext,
  ): Promise<Scorecard> {
    const count = weeks ?? 12;
    if (!Number.isInteger(count) || count < 1 || count > MAX_WEEKS_BACK) throw new BadUserInputError("weeks", `must be between 1 and ${MAX_WEEKS_BACK}`);
    const last = endingWeek ?? isoWeekOf(new Date());
    const lastStart = weekStart(last);
    if (!lastStart) throw new BadUserInputError("endingWeek", `${last} is not an ISO week`);
    const reports = (await context.kpiReportsByAgentId.load(agent.id)).filter((r) => r.weekStart.getTime() <= lastStart.getTime());
    const shown = weeklyScorecard(reports, weeksEnding(last, count));
    const history = reportedSeries(reports);
    return {
      weeks: shown.map(({ values, ...week }) => ({
        ...week,
        reportIds: reports.filter((report) => report.week === week.week).map((report) => report.id).sort(),
        timeToContainmentMinutes: values[Kpi.TIME_TO_CONTAINMENT],
        falsePositiveLoad: values[Kpi.FALSE_POSITIVE_LOAD],
        severityAccuracy: values[Kpi.SEVERITY_ACCURACY],
        escalationQuality: values[Kpi.ESCALATION_QUALITY],
      })),
      trends: Object.values(Kpi).map((kpi) => {
        const series = shown.map((week) => week.values[kpi]);
        const moving = trendOf(kpi, series);
        return { kpi, trend: moving?.trend ?? null, slopePerWeek: moving?.slopePerWeek ?? null, latest: series.at(-1) ?? null };
      }),
      driftAlarms: Object.values(Kpi).flatMap((kpi) => {
        const alarm = detectDrift(kpi, history[kpi]);
        return alarm ? [alarm] : [];
      }),
    };
  }
}
