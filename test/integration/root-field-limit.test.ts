import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "../../gateway/index.js";
import { readCommittedSupergraph } from "../../gateway/supergraph.js";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { TEST_SECRETS, postGraphQL } from "../support/graphql-client.js";

/*
 * The gateway's operation limits count every selection, `__typename` included. Every operation
 * below is refused in validation or answered by the gateway itself, so no subgraph runs: their URL
 * points at a port nothing listens on, and a call would fail the accepted cases.
 */
describe("the gateway's limits with MAX_ROOT_FIELDS=10 and MAX_QUERY_FIELDS=20", () => {
  let gateway: RunningServer;
  beforeAll(async () => {
    const nowhere = "http://127.0.0.1:9/graphql";
    gateway = await startGateway({
      config: loadConfig({ PORT: "0", MAX_ROOT_FIELDS: "10", MAX_QUERY_FIELDS: "20" }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: nowhere, pacts: nowhere, reputation: nowhere, disputes: nowhere },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const typenames = (count: number) => Array.from({ length: count }, (_, i) => `t${i}: __typename`).join(" ");

  it("refuses 600 aliased root __typename selections", async () => {
    const response = await postGraphQL(gateway.url, `{ ${typenames(600)} }`);

    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      // 600 fields are over the field limit as well.
      expect.objectContaining({
        message: "Operation selects 600 fields; the limit is 20",
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      }),
      expect.objectContaining({
        message: "Operation asks for 600 top-level fields; the limit is 10",
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      }),
    ]);
  });

  it("refuses root __typename selections spread from fragments", async () => {
    const response = await postGraphQL(gateway.url, `{ ...A ...A ... on Query { c: __typename } } fragment A on Query { ${typenames(5)} }`);

    expect(response.errors?.map((error) => error.message)).toEqual(["Operation asks for 11 top-level fields; the limit is 10"]);
  });

  it("refuses introspection nested deeper than explorers need, and answers the explorers' own query", async () => {
    const nested = await postGraphQL(
      gateway.url,
      "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }",
    );
    const explorers = await postGraphQL(gateway.url, getIntrospectionQuery());

    expect(nested.data).toBeUndefined();
    expect(nested.errors).toEqual([
      expect.objectContaining({ message: "Maximum introspection depth exceeded", extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
    ]);
    expect(explorers.errors).toBeUndefined();
    expect((explorers.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(50);
  });

  it("answers 10 root __typename selections, the limit", async () => {
    const response = await postGraphQL(gateway.url, `{ ${typenames(10)} }`);

    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${i}`, "Query"])));
  });

  it("counts __typename below the root towards the field limit", async () => {
    const response = await postGraphQL(gateway.url, `{ agent(id: "x") { id ${typenames(19)} } }`);

    expect(response.errors).toEqual([
      expect.objectContaining({
        message: "Operation selects 21 fields; the limit is 20",
        extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
      }),
    ]);
  });
});
