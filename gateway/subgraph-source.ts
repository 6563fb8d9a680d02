import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from "@apollo/gateway";
import { GraphQLError } from "graphql";
import { ANONYMOUS, IDENTITY_HEADER, type Identity } from "../lib/platform/identity.js";
import { REQUEST_ID_HEADER } from "../lib/platform/logger.js";
import { RATE_LIMIT_HEADER, type RateLimitStatus, encodeRateLimitHeader } from "../lib/platform/rate-limit.js";
import type { SubgraphFetch } from "./subgraph-auth.js";
import { UNMERGED_HEADER, mergeIdenticalQueries } from "./subgraph-merge.js";

export interface SubgraphCallContext {
  identity: Identity;
  /** The request's id, passed on to the subgraphs (lib/platform/logger.ts). */
  requestId?: string;
  /** Where the request came from, for anonymous callers' budgets (gateway/client-address.ts). */
  clientAddress?: string;
  /** What the request was charged (gateway/rate-limit.ts), passed on for the `rateLimit` field. */
  rateLimit?: RateLimitStatus;
}

/** Codes a subgraph's refusal may carry to the caller: each says the request itself was wrong. */
const CLIENT_ERROR_CODES = new Set(["BAD_USER_INPUT", "BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"]);

interface SubgraphErrorBody {
  errors?: { message?: unknown; extensions?: { code?: unknown; field?: unknown; fields?: unknown } }[];
}

/**
 * A subgraph's HTTP 4xx as the caller's error. The gateway checks scalars and limits first
 * (gateway/scalars.ts), so this is the rest: the subgraph's first error when it names a client
 * error (its message and field, not its URL), else a BAD_REQUEST. Not 401 or 403: a subgraph
 * refusing the gateway's signature is our misconfiguration, left to formatError to mask.
 */
export function clientErrorFromSubgraph(status: number, body: unknown): GraphQLError {
  const first = (body as SubgraphErrorBody | undefined)?.errors?.[0];
  const code = first?.extensions?.code;
  if (typeof first?.message === "string" && typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
    const extensions: Record<string, unknown> = { code };
    if (typeof first.extensions?.field === "string") extensions.field = first.extensions.field;
    if (Array.isArray(first.extensions?.fields)) extensions.fields = first.extensions.fields;
    return new GraphQLError(first.message, { extensions });
  }
  return new GraphQLError(`The request was refused by the service behind the gateway (HTTP ${status})`, {
    extensions: { code: "BAD_REQUEST" },
  });
}

/**
 * Whether a subgraph query may select `rateLimit`, the one field that reads the caller's charge.
 * Read from the text: a false yes (the word in a string argument) only costs the call its merging.
 */
const selectsRateLimit = (query: string | undefined) => query !== undefined && /\brateLimit\b/.test(query);

/**
 * How the gateway calls a subgraph: with a deadline (the gateway's default client waits for a
 * hung subgraph forever, holding the caller's request with it), carrying the caller's
 * identity signed for that subgraph and the request's id, identical queries in flight merged into
 * one call (gateway/subgraph-merge.ts); with `send` from gateway/subgraph-auth.ts, which signs the
 * whole request with SigV4 when SUBGRAPH_AUTH=iam.
 */
export class SubgraphSource extends RemoteGraphQLDataSource<SubgraphCallContext> {
  constructor(
    url: string,
    private readonly assertionFor: (identity: Identity) => Promise<string>,
    timeoutMs: number,
    send: SubgraphFetch = fetch,
  ) {
    const merged = mergeIdenticalQueries(send);
    super({
      url,
      fetcher: (target, init) =>
        merged(target, { ...(init as RequestInit), signal: AbortSignal.timeout(timeoutMs) }) as unknown as ReturnType<
          RemoteGraphQLDataSource["fetcher"]
        >,
    });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<SubgraphCallContext>) {
    const { request, context } = options;
    // A mutation's plan reads what it wrote: none of its calls may join a read begun before it.
    // (Only an operation's calls carry the incoming request; health checks and schema loads do not.)
    if ("incomingRequestContext" in options && options.incomingRequestContext.operation?.operation === "mutation")
      request.http?.headers.set(UNMERGED_HEADER, "1");
    // Subgraphs refuse requests without it.
    request.http?.headers.set(IDENTITY_HEADER, await this.assertionFor(context.identity ?? ANONYMOUS));
    // So the subgraphs' log lines for this request carry the gateway's request id.
    if (context.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
    // So that a subgraph can answer `rateLimit` with the numbers only the gateway knows; only then,
    // since a request carrying the caller's charge is the caller's own and is never merged.
    if (context.rateLimit && selectsRateLimit(request.query))
      request.http?.headers.set(RATE_LIMIT_HEADER, encodeRateLimitHeader(context.rateLimit));
  }

  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0]): Promise<GraphQLError> {
    if (response.status < 400 || response.status >= 500 || response.status === 401 || response.status === 403)
      return super.errorFromResponse(response);
    return clientErrorFromSubgraph(response.status, await this.parseBody(response).catch(() => undefined));
  }
}
