import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
} from "graphql";

/*
 * How long an anonymous answer to an operation may be reused (gateway/response-cache.ts), from the
 * cache hints of gateway/cache-hints.ts, the way Apollo's @cacheControl combines them:
 *
 * - every root field, and every field returning an object, interface or union, needs a hint: its
 *   own (`Type.field`), else its return type's. One without makes the operation uncacheable;
 * - a field returning a scalar or an enum needs none (it is as fresh as the object holding it),
 *   but its own hint counts when it has one;
 * - the operation's max-age is the smallest hint met, capped by the bound; a hint of 0, an operation
 *   with no hint at all, or a bound of 0 make it uncacheable. Only queries are ever cacheable.
 *
 * Fragments count wherever they are spread; `@skip`/`@include` are ignored, so a field that might
 * be skipped still counts (the answer errs on the fresh side).
 */

export interface CacheHints {
  /** Seconds, by the name of the type the field returns. */
  types: Readonly<Record<string, number>>;
  /** Seconds, as `Type.field`: wins over the type's. */
  fields: Readonly<Record<string, number>>;
}

/** Seconds an anonymous answer to `operation` (of a validated `document`) may be reused: 0 when never. */
export function operationMaxAge(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  hints: CacheHints,
  boundSeconds: number,
): number {
  const root = schema.getQueryType();
  if (operation.operation !== "query" || !root || boundSeconds <= 0) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);

  let maxAge = boundSeconds;
  let hinted = false;
  /** False as soon as a field that needs a hint has none. */
  const cacheable = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, atRoot: boolean): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        return fragment !== undefined && isCompositeType(type) && cacheable(fragment.selectionSet, type, atRoot);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        return isCompositeType(type) && cacheable(selection.selectionSet, type, atRoot);
      }
      const name = selection.name.value;
      // A type's name is the same for everyone: it neither needs nor sets a hint.
      if (name === "__typename") return true;
      // Anything else not in the type (introspection's __schema and __type) has no hint.
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
      if (!field) return false;
      const type = getNamedType(field.type);
      const hint = hints.fields[`${parent.name}.${name}`] ?? (isCompositeType(type) ? hints.types[type.name] : undefined);
      if (hint === undefined) {
        if (atRoot || isCompositeType(type)) return false;
      } else {
        maxAge = Math.min(maxAge, hint);
        hinted = true;
      }
      return !selection.selectionSet || !isCompositeType(type) || cacheable(selection.selectionSet, type, false);
    });

  return cacheable(operation.selectionSet, root, true) && hinted ? Math.max(0, maxAge) : 0;
}
