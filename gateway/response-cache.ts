import {
  type ApolloServerPlugin,
  type GraphQLRequestContext,
  type GraphQLRequestContextResponseForOperation,
  type GraphQLResponse,
  HeaderMap,
} from "@apollo/server";
import type { DocumentNode } from "graphql";
import { canonicalDigest } from "../lib/platform/canonical-json.js";
import { FIELD_HINTS, TYPE_HINTS } from "./cache-hints.js";
import { operationMaxAge } from "./cache-policy.math.js";
import type { SubgraphCallContext } from "./subgraph-source.js";

/*
 * The gateway's response cache: anonymous callers' public reads (search, agents, their trust:
 * gateway/cache-hints.ts) answered from memory for at most GATEWAY_CACHE_MAX_AGE_SECONDS, the bound
 * within which a trust change reaches every anonymous reader (an answer's age counts from when the
 * run that read it started). Callers with a token or an API key
 * always read fresh. Identical anonymous operations in flight at once run once: the others wait
 * for its answer, which under load is what saves the most (should it fail, one of them runs next).
 *
 * Cached: queries whose every field is hinted (gateway/cache-policy.math.ts), from anonymous
 * callers, answered without errors; keyed by the query's text, operation name and variables in
 * canonical JSON. Rate limits still charge every hit: they are charged in didResolveOperation,
 * before responseForOperation answers from here. Answers say how long they may be reused:
 * `cache-control: public, max-age=<seconds left>` (seconds left, not the whole max-age, so a CDN
 * in front cannot stretch the bound), and no `age` header, which caches would count a second
 * time; everything else `no-store`, as Apollo Server sent it before.
 */

/** Most answers held, and most bytes (as JSON); the least recently used go first. */
const MAX_ENTRIES = 1000;
const MAX_BYTES = 32 * 1024 * 1024;

/** An answer as it is reused: data only (extensions, such as the caller's rate limit, are each request's own). */
interface CachedAnswer {
  data: Record<string, unknown>;
  expiresAt: number;
}

interface Entry extends CachedAnswer {
  bytes: number;
}

/** Answers by key, bounded in entries and bytes, least recently used evicted first; `now` is the clock. */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly limits: { maxEntries: number; maxBytes: number } = { maxEntries: MAX_ENTRIES, maxBytes: MAX_BYTES },
    /** The clock, in milliseconds: the plugin reads it when a run starts, since an answer is as old as its read. */
    readonly now: () => number = Date.now,
  ) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }

  /** The answer under `key` while it is fresh; a stale one is dropped. */
  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    // Map order is insertion order: re-inserted, it is the most recently used.
    this.entries.set(key, entry);
    return entry;
  }

  /** Whole seconds until `answer` is stale, rounded down: what a cache after this one may still keep it. */
  secondsLeft(answer: CachedAnswer): number {
    return Math.max(0, Math.floor((answer.expiresAt - this.now()) / 1000));
  }

  /**
   * Keeps `data` until `maxAgeSeconds` after `readAt`, when the run that read it started (not when
   * it finished: the data may have changed since the start), unless it alone would take more than
   * an eighth of the bytes.
   */
  set(key: string, data: Record<string, unknown>, bytes: number, maxAgeSeconds: number, readAt = this.now()): CachedAnswer {
    const answer = { data, expiresAt: readAt + maxAgeSeconds * 1000 };
    if (bytes > this.limits.maxBytes / 8) return answer;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.bytes -= previous.bytes;
    }
    this.entries.set(key, { ...answer, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
    return answer;
  }
}

/** So that nothing a request does to its answer can reach another request's. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const reused = (answer: CachedAnswer): GraphQLResponse => ({
  http: { headers: new HeaderMap() },
  body: { kind: "single", singleResult: { data: answer.data } },
});

/**
 * The plugin, with its cache; `maxAgeSeconds` 0 turns it off (every answer `no-store`). It replaces
 * Apollo Server's own cache-control plugin, which would mark every answer `no-store`, since the
 * gateway's subgraphs send no hints of their own.
 */
export function responseCache(maxAgeSeconds: number, cache = new ResponseCache()): ApolloServerPlugin<SubgraphCallContext> {
  const hints = { types: TYPE_HINTS, fields: FIELD_HINTS };
  /** Max-age per parsed document and operation: Apollo Server reuses the document of a query text it has seen. */
  const policies = new WeakMap<DocumentNode, Map<string, number>>();
  /** The answer of each cacheable operation being run, for identical ones arriving meanwhile; undefined if it failed. */
  const inFlight = new Map<string, Promise<CachedAnswer | undefined>>();
  /** How a leader's followers are let go, should its request fail outside Apollo's pipeline. */
  const releases = new WeakMap<GraphQLRequestContext<SubgraphCallContext>, () => void>();

  const maxAgeOf = ({ schema, document, operation }: GraphQLRequestContextResponseForOperation<SubgraphCallContext>) => {
    let byOperation = policies.get(document);
    if (!byOperation) policies.set(document, (byOperation = new Map()));
    const name = operation.name?.value ?? "";
    let maxAge = byOperation.get(name);
    if (maxAge === undefined) byOperation.set(name, (maxAge = operationMaxAge(schema, document, operation, hints, maxAgeSeconds)));
    return maxAge;
  };

  return {
    async requestDidStart(requestContext) {
      let served: CachedAnswer | undefined;
      let leading: { key: string; maxAge: number; startedAt: number; settle: (answer: CachedAnswer | undefined) => void } | undefined;
      return {
        async responseForOperation(context) {
          if (maxAgeSeconds === 0 || context.contextValue.identity.role !== "anonymous") return null;
          const maxAge = maxAgeOf(context);
          if (maxAge === 0) return null;
          const key = canonicalDigest([context.source, context.request.operationName ?? null, context.request.variables ?? {}]);
          served = cache.get(key);
          if (served) return reused(served);
          const pending = inFlight.get(key);
          if (pending) {
            served = await pending;
            // Should the one run fail, each of those waiting on it runs on its own, all at once: one
            // after another, a subgraph timing out would hold the last of them for every run's wait.
            return served ? reused(served) : null;
          }
          let settle!: (answer: CachedAnswer | undefined) => void;
          inFlight.set(key, new Promise((resolve) => (settle = resolve)));
          leading = { key, maxAge, startedAt: cache.now(), settle };
          releases.set(requestContext, () => {
            inFlight.delete(key);
            settle(undefined);
          });
          return null;
        },
        async willSendResponse({ response }) {
          if (leading) {
            const result = response.body.kind === "single" ? response.body.singleResult : undefined;
            const answered = result?.data && !result.errors && (response.http.status ?? 200) === 200;
            served = answered
              ? cache.set(
                  leading.key,
                  deepFreeze(result.data as Record<string, unknown>),
                  Buffer.byteLength(JSON.stringify(result.data)),
                  leading.maxAge,
                  leading.startedAt,
                )
              : undefined;
            inFlight.delete(leading.key);
            releases.delete(requestContext);
            leading.settle(served);
          }
          response.http.headers.set("cache-control", served ? `public, max-age=${cache.secondsLeft(served)}` : "no-store");
          // A cache in front must not hand an anonymous answer to a caller with credentials.
          if (served) response.http.headers.set("vary", "authorization, x-api-key");
        },
      };
    },
    async unexpectedErrorProcessingRequest({ requestContext }) {
      releases.get(requestContext)?.();
    },
  };
}
