import { type ApolloServerPlugin, HeaderMap } from "@apollo/server";
import { GraphQLError } from "graphql";
import type { AppConfig } from "../lib/platform/config.js";
import type { Identity } from "../lib/platform/identity.js";
import type { RateLimitStatus } from "../lib/platform/rate-limit.js";
import { addressBucket } from "./client-address.js";
import { operationCost } from "./operation-cost.math.js";
import { type Budget, type BudgetState, type BudgetStore, openBudgetStore } from "./rate-limit-store.js";
import type { SubgraphCallContext } from "./subgraph-source.js";

/*
 * Cost-based rate limits, as GitHub's GraphQL API has them: each operation's cost
 * (gateway/operation-cost.math.ts) is charged, before anything runs, to the caller's budget of
 * points per window (RATE_LIMIT_*). An operation that does not fit is refused with RATE_LIMITED
 * (HTTP 429) and nothing is executed. Every answer says where the caller stands, in the headers of
 * draft-ietf-httpapi-ratelimit-headers-10 and in `extensions.rateLimit`; the `rateLimit` field
 * reads the same numbers, which the gateway forwards to the subgraphs (lib/platform/rate-limit.ts).
 */

export const RATE_LIMITED = "RATE_LIMITED";

/** The one quota policy, as the headers name it. */
const POLICY = '"default"';

/**
 * Whose budget a request is charged to. A caller with scopes came with an API key: its budget is
 * per partner (every key of one partner shares it, since the identity names the partner and not
 * the key); a token's caller has one per role and subject; anyone else one per address (an IPv6
 * address's /64).
 */
export function budgetOf(identity: Identity, clientAddress: string | undefined): Budget {
  // Subjects are at most 128 characters (SUBJECT_PATTERN), so every key fits the counters' VARCHAR(255).
  if (identity.role === "anonymous") return { kind: "anonymous", key: `ip:${addressBucket(clientAddress)}` };
  return identity.scopes
    ? { kind: "key", key: `partner:${identity.subject}` }
    : { kind: "token", key: `sub:${identity.role}:${identity.subject}` };
}

/**
 * The draft's two fields for a charge, and Retry-After when it was refused; both count the seconds
 * until `resetAt`, rounded up.
 */
export function rateLimitHeaders(
  status: RateLimitStatus,
  windowSeconds: number,
  refused: boolean,
  now = Date.now(),
): Record<string, string> {
  const reset = Math.max(0, Math.ceil((Date.parse(status.resetAt) - now) / 1000));
  return {
    "ratelimit-policy": `${POLICY};q=${status.limit};w=${windowSeconds}`,
    ratelimit: `${POLICY};r=${status.remaining};t=${reset}`,
    ...(refused ? { "retry-after": String(Math.max(1, reset)) } : {}),
  };
}

const statusOf = (state: BudgetState, cost: number): RateLimitStatus => ({
  limit: state.limit,
  cost,
  remaining: state.remaining,
  resetAt: new Date(Date.now() + state.msBeforeReset).toISOString(),
});

const points = (count: number) => `${count} point${count === 1 ? "" : "s"}`;

/** The refusal of a request over budget; Apollo sends its `http` part as the response's status and headers. */
function rateLimited(status: RateLimitStatus, windowSeconds: number): GraphQLError {
  const headers = new HeaderMap(Object.entries(rateLimitHeaders(status, windowSeconds, true)));
  return new GraphQLError(
    `Rate limit exceeded: this operation costs ${points(status.cost)} and ${status.remaining} of the ${points(status.limit)} of this window are left; the budget is whole again at ${status.resetAt}`,
    // Untyped as in gateway/api-keys.ts `unavailable`: bench/'s Hive Gateway typings redeclare `http`.
    { extensions: { code: RATE_LIMITED, http: { status: 429, headers } } as Record<string, unknown> },
  );
}

/** An operation that could not run even on a whole budget: waiting would not help, so it is not a 429. */
function overWholeBudget(cost: number, limit: number): GraphQLError {
  return new GraphQLError(
    `Operation costs ${points(cost)}, more than the ${points(limit)} of a whole window: ask for smaller pages (first) or fewer nested lists`,
    { extensions: { code: "GRAPHQL_VALIDATION_FAILED", http: { status: 400 } } },
  );
}

/**
 * The plugin. It opens the store as the server starts and closes it as it stops; per request, it
 * charges in `didResolveOperation` (after validation, before execution: a refusal there is the
 * response, and no subgraph is called), notes the charge in the context for the subgraph calls,
 * and writes it into the response in `willSendResponse`.
 */
export function rateLimits(config: AppConfig): ApolloServerPlugin<SubgraphCallContext> {
  const settings = config.gateway.rateLimit;
  let store: BudgetStore | undefined;
  return {
    async serverWillStart() {
      const opened = await openBudgetStore(settings, {
        url: settings.databaseUrl ?? config.databaseUrl,
        poolSize: config.databasePoolSize,
      });
      store = opened;
      return {
        async serverWillStop() {
          await opened.close();
        },
      };
    },
    async requestDidStart() {
      let refused = false;
      return {
        async didResolveOperation({ operation, document, request, schema, contextValue }) {
          // Without one, graphqlOverHttp refuses the request (lib/platform/graphql-over-http.ts).
          if (!operation) return;
          if (!store) throw new Error("the rate limiter's store is not open: no request runs uncharged");
          const { cost } = operationCost(schema, document, operation, request.variables);
          // Free operations (introspection, `__typename`) reach no subgraph: they do not read the store either.
          if (cost === 0) return;
          const budget = budgetOf(contextValue.identity, contextValue.clientAddress);
          const limit = settings.points[budget.kind];
          if (cost > limit) {
            contextValue.rateLimit = statusOf(await store.peek(budget), cost);
            throw overWholeBudget(cost, limit);
          }
          const { allowed, state } = await store.charge(budget, cost);
          contextValue.rateLimit = statusOf(state, cost);
          if (!allowed) {
            refused = true;
            throw rateLimited(contextValue.rateLimit, settings.windowSeconds);
          }
        },
        async willSendResponse({ contextValue, response }) {
          const status = contextValue.rateLimit;
          if (!status) return;
          for (const [name, value] of Object.entries(rateLimitHeaders(status, settings.windowSeconds, refused)))
            response.http.headers.set(name, value);
          if (response.body.kind === "single") {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, rateLimit: { ...status } };
          }
        },
      };
    },
  };
}
