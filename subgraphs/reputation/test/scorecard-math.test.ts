import { describe, expect, it } from "vitest";
import {
  KPI_DEFINITIONS,
  Kpi,
  Trend,
  detectDrift,
  driftStanding,
  isoWeekOf,
  slopePerWeek,
  trendOf,
  weekStart,
  weeklyScorecard,
  weeksEnding,
  type WeeklyKpis,
} from "../scorecard.math.js";

const utc = (iso: string): Date => new Date(`${iso}T00:00:00.000Z`);

/** Consecutive weeks 2026-W01.. paired with values, for detectDrift. */
const series = (values: readonly (number | null)[]) =>
  values.map((value, i) => ({ week: `2026-W${String(i + 1).padStart(2, "0")}`, value }));

describe("KPI_DEFINITIONS (the settings the hand-computed values below rely on)", () => {
  it("has the documented directions, tolerances and CUSUM settings", () => {
    expect(KPI_DEFINITIONS[Kpi.SEVERITY_ACCURACY]).toEqual({
      field: "severityAccuracy",
      lowerIsBetter: false,
      relative: false,
      trendTolerance: 0.005,
      drift: { slack: 0.005, threshold: 0.015 },
    });
    expect(KPI_DEFINITIONS[Kpi.ESCALATION_QUALITY]).toEqual({
      field: "escalationQuality",
      lowerIsBetter: false,
      relative: false,
      trendTolerance: 0.005,
      drift: { slack: 0.005, threshold: 0.015 },
    });
    expect(KPI_DEFINITIONS[Kpi.FALSE_POSITIVE_LOAD]).toEqual({
      field: "falsePositiveLoad",
      lowerIsBetter: true,
      relative: false,
      trendTolerance: 0.005,
      drift: { slack: 0.005, threshold: 0.015 },
    });
    expect(KPI_DEFINITIONS[Kpi.TIME_TO_CONTAINMENT]).toEqual({
      field: "timeToContainmentMinutes",
      lowerIsBetter: true,
      relative: true,
      trendTolerance: 0.025,
      drift: { slack: 0.025, threshold: 0.1 },
    });
  });
});

describe("isoWeekOf", () => {
  it.each([
    // 2020-12-31 is a Thursday, so it decides its own week's year: 2020. 2020 has 53 weeks (a leap year
    // starting on a Wednesday): 2020-W01 starts Mon 2019-12-30, and 2020-12-31 is 367 days later → floor(367 / 7) = 52 → W53.
    ["2020-12-31", "2020-W53"],
    // 2021-01-03 is a Sunday; the Thursday of its week is 2020-12-31 → still 2020-W53.
    ["2021-01-03", "2020-W53"],
    // 2021-01-04 is a Monday and holds 4 January → 2021-W01.
    ["2021-01-04", "2021-W01"],
    // 2024-12-30 is a Monday; its Thursday is 2025-01-02 → 2025-W01.
    ["2024-12-30", "2025-W01"],
    // 2026: 4 Jan is a Sunday, so W01 starts Mon 2025-12-29. 2026-11-26 (Thursday) is 332 days after
    // 2025-12-29 → floor(332 / 7) = 47 → week 48.
    ["2026-11-26", "2026-W48"],
    // 2027-01-01 is a Friday; its Thursday is 2026-12-31 → 2026 (a 53-week year: 1 Jan 2026 is a Thursday).
    ["2027-01-01", "2026-W53"],
    // Plain mid-year checks: 2026-01-01 (Thursday) is in W01; 2025-12-28 (Sunday) is the last day of 2025-W52.
    ["2026-01-01", "2026-W01"],
    ["2025-12-28", "2025-W52"],
  ])("%s → %s", (date, week) => {
    expect(isoWeekOf(utc(date))).toBe(week);
  });

  it("uses the UTC calendar date, whatever the time of day", () => {
    expect(isoWeekOf(new Date("2021-01-03T23:59:59.999Z"))).toBe("2020-W53");
    expect(isoWeekOf(new Date("2021-01-04T00:00:00.000Z"))).toBe("2021-W01");
    expect(isoWeekOf(new Date("2026-11-29T23:00:00.000Z"))).toBe("2026-W48"); // Sunday, last day of W48
  });
});

