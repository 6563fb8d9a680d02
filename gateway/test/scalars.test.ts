import { ApolloGateway } from "@apollo/gateway";
import { type GraphQLScalarType, isScalarType, parse, specifiedScalarTypes, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPERGRAPH_SCALARS, withScalarsParsedAtTheEdge } from "../scalars.js";
import { readCommittedSupergraph } from "../supergraph.js";

describe("the gateway's scalars", () => {
  let gateway: ApolloGateway;
  let schema: Awaited<ReturnType<ApolloGateway["load"]>>["schema"];
  beforeAll(async () => {
    gateway = withScalarsParsedAtTheEdge(new ApolloGateway({ supergraphSdl: await readCommittedSupergraph() }));
    ({ schema } = await gateway.load());
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("implements every custom scalar of the committed supergraph", () => {
    const builtIn = new Set(specifiedScalarTypes.map((type) => type.name));
    const custom = Object.values(schema.getTypeMap())
      .filter((type): type is GraphQLScalarType => isScalarType(type) && !builtIn.has(type.name))
      .map((type) => type.name);

    expect(custom.sort()).toEqual(Object.keys(SUPERGRAPH_SCALARS).sort());
  });

  it("refuses, in validation, a literal the subgraph's scalar would refuse", () => {
    const query = (at: string) =>
      parse(`mutation { fileDispute(input: { agentId: "a", statement: "Something went wrong.", occurredAt: ${at} }) { id } }`);

    expect(validate(schema, query('"2026-01-05T10:00:00Z"'))).toEqual([]);
    expect(validate(schema, query('"2026-02-30T00:00:00Z"')).map((error) => error.message)).toEqual([
      "DateTime cannot represent an invalid date-time-string 2026-02-30T00:00:00Z.",
    ]);
  });
});
