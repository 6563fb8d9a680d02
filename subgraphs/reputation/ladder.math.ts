import type { ConsequenceAction, LadderStep } from "../../lib/contracts/consequence.js";

const DAY_MS = 24 * 3600 * 1000;
/** The pact's default when a trigger or recovery names a count but no window. */
const DEFAULT_WINDOW_DAYS = 30;

/** What the ladder reads about an agent at one instant. */
export interface LadderSignals {
  now: number;
  /** Submission times of the agent's most recent breaches, newest first (enough to count any step's). */
  breachTimes: readonly number[];
  compositeScore: number;
  /** The composite score as it stood `days` ago (from the score history); null when there was none. */
  compositeDaysAgo: (days: number) => number | null;
  driftAlarm: boolean;
  /** Consecutive judged runs, newest last, that met their pact. */
  passingStreak: number;
  /** When the standing step was taken; null with none standing. */
  levelSince: number | null;
}

export interface LadderMove {
  /** Index of the rung standing after the move, -1 for none. */
  level: number;
  direction: "FIRED" | "LIFTED";
  action: ConsequenceAction;
  reason: string;
}

/** Why a step's trigger holds, or null when it does not: any one set condition is enough. */
export function triggerReason(step: LadderStep, signals: LadderSignals): string | null {
  const { breachCount, breachWindowDays, scoreDropPoints, scoreDropWindowDays, driftAlarm } = step.trigger;
  if (breachCount != null) {
    const days = breachWindowDays ?? DEFAULT_WINDOW_DAYS;
    const breaches = signals.breachTimes.filter((at) => at >= signals.now - days * DAY_MS).length;
    if (breaches >= breachCount) return `${breaches} breach(es) within ${days} days (trigger: ${breachCount})`;
  }
  if (scoreDropPoints != null) {
    const days = scoreDropWindowDays ?? DEFAULT_WINDOW_DAYS;
    const before = signals.compositeDaysAgo(days);
    if (before !== null && before - signals.compositeScore >= scoreDropPoints) {
      return `composite score fell ${before - signals.compositeScore} points within ${days} days (trigger: ${scoreDropPoints})`;
    }
  }
  if (driftAlarm && signals.driftAlarm) return "drift detection raised an alarm";
  return null;
}

/** Whether the standing step's way back is open: every set condition holds. Null recovery is for arbiters only. */
export function recoveryReason(step: LadderStep, signals: LadderSignals): string | null {
  if (!step.recovery) return null;
  const { passingRuns, minCompositeScore, quietDays } = step.recovery;
  if (passingRuns != null && signals.passingStreak < passingRuns) return null;
  if (minCompositeScore != null && signals.compositeScore < minCompositeScore) return null;
  if (quietDays != null) {
    const quietSince = Math.max(signals.breachTimes[0] ?? 0, signals.levelSince ?? 0);
    if (signals.now - quietSince < quietDays * DAY_MS) return null;
  }
  const met = [
    ...(passingRuns != null ? [`${signals.passingStreak} consecutive passing run(s)`] : []),
    ...(minCompositeScore != null ? [`composite score ${signals.compositeScore}`] : []),
    ...(quietDays != null ? [`${quietDays} quiet day(s)`] : []),
  ];
  return `recovered: ${met.join(", ")}`;
}

/**
 * One step of the ladder: climb to the harshest rung whose trigger holds, if it is above the one
 * standing; otherwise, when the standing rung's trigger no longer holds and its way back is open,
 * step down to the harshest lower rung whose trigger still holds (or none). Returns null when
 * nothing moves. Pure: the caller records the move and tells the route.
 */
export function climbLadder(ladder: readonly LadderStep[], level: number, signals: LadderSignals): LadderMove | null {
  for (let index = ladder.length - 1; index > level; index -= 1) {
    const reason = triggerReason(ladder[index]!, signals);
    if (reason) return { level: index, direction: "FIRED", action: ladder[index]!.action, reason };
  }
  if (level < 0 || level >= ladder.length) return null;
  const standing = ladder[level]!;
  if (triggerReason(standing, signals)) return null;
  const recovered = recoveryReason(standing, signals);
  if (!recovered) return null;
  let below = level - 1;
  while (below >= 0 && !triggerReason(ladder[below]!, signals)) below -= 1;
  return { level: below, direction: "LIFTED", action: standing.action, reason: recovered };
}
