import { Field, Int, ObjectType } from "type-graphql";
import type { RateLimitStatus } from "../../lib/platform/rate-limit.js";

@ObjectType({
  description:
    "The caller's rate limit: operations cost points, computed from the document before they run (docs: Limits), out of a budget per window per API key's partner, per token's subject, or per address for anonymous callers.",
})
export class RateLimit {
  @Field(() => Int, { description: "Points the caller's budget holds per window." })
  limit: number;

  @Field(() => Int, { description: "Points this request was charged, reading this field included." })
  cost: number;

  @Field(() => Int, { description: "Points left in the window after this request." })
  remaining: number;

  @Field(() => Date, { description: "When the window ends and the budget is whole again." })
  resetAt: Date;

  static of(status: RateLimitStatus): RateLimit {
    return Object.assign(new RateLimit(), { ...status, resetAt: new Date(status.resetAt) });
  }
}
