import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANONYMOUS, type Identity } from "../../lib/platform/identity.js";
import { ResponseCache, responseCache } from "../response-cache.js";
import type { SubgraphCallContext } from "../subgraph-source.js";

describe("the response cache's store", () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };

  it("answers while fresh and drops the answer once its max-age has passed", () => {
    const time = clock();
    const cache = new ResponseCache({ maxEntries: 10, maxBytes: 1000 }, time.now);
    const stored = cache.set("k", { a: 1 }, 10, 5);
    expect(cache.secondsLeft(stored)).toBe(5);

    time.advance(4_500);
    expect(cache.get("k")?.data).toEqual({ a: 1 });
    expect(cache.secondsLeft(stored)).toBe(0);
    time.advance(500);
    expect(cache.get("k")).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it("holds at most its entries, evicting the least recently used", () => {
    const cache = new ResponseCache({ maxEntries: 2, maxBytes: 1000 }, clock().now);
    cache.set("a", { n: "a" }, 10, 5);
    cache.set("b", { n: "b" }, 10, 5);
    expect(cache.get("a")).toBeDefined();
    cache.set("c", { n: "c" }, 10, 5);

    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.get("c")).toBeDefined();
    expect(cache.size).toEqual({ entries: 2, bytes: 20 });
  });

  it("holds at most its bytes, counting a replaced answer once", () => {
    const cache = new ResponseCache({ maxEntries: 100, maxBytes: 800 }, clock().now);
    for (const key of ["a", "b", "c", "d", "e", "f", "g", "h"]) cache.set(key, { key }, 100, 5);
    expect(cache.size).toEqual({ entries: 8, bytes: 800 });
    cache.set("h", { key: "h" }, 50, 5);
    expect(cache.size).toEqual({ entries: 8, bytes: 750 });

    cache.set("i", { key: "i" }, 100, 5);
    expect(cache.size).toEqual({ entries: 8, bytes: 750 });
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toBeDefined();
  });

  it("does not keep an answer too large for it, yet hands it back with its expiry", () => {
    const cache = new ResponseCache({ maxEntries: 100, maxBytes: 800 }, clock().now);
    const answer = cache.set("big", { big: true }, 101, 5);
    expect(answer.data).toEqual({ big: true });
    expect(cache.get("big")).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });
});

/**
 * The plugin on a small server whose types carry the gateway's hints (`Agent`), with resolvers that
 * count their calls and answer only when let go, so that concurrent requests overlap.
 */
