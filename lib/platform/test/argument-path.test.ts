import { GraphQLError, type GraphQLScalarType, buildSchema, parse, validate } from "graphql";
import { GraphQLDateTimeISO, GraphQLJSONObject } from "graphql-scalars";
import { describe, expect, it } from "vitest";
import { literalArgumentPath } from "../argument-path.js";

const schema = buildSchema(`
  scalar DateTimeISO
  scalar JSONObject
  input Case { caseId: String!, input: JSONObject! }
  input Run { at: DateTimeISO, cases: [Case!]! }
  type Query { ok(run: Run, when: DateTimeISO): Boolean }
`);
// As the gateway has them (gateway/scalars.ts): the real parsers behind the supergraph's names.
for (const [name, implementation] of [
  ["DateTimeISO", GraphQLDateTimeISO],
  ["JSONObject", GraphQLJSONObject],
] as const) {
  const type = schema.getType(name) as GraphQLScalarType;
  type.parseValue = implementation.parseValue;
  type.parseLiteral = implementation.parseLiteral;
}

const errorsOf = (query: string) => validate(schema, parse(query));

describe("literalArgumentPath", () => {
  it.each([
    ['{ ok(when: "yesterday") }', "when"],
    ["{ ok(when: 1e20) }", "when"],
    ['{ ok(run: { at: "2026-02-30T00:00:00Z", cases: [] }) }', "run.at"],
    ['{ ok(run: { cases: [{ caseId: "a", input: {} }, { caseId: "b", input: "oops" }] }) }', "run.cases[1].input"],
    ["{ ok(run: { cases: [{ input: {} }] }) }", "run.cases[0].caseId"],
    ["{ ok(run: { cases: [], nope: 1 }) }", "run.nope"],
  ])("names the argument path of the value refused in %s: %s", (query, path) => {
    const errors = errorsOf(query);

    expect(errors).toHaveLength(1);
    expect(literalArgumentPath(errors[0]!)).toBe(path);
  });

  it.each([
    ["an unknown field", "{ nope }"],
    ["a directive's argument", '{ ok @include(if: "x") }'],
    ["a variable in the wrong place", "query ($w: String) { ok(when: $w) }"],
  ])("names nothing for %s, which is the document's mistake", (_what, query) => {
    const errors = errorsOf(query);

    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(literalArgumentPath(error)).toBeUndefined();
  });

  it("names nothing for an error that points at no document", () => {
    expect(literalArgumentPath(new GraphQLError("no nodes"))).toBeUndefined();
  });
});
