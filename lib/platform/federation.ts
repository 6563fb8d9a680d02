// Decorators below read design-time metadata; load the polyfill before any of them runs.
import "reflect-metadata";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { Kind, isUnionType, parse, print, type DocumentNode, type GraphQLSchema, type TypeNode } from "graphql";
import { buildSchema, createResolversMap, type BuildSchemaOptions } from "type-graphql";
import { BadUserInputError } from "./errors.js";
import { validateArgument } from "./validation.js";

/**
 * `@inaccessible` keeps a field or type out of the gateway's public API while the gateway itself
 * may still call it on the subgraph (the partners subgraph's API key lookup).
 */
const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@inaccessible"])';

/**
 * The longest key value a representation may carry. Every id this system issues is a UUID (36
 * characters); the bound keeps a caller's megabyte string away from the loaders and SQL.
 */
export const MAX_KEY_LENGTH = 64;

/** Entity types' reference resolvers; each is handed only a representation `guardEntities` accepted. */
export type ReferenceResolvers = Record<string, { __resolveReference: (reference: { id: string }, context: never) => unknown }>;

/**
 * type-graphql classes -> Federation 2 subgraph schema. type-graphql cannot declare fields named
 * `__…`, so entity reference resolvers are merged into the resolver map here; and `_entities`
 * checks its representations before any of them runs (`guardEntities`).
 */
export async function buildFederatedSchema(options: BuildSchemaOptions, references: ReferenceResolvers = {}): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true, validateFn: validateArgument });
  const resolvers: Record<string, object> = { ...createResolversMap(schema) };
  for (const [typeName, reference] of Object.entries(references)) {
    resolvers[typeName] = { ...resolvers[typeName], ...reference };
  }
  type SubgraphModule = Exclude<Parameters<typeof buildSubgraphSchema>[0], unknown[]>;
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const subgraph = buildSubgraphSchema({
    typeDefs,
    resolvers: resolvers as Extract<SubgraphModule, { resolvers?: unknown }>["resolvers"],
  });
  guardEntities(subgraph, entityKeys(typeDefs));
  return subgraph;
}

/** Each entity type's keys, each as the names of its fields: `@key(fields: "id")` gives `[["id"]]`. */
type EntityKeys = Map<string, string[][]>;

const namedTypeOf = (type: TypeNode): string => (type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeOf(type.type));

/**
 * The `@key`s of the SDL the subgraph is built from. Only keys made of `ID` or `String` fields are
 * checked, which is every key this system has; a key of another shape fails the build here, rather
 * than have every representation of it refused at run time.
 */
function entityKeys(typeDefs: DocumentNode): EntityKeys {
  const keys: EntityKeys = new Map();
  for (const type of typeDefs.definitions) {
    if (type.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const directive of type.directives ?? []) {
      if (directive.name.value !== "key") continue;
      const argument = directive.arguments?.find((arg) => arg.name.value === "fields")?.value;
      if (argument?.kind !== Kind.STRING) throw new Error(`@key of ${type.name.value} names no fields`);
      const [selectionSet] = parse(`{ ${argument.value} }`).definitions;
      const fields: string[] = [];
      for (const selection of selectionSet?.kind === Kind.OPERATION_DEFINITION ? selectionSet.selectionSet.selections : []) {
        const field = selection.kind === Kind.FIELD ? type.fields?.find((f) => f.name.value === selection.name.value) : undefined;
        const fieldType = field ? namedTypeOf(field.type) : undefined;
        if (!field || selection.kind !== Kind.FIELD || selection.selectionSet || (fieldType !== "ID" && fieldType !== "String")) {
          throw new Error(`@key of ${type.name.value}: only ID and String fields can be checked as keys, not \`${print(selection)}\``);
        }
        fields.push(field.name.value);
      }
      keys.set(type.name.value, [...(keys.get(type.name.value) ?? []), fields]);
    }
  }
  return keys;
}

/** How many problems one refusal of `_entities` names. */
const MAX_PROBLEMS_NAMED = 10;

interface Problem {
  field: string;
  message: string;
}

const isKeyValue = (value: unknown) => typeof value === "string" && value.length > 0 && value.length <= MAX_KEY_LENGTH;

/**
 * What is wrong with one representation: it must be an object naming an entity type of this
 * subgraph, with every field of one of that type's keys a non-empty string of bounded length. When
 * it matches none of the type's keys, the problems named are those of its first.
 */
function problemsOf(representation: unknown, path: string, keys: EntityKeys, entityTypes: string): Problem[] {
  if (representation === null || typeof representation !== "object" || Array.isArray(representation)) {
    return [{ field: path, message: "must be an object with __typename and the fields of its key" }];
  }
  const fields = representation as Record<string, unknown>;
  const typeName = fields.__typename;
  const typeKeys = typeof typeName === "string" ? keys.get(typeName) : undefined;
  if (typeof typeName !== "string" || !typeKeys) {
    // The name is echoed only when short: the message must stay small whatever was sent.
    const named = typeof typeName === "string" && typeName.length <= MAX_KEY_LENGTH ? `${JSON.stringify(typeName)} is not` : "must be";
    return [{ field: `${path}.__typename`, message: `${named} an entity type of this subgraph (${entityTypes})` }];
  }
  let first: Problem[] | undefined;
  for (const key of typeKeys) {
    const problems = key
      .filter((name) => !isKeyValue(fields[name]))
      .map((name) => ({
        field: `${path}.${name}`,
        message:
          fields[name] === undefined || fields[name] === null
            ? `is required, the key of ${typeName}`
            : `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
      }));
    if (problems.length === 0) return [];
    first ??= problems;
  }
  return first ?? [];
}

/**
 * Wraps the `_entities` resolver so that it refuses malformed representations as one
 * BAD_USER_INPUT error naming each (`representations[2].id`) before any reference resolver,
 * loader or SQL statement runs. `_Any` accepts any value, and @apollo/subgraph's own resolver
 * throws a plain Error for an unknown `__typename` (an internal error) and hands everything else,
 * objects as ids included, to the reference resolvers, or, for a type extended here without one,
 * to its field resolvers as their parent.
 */
function guardEntities(schema: GraphQLSchema, keys: EntityKeys): void {
  const entities = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType("_Entity");
  if (!entities?.resolve || !isUnionType(union)) return;
  // The union's members are the types @apollo/subgraph resolves by reference; any other type
  // of the schema (`Query`, a type without a key) is no more a valid `__typename` than "Nope".
  const resolvable: EntityKeys = new Map(union.getTypes().map((type) => [type.name, keys.get(type.name) ?? []]));
  const entityTypes = [...resolvable.keys()].sort().join(", ");
  const resolve = entities.resolve;
  entities.resolve = (source, args: { representations: unknown[] }, context, info) => {
    const problems = args.representations.flatMap((representation, i) =>
      problemsOf(representation, `representations[${i}]`, resolvable, entityTypes),
    );
    const [firstProblem] = problems;
    if (firstProblem) {
      // A list of thousands of bad representations is named by its first few, so the answer stays small.
      const named = problems.slice(0, MAX_PROBLEMS_NAMED);
      const more = problems.length > named.length ? `; and ${problems.length - named.length} more` : "";
      throw new BadUserInputError(
        firstProblem.field,
        named.map((problem) => `${problem.field}: ${problem.message}`).join("; ") + more,
        named.map((problem) => problem.field),
      );
    }
    return resolve(source, args, context, info);
  };
}
