import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { type DocumentNode, GraphQLError, Kind, type ValidationRule } from "graphql";

/**
 * What the GraphQL-over-HTTP spec asks of a server beyond what Apollo Server does by itself
 * (docs/api.md, "Status codes"): a request whose operation cannot be chosen is a client error with
 * graphql-js's own message, an operation type the schema lacks is refused in validation, and a
 * client that asked for `application/json` gets 200 for a request error, as that media type wants.
 */

const APPLICATION_JSON = "application/json";
const GRAPHQL_RESPONSE_JSON = "application/graphql-response+json";
type GraphQLMediaType = typeof APPLICATION_JSON | typeof GRAPHQL_RESPONSE_JSON;

/**
 * Errors that stop a well-formed request before it runs. With `application/graphql-response+json`
 * they answer 400; with `application/json` the spec wants 200, since a 4xx there could as well
 * come from a proxy, and the body is a real GraphQL response.
 */
const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_USER_INPUT",
]);

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
  order: number;
}

function mediaRanges(accept: string): MediaRange[] {
  return accept.split(",").flatMap((entry, order) => {
    const [range = "", ...parameters] = entry.split(";").map((part) => part.trim().toLowerCase());
    const [type, subtype] = range.split("/");
    if (!type || !subtype) return [];
    const qParameter = parameters.find((parameter) => parameter.startsWith("q="));
    const q = qParameter ? Number(qParameter.slice(2)) : 1;
    return Number.isFinite(q) ? [{ type, subtype, q, order }] : [];
  });
}

/**
 * Which of the two GraphQL response media types `accept` prefers, as Apollo Server decides it (the
 * most specific matching range sets a type's quality; ties go to the range listed first, then to
 * `application/json`), and whether the client named it rather than reaching it by a wildcard;
 * undefined when it accepts neither.
 */
export function preferredMediaType(accept: string): { mediaType: GraphQLMediaType; named: boolean } | undefined {
  const ranges = mediaRanges(accept);
  const candidates = [APPLICATION_JSON, GRAPHQL_RESPONSE_JSON].flatMap((mediaType, index) => {
    const [type, subtype] = mediaType.split("/");
    const specificity = (range: MediaRange) =>
      range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === "*" ? 1 : range.type === "*" ? 0 : -1;
    const best = ranges
      .filter((range) => specificity(range) >= 0)
      .sort((a, b) => specificity(b) - specificity(a) || b.q - a.q || a.order - b.order)[0];
    return best && best.q > 0 ? [{ mediaType, q: best.q, specificity: specificity(best), order: best.order, index }] : [];
  });
  candidates.sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.order - b.order || a.index - b.index);
  const winner = candidates[0];
  return winner && { mediaType: winner.mediaType as GraphQLMediaType, named: winner.specificity === 2 };
}

/** graphql-js's own words (`buildExecutionContext`) for a document whose operation cannot be chosen. */
export function operationNotDetermined(document: DocumentNode | undefined, operationName: string | undefined): GraphQLError {
  const operations = document?.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION).length ?? 0;
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : operations > 1
      ? "Must provide operation name if query contains multiple operations."
      : "Must provide an operation.";
  return new GraphQLError(message, { extensions: { code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } } });
}

/**
 * Refuses, in validation, an operation whose type the schema has no root for (a `subscription`
 * here), with graphql-js's execution message. The gateway would otherwise fail while planning it,
 * as an internal error with a stack trace in the log.
 */
export const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation))
      context.reportError(new GraphQLError(`Schema is not configured to execute ${node.operation} operation.`, { nodes: node }));
  },
});

/** Installed by every server: see the top of this file. */
export const graphqlOverHttp: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, document, request }) {
        // Apollo leaves this to execution, where the gateway throws an uncoded error (HTTP 500).
        if (!operation) throw operationNotDetermined(document, request.operationName);
      },
      async willSendResponse({ request, response }) {
        const accept = request.http?.headers.get("accept");
        if (accept === undefined || response.body.kind !== "single" || response.http.status !== 400) return;
        const { data, errors } = response.body.singleResult;
        const requestErrorsOnly =
          data === undefined && !!errors?.length && errors.every((error) => REQUEST_ERROR_CODES.has(String(error.extensions?.code)));
        // Only for a client that named application/json. One that says nothing, or `*/*` (curl's
        // and fetch's default), gets JSON with the status codes of application/graphql-response+json:
        // the spec's default for such clients since 2025, and what this API has always answered.
        const preferred = preferredMediaType(accept);
        if (requestErrorsOnly && preferred?.mediaType === APPLICATION_JSON && preferred.named) {
          response.http.status = 200;
          // Said here, not left to Apollo, so that the status and the media type always agree.
          response.http.headers.set("content-type", `${APPLICATION_JSON}; charset=utf-8`);
        }
      },
    };
  },
};
