import { registerEnumType } from "type-graphql";
import { alarmAfter } from "./score.math.js";

/** The four production KPIs of the weekly scorecard (see ../shared/DOMAIN.md). */
export enum Kpi {
  TIME_TO_CONTAINMENT = "TIME_TO_CONTAINMENT",
  FALSE_POSITIVE_LOAD = "FALSE_POSITIVE_LOAD",
  SEVERITY_ACCURACY = "SEVERITY_ACCURACY",
  ESCALATION_QUALITY = "ESCALATION_QUALITY",
}

export enum Trend {
  COMPOUNDING = "COMPOUNDING",
  STABLE = "STABLE",
  DEGRADING = "DEGRADING",
}

registerEnumType(Kpi, {
  name: "Kpi",
  description: "A production KPI of the weekly scorecard.",
  valuesConfig: {
    TIME_TO_CONTAINMENT: { description: "Median minutes from detection to containment; lower is better." },
    FALSE_POSITIVE_LOAD: { description: "Share of what the agent sent to analysts that was a false positive; lower is better." },
    SEVERITY_ACCURACY: { description: "Share of audited alerts whose severity the agent got right; higher is better." },
    ESCALATION_QUALITY: {
      description:
        "Quality of the agent's escalations (e.g. F1 of escalate/do not escalate) as the SOC measures it, 0–1; higher is better.",
    },
  },
});
registerEnumType(Trend, {
  name: "Trend",
  description: "Which way a KPI has been moving over the scorecard's weeks.",
  valuesConfig: {
    COMPOUNDING: { description: "Improving week over week beyond noise: trust is compounding." },
    STABLE: { description: "No movement beyond noise." },
    DEGRADING: { description: "Worsening week over week beyond noise." },
  },
});

/** One week of one reporter, as stored. */
export interface WeeklyKpis {
  week: string;
  alertsHandled: number;
  timeToContainmentMinutes: number;
  falsePositiveLoad: number;
  severityAccuracy: number;
  escalationQuality: number;
}

type KpiField = Exclude<keyof WeeklyKpis, "week" | "alertsHandled">;

interface KpiDefinition {
  field: KpiField;
  lowerIsBetter: boolean;
  /** Movement per week below which a trend is noise, in the KPI's unit (relative for times). */
  trendTolerance: number;
  /** CUSUM slack k and decision threshold h, in the same unit: see detectDrift. */
  drift: { slack: number; threshold: number };
  relative: boolean;
}

/**
 * Trend tolerances and drift settings are judgement calls, documented in docs/scoring.md: ratios
 * move in absolute points (half a point a week is noise), containment time in relative terms
 * (2.5 % a week is noise).
 */
export const KPI_DEFINITIONS: Record<Kpi, KpiDefinition> = {
  [Kpi.TIME_TO_CONTAINMENT]: {
    field: "timeToContainmentMinutes",
    lowerIsBetter: true,
    relative: true,
    trendTolerance: 0.025,
    drift: { slack: 0.025, threshold: 0.1 },
  },
  [Kpi.FALSE_POSITIVE_LOAD]: {
    field: "falsePositiveLoad",
    lowerIsBetter: true,
    relative: false,
    trendTolerance: 0.005,
    drift: { slack: 0.005, threshold: 0.015 },
  },
  [Kpi.SEVERITY_ACCURACY]: {
    field: "severityAccuracy",
    lowerIsBetter: false,
    relative: false,
    trendTolerance: 0.005,
    drift: { slack: 0.005, threshold: 0.015 },
  },
  [Kpi.ESCALATION_QUALITY]: {
    field: "escalationQuality",
    lowerIsBetter: false,
    relative: false,
    trendTolerance: 0.005,
    drift: { slack: 0.005, threshold: 0.015 },
  },
};

const WEEK = /^(\d{4})-W(\d{2})$/;
const DAY_MS = 24 * 3600 * 1000;

/** How far back a report may be filed, and a scorecard may look. */
export const MAX_WEEKS_BACK = 104;

/** Monday 00:00 UTC of an ISO week such as `2026-W47`, or null when there is no such week. */
export function weekStart(week: string): Date | null {
  const match = WEEK.exec(week);
  if (!match) return null;
  const [year, number] = [Number(match[1]), Number(match[2])];
  // Week 1 is the week holding 4 January.
  const jan4 = Date.UTC(year, 0, 4);
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  const start = new Date(mondayOfWeek1 + (number - 1) * 7 * DAY_MS);
  return number >= 1 && isoWeekOf(start) === week ? start : null;
}

