import { ApolloServer } from "@apollo/server";
import { buildSchema, execute, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatError } from "../errors.js";
import { graphqlOverHttp, knownOperationTypes, operationNotDetermined, preferredMediaType } from "../graphql-over-http.js";
import { serveGraphQL, type RunningServer } from "../http-server.js";

describe("preferredMediaType", () => {
  it.each([
    ["application/json", { mediaType: "application/json", named: true }],
    ["application/graphql-response+json", { mediaType: "application/graphql-response+json", named: true }],
    ["application/graphql-response+json, application/json", { mediaType: "application/graphql-response+json", named: true }],
    ["application/json, application/graphql-response+json", { mediaType: "application/json", named: true }],
    ["application/json;q=0.5, application/graphql-response+json", { mediaType: "application/graphql-response+json", named: true }],
    ["*/*", { mediaType: "application/json", named: false }],
    ["application/*", { mediaType: "application/json", named: false }],
    ["text/html, */*;q=0.8", { mediaType: "application/json", named: false }],
    ["text/html", undefined],
    ["application/json;q=0", undefined],
  ])("reads %s as %j", (accept, expected) => {
    expect(preferredMediaType(accept)).toEqual(expected);
  });
});

describe("operationNotDetermined", () => {
  const schema = buildSchema("type Query { a: Int }");

  it.each([
    ["two operations and no name", "query A { a } query B { a }", undefined],
    ["an unknown name", "query A { a }", "Z"],
    ["no operation at all", "fragment F on Query { a }", undefined],
  ])("words %s as graphql-js does", (_case, query, operationName) => {
    const document = parse(query);
    const graphqlJs = execute({ schema, document, operationName }) as unknown as { errors: { message: string }[] };

    const error = operationNotDetermined(document, operationName);

    expect(error.message).toBe(graphqlJs.errors[0]!.message);
    expect(error.extensions).toEqual({ code: "OPERATION_RESOLUTION_FAILURE", http: { status: 400 } });
  });
});

describe("knownOperationTypes", () => {
  const schema = buildSchema("type Query { a: Int } type Mutation { b: Int }");

  it("refuses an operation type the schema has no root for, in graphql-js's words", () => {
    const errors = validate(schema, parse("subscription { a }"), [knownOperationTypes]);

    expect(errors.map((error) => error.message)).toEqual(["Schema is not configured to execute subscription operation."]);
  });

  it("lets queries and mutations through", () => {
    expect(validate(schema, parse("query { a } mutation M { b }"), [knownOperationTypes])).toEqual([]);
  });
});

describe("graphqlOverHttp on a server", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const apollo = new ApolloServer({
      typeDefs: "type Query { ok(n: Int): Boolean }",
      resolvers: { Query: { ok: () => true } },
      formatError,
      plugins: [graphqlOverHttp],
      validationRules: [knownOperationTypes],
      stopOnTerminationSignals: false,
    });
    server = await serveGraphQL(apollo, { host: "127.0.0.1", port: 0, maxBodyBytes: 1024 * 1024, context: async () => ({}) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const post = async (body: unknown, accept?: string) => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(accept ? { accept } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as Record<string, any> };
  };

  const requestErrors: [string, unknown][] = [
    ["a document that does not parse", { query: "{" }],
    ["a document that fails validation", { query: "{ nope }" }],
    ["two operations without operationName", { query: "query A { ok } query B { ok }" }],
    ["an unknown operationName", { query: "query A { ok }", operationName: "Z" }],
    ["a subscription", { query: "subscription { ok }" }],
    ["a variable of the wrong type", { query: "query ($n: Int) { ok(n: $n) }", variables: { n: "x" } }],
  ];

  it.each(requestErrors)("answers %s with 400 to application/graphql-response+json, curl's */* and no Accept", async (_case, body) => {
    for (const accept of ["application/graphql-response+json", "*/*", undefined]) {
      const answer = await post(body, accept);
      expect(answer.status, accept).toBe(400);
      expect(answer.body.data, accept).toBeUndefined();
      expect(answer.body.errors[0].extensions.code, accept).not.toBe("INTERNAL_SERVER_ERROR");
    }
  });

  it.each(requestErrors)("answers %s with 200 and the errors to a client that named application/json", async (_case, body) => {
    const answer = await post(body, "application/json");

    expect(answer.status).toBe(200);
    expect(answer.type).toBe("application/json; charset=utf-8");
    expect(answer.body.errors[0].extensions.code).not.toBe("INTERNAL_SERVER_ERROR");
  });

  it("says which operation is missing in graphql-js's words, with its code", async () => {
    const answer = await post({ query: "query A { ok } query B { ok }" });

    expect(answer.body.errors).toEqual([
      {
        message: "Must provide operation name if query contains multiple operations.",
        extensions: { code: "OPERATION_RESOLUTION_FAILURE" },
      },
    ]);
  });

  it("keeps 400 for a request that is not a GraphQL request at all, whatever the client accepts", async () => {
    const answer = await post({ qeury: "{ ok }" }, "application/json");

    expect(answer.status).toBe(400);
  });
});
