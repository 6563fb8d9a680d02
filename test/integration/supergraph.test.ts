import { ApolloGateway } from "@apollo/gateway";
import { isEnumType, isInputObjectType, isObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { readCommittedSupergraph } from "../../gateway/supergraph.js";
import { composeSupergraph } from "../../runtime/compose.js";

describe("the committed supergraph", () => {
  it("matches what the subgraphs compose to today (run `npm run compose` when this fails)", async () => {
    expect(await readCommittedSupergraph()).toBe(await composeSupergraph());
  });

  it("describes every type, field, argument and enum value", async () => {
    // The API schema, as clients of the gateway see it.
    const gateway = new ApolloGateway({ supergraphSdl: await readCommittedSupergraph() });
    const { schema } = await gateway.load();
    await gateway.stop();
    const undocumented: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || ["String", "Int", "Float", "Boolean", "ID"].includes(type.name)) continue;
      // Root operation types carry no description in type-graphql; their fields do.
      if (!type.description && type !== schema.getQueryType() && type !== schema.getMutationType()) undocumented.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) undocumented.push(`${type.name}.${field.name}`);
          for (const arg of "args" in field ? field.args : [])
            if (!arg.description) undocumented.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) undocumented.push(`${type.name}.${value.name}`);
    }
    expect(undocumented).toEqual([]);
  });
});
