import "reflect-metadata";
import { graphql, type GraphQLSchema } from "graphql";
import { Arg, Directive, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root } from "type-graphql";
import { beforeEach, describe, expect, it } from "vitest";
import { MAX_KEY_LENGTH, buildFederatedSchema } from "../federation.js";

/** Every reference and parent the resolvers below were handed: what would have reached a loader or SQL. */
const reached: unknown[] = [];

@Directive('@key(fields: "id")')
@ObjectType({ description: "An entity this subgraph owns, resolved by its reference resolver." })
class Widget {
  @Field(() => ID, { description: "Id." })
  id: string;
}

@Directive('@key(fields: "id")')
@Directive('@key(fields: "sku")')
@ObjectType({ description: "An entity another subgraph owns, extended here without a reference resolver; it has two keys." })
class Gadget {
  @Field(() => ID, { description: "Id." })
  id: string;

  @Field(() => String, { description: "Stock-keeping unit." })
  sku: string;
}

@ObjectType({ description: "Not an entity." })
class Plain {
  @Field(() => ID, { description: "Id." })
  id: string;
}

@Resolver(() => Gadget)
class GadgetResolver {
  @Query(() => Widget, { description: "A widget." })
  widget(@Arg("id", () => ID, { description: "Id." }) id: string): Widget {
    return { id };
  }

  @Query(() => Gadget, { description: "A gadget." })
  gadget(): Gadget {
    return { id: "g", sku: "S-0" };
  }

  @Query(() => Plain, { description: "A plain object." })
  plain(): Plain {
    return { id: "p" };
  }

  @FieldResolver(() => Int, { description: "Loaded from the parent, as a stub's fields are." })
  stock(@Root() gadget: Gadget): number {
    reached.push(gadget);
    return 1;
  }
}