describe("weekStart", () => {
  it.each([
    // 2026-W48: Monday of W01 is 2025-12-29; + 47 × 7 = 329 days → 2026-11-23 (the Monday before 26 Nov).
    ["2026-W48", "2026-11-23"],
    ["2026-W47", "2026-11-16"],
    ["2026-W01", "2025-12-29"],
    ["2026-W53", "2026-12-28"],
    ["2021-W01", "2021-01-04"],
    // 2020-W53: 2021-01-04 − 7 days = 2020-12-28.
    ["2020-W53", "2020-12-28"],
    ["2025-W01", "2024-12-30"],
  ])("%s starts on Monday %s 00:00 UTC", (week, monday) => {
    const start = weekStart(week);
    expect(start).not.toBeNull();
    expect(start!.toISOString()).toBe(`${monday}T00:00:00.000Z`);
    expect(start!.getUTCDay()).toBe(1);
    // And the round trip holds.
    expect(isoWeekOf(start!)).toBe(week);
  });

  it.each([
    // 2021 has 52 weeks: its "W53" Monday would be 2022-01-03, which is 2022-W01.
    ["2021-W53"],
    ["2026-W00"],
    // 2026 has 53 weeks; W54 would be 2027-W01.
    ["2026-W54"],
    ["2026-47"],
    ["2026-W7"],
    ["2026-w47"],
    [" 2026-W47"],
    ["2026-W47 "],
    ["garbage"],
    [""],
  ])("%j is not an ISO week → null", (week) => {
    expect(weekStart(week)).toBeNull();
  });
});

describe("isoWeekOf and weekStart agree", () => {
  it("every day 2019–2031 maps to the week whose Monday is that day's Monday", () => {
    // Reference: the Thursday of the day's week decides the year; week = floor((Thursday − 1 Jan) / 7) + 1.
    const mismatches: string[] = [];
    for (let t = Date.UTC(2019, 0, 1); t < Date.UTC(2032, 0, 1); t += 24 * 3600 * 1000) {
      const day = new Date(t);
      const sinceMonday = (day.getUTCDay() + 6) % 7;
      const thursday = new Date(t + (3 - sinceMonday) * 24 * 3600 * 1000);
      const year = thursday.getUTCFullYear();
      const number = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 24 * 3600 * 1000)) + 1;
      const expected = `${year}-W${String(number).padStart(2, "0")}`;
      const start = weekStart(expected);
      if (isoWeekOf(day) !== expected || start?.getTime() !== t - sinceMonday * 24 * 3600 * 1000) mismatches.push(day.toISOString());
    }
    expect(mismatches).toEqual([]);
  });
});

describe("weeksEnding", () => {
  it("walks back across a year boundary, oldest first, including a 53rd week", () => {
    // 2021-W02 − 1 = 2021-W01, − 2 = 2020-W53 (2020 has 53 weeks), − 3 = 2020-W52.
    expect(weeksEnding("2021-W02", 4)).toEqual(["2020-W52", "2020-W53", "2021-W01", "2021-W02"]);
    expect(weeksEnding("2027-W01", 3)).toEqual(["2026-W52", "2026-W53", "2027-W01"]);
    // 2024 has 52 weeks: 2025-W01 is preceded directly by 2024-W52.
    expect(weeksEnding("2025-W02", 3)).toEqual(["2024-W52", "2025-W01", "2025-W02"]);
  });

  it("returns just the last week for a count of 1", () => {
    expect(weeksEnding("2026-W48", 1)).toEqual(["2026-W48"]);
  });

  it("throws on a week that does not exist", () => {
    expect(() => weeksEnding("2021-W53", 4)).toThrow("2021-W53 is not an ISO week");
    expect(() => weeksEnding("garbage", 4)).toThrow(/not an ISO week/);
  });
});

