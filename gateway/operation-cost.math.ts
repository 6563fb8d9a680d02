import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
} from "graphql";

/*
 * What an operation costs, in points of the caller's budget (gateway/rate-limit.ts), computed from
 * the document before anything runs. The measure is the number of objects the operation can ask
 * the subgraphs for, each list at the largest size it may have:
 *
 * - a field sized by an argument (`first`/`last` on a connection, 20 when absent, at most 100;
 *   `weeks` on `Agent.scorecard`, 12 when absent, at most 104; the number of `ids` given to
 *   `agentsByIds`, at most 100) stands for that many objects, and everything selected below it is
 *   asked for once per object, so its subtree is multiplied by the size. When it returns an
 *   object rather than a list, the lists directly inside that object (a connection's `edges`) are
 *   those objects, not counted again;
 * - a list without such an argument (`Agent.pacts`, `pactTemplates`) counts as 10 objects and
 *   multiplies what it selects by 10, as a page of 10 would; every other top-level field counts 1;
 * - objects reached through a single object field (`trust`, `node`, `pageInfo`) and scalars
 *   count nothing; nor do `__typename`, `__schema` and `__type`, which the gateway answers itself.
 *
 * A query costs ⌈objects / 20⌉, at least 1; one of introspection alone costs 0. A mutation costs 10
 * per top-level field, plus ⌈objects below them / 20⌉. Aliases and fragments count every time
 * they are selected, `@skip`/`@include` are ignored (the cost is an upper bound), and page sizes
 * come from literals, variables, or the variable's default.
 *
 * Worked examples (docs: "Limits"):
 *   agent(id) { name trust { tier } }                            1 object          → 1 point
 *   agentsByIds(ids: [100 ids]) { name trust { tier } }          100               → 5
 *   searchAgents { edges { node { name } } }                     20                → 1
 *   searchAgents(first: 100) { … }                               100               → 5
 *   agent(id) { disputes { … } scoreHistory { … } }              1 + 20 + 20       → 3
 *   searchAgents(first: 100) { edges { node { pacts { id }
 *     disputes(first: 10) { … } } } }                            100 × (1+10+10)   → 105
 *   registerAgent(input) { id }                                  10 + 0            → 10
 */

/** An argument that sizes the list a field returns: by its value, or by how many items it lists. */
export interface SizingArgument {
  argument: string;
  by?: "value" | "length";
  /** The size when the argument is absent. */
  default: number;
  /** The largest size the subgraph accepts; larger values are refused there, so they are costed at this. */
  max: number;
}

export interface CostPolicy {
  /** Arguments that size any field declaring them: the page arguments of connections. */
  pageArguments: SizingArgument[];
  /** Other sized fields, by schema coordinate (`Agent.scorecard`). */
  sizedFields: Record<string, SizingArgument>;
  /**
   * What a list no argument sizes (`Agent.pacts`, `pactTemplates`) is costed as: it has no bound
   * the caller chose, and what it selects is asked for once per element, so it multiplies like a
   * page would. Without this, lists that lead back to their parent (`pacts { agent { pacts … } }`)
   * would nest unbounded work at a constant cost.
   */
  unsizedListSize: number;
  /** Objects one point pays for. */
  objectsPerPoint: number;
  /** Points each top-level field of a mutation costs, before what it selects. */
  mutationPoints: number;
}

/**
 * The policy for this API. The page arguments' bounds are those of `pageSize` in
 * lib/platform/pagination.ts, which every connection uses (gateway/test/operation-cost.math.test.ts
 * checks the supergraph's descriptions still say so).
 */
export const COST_POLICY: CostPolicy = {
  pageArguments: [
    { argument: "first", default: 20, max: 100 },
    { argument: "last", default: 20, max: 100 },
  ],
  sizedFields: {
    "Agent.scorecard": { argument: "weeks", default: 12, max: 104 },
    "Query.agentsByIds": { argument: "ids", by: "length", default: 1, max: 100 },
  },
  unsizedListSize: 10,
  objectsPerPoint: 20,
  mutationPoints: 10,
};

export interface OperationCost {
  /** Points charged. */
  cost: number;
  /** Objects the operation can ask for (see the top of this file). */
  objects: number;
}

type Variables = Record<string, unknown> | undefined;

