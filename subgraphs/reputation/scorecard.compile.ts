import { BadUserInputError } from "../../lib/platform/errors.js";
import type { ReputationContext } from "./reputation.context.js";
import {
  Kpi,
  MAX_WEEKS_BACK,
  detectDrift,
  isoWeekOf,
  reportedSeries,
  trendOf,
  weekStart,
  weeklyScorecard,
  weeksEnding,
} from "./scorecard.math.js";
import type { Scorecard } from "./scorecard.types.js";

/** Which weeks a scorecard shows, as the field's arguments give them. */
export interface ScorecardWindow {
  weeks: number | null | undefined;
  endingWeek: string | null | undefined;
}

/**
 * An agent's weekly production scorecard over the `weeks` (12 when absent) ending with
 * `endingWeek` (the current week when absent): each KPI by week across reporters, each KPI's trend
 * over those weeks, and the drift alarms over all the agent's reports up to the last week shown.
 */
export async function compileScorecard(
  context: Pick<ReputationContext, "kpiReportsByAgentId">,
  agentId: string,
  { weeks, endingWeek }: ScorecardWindow,
): Promise<Scorecard> {
  const count = weeks ?? 12;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WEEKS_BACK)
    throw new BadUserInputError("weeks", `must be between 1 and ${MAX_WEEKS_BACK}`);
  const last = endingWeek ?? isoWeekOf(new Date());
  const lastStart = weekStart(last);
  if (!lastStart) throw new BadUserInputError("endingWeek", `${last} is not an ISO week`);
  const reports = (await context.kpiReportsByAgentId.load(agentId)).filter((r) => r.weekStart.getTime() <= lastStart.getTime());
  const shown = weeklyScorecard(reports, weeksEnding(last, count));
  const history = reportedSeries(reports);
  return {
    weeks: shown.map(({ values, ...week }) => ({
      ...week,
      reportIds: reports
        .filter((report) => report.week === week.week)
        .map((report) => report.id)
        .sort(),
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
