import {
  Kind,
  buildSchema,
  getIntrospectionQuery,
  isInterfaceType,
  isObjectType,
  parse,
  validate,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { COST_POLICY, operationCost } from "../operation-cost.math.js";
import { readCommittedSupergraph } from "../supergraph.js";

// The supergraph's types and arguments are the API's (apart from @inaccessible fields, not used here).
let schema: GraphQLSchema;
beforeAll(async () => {
  schema = buildSchema(await readCommittedSupergraph());
});

/** The cost of a document's only operation; it must be valid against the supergraph, so the examples stay real. */
function costOf(source: string, variables?: Record<string, unknown>) {
  const document = parse(source);
  expect(validate(schema, document).map((error) => error.message)).toEqual([]);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return operationCost(schema, document, operation, variables);
}

const SEARCH_PAGE = (first: string, node = "id name") => `{
  searchAgents${first ? `(first: ${first})` : ""} { edges { cursor node { ${node} } } pageInfo { hasNextPage endCursor } }
}`;

describe("operation cost: the worked examples of the docs", () => {
  it("a single agent read costs 1: one object, its single nested objects and scalars free", () => {
    expect(costOf('{ agent(id: "a") { id name trust { compositeScore tier reasons } } }')).toEqual({ objects: 1, cost: 1 });
  });

  it("a search page costs by its size: 20 by default (1 point), 100 (5 points)", () => {
    expect(costOf(SEARCH_PAGE(""))).toEqual({ objects: 20, cost: 1 });
    expect(costOf(SEARCH_PAGE("20"))).toEqual({ objects: 20, cost: 1 });
    expect(costOf(SEARCH_PAGE("21"))).toEqual({ objects: 21, cost: 2 });
    expect(costOf(SEARCH_PAGE("100"))).toEqual({ objects: 100, cost: 5 });
  });

  it("a bulk read of 100 agents by id costs as a page of 100, by the number of ids", () => {
    const ids = Array.from({ length: 100 }, (_, i) => `"agent-${i}"`).join(", ");
    expect(costOf(`{ agentsByIds(ids: [${ids}]) { id name trust { tier } } }`)).toEqual({ objects: 100, cost: 5 });
    const byVariable = "query Bulk($ids: [ID!]!) { agentsByIds(ids: $ids) { id } }";
    expect(costOf(byVariable, { ids: Array.from({ length: 100 }, (_, i) => `a${i}`) }).cost).toBe(5);
    expect(costOf(byVariable, { ids: ["a"] }).cost).toBe(1);
    // The subgraph refuses more than 100; costing them as 100 leaves that refusal to it.
    expect(costOf(byVariable, { ids: Array.from({ length: 1000 }, (_, i) => `a${i}`) }).objects).toBe(100);
  });

  it("nested lists multiply: each agent of the page asks for its own lists", () => {
    // 100 agents; each with its pacts (a list without page arguments: costed as 10, each with its
    // escalation route, another such list of 10) and 10 disputes.
    const nested = SEARCH_PAGE("100", "id pacts { id escalationRoute { action } } disputes(first: 10) { edges { node { id } } }");
    // 100 × (the agent 1 + pacts 10 × (1 + route 10) + disputes 10).
    expect(costOf(nested)).toEqual({ objects: 100 * (1 + 110 + 10), cost: 605 });
    // The same at the default page size of both: 20 × (1 + 110 + 20).
    const defaults = SEARCH_PAGE("", "id pacts { id escalationRoute { action } } disputes { edges { node { id } } }");
    expect(costOf(defaults)).toEqual({ objects: 20 * 131, cost: 131 });
  });

  it("lets no list lead back to its parent at a constant cost: each unsized level multiplies", () => {
    const loop = (depth: number) => {
      let selection = "id";
      for (let i = 0; i < depth; i += 1) selection = `pacts { agent { ${selection} } }`;
      return SEARCH_PAGE("100", selection);
    };
    // 100 agents × (1 + 10 + 10² + …): every level of pacts asks ten times as much again.
    expect(costOf(loop(1)).objects).toBe(100 * (1 + 10));
    expect(costOf(loop(2)).objects).toBe(100 * (1 + 10 + 100));
    expect(costOf(loop(3)).objects).toBe(100 * (1 + 10 + 100 + 1000));
  });

  it("an agent's page with a few default-size lists costs 3", () => {
    const detail = `{ agent(id: "a") {
      name
      disputes { edges { node { id status } } pageInfo { hasNextPage } }
      scoreHistory { edges { node { compositeScore } } }
    } }`;
    expect(costOf(detail)).toEqual({ objects: 41, cost: 3 });
  });

  it("a scorecard is sized by its weeks (12 by default, at most 104); its lists are those weeks", () => {
    const scorecard = (weeks: string) =>
      `{ agent(id: "a") { scorecard${weeks} { weeks { week reports } trends { kpi } driftAlarms { kpi } } } }`;
    expect(costOf(scorecard(""))).toEqual({ objects: 13, cost: 1 });
    expect(costOf(scorecard("(weeks: 104)"))).toEqual({ objects: 105, cost: 6 });
    expect(costOf(scorecard("(weeks: 1000)"))).toEqual({ objects: 105, cost: 6 });
  });
});

describe("operation cost: what a caller might try", () => {
  it("aliases repeating an expensive field each count", () => {
    const once = costOf(SEARCH_PAGE("100"));
    const thrice = costOf(`{
      a: searchAgents(first: 100) { edges { node { id } } }
      b: searchAgents(first: 100) { edges { node { id } } }
      c: searchAgents(first: 100) { edges { node { id } } }
    }`);
    expect(once.objects).toBe(100);
    expect(thrice).toEqual({ objects: 300, cost: 15 });
    // Aliases inside a page multiply like any field.
    expect(
      costOf(
        `{ searchAgents(first: 100) { edges { node { x: disputes(first: 50) { edges { node { id } } } y: disputes(first: 50) { edges { node { id } } } } } } }`,
      ),
    ).toEqual({ objects: 100 + 2 * 100 * 50, cost: 505 });
  });

  it("fragments count where they are spread, as often as they are, inline or named", () => {
    const named = `
      query { searchAgents(first: 100) { edges { node { ...Lists } } } }
      fragment Lists on Agent { disputes(first: 10) { ...Page } other: disputes(first: 10) { ...Page } }
      fragment Page on DisputeSummaryConnection { edges { node { id } } pageInfo { hasNextPage } }`;
    expect(costOf(named)).toEqual({ objects: 100 + 2 * 1000, cost: 105 });
    const inline = "{ searchAgents(first: 100) { edges { node { ... on Agent { disputes(first: 10) { edges { node { id } } } } } } } }";
    expect(costOf(inline)).toEqual({ objects: 1100, cost: 55 });
    // A connection's lists spread through a fragment are still its items, not counted again.
    expect(costOf("{ searchAgents { ...Items } } fragment Items on AgentConnection { edges { node { id } } }")).toEqual({
      objects: 20,
      cost: 1,
    });
  });

  it("page sizes come from variables, then the variable's default, then the field's", () => {
    const query = "query Search($n: Int) { searchAgents(first: $n) { edges { node { id } } } }";
    expect(costOf(query, { n: 100 }).objects).toBe(100);
    expect(costOf(query, {}).objects).toBe(20);
    expect(costOf(query, { n: null }).objects).toBe(20);
    expect(costOf("query Search($n: Int = 60) { searchAgents(first: $n) { edges { node { id } } } }", {}).objects).toBe(60);
    expect(costOf("query Search($n: Int = 60) { searchAgents(first: $n) { edges { node { id } } } }", { n: 40 }).objects).toBe(40);
  });

  it("a size out of range is costed at the nearest size the subgraph would accept", () => {
    expect(costOf(SEARCH_PAGE("100000")).objects).toBe(100);
    expect(costOf(SEARCH_PAGE("0")).objects).toBe(1);
    expect(costOf("query Search($n: Int) { searchAgents(first: $n) { edges { node { id } } } }", { n: -5 }).objects).toBe(1);
  });

  it("@skip and @include are ignored: the cost is what the document can ask for", () => {
    expect(costOf("{ searchAgents(first: 100) @skip(if: true) { edges { node { id } } } }").objects).toBe(100);
  });

  it("a deep chain of doubling fragments is counted without expanding it", () => {
    // 2^30 disputes pages stand behind 30 short fragments; counting takes 30 steps, not 2^30.
    const fragments = Array.from(
      { length: 30 },
      (_, i) => `fragment F${i} on Agent { ${i === 29 ? "disputes { edges { node { id } } }" : `...F${i + 1} ...F${i + 1}`} }`,
    );
    const document = parse(`{ agent(id: "a") { ...F0 } } ${fragments.join(" ")}`);
    const operation = document.definitions[0] as OperationDefinitionNode;
    // Not validated here: graphql-js's own overlap check is what would take long on it.
    const { objects } = operationCost(schema, document, operation, {});
    expect(objects).toBe(1 + 20 * 2 ** 29);
  });
});

describe("operation cost: introspection and mutations", () => {
  it("introspection and __typename alone are free: the gateway answers them without any subgraph", () => {
    expect(costOf(getIntrospectionQuery())).toEqual({ objects: 0, cost: 0 });
    expect(costOf("{ __typename }")).toEqual({ objects: 0, cost: 0 });
    expect(costOf('{ __type(name: "Agent") { name } agent(id: "a") { id } }')).toEqual({ objects: 1, cost: 1 });
  });

  it("a mutation costs 10 per top-level field, aliases included, plus what it reads", () => {
    const register = (alias: string) =>
      `${alias}registerAgent(input: { name: "n", description: "d", domains: [ALERT_TRIAGE] }) { id name }`;
    expect(costOf(`mutation { ${register("")} }`)).toEqual({ objects: 1, cost: 10 });
    expect(costOf(`mutation { ${register("a: ")} ${register("b: ")} }`)).toEqual({ objects: 2, cost: 20 });
    expect(costOf(`mutation { ...Both } fragment Both on Mutation { ${register("a: ")} ${register("b: ")} }`).cost).toBe(20);
    const reading = `mutation { registerAgent(input: { name: "n", description: "d", domains: [ALERT_TRIAGE] }) { id disputes(first: 100) { edges { node { id } } } } }`;
    expect(costOf(reading)).toEqual({ objects: 101, cost: 15 });
  });
});

describe("the cost policy against the supergraph", () => {
  it("every field taking `first` is a page of 1–100, 20 when absent, as the policy says", () => {
    const pageSizeDescriptions: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.values(type.getFields())) {
        const first = field.args.find((argument) => argument.name === "first");
        if (first) pageSizeDescriptions.push(`${type.name}.${field.name}: ${first.description}`);
      }
    }
    expect(pageSizeDescriptions.length).toBeGreaterThan(5);
    const policy = COST_POLICY.pageArguments.find((sizing) => sizing.argument === "first")!;
    for (const description of pageSizeDescriptions) {
      expect(description).toMatch(new RegExp(`1–${policy.max}\\b`));
      expect(description).toMatch(new RegExp(`\\b${policy.default}\\b`));
    }
  });

  it("the other sized fields exist, with the bounds their descriptions state", () => {
    for (const [coordinate, sizing] of Object.entries(COST_POLICY.sizedFields)) {
      const [typeName, fieldName] = coordinate.split(".") as [string, string];
      const type = schema.getType(typeName);
      const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
      const argument = field?.args.find((arg) => arg.name === sizing.argument);
      expect(argument, coordinate).toBeDefined();
      expect(`${field?.description} ${argument?.description}`).toMatch(new RegExp(`\\b${sizing.max}\\b`));
    }
  });
});