const references = {
  Widget: {
    __resolveReference: (reference: { id: string }) => {
      reached.push(reference);
      return { id: reference.id };
    },
  },
};

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { __typename ... on Widget { id } ... on Gadget { stock } }
}`;

describe("_entities representations", async () => {
  const schema: GraphQLSchema = await buildFederatedSchema({ resolvers: [GadgetResolver] }, references);
  const entities = (representations: unknown[]) => graphql({ schema, source: ENTITIES, variableValues: { representations } });

  beforeEach(() => {
    reached.length = 0;
  });

  /** The one error `representations` gets, after checking that nothing was resolved. */
  async function refusal(representations: unknown[]) {
    const result = await entities(representations);
    expect(reached).toEqual([]);
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    return { message: result.errors![0]!.message, extensions: result.errors![0]!.extensions };
  }

  it("lets valid representations through to the resolvers, in order", async () => {
    const longest = "w".repeat(MAX_KEY_LENGTH);

    const result = await entities([
      { __typename: "Widget", id: "w1" },
      { __typename: "Gadget", id: "g1", sku: "S-1" },
      { __typename: "Widget", id: longest, extra: { any: "thing" } },
    ]);

    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { __typename: "Widget", id: "w1" },
      { __typename: "Gadget", stock: 1 },
      { __typename: "Widget", id: longest },
    ]);
    expect(reached).toHaveLength(3);
  });

  it("accepts a representation carrying any one of its type's keys", async () => {
    const result = await entities([
      { __typename: "Gadget", sku: "S-1" },
      { __typename: "Gadget", id: "g1" },
    ]);

    expect(result.errors).toBeUndefined();
    expect(reached).toEqual([
      { __typename: "Gadget", sku: "S-1" },
      { __typename: "Gadget", id: "g1" },
    ]);
  });

  it("refuses a type the subgraph does not have, naming the representation and the types it has", async () => {
    expect(
      await refusal([
        { __typename: "Widget", id: "w1" },
        { __typename: "Nope", id: "x" },
      ]),
    ).toEqual({
      message: 'representations[1].__typename: "Nope" is not an entity type of this subgraph (Gadget, Widget)',
      extensions: { code: "BAD_USER_INPUT", field: "representations[1].__typename", fields: ["representations[1].__typename"] },
    });
  });

  it("refuses a type that is in the schema but is no entity, and a missing or non-string __typename", async () => {
    for (const typename of ["Plain", "Query", "_Service", undefined, 42, { name: "Widget" }]) {
      const { extensions } = await refusal([{ __typename: typename, id: "x" }]);
      expect({ typename, field: extensions.field }).toEqual({ typename, field: "representations[0].__typename" });
    }
  });

  it("does not echo a long __typename", async () => {
    const { message } = await refusal([{ __typename: "N".repeat(10_000), id: "x" }]);

    expect(message).toBe("representations[0].__typename: must be an entity type of this subgraph (Gadget, Widget)");
  });

  it("refuses a representation without its key, or with a null one", async () => {
    expect(await refusal([{ __typename: "Widget" }])).toEqual({
      message: "representations[0].id: is required, the key of Widget",
      extensions: { code: "BAD_USER_INPUT", field: "representations[0].id", fields: ["representations[0].id"] },
    });
    expect((await refusal([{ __typename: "Widget", id: null }])).extensions.field).toBe("representations[0].id");
  });

  it("refuses a key that is no non-empty string of bounded length", async () => {
    for (const id of [{ x: 1 }, ["w1"], 7, true, "", "w".repeat(MAX_KEY_LENGTH + 1)]) {
      const { message, extensions } = await refusal([
        { __typename: "Widget", id: "w1" },
        { __typename: "Widget", id },
      ]);
      expect({ id, message, field: extensions.field }).toEqual({
        id,
        message: `representations[1].id: must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
        field: "representations[1].id",
      });
    }
  });

  it("checks the keys of a type extended here without a reference resolver, before its fields run", async () => {
    const { extensions } = await refusal([{ __typename: "Gadget", id: { x: 1 } }]);

    expect(extensions.field).toBe("representations[0].id");
  });

  it("names the first key's fields when a representation matches none of its type's keys", async () => {
    expect((await refusal([{ __typename: "Gadget", sku: "" }])).extensions.fields).toEqual(["representations[0].id"]);
  });

  it("refuses a representation that is no object", async () => {
    for (const representation of ["Widget", 1, ["Widget", "w1"]]) {
      const { message } = await refusal([representation]);
      expect({ representation, message }).toEqual({
        representation,
        message: "representations[0]: must be an object with __typename and the fields of its key",
      });
    }
  });

  it("refuses a representation written inline in the query", async () => {
    const result = await graphql({
      schema,
      source: '{ _entities(representations: [{ __typename: "Widget", id: { x: 1 } }]) { __typename } }',
    });

    expect(reached).toEqual([]);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "representations[0].id" });
  });

  it("names every bad representation, the first few in full", async () => {
    const bad = Array.from({ length: 12 }, () => ({ __typename: "Widget" }));

    const { message, extensions } = await refusal([{ __typename: "Nope" }, { __typename: "Widget", id: "w1" }, ...bad]);

    expect(extensions.field).toBe("representations[0].__typename");
    expect(extensions.fields).toEqual([
      "representations[0].__typename",
      ...Array.from({ length: 9 }, (_, i) => `representations[${i + 2}].id`),
    ]);
    expect(message).toMatch(
      /^representations\[0\]\.__typename: "Nope" is not .*; representations\[10\]\.id: is required, the key of Widget; and 3 more$/,
    );
  });

  it("leaves the rest of the schema alone", async () => {
    const result = await graphql({ schema, source: '{ widget(id: "w1") { id } plain { id } }' });

    expect(result).toEqual({ data: { widget: { id: "w1" }, plain: { id: "p" } } });
  });
});

describe("entity keys the check does not cover", () => {
  @Directive('@key(fields: "serial")')
  @ObjectType({ description: "Keyed by a number." })
  class Numbered {
    @Field(() => Int, { description: "Serial number." })
    serial: number;
  }

  @Resolver()
  class NumberedResolver {
    @Query(() => Numbered, { description: "One." })
    numbered(): Numbered {
      return { serial: 1 };
    }
  }

  it("fail the build, rather than every representation at run time", async () => {
    await expect(buildFederatedSchema({ resolvers: [NumberedResolver] })).rejects.toThrow(
      "@key of Numbered: only ID and String fields can be checked as keys, not `serial`",
    );
  });
});