/** The cost of `operation`, one of `document`'s operations, with the request's `variables`. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  policy: CostPolicy = COST_POLICY,
): OperationCost {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return { cost: 0, objects: 0 };
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  const sizeOf = sizer(operation, variables, policy);

  // Objects are linear in how many times a selection is asked for, so each fragment is counted
  // once per place kind (top level, directly in a sized field's result, elsewhere) and reused:
  // fragments spread into one another cannot make counting itself expensive.
  const counted = new Map<string, number>();
  const inProgress = new Set<string>();

  const selectionObjects = (selectionSet: SelectionSetNode | undefined, parent: GraphQLCompositeType, place: Place): number => {
    let total = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) total += fieldObjects(selection, parent, place);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (isCompositeType(type)) total += selectionObjects(selection.selectionSet, type, place);
      } else total += fragmentObjects(selection.name.value, place);
    }
    return total;
  };

  const fragmentObjects = (name: string, place: Place): number => {
    const key = `${place}:${name}`;
    const known = counted.get(key);
    if (known !== undefined) return known;
    const fragment = fragments[name];
    const type = fragment && schema.getType(fragment.typeCondition.name.value);
    // A cycle counts as empty; graphql's own validation refuses it before this runs.
    if (!fragment || !isCompositeType(type) || inProgress.has(key)) return 0;
    inProgress.add(key);
    const objects = selectionObjects(fragment.selectionSet, type, place);
    inProgress.delete(key);
    counted.set(key, objects);
    return objects;
  };

  const fieldObjects = (field: FieldNode, parent: GraphQLCompositeType, place: Place): number => {
    // `__typename`, `__schema`, `__type`: answered by the gateway from its own schema.
    if (field.name.value.startsWith("__")) return 0;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[field.name.value] : undefined;
    const type = definition && getNamedType(definition.type);
    if (!definition || !isCompositeType(type)) return place === "root" ? 1 : 0;
    const size = sizeOf(field, parent, definition);
    const list = isListType(getNullableType(definition.type));
    // A sized list's elements are its objects; a sized object's (a connection's) lists hold them.
    if (size !== undefined) return size * (1 + selectionObjects(field.selectionSet, type, list ? "below" : "items"));
    // A list inside a sized object (a connection's `edges`) holds the page's objects, counted above.
    if (list && place !== "items") return policy.unsizedListSize * (1 + selectionObjects(field.selectionSet, type, "below"));
    return (place === "root" ? 1 : 0) + selectionObjects(field.selectionSet, type, "below");
  };

  const objects = selectionObjects(operation.selectionSet, rootType, "root");
  if (operation.operation === "mutation") {
    const roots = rootFieldCount(operation.selectionSet, fragments);
    return { cost: roots * policy.mutationPoints + Math.ceil((objects - roots) / policy.objectsPerPoint), objects };
  }
  return { cost: objects === 0 ? 0 : Math.max(1, Math.ceil(objects / policy.objectsPerPoint)), objects };
}

/** Where a selection sits: at the top level, directly in a sized field's result, or anywhere else. */
type Place = "root" | "items" | "below";

/** The size a sized field asks for, from its arguments, or undefined for a field no argument sizes. */
function sizer(operation: OperationDefinitionNode, variables: Variables, policy: CostPolicy) {
  // Defaults of the operation's variables, for a variable the request leaves out.
  const variableDefaults = new Map<string, number>();
  const listDefaults = new Map<string, number>();
  for (const definition of operation.variableDefinitions ?? []) {
    const value = definition.defaultValue;
    if (value?.kind === Kind.INT) variableDefaults.set(definition.variable.name.value, Number(value.value));
    if (value?.kind === Kind.LIST) listDefaults.set(definition.variable.name.value, value.values.length);
  }

  const given = (field: FieldNode, sizing: SizingArgument): number | undefined => {
    const value = field.arguments?.find((argument) => argument.name.value === sizing.argument)?.value;
    if (sizing.by === "length") {
      if (value?.kind === Kind.LIST) return value.values.length;
      if (value?.kind !== Kind.VARIABLE) return value === undefined || value.kind === Kind.NULL ? undefined : 1;
      const fromRequest = variables?.[value.name.value];
      // A single value where a list is expected is coerced to a list of one.
      if (fromRequest === undefined) return listDefaults.get(value.name.value);
      return Array.isArray(fromRequest) ? fromRequest.length : fromRequest === null ? undefined : 1;
    }
    if (value?.kind === Kind.INT) return Number(value.value);
    if (value?.kind !== Kind.VARIABLE) return undefined;
    const fromRequest = variables?.[value.name.value];
    return typeof fromRequest === "number" && Number.isFinite(fromRequest) ? fromRequest : variableDefaults.get(value.name.value);
  };
  const bounded = (size: number | undefined, sizing: SizingArgument) =>
    Math.min(sizing.max, Math.max(1, Math.trunc(size ?? sizing.default)));

  return (field: FieldNode, parent: GraphQLCompositeType, definition: GraphQLField<unknown, unknown>): number | undefined => {
    const special = policy.sizedFields[`${parent.name}.${definition.name}`];
    if (special) return bounded(given(field, special), special);
    const declared = policy.pageArguments.filter((sizing) => definition.args.some((argument) => argument.name === sizing.argument));
    if (declared.length === 0) return undefined;
    // A field taking both `first` and `last` returns as many as the larger of those asked for.
    const asked = declared.flatMap((sizing) => {
      const size = given(field, sizing);
      return size === undefined ? [] : [bounded(size, sizing)];
    });
    return asked.length ? Math.max(...asked) : Math.max(...declared.map((sizing) => bounded(undefined, sizing)));
  };
}

/** Top-level fields of an operation, fragments expanded and aliases counted, `__typename` left out. */
function rootFieldCount(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>): number {
  const counted = new Map<string, number>();
  const count = (selections: SelectionSetNode): number => {
    let total = 0;
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) total += selection.name.value.startsWith("__") ? 0 : 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) total += count(selection.selectionSet);
      else {
        const name = selection.name.value;
        if (!counted.has(name) && fragments[name]) {
          // Set first: a cycle (refused by validation anyway) ends here instead of recursing forever.
          counted.set(name, 0);
          counted.set(name, count(fragments[name].selectionSet));
        }
        total += counted.get(name) ?? 0;
      }
    }
    return total;
  };
  return count(selectionSet);
}