/** The ISO week a moment falls in, e.g. `2026-W48` for 2026-11-26. */
export function isoWeekOf(date: Date): string {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  // The Thursday of the same week decides the year.
  day.setUTCDate(day.getUTCDate() + 3 - ((day.getUTCDay() + 6) % 7));
  const year = day.getUTCFullYear();
  const week =
    1 +
    Math.round((day.getTime() - Date.UTC(year, 0, 4)) / (7 * DAY_MS) - 3 / 7 + ((new Date(Date.UTC(year, 0, 4)).getUTCDay() + 6) % 7) / 7);
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The `count` ISO weeks ending with `last`, oldest first. */
export function weeksEnding(last: string, count: number): string[] {
  const end = weekStart(last);
  if (!end) throw new Error(`${last} is not an ISO week`);
  return Array.from({ length: count }, (_, i) => isoWeekOf(new Date(end.getTime() - (count - 1 - i) * 7 * DAY_MS)));
}

export interface ScorecardWeek extends Omit<WeeklyKpis, KpiField> {
  /** Reports that week; 0 means no data, and every KPI is null. */
  reports: number;
  values: Record<Kpi, number | null>;
}

/** Each week's KPIs across reporters, weighted by the alerts each handled. Pure. */
export function weeklyScorecard(reports: readonly WeeklyKpis[], weeks: readonly string[]): ScorecardWeek[] {
  return weeks.map((week) => {
    const those = reports.filter((r) => r.week === week);
    const alertsHandled = those.reduce((sum, r) => sum + r.alertsHandled, 0);
    const values = Object.fromEntries(
      Object.values(Kpi).map((kpi) => {
        const field = KPI_DEFINITIONS[kpi].field;
        return [kpi, alertsHandled > 0 ? those.reduce((sum, r) => sum + r[field] * r.alertsHandled, 0) / alertsHandled : null];
      }),
    ) as Record<Kpi, number | null>;
    return { week, alertsHandled, reports: those.length, values };
  });
}

/** Least-squares slope per week over the weeks that have a value (x = week index); null under 3 points. */
export function slopePerWeek(values: readonly (number | null)[]): number | null {
  const points = values.flatMap((y, x) => (y === null ? [] : [[x, y] as const]));
  if (points.length < 3) return null;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}

/**
 * Which way a KPI is moving: its weekly slope, in the KPI's unit (relative to its mean for times),
 * against the KPI's tolerance and direction. Null with fewer than 3 weeks of data.
 */
export function trendOf(kpi: Kpi, values: readonly (number | null)[]): { trend: Trend; slopePerWeek: number } | null {
  const slope = slopePerWeek(values);
  if (slope === null) return null;
  const definition = KPI_DEFINITIONS[kpi];
  const present = values.filter((v): v is number => v !== null);
  const mean = present.reduce((sum, v) => sum + v, 0) / present.length;
  const scaled = definition.relative ? (mean > 0 ? slope / mean : 0) : slope;
  const better = definition.lowerIsBetter ? -scaled : scaled;
  const trend =
    better > definition.trendTolerance ? Trend.COMPOUNDING : better < -definition.trendTolerance ? Trend.DEGRADING : Trend.STABLE;
  return { trend, slopePerWeek: slope };
}

export interface DriftAlarm {
  kpi: Kpi;
  /** The first week the alarm stood. */
  week: string;
  /** The CUSUM statistic that week, in the KPI's unit (relative for times). */
  statistic: number;
  /** The baseline the drift is measured from: the mean of the first weeks with data. */
  baseline: number;
}

/** One week of a KPI's series: null when the week has no data. */
export type KpiPoint = { week: string; value: number | null };

/**
 * One-sided CUSUM in the harmful direction, against the mean of the first `baselineWeeks` weeks
 * with data (the pilot): S = max(0, S + harm − k), harm being the week's deviation from the
 * baseline, absolute for ratios and relative for times. One step per week with data after the
 * baseline; nothing with too few weeks.
 */
function* cusum(
  kpi: Kpi,
  weeks: readonly KpiPoint[],
  baselineWeeks: number,
): Generator<{ week: string; statistic: number; baseline: number }> {
  const { lowerIsBetter, relative, drift } = KPI_DEFINITIONS[kpi];
  const data = weeks.filter((w): w is { week: string; value: number } => w.value !== null);
  if (data.length <= baselineWeeks) return;
  const baseline = data.slice(0, baselineWeeks).reduce((sum, w) => sum + w.value, 0) / baselineWeeks;
  let statistic = 0;
  for (const { week, value } of data.slice(baselineWeeks)) {
    const change = relative ? (baseline > 0 ? (value - baseline) / baseline : 0) : value - baseline;
    statistic = Math.max(0, statistic + (lowerIsBetter ? change : -change) - drift.slack);
    yield { week, statistic, baseline };
  }
}

/**
 * The first week a KPI's CUSUM exceeds h. CUSUM accumulates small, sustained shifts, which a
 * threshold on the level misses until it is crossed: accuracy slipping a point a week from 0.95
 * raises it in the second week of the slide, long before it falls under a pact's 0.92. Pure;
 * weeks without data are skipped.
 */
export function detectDrift(kpi: Kpi, weeks: readonly KpiPoint[], baselineWeeks = 4): DriftAlarm | null {
  const { threshold } = KPI_DEFINITIONS[kpi].drift;
  for (const step of cusum(kpi, weeks, baselineWeeks)) if (step.statistic > threshold) return { kpi, ...step };
  return null;
}

/**
 * Whether a KPI's drift alarm still stands at its latest week: the same CUSUM as detectDrift,
 * followed to the end rather than to its first crossing, and cleared only once back to h / 2 or
 * below (alarmAfter). The consequence ladder acts on this, so an agent that returns to its
 * baseline can recover; the scorecard shows when the alarm was first raised.
 */
export function driftStanding(kpi: Kpi, weeks: readonly KpiPoint[], baselineWeeks = 4): boolean {
  const { threshold } = KPI_DEFINITIONS[kpi].drift;
  let standing = false;
  for (const step of cusum(kpi, weeks, baselineWeeks)) standing = alarmAfter(standing, step.statistic, threshold);
  return standing;
}

/** Each KPI's series over every week with reports, oldest first: what drift detection reads. */
export function reportedSeries(reports: readonly WeeklyKpis[]): Record<Kpi, KpiPoint[]> {
  // ISO week names sort in time order.
  const weeks = weeklyScorecard(reports, [...new Set(reports.map((r) => r.week))].sort());
  return Object.fromEntries(
    Object.values(Kpi).map((kpi) => [kpi, weeks.map((week) => ({ week: week.week, value: week.values[kpi] }))]),
  ) as Record<Kpi, KpiPoint[]>;
}
