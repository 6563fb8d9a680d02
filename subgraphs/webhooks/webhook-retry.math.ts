/*
 * When a failed delivery is tried again. Exponential at first, so that a receiver that blinked
 * gets its event within seconds, then flattening to a few hours, so that one down for a night still
 * gets every event the next morning; about a day in all (the Standard Webhooks specification's
 * advice, and what receivers' operators expect). Jitter spreads the retries of many deliveries
 * that failed together (an endpoint that was down) so that they do not all come back in one burst.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The wait after failed attempt 1, 2, … 7: 5 s, 5 min, 30 min, 2 h, 5 h, 8 h, 8 h, about 23.6 hours in all. */
export const RETRY_DELAYS_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 8 * HOUR, 8 * HOUR];

/** Attempts a delivery gets under the schedule: the first, and one after each delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** Each delay is moved by up to this share, either way. */
export const JITTER = 0.2;

/** The whole schedule without jitter: from the first attempt to the last. */
export const SCHEDULE_SPAN_MS = RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);

/**
 * The wait before the next attempt, after `attempts` failed ones (1 … MAX_ATTEMPTS − 1), jittered
 * by ±JITTER; null once the schedule is spent. `random` returns [0, 1), like Math.random.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number | null {
  if (!Number.isInteger(attempts) || attempts < 1) throw new Error(`attempts must be a positive integer, not ${attempts}`);
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 + JITTER * (2 * random() - 1)));
}
