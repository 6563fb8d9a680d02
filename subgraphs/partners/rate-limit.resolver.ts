import { Ctx, Query, Resolver } from "type-graphql";
import { decodeRateLimitHeader } from "../../lib/platform/rate-limit.js";
import type { ForwardedByGateway } from "../../lib/platform/subgraph-server.js";
import { RateLimit } from "./rate-limit.types.js";

/** What `rateLimit` needs of the request's context: the values the gateway forwarded (createContext's third argument). */
export interface RateLimitContext {
  forwarded: ForwardedByGateway;
}

/**
 * `rateLimit`, as GitHub's API has it. Only the gateway counts (gateway/rate-limit.ts): it charges
 * the request before any subgraph is called and forwards the charge in a header, which this reads.
 * Open to every caller, key callers without any scope: it tells a caller about its own budget.
 */
@Resolver()
export class RateLimitResolver {
  @Query(() => RateLimit, {
    description: "The caller's rate limit after this request: its budget, this request's cost, what is left and when it resets.",
  })
  rateLimit(@Ctx() context: RateLimitContext): RateLimit {
    const status = decodeRateLimitHeader(context.forwarded?.rateLimit);
    // The gateway charges every operation before it runs; a request without the header did not
    // come through it the normal way, which is our fault, not the caller's: an internal error.
    if (!status) throw new Error("the gateway forwarded no rate limit for this request");
    return RateLimit.of(status);
  }
}
