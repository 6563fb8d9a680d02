// Decorators below read design-time metadata; load the polyfill before any of them runs.
import "reflect-metadata";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, type GraphQLSchema } from "graphql";
import { buildSchema, createResolversMap, type BuildSchemaOptions } from "type-graphql";
import { validateArgument } from "./validation.js";

const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

export type ReferenceResolvers = Record<string, { __resolveReference: (reference: { id: string }, context: never) => unknown }>;

/**
 * type-graphql classes -> Federation 2 subgraph schema. type-graphql cannot declare fields named
 * `__…`, so entity reference resolvers are merged into the resolver map here.
 */
export async function buildFederatedSchema(options: BuildSchemaOptions, references: ReferenceResolvers = {}): Promise<GraphQLSchema> {
  const schema = await buildSchema({ ...options, skipCheck: true, validateFn: validateArgument });
  const resolvers: Record<string, object> = { ...createResolversMap(schema) };
  for (const [typeName, reference] of Object.entries(references)) {
    resolvers[typeName] = { ...resolvers[typeName], ...reference };
  }
  type SubgraphModule = Exclude<Parameters<typeof buildSubgraphSchema>[0], unknown[]>;
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers: resolvers as Extract<SubgraphModule, { resolvers?: unknown }>["resolvers"],
  });
}
