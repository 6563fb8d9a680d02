import { describe, expect, it } from "vitest";
import { ANONYMOUS } from "../../lib/platform/identity.js";
import { addressBucket, clientAddressOf } from "../client-address.js";
import { budgetOf, rateLimitHeaders } from "../rate-limit.js";

describe("clientAddressOf", () => {
  it("is the peer's address when no proxy of ours is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddressOf("203.0.113.7", "198.51.100.1", 0)).toBe("203.0.113.7");
    expect(clientAddressOf("::ffff:203.0.113.7", undefined, 0)).toBe("203.0.113.7");
    expect(clientAddressOf(undefined, "198.51.100.1", 0)).toBeUndefined();
  });

  it("skips as many entries from the right as there are trusted proxies, so a forged left part is never believed", () => {
    // One load balancer: it appended the client's address; "6.6.6.6" is what the client wrote.
    expect(clientAddressOf("10.0.0.2", "6.6.6.6, 198.51.100.1", 1)).toBe("198.51.100.1");
    // Two: a CDN then a load balancer.
    expect(clientAddressOf("10.0.0.2", "6.6.6.6, 198.51.100.1, 192.0.2.10", 2)).toBe("198.51.100.1");
    expect(clientAddressOf("10.0.0.2", ["6.6.6.6, 198.51.100.1", "192.0.2.10"], 2)).toBe("198.51.100.1");
  });

  it("takes the furthest entry of a chain shorter than the trusted hops, and the peer for an entry that is no address", () => {
    expect(clientAddressOf("10.0.0.2", "198.51.100.1", 3)).toBe("198.51.100.1");
    expect(clientAddressOf("10.0.0.2", undefined, 1)).toBe("10.0.0.2");
    expect(clientAddressOf("10.0.0.2", "unknown", 1)).toBe("10.0.0.2");
    expect(clientAddressOf("10.0.0.2", "2001:DB8::1", 1)).toBe("2001:db8::1");
  });
});

describe("addressBucket", () => {
  it("keeps IPv4 addresses and groups IPv6 addresses by /64", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("2001:db8:0:1:aaaa::1")).toBe("2001:db8:0:1::/64");
    expect(addressBucket("2001:0db8:0000:0001:ffff:0:0:2")).toBe("2001:db8:0:1::/64");
    expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
    expect(addressBucket(undefined)).toBe("unknown");
  });
});

describe("budgetOf", () => {
  it("charges a key's partner, a token's role and subject, or an anonymous caller's address", () => {
    expect(budgetOf({ role: "partner", subject: "acme", scopes: ["reputation:read"] }, "203.0.113.7")).toEqual({
      kind: "key",
      key: "partner:acme",
    });
    expect(budgetOf({ role: "buyer", subject: "Bob" }, "203.0.113.7")).toEqual({ kind: "token", key: "sub:buyer:Bob" });
    expect(budgetOf(ANONYMOUS, "2001:db8:0:1::5")).toEqual({ kind: "anonymous", key: "ip:2001:db8:0:1::/64" });
  });
});

describe("rateLimitHeaders", () => {
  it("writes the draft's RateLimit-Policy and RateLimit fields, and Retry-After for a refusal", () => {
    const now = Date.parse("2025-06-01T12:00:00.000Z");
    const status = { limit: 5000, cost: 10, remaining: 4990, resetAt: "2025-06-01T12:29:59.500Z" };
    expect(rateLimitHeaders(status, 3600, false, now)).toEqual({
      "ratelimit-policy": '"default";q=5000;w=3600',
      ratelimit: '"default";r=4990;t=1800',
    });
    expect(rateLimitHeaders(status, 3600, true, now)["retry-after"]).toBe("1800");
    // A window ending now still asks a refused caller to wait a second, not to retry at once.
    expect(rateLimitHeaders({ ...status, resetAt: "2025-06-01T12:00:00.000Z" }, 3600, true, now)["retry-after"]).toBe("1");
  });
});