describe("the response cache's plugin", () => {
  let calls = 0;
  let failNext = false;
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const hold = () => (gate = new Promise<void>((resolve) => (release = resolve)));
  const server = new ApolloServer<SubgraphCallContext>({
    typeDefs: `
      type Query { agent(id: ID!): Agent  visits: Int }
      type Mutation { rename(id: ID!): Agent }
      type Agent { id: ID!  name: String! }
    `,
    resolvers: {
      Query: {
        agent: async (_root: unknown, { id }: { id: string }) => {
          calls += 1;
          await gate;
          if (failNext) {
            failNext = false;
            // Those that run after this one wait until let go, so the test sees how many started.
            hold();
            throw new GraphQLError("subgraph down", { extensions: { code: "INTERNAL_SERVER_ERROR" } });
          }
          return { id, name: `agent ${id}` };
        },
        visits: () => ++calls,
      },
      Mutation: { rename: (_root: unknown, { id }: { id: string }) => ({ id, name: `renamed ${++calls}` }) },
    },
    plugins: [ApolloServerPluginCacheControlDisabled(), responseCache(5)],
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  const BUYER: Identity = { role: "buyer", subject: "bob" };
  const run = async (query: string, identity: Identity = ANONYMOUS, variables: Record<string, unknown> = {}) => {
    const response = await server.executeOperation({ query, variables }, { contextValue: { identity } });
    if (response.body.kind !== "single") throw new Error("expected a single result");
    return { result: response.body.singleResult, cacheControl: response.http.headers.get("cache-control") };
  };
  const READ = "query Read($id: ID!) { agent(id: $id) { id name } }";
  const countCalls = async (work: () => Promise<unknown>) => {
    const before = calls;
    await work();
    return calls - before;
  };

  it("runs identical anonymous reads in flight once, and answers the next from memory with the seconds left", async () => {
    hold();
    const pending = [run(READ, ANONYMOUS, { id: "1" }), run(READ, ANONYMOUS, { id: "1" }), run(READ, ANONYMOUS, { id: "1" })];
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    const answers = await Promise.all(pending);
    expect(calls).toBe(1);
    for (const answer of answers) {
      expect(answer.result.data).toEqual({ agent: { id: "1", name: "agent 1" } });
      // Counted from when the run started, 20 ms before it answered: under 5 whole seconds left.
      expect(answer.cacheControl).toMatch(/^public, max-age=[1-4]$/);
    }

    expect(await countCalls(() => run(READ, ANONYMOUS, { id: "1" }))).toBe(0);
    expect(await countCalls(() => run("query Read($id: ID!) { agent(id: $id) { id name } }", ANONYMOUS, { id: "2" }))).toBe(1);
  });

  it("keeps the answers it reuses out of reach of what a request does to its own", async () => {
    await run(READ, ANONYMOUS, { id: "3" });
    const { result } = await run(READ, ANONYMOUS, { id: "3" });
    expect(Object.isFrozen((result.data as Record<string, object>).agent)).toBe(true);
  });

  it("never answers a caller with a token from memory, nor tells caches to keep its answer", async () => {
    await run(READ, ANONYMOUS, { id: "4" });
    const answered = await countCalls(async () => {
      const { result, cacheControl } = await run(READ, BUYER, { id: "4" });
      expect(result.data).toEqual({ agent: { id: "4", name: "agent 4" } });
      expect(cacheControl).toBe("no-store");
    });
    expect(answered).toBe(1);
  });

  it("never caches a mutation or an operation with a field without hint", async () => {
    expect(
      await countCalls(() => Promise.all([run('mutation { rename(id: "5") { id } }'), run('mutation { rename(id: "5") { id } }')])),
    ).toBe(2);
    expect(await countCalls(() => Promise.all([run("{ visits }"), run("{ visits }")]))).toBe(2);
    expect((await run("{ visits }")).cacheControl).toBe("no-store");
  });

  it("neither keeps nor shares an answer with errors: those waiting on it all run at once, on their own", async () => {
    hold();
    failNext = true;
    const pending = [run(READ, ANONYMOUS, { id: "6" }), run(READ, ANONYMOUS, { id: "6" }), run(READ, ANONYMOUS, { id: "6" })];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = calls;
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Both waiting reads started while the gate was shut again: neither waits for the other.
    expect(calls - before).toBe(2);
    release();
    const [failed, ...others] = await Promise.all(pending);
    expect(failed?.result.errors?.[0]?.message).toBe("subgraph down");
    expect(failed?.cacheControl).toBe("no-store");
    for (const other of others) expect(other?.result.data).toEqual({ agent: { id: "6", name: "agent 6" } });
    // Run on their own, they kept nothing: the next read runs, and the one after it is answered from memory.
    expect(await countCalls(() => run(READ, ANONYMOUS, { id: "6" }))).toBe(1);
    expect(await countCalls(() => run(READ, ANONYMOUS, { id: "6" }))).toBe(0);
  });

  it("counts an answer's age from when its run started, and tells caches not to hand it to callers with credentials", async () => {
    let now = 5_000_000;
    const timed = new ApolloServer<SubgraphCallContext>({
      typeDefs: "type Query { agent(id: ID!): Agent }  type Agent { id: ID!  name: String! }",
      resolvers: {
        Query: {
          agent: (_root: unknown, { id }: { id: string }) => {
            calls += 1;
            // The read takes 3 of the 5 seconds: its answer has 2 left when it is kept.
            now += 3_000;
            return { id, name: `agent ${id}` };
          },
        },
      },
      plugins: [ApolloServerPluginCacheControlDisabled(), responseCache(5, new ResponseCache(undefined, () => now))],
    });
    await timed.start();
    try {
      const read = async () => {
        const response = await timed.executeOperation({ query: READ, variables: { id: "7" } }, { contextValue: { identity: ANONYMOUS } });
        return { cacheControl: response.http.headers.get("cache-control"), vary: response.http.headers.get("vary") };
      };
      expect(await read()).toEqual({ cacheControl: "public, max-age=2", vary: "authorization, x-api-key" });
      now += 1_999;
      expect(await countCalls(read)).toBe(0);
      now += 1;
      expect(await countCalls(read)).toBe(1);
    } finally {
      await timed.stop();
    }
  });
});
