import { Kind, buildSchema, parse, specifiedRules, validate, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { depthLimit, selectionDepth } from "../depth-limit.js";

// A self-referencing type allows any depth, as Agent → pacts → agent does in the supergraph.
const schema = buildSchema(`
  type Query { agent(id: ID!): Agent }
  type Agent { id: ID! name: String! friend: Agent pacts: [Pact!]! }
  type Pact { id: ID! agent: Agent! }
`);

function depthOf(source: string): number {
  const document = parse(source);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return selectionDepth(operation?.selectionSet, fragments);
}

/** Validates with the depth rule alone, so a cycle reaches it even though graphql's own rules would reject one. */
function depthErrors(source: string, maxDepth: number): string[] {
  return validate(schema, parse(source), [depthLimit(maxDepth)]).map((error) => error.message);
}

describe("selectionDepth", () => {
  it("counts nested fields", () => {
    expect(depthOf("{ agent(id: 1) { id } }")).toBe(2);
    expect(depthOf("{ agent(id: 1) { id friend { friend { name } } } }")).toBe(4);
  });

  it("follows named fragments, adding no level of their own", () => {
    expect(depthOf("{ agent(id: 1) { ...F } } fragment F on Agent { friend { name } }")).toBe(3);
  });

  it("follows inline fragments, adding no level of their own", () => {
    expect(depthOf("{ agent(id: 1) { ... on Agent { friend { friend { id } } } } }")).toBe(4);
  });

  it("takes the deepest branch", () => {
    expect(depthOf("{ agent(id: 1) { id pacts { agent { friend { id } } } friend { id } } }")).toBe(5);
  });

  it("does not count __typename", () => {
    expect(depthOf("{ agent(id: 1) { friend { __typename } } }")).toBe(2);
  });

  it("ignores an unknown fragment", () => {
    expect(depthOf("{ agent(id: 1) { ...Missing } }")).toBe(1);
  });
});

describe("depthLimit", () => {
  it("accepts an operation at the limit", () => {
    expect(depthErrors("{ agent(id: 1) { friend { name } } }", 3)).toEqual([]);
  });

  it("rejects an operation deeper than the limit, stating both depths", () => {
    const errors = depthErrors("{ agent(id: 1) { friend { friend { name } } } }", 3);

    expect(errors).toEqual(["Operation is 4 levels deep; the limit is 3"]);
  });

  it("rejects depth hidden in fragments", () => {
    const source = `
      query Deep { agent(id: 1) { ...A } }
      fragment A on Agent { friend { ...B } }
      fragment B on Agent { ... on Agent { friend { name } } }
    `;

    expect(depthErrors(source, 3)).toEqual(["Operation is 4 levels deep; the limit is 3"]);
  });

  it("does not let __typename push an operation over the limit", () => {
    expect(depthErrors("{ agent(id: 1) { friend { name __typename } } }", 3)).toEqual([]);
  });

  it("tags its error as a validation failure", () => {
    const [error] = validate(schema, parse("{ agent(id: 1) { friend { name } } }"), [depthLimit(2)]);

    expect(error?.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("terminates on a fragment cycle, which graphql's own rules then reject", () => {
    const source = `
      { agent(id: 1) { ...A } }
      fragment A on Agent { friend { ...B } }
      fragment B on Agent { friend { ...A } }
    `;

    expect(depthErrors(source, 10)).toEqual([]);
    const all = validate(schema, parse(source), [...specifiedRules, depthLimit(10)]).map((error) => error.message);
    expect(all.some((message) => /Cannot spread fragment "A" within itself/.test(message))).toBe(true);
  });

  it("judges each operation of a document on its own", () => {
    const source = "query Shallow { agent(id: 1) { id } } query Deep { agent(id: 1) { friend { friend { id } } } }";

    expect(depthErrors(source, 3)).toEqual(["Operation is 4 levels deep; the limit is 3"]);
  });
});
