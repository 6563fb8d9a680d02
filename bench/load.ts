import { percentile } from "./scores.js";

export interface LoadResult {
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Runs `task` `total` times with `concurrency` in flight, starting none after `maxMs`; returns
 * calls per second and per-call latencies (ms).
 */
export async function load(total: number, concurrency: number, task: (i: number) => Promise<void>, maxMs = Infinity): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && performance.now() - started < maxMs) {
        const i = next++;
        const t0 = performance.now();
        await task(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarise(latencies, (performance.now() - started) / 1000);
}

/** Calls per second over `seconds`, and the percentiles of `latencies` (ms), which it sorts. */
export function summarise(latencies: number[], seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}
