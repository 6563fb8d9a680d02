import { describe, expect, it } from "vitest";
import { DEFAULT_LADDER } from "../../../test/support/contexts.js";
import { ConsequenceAction, type LadderStep } from "../../../lib/contracts/consequence.js";
import { climbLadder, recoveryReason, triggerReason, type LadderSignals } from "../ladder.math.js";

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 10, 26, 12);
const daysAgo = (days: number) => NOW - days * DAY;

/** A quiet agent at 800 with no history; override what a test is about. */
const signals = (overrides: Partial<LadderSignals> = {}): LadderSignals => ({
  now: NOW,
  breachTimes: [],
  compositeScore: 800,
  compositeDaysAgo: () => null,
  driftAlarm: false,
  passingStreak: 0,
  levelSince: null,
  ...overrides,
});

const step = (
  trigger: LadderStep["trigger"],
  recovery: LadderStep["recovery"] = { passingRuns: 1 },
  action = ConsequenceAction.WARN,
): LadderStep => ({ action, trigger, recovery });

/** `count` breach times, newest first, the newest `newestDaysAgo` days back and one day apart. */
const breaches = (count: number, newestDaysAgo = 1): number[] => Array.from({ length: count }, (_, i) => daysAgo(newestDaysAgo + i));

describe("DEFAULT_LADDER (the rungs the scenarios below rely on)", () => {
  it("climbs WARN → REQUIRE_HUMAN_REVIEW → THROTTLE → SUSPEND_LISTING → DELIST with the documented triggers", () => {
    expect(DEFAULT_LADDER.map((s) => s.action)).toEqual([
      ConsequenceAction.WARN,
      ConsequenceAction.REQUIRE_HUMAN_REVIEW,
      ConsequenceAction.THROTTLE,
      ConsequenceAction.SUSPEND_LISTING,
      ConsequenceAction.DELIST,
    ]);
    expect(DEFAULT_LADDER.map((s) => s.trigger.breachCount)).toEqual([1, 2, 3, 5, 8]);
    expect(DEFAULT_LADDER.map((s) => s.trigger.scoreDropPoints ?? null)).toEqual([null, 50, 100, 200, null]);
    expect(DEFAULT_LADDER.map((s) => s.trigger.driftAlarm ?? false)).toEqual([false, true, false, false, false]);
    expect(DEFAULT_LADDER[4]!.recovery).toBeNull();
  });
});

