import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Kpi, Trend } from "./scorecard.math.js";

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

  @Field(() => Float, {
    nullable: true,
    description: "Least-squares change per week, in the KPI's unit; null with fewer than 3 weeks of data.",
  })
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

  @Field(() => [DriftAlarmView], {
    description: "KPIs drifting from the pilot baseline, over all the agent's reports up to the last week shown; empty when none.",
  })
  driftAlarms: DriftAlarmView[];
}