describe("weeklyScorecard", () => {
  const report = (overrides: Partial<WeeklyKpis>): WeeklyKpis => ({
    week: "2026-W47",
    alertsHandled: 100,
    timeToContainmentMinutes: 60,
    falsePositiveLoad: 0.1,
    severityAccuracy: 0.9,
    escalationQuality: 0.8,
    ...overrides,
  });

  it("weights two reporters in one week by alertsHandled", () => {
    const reports = [
      report({ alertsHandled: 100, severityAccuracy: 0.9, timeToContainmentMinutes: 30, falsePositiveLoad: 0.2, escalationQuality: 0.7 }),
      report({ alertsHandled: 300, severityAccuracy: 0.8, timeToContainmentMinutes: 50, falsePositiveLoad: 0.1, escalationQuality: 0.9 }),
      // A different week must not leak in.
      report({ week: "2026-W46", alertsHandled: 1000, severityAccuracy: 0.1 }),
    ];
    const week = weeklyScorecard(reports, ["2026-W47"])[0]!;
    expect(week.week).toBe("2026-W47");
    expect(week.reports).toBe(2);
    expect(week.alertsHandled).toBe(400);
    // (100 × 0.9 + 300 × 0.8) / 400 = (90 + 240) / 400 = 0.825 (a plain mean would give 0.85).
    expect(week.values[Kpi.SEVERITY_ACCURACY]).toBeCloseTo(0.825, 12);
    // (100 × 30 + 300 × 50) / 400 = (3000 + 15000) / 400 = 45.
    expect(week.values[Kpi.TIME_TO_CONTAINMENT]).toBeCloseTo(45, 12);
    // (100 × 0.2 + 300 × 0.1) / 400 = (20 + 30) / 400 = 0.125.
    expect(week.values[Kpi.FALSE_POSITIVE_LOAD]).toBeCloseTo(0.125, 12);
    // (100 × 0.7 + 300 × 0.9) / 400 = (70 + 270) / 400 = 0.85.
    expect(week.values[Kpi.ESCALATION_QUALITY]).toBeCloseTo(0.85, 12);
  });

  it("reports a week without reports as reports 0, alertsHandled 0 and every KPI null", () => {
    const weeks = weeklyScorecard([report({ week: "2026-W46" })], ["2026-W46", "2026-W47"]);
    expect(weeks).toHaveLength(2);
    expect(weeks[0]!.reports).toBe(1);
    expect(weeks[0]!.values[Kpi.SEVERITY_ACCURACY]).toBeCloseTo(0.9, 12);
    expect(weeks[1]).toEqual({
      week: "2026-W47",
      reports: 0,
      alertsHandled: 0,
      values: {
        [Kpi.TIME_TO_CONTAINMENT]: null,
        [Kpi.FALSE_POSITIVE_LOAD]: null,
        [Kpi.SEVERITY_ACCURACY]: null,
        [Kpi.ESCALATION_QUALITY]: null,
      },
    });
  });

  it("gives null KPIs (not NaN) when reports handled no alerts at all", () => {
    const week = weeklyScorecard([report({ alertsHandled: 0 })], ["2026-W47"])[0]!;
    expect(week.reports).toBe(1);
    expect(week.alertsHandled).toBe(0);
    for (const kpi of Object.values(Kpi)) expect(week.values[kpi]).toBeNull();
  });

  it("keeps the order of the weeks asked for", () => {
    const weeks = weeklyScorecard([], ["2026-W48", "2026-W46", "2026-W47"]);
    expect(weeks.map((w) => w.week)).toEqual(["2026-W48", "2026-W46", "2026-W47"]);
  });
});

describe("slopePerWeek", () => {
  it("is exact on straight lines", () => {
    expect(slopePerWeek([1, 2, 3])).toBeCloseTo(1, 12);
    expect(slopePerWeek([0, 2, 4, 6])).toBeCloseTo(2, 12);
    expect(slopePerWeek([5, 5, 5, 5])).toBe(0);
    expect(slopePerWeek([10, 7, 4])).toBeCloseTo(-3, 12);
  });

  it("fits least squares on a non-linear series", () => {
    // (0,3), (1,1), (2,2): x̄ = 1, ȳ = 2; Σ(x−x̄)(y−ȳ) = (−1)(1) + 0 + (1)(0) = −1; Σ(x−x̄)² = 2 → −0.5.
    expect(slopePerWeek([3, 1, 2])).toBeCloseTo(-0.5, 12);
  });

  it("skips nulls but keeps their x positions", () => {
    // Points (1,1), (3,3), (4,5): x̄ = 8/3, ȳ = 3.
    // Σ(x−x̄)(y−ȳ) = (−5/3)(−2) + (1/3)(0) + (4/3)(2) = 10/3 + 8/3 = 6.
    // Σ(x−x̄)² = 25/9 + 1/9 + 16/9 = 42/9 = 14/3 → slope = 6 / (14/3) = 9/7.
    // (Compacting to [1, 3, 5] would give 2 instead.)
    expect(slopePerWeek([null, 1, null, 3, 5])).toBeCloseTo(9 / 7, 12);
    // A line with a gap stays a line: y = 1 + 2x at x = 0, 2, 3.
    expect(slopePerWeek([1, null, 5, 7])).toBeCloseTo(2, 12);
  });

  it("is null under 3 points", () => {
    expect(slopePerWeek([])).toBeNull();
    expect(slopePerWeek([1])).toBeNull();
    expect(slopePerWeek([1, 2])).toBeNull();
    expect(slopePerWeek([1, null, 3])).toBeNull();
    expect(slopePerWeek([null, null, null, 4])).toBeNull();
  });
});