describe("triggerReason", () => {
  describe("breach count", () => {
    it("counts breaches within the window, 30 days by default", () => {
      const twoIn30 = step({ breachCount: 2 });
      expect(triggerReason(twoIn30, signals({ breachTimes: [daysAgo(1), daysAgo(29)] }))).toBe("2 breach(es) within 30 days (trigger: 2)");
      // Only one within 30 days.
      expect(triggerReason(twoIn30, signals({ breachTimes: [daysAgo(1), daysAgo(31)] }))).toBeNull();
      // More than needed names the actual count.
      expect(triggerReason(twoIn30, signals({ breachTimes: breaches(3) }))).toBe("3 breach(es) within 30 days (trigger: 2)");
      expect(triggerReason(twoIn30, signals())).toBeNull();
    });

    it("includes a breach exactly at the window's edge, not one a millisecond before it", () => {
      const one = step({ breachCount: 1 });
      expect(triggerReason(one, signals({ breachTimes: [NOW - 30 * DAY] }))).toBe("1 breach(es) within 30 days (trigger: 1)");
      expect(triggerReason(one, signals({ breachTimes: [NOW - 30 * DAY - 1] }))).toBeNull();
    });

    it("honours a set window", () => {
      const twoIn7 = step({ breachCount: 2, breachWindowDays: 7 });
      // 1 and 8 days ago: one within 7 days (it would be two within the default 30).
      expect(triggerReason(twoIn7, signals({ breachTimes: [daysAgo(1), daysAgo(8)] }))).toBeNull();
      expect(triggerReason(twoIn7, signals({ breachTimes: [daysAgo(1), daysAgo(6)] }))).toBe("2 breach(es) within 7 days (trigger: 2)");
    });
  });

  describe("score drop", () => {
    it("fires when the score fell at least the points within the window, reading the history 30 days back by default", () => {
      const asked: number[] = [];
      const history = (before: number | null) => (days: number) => {
        asked.push(days);
        return before;
      };
      const drop50 = step({ scoreDropPoints: 50 });
      // 800 → 750: exactly 50.
      expect(triggerReason(drop50, signals({ compositeScore: 750, compositeDaysAgo: history(800) }))).toBe(
        "composite score fell 50 points within 30 days (trigger: 50)",
      );
      // 800 → 751: 49.
      expect(triggerReason(drop50, signals({ compositeScore: 751, compositeDaysAgo: history(800) }))).toBeNull();
      // A rise is no drop.
      expect(triggerReason(drop50, signals({ compositeScore: 900, compositeDaysAgo: history(800) }))).toBeNull();
      // No history that far back: nothing to compare with.
      expect(triggerReason(drop50, signals({ compositeScore: 100, compositeDaysAgo: history(null) }))).toBeNull();
      expect(asked).toEqual([30, 30, 30, 30]);
    });

    it("honours a set window", () => {
      const asked: number[] = [];
      const drop = step({ scoreDropPoints: 100, scoreDropWindowDays: 7 });
      const compositeDaysAgo = (days: number) => {
        asked.push(days);
        return 800;
      };
      const reason = triggerReason(drop, signals({ compositeScore: 680, compositeDaysAgo }));
      expect(reason).toBe("composite score fell 120 points within 7 days (trigger: 100)");
      expect(asked).toEqual([7]);
    });
  });

  describe("drift", () => {
    it("fires only when the step names drift and the alarm stands", () => {
      expect(triggerReason(step({ driftAlarm: true }), signals({ driftAlarm: true }))).toBe("drift detection raised an alarm");
      expect(triggerReason(step({ driftAlarm: true }), signals({ driftAlarm: false }))).toBeNull();
      expect(triggerReason(step({ driftAlarm: false }), signals({ driftAlarm: true }))).toBeNull();
      expect(triggerReason(step({ breachCount: 1 }), signals({ driftAlarm: true }))).toBeNull();
    });
  });

  it("any one set condition is enough; breaches are reported first", () => {
    const rhr = DEFAULT_LADDER[1]!;
    const dropped = { compositeScore: 700, compositeDaysAgo: () => 800 };
    expect(triggerReason(rhr, signals({ driftAlarm: true }))).toBe("drift detection raised an alarm");
    expect(triggerReason(rhr, signals(dropped))).toBe("composite score fell 100 points within 30 days (trigger: 50)");
    expect(triggerReason(rhr, signals({ ...dropped, driftAlarm: true, breachTimes: breaches(2) }))).toBe(
      "2 breach(es) within 30 days (trigger: 2)",
    );
    expect(triggerReason(rhr, signals({ breachTimes: breaches(1) }))).toBeNull();
  });
});

describe("recoveryReason", () => {
  it("a null recovery never opens: only an arbiter lifts the step", () => {
    expect(recoveryReason(step({ breachCount: 8 }, null), signals({ passingStreak: 100, compositeScore: 1000 }))).toBeNull();
    expect(recoveryReason(DEFAULT_LADDER[4]!, signals({ passingStreak: 100, compositeScore: 1000, levelSince: daysAgo(365) }))).toBeNull();
  });

  it("needs the consecutive passing runs", () => {
    const three = step({ breachCount: 2 }, { passingRuns: 3 });
    expect(recoveryReason(three, signals({ passingStreak: 2 }))).toBeNull();
    expect(recoveryReason(three, signals({ passingStreak: 3 }))).toBe("recovered: 3 consecutive passing run(s)");
    expect(recoveryReason(three, signals({ passingStreak: 7 }))).toBe("recovered: 7 consecutive passing run(s)");
  });

  it("needs the minimum composite score", () => {
    const min = step({ scoreDropPoints: 50 }, { minCompositeScore: 700 });
    expect(recoveryReason(min, signals({ compositeScore: 699 }))).toBeNull();
    expect(recoveryReason(min, signals({ compositeScore: 700 }))).toBe("recovered: composite score 700");
  });

  it("measures quiet days from the later of the last breach and when the step was taken", () => {
    const quiet = step({ breachCount: 3 }, { quietDays: 7 });
    // Last breach 8 days ago, step taken 10 days ago → 8 quiet days.
    expect(recoveryReason(quiet, signals({ breachTimes: [daysAgo(8), daysAgo(20)], levelSince: daysAgo(10) }))).toBe(
      "recovered: 7 quiet day(s)",
    );
    // Last breach 6 days ago → not yet. breachTimes is newest first: only the first counts.
    expect(recoveryReason(quiet, signals({ breachTimes: [daysAgo(6), daysAgo(20)], levelSince: daysAgo(10) }))).toBeNull();
    // Last breach 20 days ago, but the step was taken 3 days ago (say on a score drop) → 3 quiet days.
    expect(recoveryReason(quiet, signals({ breachTimes: [daysAgo(20)], levelSince: daysAgo(3) }))).toBeNull();
    // Exactly 7 days since the step → open.
    expect(recoveryReason(quiet, signals({ breachTimes: [daysAgo(20)], levelSince: daysAgo(7) }))).toBe("recovered: 7 quiet day(s)");
    expect(recoveryReason(quiet, signals({ breachTimes: [daysAgo(20)], levelSince: daysAgo(7) + 1 }))).toBeNull();
    // No breaches and no step time: quiet since forever.
    expect(recoveryReason(quiet, signals())).toBe("recovered: 7 quiet day(s)");
  });

  it("needs every set condition, and names them all", () => {
    const all = step({ breachCount: 3 }, { passingRuns: 3, minCompositeScore: 700, quietDays: 7 });
    const ok = { passingStreak: 4, compositeScore: 720, breachTimes: [daysAgo(10)], levelSince: daysAgo(9) };
    expect(recoveryReason(all, signals(ok))).toBe("recovered: 4 consecutive passing run(s), composite score 720, 7 quiet day(s)");
    expect(recoveryReason(all, signals({ ...ok, passingStreak: 2 }))).toBeNull();
    expect(recoveryReason(all, signals({ ...ok, compositeScore: 690 }))).toBeNull();
    expect(recoveryReason(all, signals({ ...ok, levelSince: daysAgo(2) }))).toBeNull();
  });
});

