import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { literalArgumentPath } from "./argument-path.js";
import { REQUEST_ID_HEADER, log, requestLog } from "./logger.js";

/**
 * Invalid input; `field` is the path of the offending argument or input field, e.g.
 * `input.cases[2].caseId`. With `fields` (several problems at once) the message lists them all.
 */
export class BadUserInputError extends GraphQLError {
  constructor(field: string, message: string, fields?: string[]) {
    super(fields ? message : `${field}: ${message}`, { extensions: { code: "BAD_USER_INPUT", field, ...(fields ? { fields } : {}) } });
  }
}

/**
 * The caller is not (validly) authenticated. `httpStatus` 401 is for rejections of the whole
 * request (a bad token, a request that bypassed the gateway); inside a resolver it must stay off,
 * or the gateway would see a failed subgraph fetch instead of a GraphQL error.
 */
export class UnauthenticatedError extends GraphQLError {
  constructor(message = "Authentication required: send a valid bearer token", httpStatus?: 401) {
    super(message, { extensions: { code: "UNAUTHENTICATED", ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
  }
}

/** Not allowed to this caller; `scope` names the API key scope that would allow it, when one would. */
export class ForbiddenError extends GraphQLError {
  constructor(message: string, scope?: string) {
    super(message, { extensions: { code: "FORBIDDEN", ...(scope ? { scope } : {}) } });
  }
}

export class NotFoundError extends GraphQLError {
  constructor(field: string, what: string, id: string) {
    super(`${field}: ${what} ${id} does not exist`, { extensions: { code: "NOT_FOUND", field } });
  }
}

export class ConflictError extends GraphQLError {
  constructor(field: string, message: string) {
    super(`${field}: ${message}`, { extensions: { code: "CONFLICT", field } });
  }
}

/** Codes produced by graphql-js / Apollo itself for malformed requests; safe to show as they are. */
const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  // The gateway's refusal of a request over its caller's budget (gateway/rate-limit.ts).
  "RATE_LIMITED",
]);

/**
 * The input field a graphql-js variable coercion error is about, e.g. `input.domains[0]` from
 * 'Variable "$input" got invalid value "X" at "input.domains[0]"; …', so that these errors name
 * their field like ours do.
 */
export function fieldOfVariableError(message: string): string | undefined {
  const variable = /^Variable "\$(\w+)"/.exec(message)?.[1];
  if (!variable) return undefined;
  const at = / at "([^"]+)"/.exec(message)?.[1];
  if (at) return at;
  const missing = /Field "(\w+)" of required type .* was not provided/.exec(message)?.[1];
  return missing ? `${variable}.${missing}` : variable;
}

/**
 * The request each error arose in. Apollo's `formatError` is given no request; this plugin sees
 * the errors first (the same objects) and notes their request's id, so an internal error is logged
 * with the id of the request that hit it.
 */
const requestIds = new WeakMap<object, string>();

/** Notes each error's request id for formatError; every server using formatError installs it. */
export const errorRequestIds: ApolloServerPlugin<BaseContext> = {
  async requestDidStart({ request }) {
    const requestId = request.http?.headers.get(REQUEST_ID_HEADER);
    return {
      async didEncounterErrors({ errors }) {
        if (requestId) for (const error of errors) requestIds.set(error, requestId);
      },
    };
  },
};

/**
 * Apollo's own refusals of a malformed request that carry an HTTP 4xx but no code (a persisted
 * query of an unknown version, or whose hash does not match its text): client errors, which would
 * otherwise be masked as internal.
 */
function isUncodedRequestRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== undefined || error.path !== undefined) return false;
  const status = (error.extensions.http as { status?: unknown } | undefined)?.status;
  return typeof status === "number" && status >= 400 && status < 500;
}

/**
 * Apollo `formatError`: errors we raised on purpose pass through; anything else (a database or
 * programming error) is logged here and replaced, so no stack trace, SQL or driver text leaks.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  // A literal argument its type refuses (`occurredAt: "yesterday"`) fails graphql-js's validation,
  // though the document is fine and the value is not: bad input like a bad variable, named as one.
  const literal =
    formatted.extensions?.code === "GRAPHQL_VALIDATION_FAILED" && error instanceof GraphQLError ? literalArgumentPath(error) : undefined;
  if (literal !== undefined)
    return { ...formatted, message: `${literal}: ${formatted.message}`, extensions: { code: "BAD_USER_INPUT", field: literal } };
  const code = isUncodedRequestRefusal(error) ? "BAD_REQUEST" : formatted.extensions?.code;
  // The gateway reports a subgraph that answered with an HTTP error (e.g. 401 when the two disagree
  // on the shared secret) under the subgraph's code, with the subgraph's URL in `response`: that is
  // our misconfiguration, not the caller's mistake, and the URL is internal.
  const subgraphHttpFailure = formatted.extensions?.response !== undefined;
  if (
    typeof code === "string" &&
    REQUEST_ERROR_CODES.has(code) &&
    !subgraphHttpFailure &&
    (original instanceof GraphQLError || !(original instanceof Error))
  ) {
    // Only what this API documents goes out: no stack trace, no note of which subgraph answered.
    const extensions: Record<string, unknown> = { code };
    for (const key of ["field", "fields", "scope"])
      if (formatted.extensions?.[key] !== undefined) extensions[key] = formatted.extensions[key];
    if (code === "BAD_USER_INPUT" && extensions.field === undefined) {
      const field = fieldOfVariableError(formatted.message);
      if (field) extensions.field = field;
    }
    return { ...formatted, extensions };
  }
  const requestId = requestIds.get(error as object);
  (requestId ? requestLog(requestId) : log).error({ err: original }, "internal error, answered as INTERNAL_SERVER_ERROR");
  return {
    message: "Internal server error",
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}
