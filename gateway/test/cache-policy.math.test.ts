import { Kind, type GraphQLSchema, type OperationDefinitionNode, buildSchema, parse, validate } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { FIELD_HINTS, TYPE_HINTS } from "../cache-hints.js";
import { type CacheHints, operationMaxAge } from "../cache-policy.math.js";
import { readCommittedSupergraph } from "../supergraph.js";

/** The max-age of a document's first operation, which must be valid against `schema`. */
function maxAgeOf(schema: GraphQLSchema, source: string, hints: CacheHints, bound: number) {
  const document = parse(source);
  expect(validate(schema, document).map((error) => error.message)).toEqual([]);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return operationMaxAge(schema, document, operation, hints, bound);
}

describe("cache policy: Apollo's rules, on a small schema", () => {
  const schema = buildSchema(`
    type Query { shop(id: ID!): Shop  shops: [Shop!]!  me: User  version: String  secret: String  visits: Int }
    type Mutation { renameShop(id: ID!, name: String!): Shop }
    type Shop { id: ID!  name: String!  owner: User  rating: Rating  stock: Int }
    type Rating { stars: Int! }
    type User { id: ID!  email: String! }
  `);
  const hints: CacheHints = {
    types: { Shop: 30, Rating: 10 },
    fields: { "Query.version": 50, "Shop.stock": 2, "Query.secret": 0 },
  };
  const at = (source: string, bound = 40, given = hints) => maxAgeOf(schema, source, given, bound);

  it("takes a root field's hint from its return type, and scalars below it inherit", () => {
    expect(at('{ shop(id: "a") { id name } }')).toBe(30);
  });

  it("is the smallest hint met: a nested object's type, a scalar field's own hint", () => {
    expect(at('{ shop(id: "a") { name rating { stars } } }')).toBe(10);
    expect(at('{ shop(id: "a") { name stock } }')).toBe(2);
  });

  it("lets a field's own hint win over its type's", () => {
    expect(at('{ shop(id: "a") { rating { stars } } }', 40, { ...hints, fields: { "Shop.rating": 20 } })).toBe(20);
  });

  it("caps every hint at the bound", () => {
    expect(at('{ shop(id: "a") { id } }', 5)).toBe(5);
    expect(at("{ version }", 40)).toBe(40);
  });

  it("is uncacheable when a root field has no hint, even one returning a scalar", () => {
    expect(at('{ shop(id: "a") { id } me { id } }')).toBe(0);
    expect(at('{ shop(id: "a") { id } visits }')).toBe(0);
  });

  it("is uncacheable when a nested field returning an object has no hint", () => {
    expect(at('{ shop(id: "a") { name owner { email } } }')).toBe(0);
  });

  it("is uncacheable with a hint of 0, a bound of 0, or no hint met at all", () => {
    expect(at('{ shop(id: "a") { id } secret }')).toBe(0);
    expect(at('{ shop(id: "a") { id } }', 0)).toBe(0);
    expect(at("{ __typename }")).toBe(0);
  });

  it("never caches a mutation, however hinted", () => {
    expect(at('mutation { renameShop(id: "a", name: "b") { id } }')).toBe(0);
  });

  it("counts fields wherever fragments put them, and introspection has no hint", () => {
    expect(at('{ shop(id: "a") { ...Parts } } fragment Parts on Shop { name owner { id } }')).toBe(0);
    expect(at('{ shop(id: "a") { ... on Shop { rating { stars } } } }')).toBe(10);
    expect(at('{ ... on Query { shop(id: "a") { id } } version }')).toBe(30);
    expect(at('{ shop(id: "a") { id } __schema { queryType { name } } }')).toBe(0);
  });
});

describe("cache policy: the gateway's hints on the supergraph", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = buildSchema(await readCommittedSupergraph());
  });
  const at = (source: string, bound = 5) => maxAgeOf(schema, source, { types: TYPE_HINTS, fields: FIELD_HINTS }, bound);

  it("caches a buyer's search page with fields from all four subgraphs, for the bound", () => {
    const search = `{ searchAgents(filter: {domain: ALERT_TRIAGE, eligibleOnly: false}, first: 20) {
      edges { cursor node { id name domains pacts { id version status clauses { key threshold } } openDisputeCount
        trust { compositeScore compositeConfidence tier eligible reasons consequence } } }
      pageInfo { hasNextPage endCursor } } }`;
    expect(at(search)).toBe(5);
    expect(at(search, 2)).toBe(2);
  });

  it("caches agent lookups, their disputes as everyone sees them, histories and the log", () => {
    expect(at('{ agent(id: "a") { name trust { tier } disputes { edges { node { kind status } } } } }')).toBe(5);
    expect(at('{ agentsByIds(ids: ["a"]) { scoreHistory { edges { node { compositeScore } } } } }')).toBe(5);
    expect(at("{ treeHead { treeSize } logEntry(index: 0) { leafHash } }")).toBe(5);
    expect(at("{ pactMetrics { metric caseFields { path } } pactTemplates { name } }", 60)).toBe(60);
  });

  it("never caches what is the caller's own or needs a caller", () => {
    for (const source of [
      "{ rateLimit { remaining } }",
      '{ agent(id: "a") { name } rateLimit { remaining } }',
      '{ agent(id: "a") { escalations { edges { node { action } } } } }',
      '{ agent(id: "a") { disputes { edges { node { dispute { statement } } } } } }',
      '{ agent(id: "a") { pacts { escalationOwner { contact } } } }',
      '{ evaluationRun(id: "r") { status } }',
      // Signed for each request, and ATTESTATION_TTL_SECONDS may be shorter than the bound.
      '{ attestation(agentId: "a") { jws } }',
      "{ trustEvents { edges { node { type } } } }",
      "{ apiKeys { edges { node { id } } } }",
      "{ webhookEndpoints { edges { node { id } } } }",
    ])
      expect({ source, maxAge: at(source) }).toEqual({ source, maxAge: 0 });
  });
});
