import {
  Kind,
  buildSchema,
  getIntrospectionQuery,
  parse,
  specifiedRules,
  validate,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from "graphql";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import { operationLimits, selectionMeasurer, type OperationLimits } from "../operation-limits.js";

// A self-referencing type allows any depth, as Agent → pacts → agent does in the supergraph.
const schema = buildSchema(`
  type Query { agent(id: ID!): Agent }
  type Agent { id: ID! name: String! friend: Agent pacts: [Pact!]! }
  type Pact { id: ID! agent: Agent! }
`);

function sizeOf(source: string) {
  const document = parse(source);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return selectionMeasurer(fragments)(operation?.selectionSet);
}

const generous: OperationLimits = { maxDepth: 100, maxFields: 100_000, maxRootFields: 100 };

/** Validates with the limits rule alone, so a cycle reaches it even though graphql's own rules would reject one. */
function limitErrors(source: string, limits: Partial<OperationLimits>): string[] {
  return validate(schema, parse(source), [operationLimits({ ...generous, ...limits })]).map((error) => error.message);
}

/** `n` fragments, each spreading the next one twice: a 1 KB document standing for 2^n fields. */
function doublingChain(n: number): string {
  const fragments = Array.from(
    { length: n },
    (_, i) => `fragment F${i} on Agent { friend { ...F${i + 1} } ... on Agent { friend { ...F${i + 1} } } }`,
  );
  return `{ agent(id: 1) { ...F0 } } ${fragments.join(" ")} fragment F${n} on Agent { id }`;
}

describe("selectionMeasurer", () => {
  it("counts nesting depth and fields", () => {
    expect(sizeOf("{ agent(id: 1) { id } }")).toEqual({ depth: 2, fields: 2, rootFields: 1 });
    expect(sizeOf("{ agent(id: 1) { id friend { friend { name } } } }")).toEqual({ depth: 4, fields: 5, rootFields: 1 });
  });

  it("follows named and inline fragments, adding no level of their own", () => {
    expect(sizeOf("{ agent(id: 1) { ...F } } fragment F on Agent { friend { name } }").depth).toBe(3);
    expect(sizeOf("{ agent(id: 1) { ... on Agent { friend { friend { id } } } } }").depth).toBe(4);
  });

  it("takes the deepest branch", () => {
    expect(sizeOf("{ agent(id: 1) { id pacts { agent { friend { id } } } friend { id } } }").depth).toBe(5);
  });

  it("counts every alias and every spread of a fragment", () => {
    expect(sizeOf("{ a: agent(id: 1) { id } b: agent(id: 2) { id } }")).toEqual({ depth: 2, fields: 4, rootFields: 2 });
    expect(sizeOf("{ agent(id: 1) { ...F ...F } } fragment F on Agent { friend { id } }").fields).toBe(5);
    expect(sizeOf("{ ...Q ...Q } fragment Q on Query { agent(id: 1) { id } }").rootFields).toBe(2);
  });

  it("counts __typename like any other field, at the root and below", () => {
    expect(sizeOf("{ agent(id: 1) { friend { __typename } } }")).toEqual({ depth: 3, fields: 3, rootFields: 1 });
    expect(sizeOf("{ __typename a: __typename agent(id: 1) { id __typename } }")).toEqual({ depth: 2, fields: 5, rootFields: 3 });
  });

  it("counts root selections reached through fragments, __typename included", () => {
    expect(sizeOf("{ ...Q ... on Query { __typename } } fragment Q on Query { a: __typename b: __typename }").rootFields).toBe(3);
  });

  it("counts an introspection field once, without measuring below it", () => {
    expect(sizeOf('{ __schema { types { fields { type { ofType { name } } } } } __type(name: "Agent") { name } }')).toEqual({
      depth: 1,
      fields: 2,
      rootFields: 2,
    });
  });

  it("ignores an unknown fragment", () => {
    expect(sizeOf("{ agent(id: 1) { ...Missing } }").depth).toBe(1);
  });

  it("measures a doubling fragment chain in linear steps", () => {
    // Walking each spread anew would take 2^60 steps and never return.
    const size = sizeOf(doublingChain(60));

    expect(size.depth).toBe(62);
    expect(size.fields).toBeGreaterThan(2 ** 60);
  });
});

describe("operationLimits", () => {
  it("accepts an operation at every limit", () => {
    expect(limitErrors("{ agent(id: 1) { friend { name } } }", { maxDepth: 3, maxFields: 3, maxRootFields: 1 })).toEqual([]);
  });

  it("rejects an operation deeper than the limit, stating both depths", () => {
    expect(limitErrors("{ agent(id: 1) { friend { friend { name } } } }", { maxDepth: 3 })).toEqual([
      "Operation is 4 levels deep; the limit is 3",
    ]);
  });

  it("rejects depth hidden in fragments", () => {
    const source = `
      query Deep { agent(id: 1) { ...A } }
      fragment A on Agent { friend { ...B } }
      fragment B on Agent { ... on Agent { friend { name } } }
    `;

    expect(limitErrors(source, { maxDepth: 3 })).toEqual(["Operation is 4 levels deep; the limit is 3"]);
  });

  it("rejects too many fields, aliases included", () => {
    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: agent(id: ${i}) { id }`).join(" ");

    expect(limitErrors(`{ ${aliases} }`, { maxFields: 500, maxRootFields: 1000 })).toEqual([
      "Operation selects 600 fields; the limit is 500",
    ]);
  });

  it("rejects too many top-level fields", () => {
    expect(limitErrors("{ a: agent(id: 1) { id } b: agent(id: 2) { id } c: agent(id: 3) { id } }", { maxRootFields: 2 })).toEqual([
      "Operation asks for 3 top-level fields; the limit is 2",
    ]);
  });

  it("rejects a doubling fragment chain at once", () => {
    expect(limitErrors(doublingChain(40), { maxDepth: 100, maxFields: 1000 })).toEqual([
      `Operation selects ${sizeOf(doublingChain(40)).fields} fields; the limit is 1000`,
    ]);
  });

  it("rejects 600 aliased root __typename selections with MAX_ROOT_FIELDS=10", () => {
    const aliases = Array.from({ length: 600 }, (_, i) => `t${i}: __typename`).join(" ");

    expect(limitErrors(`{ ${aliases} }`, { maxRootFields: 10 })).toEqual(["Operation asks for 600 top-level fields; the limit is 10"]);
  });

  it("rejects root __typename selections hidden in fragments", () => {
    const source = `
      { ...Names ... on Query { c: __typename } }
      fragment Names on Query { a: __typename b: __typename }
    `;

    expect(limitErrors(source, { maxRootFields: 2 })).toEqual(["Operation asks for 3 top-level fields; the limit is 2"]);
  });

  it("counts __typename below the root towards the field limit", () => {
    expect(limitErrors("{ agent(id: 1) { friend { name __typename } } }", { maxFields: 3 })).toEqual([
      "Operation selects 4 fields; the limit is 3",
    ]);
    const typenames = Array.from({ length: 50 }, (_, i) => `t${i}: __typename`).join(" ");
    expect(limitErrors(`{ agent(id: 1) { ${typenames} } }`, { maxFields: 50 })).toEqual(["Operation selects 51 fields; the limit is 50"]);
  });

  it("lets the introspection query explorers send through at the default limits", () => {
    const defaults = loadConfig({}).gateway.limits;

    expect(validate(schema, parse(getIntrospectionQuery({ descriptions: true })), [operationLimits(defaults)])).toEqual([]);
  });

  it("tags its errors as validation failures", () => {
    const [error] = validate(schema, parse("{ agent(id: 1) { friend { name } } }"), [operationLimits({ ...generous, maxDepth: 2 })]);

    expect(error?.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("terminates on a fragment cycle, which graphql's own rules then reject", () => {
    const source = `
      { agent(id: 1) { ...A } }
      fragment A on Agent { friend { ...B } }
      fragment B on Agent { friend { ...A } }
    `;

    expect(limitErrors(source, { maxDepth: 10 })).toEqual([]);
    const all = validate(schema, parse(source), [...specifiedRules, operationLimits({ ...generous, maxDepth: 10 })]).map(
      (error) => error.message,
    );
    expect(all.some((message) => /Cannot spread fragment "A" within itself/.test(message))).toBe(true);
  });

  it("judges each operation of a document on its own", () => {
    const source = "query Shallow { agent(id: 1) { id } } query Deep { agent(id: 1) { friend { friend { id } } } }";

    expect(limitErrors(source, { maxDepth: 3 })).toEqual(["Operation is 4 levels deep; the limit is 3"]);
  });
});