describe("trendOf", () => {
  it("SEVERITY_ACCURACY up 0.01/week → COMPOUNDING (0.01 > tolerance 0.005)", () => {
    const result = trendOf(Kpi.SEVERITY_ACCURACY, [0.9, 0.91, 0.92, 0.93]);
    expect(result?.trend).toBe(Trend.COMPOUNDING);
    expect(result?.slopePerWeek).toBeCloseTo(0.01, 12);
  });

  it("SEVERITY_ACCURACY down 0.01/week → DEGRADING (−0.01 < −0.005)", () => {
    const result = trendOf(Kpi.SEVERITY_ACCURACY, [0.95, 0.94, 0.93, 0.92]);
    expect(result?.trend).toBe(Trend.DEGRADING);
    expect(result?.slopePerWeek).toBeCloseTo(-0.01, 12);
  });

  it("SEVERITY_ACCURACY ±0.002/week → STABLE (|0.002| ≤ 0.005)", () => {
    const up = trendOf(Kpi.SEVERITY_ACCURACY, [0.9, 0.902, 0.904, 0.906]);
    expect(up?.trend).toBe(Trend.STABLE);
    expect(up?.slopePerWeek).toBeCloseTo(0.002, 12);
    const down = trendOf(Kpi.SEVERITY_ACCURACY, [0.9, 0.898, 0.896, 0.894]);
    expect(down?.trend).toBe(Trend.STABLE);
    expect(down?.slopePerWeek).toBeCloseTo(-0.002, 12);
  });

  it("ESCALATION_QUALITY is higher-is-better too", () => {
    expect(trendOf(Kpi.ESCALATION_QUALITY, [0.7, 0.72, 0.74])?.trend).toBe(Trend.COMPOUNDING);
    expect(trendOf(Kpi.ESCALATION_QUALITY, [0.74, 0.72, 0.7])?.trend).toBe(Trend.DEGRADING);
  });

  it("FALSE_POSITIVE_LOAD rising → DEGRADING, falling → COMPOUNDING (lower is better)", () => {
    // Slope +0.02; better = −0.02 < −0.005.
    const rising = trendOf(Kpi.FALSE_POSITIVE_LOAD, [0.1, 0.12, 0.14, 0.16]);
    expect(rising?.trend).toBe(Trend.DEGRADING);
    expect(rising?.slopePerWeek).toBeCloseTo(0.02, 12);
    const falling = trendOf(Kpi.FALSE_POSITIVE_LOAD, [0.16, 0.14, 0.12, 0.1]);
    expect(falling?.trend).toBe(Trend.COMPOUNDING);
    expect(falling?.slopePerWeek).toBeCloseTo(-0.02, 12);
  });

  it("TIME_TO_CONTAINMENT scales the slope by the mean: +10 %/week → DEGRADING", () => {
    // 42.5, 47.5, 52.5, 57.5: slope 5 min/week, mean 50 → 5 / 50 = 0.10 > 0.025; lower is better.
    const result = trendOf(Kpi.TIME_TO_CONTAINMENT, [42.5, 47.5, 52.5, 57.5]);
    expect(result?.trend).toBe(Trend.DEGRADING);
    // The reported slope stays in minutes per week.
    expect(result?.slopePerWeek).toBeCloseTo(5, 12);
  });

  it("TIME_TO_CONTAINMENT +1 %/week → STABLE although 0.5 min/week exceeds 0.025 in absolute terms", () => {
    // 49.25, 49.75, 50.25, 50.75: slope 0.5, mean 50 → 0.01 ≤ 0.025.
    const result = trendOf(Kpi.TIME_TO_CONTAINMENT, [49.25, 49.75, 50.25, 50.75]);
    expect(result?.trend).toBe(Trend.STABLE);
    expect(result?.slopePerWeek).toBeCloseTo(0.5, 12);
  });

  it("TIME_TO_CONTAINMENT either side of the 2.5 % tolerance, and falling → COMPOUNDING", () => {
    // Slope 1.5, mean 50 → 3 % > 2.5 % → DEGRADING; slope 1, mean 50 → 2 % → STABLE.
    expect(trendOf(Kpi.TIME_TO_CONTAINMENT, [48.5, 50, 51.5])?.trend).toBe(Trend.DEGRADING);
    expect(trendOf(Kpi.TIME_TO_CONTAINMENT, [49, 50, 51])?.trend).toBe(Trend.STABLE);
    // Slope −5, mean 50 → −10 %; lower is better → COMPOUNDING.
    expect(trendOf(Kpi.TIME_TO_CONTAINMENT, [57.5, 52.5, 47.5, 42.5])?.trend).toBe(Trend.COMPOUNDING);
  });

  it("TIME_TO_CONTAINMENT's mean is over the weeks with data only", () => {
    // Points (0,48), (2,50), (3,51): y = 48 + x, slope 1. Mean of the present values = 149 / 3 ≈ 49.67
    // → 1 / 49.67 ≈ 2.01 % ≤ 2.5 % → STABLE. (Counting the null as 0, the mean would be 149 / 4 = 37.25
    // → 2.68 % → DEGRADING.)
    const result = trendOf(Kpi.TIME_TO_CONTAINMENT, [48, null, 50, 51]);
    expect(result?.slopePerWeek).toBeCloseTo(1, 12);
    expect(result?.trend).toBe(Trend.STABLE);
  });

  it("is null with fewer than 3 points", () => {
    expect(trendOf(Kpi.SEVERITY_ACCURACY, [0.9, 0.99])).toBeNull();
    expect(trendOf(Kpi.SEVERITY_ACCURACY, [null, 0.9, null, 0.99])).toBeNull();
    expect(trendOf(Kpi.TIME_TO_CONTAINMENT, [])).toBeNull();
  });
});

