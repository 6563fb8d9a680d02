/**
 * The caller's rate limit as the gateway charged it for one request (gateway/rate-limit.ts), and
 * the header that carries it to the subgraphs, so that a subgraph can answer `rateLimit` without
 * keeping any count of its own. The subgraphs trust it as they trust the rest of a request that
 * carries the gateway's signed identity: only the gateway can reach them.
 */
export interface RateLimitStatus {
  /** Points the caller's budget holds per window. */
  limit: number;
  /** Points this request was charged. */
  cost: number;
  /** Points left in the window after this request. */
  remaining: number;
  /** When the window ends and the budget is whole again, ISO 8601. */
  resetAt: string;
}

/** Header carrying the charge, as JSON, from the gateway to each subgraph it calls for the request. */
export const RATE_LIMIT_HEADER = "x-agent-trust-rate-limit";

export function encodeRateLimitHeader(status: RateLimitStatus): string {
  return JSON.stringify({ limit: status.limit, cost: status.cost, remaining: status.remaining, resetAt: status.resetAt });
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** The charge a header carries; undefined when it is absent or not what the gateway writes. */
export function decodeRateLimitHeader(value: string | string[] | undefined): RateLimitStatus | undefined {
  if (typeof value !== "string" || value.length > 512) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const { limit, cost, remaining, resetAt } = (parsed ?? {}) as Record<string, unknown>;
  if (!isCount(limit) || !isCount(cost) || !isCount(remaining) || typeof resetAt !== "string" || Number.isNaN(Date.parse(resetAt)))
    return undefined;
  return { limit, cost, remaining, resetAt };
}
