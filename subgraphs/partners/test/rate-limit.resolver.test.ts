import "reflect-metadata";
import { type GraphQLSchema, graphql } from "graphql";
import { buildSchema } from "type-graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeRateLimitHeader } from "../../../lib/platform/rate-limit.js";
import { RateLimitResolver, type RateLimitContext } from "../rate-limit.resolver.js";

const QUERY = "{ rateLimit { limit cost remaining resetAt } }";

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildSchema({ resolvers: [RateLimitResolver], validate: false });
});

const ask = (context: RateLimitContext) => graphql({ schema, source: QUERY, contextValue: context });

describe("rateLimit (partners subgraph), as a unit", () => {
  it("answers with the charge the gateway forwarded for the request", async () => {
    const rateLimit = encodeRateLimitHeader({ limit: 5000, cost: 1, remaining: 4321, resetAt: "2025-06-01T12:30:00.000Z" });

    const result = await ask({ forwarded: { rateLimit } });

    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ rateLimit: { limit: 5000, cost: 1, remaining: 4321, resetAt: "2025-06-01T12:30:00.000Z" } });
  });

  it("fails, as an internal error, when the gateway forwarded nothing usable", async () => {
    for (const rateLimit of [
      undefined,
      "",
      "not json",
      '{"limit":5000}',
      '{"limit":-1,"cost":1,"remaining":1,"resetAt":"2025-06-01T00:00:00Z"}',
    ]) {
      const result = await ask({ forwarded: { rateLimit } });
      expect(result.data).toBeNull();
      expect(result.errors?.[0]?.message).toBe("the gateway forwarded no rate limit for this request");
    }
  });

  it("describes the field and each of its type's fields", () => {
    const field = schema.getQueryType()?.getFields().rateLimit;
    expect(field?.description).toBeTruthy();
    const type = schema.getType("RateLimit");
    expect(type?.description).toBeTruthy();
    const fields = type && "getFields" in type ? Object.values(type.getFields()) : [];
    expect(fields.map((f) => f.name).sort()).toEqual(["cost", "limit", "remaining", "resetAt"]);
    for (const f of fields) expect(f.description, f.name).toBeTruthy();
  });
});