describe("detectDrift", () => {
  it("SEVERITY_ACCURACY sliding a point a week from 0.95 alarms in the second week of the slide", () => {
    // Baseline = mean(0.95 × 4) = 0.95.
    // W05 0.94: harm = 0.95 − 0.94 = 0.01; S1 = max(0, 0 + 0.01 − 0.005) = 0.005 ≤ 0.015.
    // W06 0.93: harm = 0.02; S2 = 0.005 + 0.02 − 0.005 = 0.02 > 0.015 → alarm.
    const alarm = detectDrift(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.95, 0.94, 0.93, 0.92, 0.91]));
    expect(alarm).not.toBeNull();
    expect(alarm!.kpi).toBe(Kpi.SEVERITY_ACCURACY);
    expect(alarm!.week).toBe("2026-W06");
    expect(alarm!.statistic).toBeCloseTo(0.02, 10);
    expect(alarm!.baseline).toBeCloseTo(0.95, 10);
  });

  it("does not alarm on noise of ±0.005 around the baseline", () => {
    // harm alternates +0.005 / −0.005; with slack 0.005, S = max(0, S + harm − 0.005) stays ≈ 0.
    const noisy = [0.95, 0.95, 0.95, 0.95, 0.945, 0.955, 0.945, 0.955, 0.945, 0.955, 0.945, 0.955];
    expect(detectDrift(Kpi.SEVERITY_ACCURACY, series(noisy))).toBeNull();
  });

  it("does not alarm on a single bad week followed by recovery", () => {
    // W05 0.935: harm 0.015; S = 0.015 − 0.005 = 0.01 ≤ 0.015.
    // W06 0.95: harm 0; S = max(0, 0.01 − 0.005) = 0.005. W07: S = max(0, 0.005 − 0.005) = 0.
    expect(detectDrift(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.95, 0.935, 0.95, 0.95]))).toBeNull();
  });

  it("alarms when the same bad week repeats", () => {
    // S1 = 0.01 (as above); S2 = 0.01 + 0.015 − 0.005 = 0.02 > 0.015 → W06.
    const alarm = detectDrift(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.95, 0.935, 0.935]));
    expect(alarm?.week).toBe("2026-W06");
    expect(alarm?.statistic).toBeCloseTo(0.02, 10);
  });

  it("an earlier improvement banks no credit against a later slide (S is floored at 0)", () => {
    // W05 0.99: harm = 0.95 − 0.99 = −0.04; S = max(0, −0.045) = 0.
    // W06 0.925: harm 0.025; S = 0 + 0.025 − 0.005 = 0.02 > 0.015 → alarm at W06.
    // (Unfloored, S would be −0.045 + 0.02 = −0.025 and no alarm.)
    const alarm = detectDrift(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.95, 0.99, 0.925]));
    expect(alarm?.week).toBe("2026-W06");
    expect(alarm?.statistic).toBeCloseTo(0.02, 10);
  });

  it("S equal to the threshold is not yet an alarm; it must exceed it", () => {
    // TIME_TO_CONTAINMENT, baseline 60. W05 67.5: change 7.5 / 60 = 0.125; S = 0.125 − 0.025 = 0.1 = h → no alarm
    // (0.125 − 0.025 is exactly 0.1 in floating point too). W06 67.5: S = 0.1 + 0.125 − 0.025 = 0.2 > 0.1 → alarm.
    const alarm = detectDrift(Kpi.TIME_TO_CONTAINMENT, series([60, 60, 60, 60, 67.5, 67.5]));
    expect(alarm?.week).toBe("2026-W06");
    expect(alarm?.statistic).toBeCloseTo(0.2, 10);
    expect(detectDrift(Kpi.TIME_TO_CONTAINMENT, series([60, 60, 60, 60, 67.5]))).toBeNull();
  });

  it("is one-sided: SEVERITY_ACCURACY rising never alarms", () => {
    expect(detectDrift(Kpi.SEVERITY_ACCURACY, series([0.9, 0.9, 0.9, 0.9, 0.95, 0.99, 0.99, 0.99]))).toBeNull();
  });

  it("the baseline is the mean of the first 4 weeks with data", () => {
    // Baseline = (0.94 + 0.96 + 0.95 + 0.95) / 4 = 3.8 / 4 = 0.95 (0.94 alone would give 0.94 and no alarm).
    // W05 0.925: harm 0.025; S = 0.025 − 0.005 = 0.02 > 0.015 → alarm at W05.
    const alarm = detectDrift(Kpi.SEVERITY_ACCURACY, series([0.94, 0.96, 0.95, 0.95, 0.925]));
    expect(alarm?.week).toBe("2026-W05");
    expect(alarm?.statistic).toBeCloseTo(0.02, 10);
    expect(alarm?.baseline).toBeCloseTo(0.95, 10);
  });

  it("honours a custom number of baseline weeks", () => {
    // baselineWeeks = 2: baseline = (0.9 + 1.0) / 2 = 0.95; W03 0.935: harm 0.015 → S = 0.01 ≤ 0.015;
    // W04 0.93: harm 0.02 → S = 0.01 + 0.02 − 0.005 = 0.025 > 0.015 → W04.
    // (With the default 4 baseline weeks there would be no data beyond the baseline → null.)
    expect(detectDrift(Kpi.ESCALATION_QUALITY, series([0.9, 1.0, 0.935, 0.93]))).toBeNull();
    const alarm = detectDrift(Kpi.ESCALATION_QUALITY, series([0.9, 1.0, 0.935, 0.93]), 2);
    expect(alarm?.kpi).toBe(Kpi.ESCALATION_QUALITY);
    expect(alarm?.week).toBe("2026-W04");
    expect(alarm?.statistic).toBeCloseTo(0.025, 10);
    expect(alarm?.baseline).toBeCloseTo(0.95, 10);
  });

  it("FALSE_POSITIVE_LOAD rising from 0.10 alarms (lower is better)", () => {
    // Baseline 0.10. W05 0.11: harm = +0.01; S1 = 0.005. W06 0.12: harm 0.02; S2 = 0.005 + 0.02 − 0.005 = 0.02 > 0.015.
    const alarm = detectDrift(Kpi.FALSE_POSITIVE_LOAD, series([0.1, 0.1, 0.1, 0.1, 0.11, 0.12, 0.13]));
    expect(alarm?.kpi).toBe(Kpi.FALSE_POSITIVE_LOAD);
    expect(alarm?.week).toBe("2026-W06");
    expect(alarm?.statistic).toBeCloseTo(0.02, 10);
    expect(alarm?.baseline).toBeCloseTo(0.1, 10);
  });

  it("FALSE_POSITIVE_LOAD falling never alarms", () => {
    expect(detectDrift(Kpi.FALSE_POSITIVE_LOAD, series([0.1, 0.1, 0.1, 0.1, 0.08, 0.05, 0.02, 0.01]))).toBeNull();
  });

  it("TIME_TO_CONTAINMENT rising 5 % a week from 60 minutes alarms on relative change", () => {
    // Baseline 60. Minutes compound 5 % a week: 63, 66.15, 69.4575.
    // W05 63:    change = 3 / 60 = 0.05;       S1 = 0.05 − 0.025 = 0.025 ≤ 0.1.
    // W06 66.15: change = 6.15 / 60 = 0.1025;  S2 = 0.025 + 0.1025 − 0.025 = 0.1025 > 0.1 → alarm.
    // (On absolute minutes it would alarm at W05 with S = 3 − 0.025.)
    const alarm = detectDrift(Kpi.TIME_TO_CONTAINMENT, series([60, 60, 60, 60, 63, 66.15, 69.4575]));
    expect(alarm?.kpi).toBe(Kpi.TIME_TO_CONTAINMENT);
    expect(alarm?.week).toBe("2026-W06");
    expect(alarm?.statistic).toBeCloseTo(0.1025, 10);
    expect(alarm?.baseline).toBeCloseTo(60, 10);
  });

  it("TIME_TO_CONTAINMENT falling never alarms, and 2 % noise stays under the slack", () => {
    expect(detectDrift(Kpi.TIME_TO_CONTAINMENT, series([60, 60, 60, 60, 50, 40, 30]))).toBeNull();
    // +1.2 min = +2 % each week: harm 0.02 < slack 0.025 → S stays 0.
    expect(detectDrift(Kpi.TIME_TO_CONTAINMENT, series([60, 60, 60, 60, 61.2, 61.2, 61.2, 61.2, 61.2]))).toBeNull();
  });

  it("is null with fewer than 5 weeks of data", () => {
    // 4 weeks are all baseline, however bad the last one.
    expect(detectDrift(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.1]))).toBeNull();
    expect(detectDrift(Kpi.SEVERITY_ACCURACY, series([]))).toBeNull();
    // 6 weeks but only 4 with data.
    expect(detectDrift(Kpi.SEVERITY_ACCURACY, series([0.95, null, 0.95, 0.95, null, 0.95]))).toBeNull();
  });

  it("alarms from the fifth week of data on a large enough drop", () => {
    // Baseline 0.95; W05 0.5: harm 0.45; S = 0.445 > 0.015.
    const alarm = detectDrift(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.95, 0.5]));
    expect(alarm?.week).toBe("2026-W05");
    expect(alarm?.statistic).toBeCloseTo(0.445, 10);
  });

  it("skips weeks with null values, in the baseline and after it", () => {
    // Data: W02–W05 at 0.95 (baseline 0.95, not diluted by W01's null), W06 null, W07 0.94, W08 0.93.
    // W07: S = 0.005; W08: S = 0.02 > 0.015 → alarm at W08.
    const alarm = detectDrift(Kpi.SEVERITY_ACCURACY, series([null, 0.95, 0.95, 0.95, 0.95, null, 0.94, 0.93]));
    expect(alarm?.week).toBe("2026-W08");
    expect(alarm?.statistic).toBeCloseTo(0.02, 10);
    expect(alarm?.baseline).toBeCloseTo(0.95, 10);
  });
});

