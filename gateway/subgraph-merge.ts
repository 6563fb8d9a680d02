import { IDENTITY_HEADER } from "../lib/platform/identity.js";
import { RATE_LIMIT_HEADER } from "../lib/platform/rate-limit.js";
import type { SubgraphFetch } from "./subgraph-auth.js";

/**
 * Set by the gateway on the subgraph calls of a mutation, and taken off before the call is sent:
 * a mutation's own reads must see what it wrote, not join a read that began before it.
 */
export const UNMERGED_HEADER = "x-agent-trust-unmerged";

/*
 * Identical subgraph queries in flight at once share one HTTP call. Under load many callers ask
 * the same thing at the same moment (the first page of a search, the same agents' trust), and each
 * query plan fetch would otherwise cost the subgraph the same work again. Identical means: the
 * same subgraph URL, the same signed identity (so a caller never gets an answer computed for
 * someone else), and the same body (query, variables, operation name). Mutations are never merged,
 * nor the reads a mutation's plan makes after it (UNMERGED_HEADER), nor a request carrying the
 * caller's rate-limit charge, whose `rateLimit` answer is the caller's own. A failure reaches every caller waiting on the call and is not remembered: the next call is
 * sent afresh. The subgraph sees the first caller's request id only.
 */

/** What a merged call answered, read once and handed to each caller as a Response of its own. */
interface Answer {
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
}

interface Call {
  /** Callers that joined after the first; while none has, the first keeps the response as it came. */
  followers: number;
  answer: Promise<Answer>;
  settle: (answer: Answer) => void;
  fail: (error: unknown) => void;
}

/**
 * The body as RemoteGraphQLDataSource writes it, `{"query":"…`, for an operation the query planner
 * wrote as a query (`query Name…` or `{…`). Anything else (a mutation, a body in another form) is
 * not merged.
 */
const QUERY_BODY = /^\{"query":"(?:query\b|\{)/;

/** The merge key of a request, or undefined when it must go on its own. */
function keyOf(url: string, init: RequestInit): string | undefined {
  if (typeof init.body !== "string" || !QUERY_BODY.test(init.body)) return undefined;
  // RemoteGraphQLDataSource passes its headers as a plain record of lower-case names.
  const headers = (init.headers ?? {}) as Record<string, string | undefined>;
  const identity = headers[IDENTITY_HEADER];
  if (identity === undefined || headers[RATE_LIMIT_HEADER] !== undefined) return undefined;
  return `${url}\n${identity}\n${init.body}`;
}

/** `init` without UNMERGED_HEADER, and whether it had it. */
function unmarked(init: RequestInit): { init: RequestInit; unmerged: boolean } {
  const headers = (init.headers ?? {}) as Record<string, string | undefined>;
  if (headers[UNMERGED_HEADER] === undefined) return { init, unmerged: false };
  const { [UNMERGED_HEADER]: _mark, ...rest } = headers;
  return { init: { ...init, headers: rest as Record<string, string> }, unmerged: true };
}

const responseOf = (answer: Answer) =>
  new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });

/** `send`, with identical queries in flight at once merged into one call. */
export function mergeIdenticalQueries(send: SubgraphFetch): SubgraphFetch {
  const inFlight = new Map<string, Call>();
  return async (url, given) => {
    const { init, unmerged } = unmarked(given);
    const key = unmerged ? undefined : keyOf(url, init);
    if (key === undefined) return send(url, init);
    const joined = inFlight.get(key);
    if (joined) {
      joined.followers += 1;
      return responseOf(await joined.answer);
    }
    let settle!: Call["settle"];
    let fail!: Call["fail"];
    const answer = new Promise<Answer>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // Nobody may be waiting when it fails; the first caller gets the error itself.
    answer.catch(() => {});
    const call: Call = { followers: 0, answer, settle, fail };
    inFlight.set(key, call);
    // Only this call's own entry: a later call of the same key may have taken its place.
    const done = () => inFlight.get(key) === call && inFlight.delete(key);
    try {
      const response = await send(url, init);
      // From here on a new caller sends a call of its own: the answer is already on its way.
      done();
      if (call.followers === 0) return response;
      const read: Answer = {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body: await response.text(),
      };
      call.settle(read);
      return responseOf(read);
    } catch (error) {
      done();
      call.fail(error);
      throw error;
    }
  };
}
