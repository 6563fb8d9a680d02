import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from "graphql";

/**
 * Size of a selection: nesting depth, field count (aliases, repeated fragments and `__typename`
 * included), fields at its top level (every selection there, reached directly or through fragments).
 */
export interface SelectionSize {
  depth: number;
  fields: number;
  rootFields: number;
}

export interface OperationLimits {
  maxDepth: number;
  maxFields: number;
  maxRootFields: number;
}

const EMPTY: SelectionSize = { depth: 0, fields: 0, rootFields: 0 };

/** The introspection entry points, whose selections describe the schema rather than fetch data. */
const INTROSPECTION_ROOTS = new Set(["__schema", "__type"]);

/**
 * Measures selection sets, following fragments. Each fragment is measured once and reused, so a
 * document that spreads fragments into one another cannot make the measurement itself expensive
 * (a chain of n fragments each spread twice stands for 2^n fields but costs n steps). A fragment
 * cycle counts as empty; graphql's own rules reject it.
 */
export function selectionMeasurer(
  fragments: Record<string, FragmentDefinitionNode>,
): (selectionSet: SelectionSetNode | undefined) => SelectionSize {
  const measured = new Map<string, SelectionSize>();
  const inProgress = new Set<string>();

  const fragmentSize = (name: string): SelectionSize => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments[name];
    if (!fragment || inProgress.has(name)) return EMPTY;
    inProgress.add(name);
    const size = measure(fragment.selectionSet);
    inProgress.delete(name);
    measured.set(name, size);
    return size;
  };

  const measure = (selectionSet: SelectionSetNode | undefined): SelectionSize => {
    const total = { depth: 0, fields: 0, rootFields: 0 };
    for (const selection of selectionSet?.selections ?? []) {
      let part: SelectionSize;
      if (selection.kind === Kind.FIELD) {
        // Every field counts, `__typename` included: 600 aliases of it are as much work to
        // validate, plan and answer as 600 of any field, and a limit some selections escape is one
        // a client can step around. Below `__schema` and `__type` nothing is measured: that part is
        // answered from the gateway's own schema, and the introspection query explorers send is 15
        // levels deep, over the default depth limit.
        const below = INTROSPECTION_ROOTS.has(selection.name.value) ? EMPTY : measure(selection.selectionSet);
        part = { depth: 1 + below.depth, fields: 1 + below.fields, rootFields: 1 };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        part = measure(selection.selectionSet);
      } else {
        part = fragmentSize(selection.name.value);
      }
      total.depth = Math.max(total.depth, part.depth);
      total.fields += part.fields;
      total.rootFields += part.rootFields;
    }
    return total;
  };

  return measure;
}

/**
 * Validation rule refusing operations that are too deep, select too many fields, or ask for too
 * many things at the top level (each alias of a root field is a separate subgraph query; every
 * root selection counts, `__typename` and introspection included), before any subgraph is called.
 */
export function operationLimits(limits: OperationLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    const measure = selectionMeasurer(fragments);
    return {
      OperationDefinition(operation) {
        const size = measure(operation.selectionSet);
        const report = (message: string) =>
          context.reportError(new GraphQLError(message, { nodes: [operation], extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
        if (size.depth > limits.maxDepth) report(`Operation is ${size.depth} levels deep; the limit is ${limits.maxDepth}`);
        if (size.fields > limits.maxFields) report(`Operation selects ${size.fields} fields; the limit is ${limits.maxFields}`);
        if (size.rootFields > limits.maxRootFields)
          report(`Operation asks for ${size.rootFields} top-level fields; the limit is ${limits.maxRootFields}`);
      },
    };
  };
}