describe("climbLadder", () => {
  it("returns null when nothing holds and nothing stands", () => {
    expect(climbLadder(DEFAULT_LADDER, -1, signals({ passingStreak: 10 }))).toBeNull();
  });

  it("fires the first rung on one breach", () => {
    expect(climbLadder(DEFAULT_LADDER, -1, signals({ breachTimes: breaches(1) }))).toEqual({
      level: 0,
      direction: "FIRED",
      action: ConsequenceAction.WARN,
      reason: "1 breach(es) within 30 days (trigger: 1)",
    });
  });

  it("climbs straight to the harshest rung whose trigger holds", () => {
    expect(climbLadder(DEFAULT_LADDER, -1, signals({ breachTimes: breaches(8) }))).toEqual({
      level: 4,
      direction: "FIRED",
      action: ConsequenceAction.DELIST,
      reason: "8 breach(es) within 30 days (trigger: 8)",
    });
    expect(climbLadder(DEFAULT_LADDER, 0, signals({ breachTimes: breaches(5) }))).toEqual({
      level: 3,
      direction: "FIRED",
      action: ConsequenceAction.SUSPEND_LISTING,
      reason: "5 breach(es) within 30 days (trigger: 5)",
    });
    // A 120-point drop with no breaches: THROTTLE (100) but not SUSPEND_LISTING (200).
    expect(climbLadder(DEFAULT_LADDER, -1, signals({ compositeScore: 680, compositeDaysAgo: () => 800 }))).toEqual({
      level: 2,
      direction: "FIRED",
      action: ConsequenceAction.THROTTLE,
      reason: "composite score fell 120 points within 30 days (trigger: 100)",
    });
  });

  it("does not fire the standing rung again, nor anything below it", () => {
    expect(climbLadder(DEFAULT_LADDER, 2, signals({ breachTimes: breaches(3), levelSince: daysAgo(1) }))).toBeNull();
    // DELIST standing with more breaches: nowhere higher to go.
    expect(climbLadder(DEFAULT_LADDER, 4, signals({ breachTimes: breaches(12), levelSince: daysAgo(1) }))).toBeNull();
  });

  it("never climbs down while the standing rung's trigger still holds, however good the recovery signals", () => {
    // THROTTLE standing, 3 breaches within 30 days (newest 8 days ago): 20 passing runs and 8 quiet days would
    // otherwise recover it.
    const still = signals({ breachTimes: breaches(3, 8), passingStreak: 20, compositeScore: 950, levelSince: daysAgo(8) });
    expect(recoveryReason(DEFAULT_LADDER[2]!, still)).not.toBeNull();
    expect(climbLadder(DEFAULT_LADDER, 2, still)).toBeNull();
  });

  it("holds while the way back is closed", () => {
    // SUSPEND_LISTING, its breaches out of the window, but only 4 of 5 passing runs.
    const suspended = signals({ breachTimes: breaches(5, 40), passingStreak: 4, levelSince: daysAgo(40) });
    expect(climbLadder(DEFAULT_LADDER, 3, suspended)).toBeNull();
  });

  it("steps down to none when recovered and no lower rung holds", () => {
    const recovered = signals({ breachTimes: breaches(5, 40), passingStreak: 5, levelSince: daysAgo(40) });
    expect(climbLadder(DEFAULT_LADDER, 3, recovered)).toEqual({
      level: -1,
      direction: "LIFTED",
      action: ConsequenceAction.SUSPEND_LISTING,
      reason: "recovered: 5 consecutive passing run(s), 14 quiet day(s)",
    });
  });

  it("steps down to the harshest lower rung whose trigger still holds", () => {
    // SUSPEND_LISTING (5 in 30 d) no longer holds: 3 breaches within 30 days, newest 15 days ago (15 ≥ 14 quiet days).
    // THROTTLE (3 in 30 d) still holds, so the agent lands there, not at WARN or none.
    const partly = signals({ breachTimes: [...breaches(3, 15), ...breaches(2, 35)], passingStreak: 5, levelSince: daysAgo(15) });
    expect(climbLadder(DEFAULT_LADDER, 3, partly)).toEqual({
      level: 2,
      direction: "LIFTED",
      action: ConsequenceAction.SUSPEND_LISTING,
      reason: "recovered: 5 consecutive passing run(s), 14 quiet day(s)",
    });
    // One breach 20 days ago: only WARN holds.
    const warnOnly = signals({ breachTimes: [daysAgo(20), ...breaches(4, 35)], passingStreak: 5, levelSince: daysAgo(35) });
    expect(climbLadder(DEFAULT_LADDER, 3, warnOnly)).toMatchObject({
      level: 0,
      direction: "LIFTED",
      action: ConsequenceAction.SUSPEND_LISTING,
    });
  });

  it("never lifts DELIST on its own (arbiter-only recovery)", () => {
    const spotless = signals({ breachTimes: breaches(8, 400), passingStreak: 100, compositeScore: 990, levelSince: daysAgo(400) });
    expect(climbLadder(DEFAULT_LADDER, 4, spotless)).toBeNull();
  });

  it("a custom ladder: steps down past untriggered rungs", () => {
    const ladder: LadderStep[] = [
      step({ driftAlarm: true }, { passingRuns: 1 }, ConsequenceAction.WARN),
      step({ breachCount: 1 }, { passingRuns: 1 }, ConsequenceAction.THROTTLE),
      step({ breachCount: 3 }, { passingRuns: 2 }, ConsequenceAction.DELIST),
    ];
    // DELIST (rung 2) recovered; THROTTLE's breach trigger does not hold; WARN's drift trigger does → rung 0.
    expect(climbLadder(ladder, 2, signals({ driftAlarm: true, passingStreak: 2, breachTimes: breaches(3, 40) }))).toEqual({
      level: 0,
      direction: "LIFTED",
      action: ConsequenceAction.DELIST,
      reason: "recovered: 2 consecutive passing run(s)",
    });
  });

  describe("the drift scenario on DEFAULT_LADDER", () => {
    it("a drift alarm alone takes the agent to REQUIRE_HUMAN_REVIEW, and never further", () => {
      const drifting = (week: number) =>
        signals({ now: NOW + week * 7 * DAY, driftAlarm: true, compositeScore: 880, compositeDaysAgo: () => 885, passingStreak: week });
      const first = climbLadder(DEFAULT_LADDER, -1, drifting(0));
      expect(first).toEqual({
        level: 1,
        direction: "FIRED",
        action: ConsequenceAction.REQUIRE_HUMAN_REVIEW,
        reason: "drift detection raised an alarm",
      });
      // Weeks of a standing alarm, with runs still passing: nothing moves, and DELIST is never reached.
      let level = first!.level;
      for (let week = 1; week <= 26; week += 1) {
        const move = climbLadder(DEFAULT_LADDER, level, { ...drifting(week), levelSince: NOW });
        expect(move).toBeNull();
        if (move) level = move.level;
      }
      expect(level).toBe(1);
    });

    it("once the alarm clears, 3 passing runs lift it", () => {
      const cleared = (passingStreak: number) =>
        signals({ driftAlarm: false, compositeScore: 880, compositeDaysAgo: () => 885, passingStreak, levelSince: daysAgo(14) });
      expect(climbLadder(DEFAULT_LADDER, 1, cleared(2))).toBeNull();
      expect(climbLadder(DEFAULT_LADDER, 1, cleared(3))).toEqual({
        level: -1,
        direction: "LIFTED",
        action: ConsequenceAction.REQUIRE_HUMAN_REVIEW,
        reason: "recovered: 3 consecutive passing run(s)",
      });
    });
  });
});