describe("driftStanding", () => {
  // Baseline 0.95; the slide 0.94, 0.93, 0.92 gives S = 0.005, 0.02 (first above h = 0.015), 0.045.
  // Once raised, the alarm stands until S is back under h / 2 = 0.0075.
  const slide = [0.95, 0.95, 0.95, 0.95, 0.94, 0.93, 0.92];

  it("is raised once the CUSUM exceeds h", () => {
    // Through W05: S = 0.005 ≤ 0.015 → not yet. Through W06: 0.02 → stands. Through W07: 0.045 → stands.
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series(slide.slice(0, 5)))).toBe(false);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series(slide.slice(0, 6)))).toBe(true);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series(slide))).toBe(true);
  });

  it("clears once the KPI has been back at its baseline long enough: under h / 2, not merely under h", () => {
    // At 0.95 each week: harm 0, S falls by k = 0.005 a week from 0.045.
    // 5 weeks back: S = 0.045 − 0.025 = 0.02 > 0.015 → still stands.
    const back = (weeks: number) => series([...slide, ...Array<number>(weeks).fill(0.95)]);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, back(5))).toBe(true);
    // 6 weeks back: S = 0.015, 7 weeks back: S = 0.01: no longer above h, but above h / 2 = 0.0075 → still stands.
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, back(6))).toBe(true);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, back(7))).toBe(true);
    // 8 weeks back: S = 0.045 − 0.04 = 0.005 < 0.0075 → cleared.
    const recovered = back(8);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, recovered)).toBe(false);
    // detectDrift still reports when the alarm was first raised.
    expect(detectDrift(Kpi.SEVERITY_ACCURACY, recovered)?.week).toBe("2026-W06");
  });

  it("clears faster when the KPI comes back above its baseline", () => {
    // 0.965: harm −0.015, S falls by 0.02 a week: 0.045 → 0.025 (stands) → 0.005 (under h / 2 = 0.0075: cleared).
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([...slide, 0.965]))).toBe(true);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([...slide, 0.965, 0.965]))).toBe(false);
  });

  it("never stands with 4 weeks of data or fewer, however bad", () => {
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.1]))).toBe(false);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([0.95, null, 0.95, 0.95, null, 0.1]))).toBe(false);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([]))).toBe(false);
  });

  it("skips weeks without data", () => {
    // Baseline from W02–W05 (0.95); W06 null; W07 0.94 → 0.005; W08 0.93 → 0.02 → stands.
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([null, 0.95, 0.95, 0.95, 0.95, null, 0.94, 0.93]))).toBe(true);
    // A trailing empty week does not clear it.
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([null, 0.95, 0.95, 0.95, 0.95, null, 0.94, 0.93, null]))).toBe(true);
  });

  it("is one-sided, per the KPI's direction", () => {
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([0.9, 0.9, 0.9, 0.9, 0.95, 0.99, 0.99]))).toBe(false);
    // FALSE_POSITIVE_LOAD rising from 0.10: 0.11 → 0.005, 0.12 → 0.02 → stands; falling never does.
    expect(driftStanding(Kpi.FALSE_POSITIVE_LOAD, series([0.1, 0.1, 0.1, 0.1, 0.11, 0.12]))).toBe(true);
    expect(driftStanding(Kpi.FALSE_POSITIVE_LOAD, series([0.1, 0.1, 0.1, 0.1, 0.08, 0.05, 0.02]))).toBe(false);
  });

  it("reads containment time relative to its baseline", () => {
    // Baseline 60: 63 → S = 0.05 − 0.025 = 0.025; 66.15 → 0.025 + 0.1025 − 0.025 = 0.1025 > 0.1 → stands.
    const slow = [60, 60, 60, 60, 63, 66.15];
    expect(driftStanding(Kpi.TIME_TO_CONTAINMENT, series(slow))).toBe(true);
    // Back at 60 minutes (harm 0), S falls by k = 0.025 a week; h / 2 = 0.05.
    // One week: S = 0.1025 − 0.025 = 0.0775 ≤ 0.1 but > 0.05 → stands. Two weeks: 0.0525 > 0.05 → stands.
    // Three weeks: 0.0275 < 0.05 → cleared.
    expect(driftStanding(Kpi.TIME_TO_CONTAINMENT, series([...slow, 60]))).toBe(true);
    expect(driftStanding(Kpi.TIME_TO_CONTAINMENT, series([...slow, 60, 60]))).toBe(true);
    expect(driftStanding(Kpi.TIME_TO_CONTAINMENT, series([...slow, 60, 60, 60]))).toBe(false);
  });

  it("honours a custom number of baseline weeks", () => {
    // Baseline (0.9 + 1.0) / 2 = 0.95: 0.935 → 0.01; 0.93 → 0.025 → stands. With 4 baseline weeks there is nothing after it.
    expect(driftStanding(Kpi.ESCALATION_QUALITY, series([0.9, 1.0, 0.935, 0.93]), 2)).toBe(true);
    expect(driftStanding(Kpi.ESCALATION_QUALITY, series([0.9, 1.0, 0.935, 0.93]))).toBe(false);
  });

  it("is not raised while S is between h / 2 and h", () => {
    // 0.935: harm 0.015, S = 0.01: above h / 2 = 0.0075 but not above h = 0.015, and no alarm stood → none.
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([0.95, 0.95, 0.95, 0.95, 0.935]))).toBe(false);
    // The same S after a standing alarm (7 weeks back from the slide, S = 0.01) keeps it: the history decides.
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([...slide, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]))).toBe(true);
  });

  it("a KPI hovering at the threshold keeps its alarm instead of raising and clearing it week after week", () => {
    // Through W06: S = 0.02, raised. 0.955: harm −0.005, S = 0.02 − 0.005 − 0.005 = 0.01 (≤ h, > h / 2) → stands.
    // 0.935: S = 0.01 + 0.015 − 0.005 = 0.02 → stands. 0.955: 0.01 → stands. 0.935: 0.02 → stands.
    // (Read as S > h alone, it would stand, clear, stand, clear, stand.)
    const hovering = [0.95, 0.95, 0.95, 0.95, 0.94, 0.93, 0.955, 0.935, 0.955, 0.935];
    const standing = [6, 7, 8, 9, 10].map((weeks) => driftStanding(Kpi.SEVERITY_ACCURACY, series(hovering.slice(0, weeks))));
    expect(standing).toEqual([true, true, true, true, true]);
  });

  it("once cleared, needs S above h again to stand", () => {
    // Cleared 8 weeks back from the slide at S = 0.005. 0.94: S = 0.005 + 0.01 − 0.005 = 0.01 ≤ h → not raised;
    // 0.94 again: S = 0.01 + 0.005 = 0.015, not above h → not raised; 0.94 a third time: 0.02 > 0.015 → raised.
    const cleared = [...slide, ...Array<number>(8).fill(0.95)];
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([...cleared, 0.94]))).toBe(false);
    expect(driftStanding(Kpi.SEVERITY_ACCURACY, series([...cleared, 0.94, 0.94, 0.94]))).toBe(true);
  });
});
