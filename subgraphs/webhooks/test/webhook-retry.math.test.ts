import { describe, expect, it } from "vitest";
import { JITTER, MAX_ATTEMPTS, RETRY_DELAYS_MS, SCHEDULE_SPAN_MS, retryDelayMs } from "../webhook-retry.math.js";

const HOUR = 3_600_000;

describe("the retry schedule", () => {
  it("waits 5 s, 5 min, 30 min, 2 h, 5 h, 8 h, 8 h: eight attempts over about a day", () => {
    expect(RETRY_DELAYS_MS.map((delay) => delay / 1000)).toEqual([5, 300, 1800, 7200, 18_000, 28_800, 28_800]);
    expect(MAX_ATTEMPTS).toBe(8);
    expect(SCHEDULE_SPAN_MS / HOUR).toBeCloseTo(23.58, 2);
  });

  it("gives the schedule's delay with no jitter at the middle of the random range", () => {
    expect(Array.from({ length: 7 }, (_, i) => retryDelayMs(i + 1, () => 0.5))).toEqual(RETRY_DELAYS_MS);
  });

  it("jitters by at most ±20 %, both ways", () => {
    expect(retryDelayMs(2, () => 0)).toBe(300_000 * (1 - JITTER));
    expect(retryDelayMs(2, () => 0.999_999)).toBeCloseTo(300_000 * (1 + JITTER), -1);
    for (let i = 0; i < 200; i += 1) {
      const delay = retryDelayMs(4)!;
      expect(delay).toBeGreaterThanOrEqual(2 * HOUR * 0.8);
      expect(delay).toBeLessThanOrEqual(2 * HOUR * 1.2);
    }
  });

  it("ends after the eighth attempt", () => {
    expect(retryDelayMs(7, () => 0.5)).toBe(8 * HOUR);
    expect(retryDelayMs(8)).toBeNull();
    expect(retryDelayMs(12)).toBeNull();
  });

  it("has no delay before any attempt was made", () => {
    expect(() => retryDelayMs(0)).toThrow("positive integer");
    expect(() => retryDelayMs(1.5)).toThrow("positive integer");
  });
});
