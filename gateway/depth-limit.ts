import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from "graphql";

/** Depth of a selection set, following fragments; a fragment cycle is stopped (graphql rejects it anyway). */
export function selectionDepth(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      // Introspection meta-fields (`__typename`, `__schema`) do not reach a subgraph.
      if (selection.name.value.startsWith("__")) continue;
      depth = 1 + selectionDepth(selection.selectionSet, fragments, seen);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = selectionDepth(selection.selectionSet, fragments, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || seen.has(name)) continue;
      depth = selectionDepth(fragment.selectionSet, fragments, new Set(seen).add(name));
    }
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}

/** Validation rule refusing operations nested deeper than `maxDepth` fields, before any subgraph is called. */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    return {
      OperationDefinition(operation) {
        const depth = selectionDepth(operation.selectionSet, fragments);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Operation is ${depth} levels deep; the limit is ${maxDepth}`, { nodes: [operation], extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
          );
        }
      },
    };
  };
}
