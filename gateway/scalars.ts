import type { ApolloGateway } from "@apollo/gateway";
import { type GraphQLSchema, type GraphQLScalarType, isScalarType } from "graphql";
import { GraphQLDateTimeISO, GraphQLJSONObject } from "graphql-scalars";

/**
 * The custom scalars of the supergraph, with the implementations the subgraphs use (type-graphql's
 * DateTimeISO is graphql-scalars' GraphQLDateTimeISO). A supergraph only names its scalars, so
 * the gateway would take any value for them and forward it; a subgraph then refused it with an
 * HTTP 400, which the caller saw as an internal error. `gateway/test/scalars.test.ts` fails when
 * the supergraph gains a scalar this list lacks.
 */
export const SUPERGRAPH_SCALARS: Readonly<Record<string, GraphQLScalarType>> = {
  DateTimeISO: GraphQLDateTimeISO,
  JSONObject: GraphQLJSONObject,
};

/**
 * Gives the gateway's schema the scalars' parsing, so a bad value is refused where the request
 * comes in, as BAD_USER_INPUT naming its argument: a literal in validation, a variable where the
 * gateway coerces variables. The schema is patched in place because the gateway keeps its own
 * reference for coercing variables, and one object serves both it and Apollo's validation.
 * Values still travel to the subgraphs as the caller wrote them.
 */
export function parseScalarsAtTheEdge(schema: GraphQLSchema): void {
  for (const [name, implementation] of Object.entries(SUPERGRAPH_SCALARS)) {
    const type = schema.getType(name);
    if (!isScalarType(type)) continue;
    type.parseValue = implementation.parseValue;
    type.parseLiteral = implementation.parseLiteral;
  }
}

/** Patches each schema the gateway loads, before Apollo Server (which subscribes later) sees it. */
export function withScalarsParsedAtTheEdge(gateway: ApolloGateway): ApolloGateway {
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => parseScalarsAtTheEdge(apiSchema));
  return gateway;
}
