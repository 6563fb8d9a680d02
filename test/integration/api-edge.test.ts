import { Writable } from "node:stream";
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { auditServer } from "graphql-http";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { createLogger, log } from "../../lib/platform/logger.js";
import { ADOPT_PACT, FILE_DISPUTE, REGISTER_AGENT, SEARCH_AGENTS, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { useTestSystem } from "../support/system.js";

/**
 * The gateway as clients this project did not write meet it: malformed values and operations,
 * persisted queries, the GraphQL-over-HTTP audit suite, and a standard client (docs/api.md).
 */

/** Error lines the process's logger and its per-request children write while a test runs. */
function captureErrorLogs() {
  const lines: Record<string, unknown>[] = [];
  const capturing = createLogger(
    new Writable({
      write(chunk, _encoding, done) {
        const line = JSON.parse(String(chunk)) as Record<string, unknown>;
        if (line.level === "error" || line.level === "fatal") lines.push(line);
        done();
      },
    }),
  );
  const spies: MockInstance[] = [
    vi.spyOn(log, "child").mockImplementation((bindings) => capturing.child(bindings)),
    vi.spyOn(log, "error").mockImplementation(((...args: Parameters<typeof log.error>) => capturing.error(...args)) as typeof log.error),
  ];
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

const DAY = "2026-01-05T10:00:00Z";

describe("the gateway's edge", () => {
  const system = useTestSystem("sqlite");
  let builder: Record<string, string>;
  let buyer: Record<string, string>;
  let agentId: string;
  let pactId: string;
  let errorLogs: ReturnType<typeof captureErrorLogs>;

  beforeAll(async () => {
    builder = await bearer("builder", "alice");
    buyer = await bearer("buyer", "bob");
    const registered = await postGraphQL<any>(
      system.gatewayUrl,
      REGISTER_AGENT,
      { input: { name: "Edge Sentinel", description: "Triage for the edge tests", domains: ["ALERT_TRIAGE"] } },
      builder,
    );
    agentId = dataOf(registered).registerAgent.id;
    pactId = dataOf(await postGraphQL<any>(system.gatewayUrl, ADOPT_PACT, { agentId, template: "alert-triage" }, builder)).adoptPactTemplate
      .id;
  });
  beforeEach(() => {
    errorLogs = captureErrorLogs();
  });
  afterEach(() => errorLogs.restore());

  const rows = async (table: string) => Number((await system.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  describe("scalar values a subgraph would refuse, which answered INTERNAL_SERVER_ERROR", () => {
    const dispute = (occurredAt: unknown) => ({ agentId, statement: "It closed a real intrusion as benign.", occurredAt });
    const literal = (value: string) =>
      `mutation { fileDispute(input: { agentId: "${agentId}", statement: "It closed a real intrusion as benign.", occurredAt: ${value} }) { id } }`;

    it.each([
      ['"yesterday"', "yesterday"],
      ['"2026-02-30T00:00:00Z"', "2026-02-30T00:00:00Z"],
      ['""', ""],
      ["1e20", 1e20],
    ])(
      "refuses fileDispute's occurredAt %s, inline or as a variable, as BAD_USER_INPUT naming input.occurredAt, writing nothing",
      async (inline, value) => {
        const before = await rows("disputes");

        const asLiteral = await postGraphQL(system.gatewayUrl, literal(inline), {}, buyer);
        const asVariable = await postGraphQL(system.gatewayUrl, FILE_DISPUTE, { input: dispute(value) }, buyer);

        for (const response of [asLiteral, asVariable]) {
          expect(response.status, JSON.stringify(response)).toBe(400);
          expect(response.data).toBeUndefined();
          expect(response.errors).toHaveLength(1);
          expect(response.errors![0]!.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.occurredAt" });
          expect(response.errors![0]!.message).toMatch(/DateTime cannot represent/);
        }
        expect(await rows("disputes")).toBe(before);
        expect(errorLogs.lines).toEqual([]);
      },
    );

    it("refuses an evaluation case whose input is a string instead of an object, naming the case, writing nothing", async () => {
      const cases = triageCases(2);
      const before = await rows("evaluation_runs");
      const bad = { ...cases[1]!, input: "the alert, as text" };

      const asVariable = await postGraphQL(system.gatewayUrl, SUBMIT_RUN, { input: { agentId, pactId, cases: [cases[0], bad] } }, builder);
      const asLiteral = await postGraphQL(
        system.gatewayUrl,
        `mutation { submitEvaluationRun(input: { agentId: "${agentId}", pactId: "${pactId}", cases: [{ caseId: "c1", input: "text", expected: {}, output: {} }] }) { id } }`,
        {},
        builder,
      );

      expect(asVariable.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.cases[1].input" });
      expect(asVariable.errors?.[0]?.message).toContain("JSONObject cannot represent non-object value");
      expect(asLiteral.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.cases[0].input" });
      expect([asVariable.status, asLiteral.status]).toEqual([400, 400]);
      expect(await rows("evaluation_runs")).toBe(before);
      expect(errorLogs.lines).toEqual([]);
    });

    it("still files a dispute with a good date, which reaches the subgraph as written", async () => {
      const response = await postGraphQL<any>(system.gatewayUrl, FILE_DISPUTE, { input: dispute(DAY) }, buyer);

      expect(dataOf(response).fileDispute).toMatchObject({ status: "OPEN", agent: { id: agentId } });
    });
  });

  describe("operations that cannot be chosen or run, which answered HTTP 500", () => {
    it.each([
      [
        "two named operations without operationName",
        { query: "query A { __typename } query B { __typename }" },
        "Must provide operation name if query contains multiple operations.",
        "OPERATION_RESOLUTION_FAILURE",
      ],
      [
        "an unknown operationName",
        { query: "query A { __typename }", operationName: "Nope" },
        'Unknown operation named "Nope".',
        "OPERATION_RESOLUTION_FAILURE",
      ],
      [
        "a subscription",
        { query: "subscription { __typename }" },
        "Schema is not configured to execute subscription operation.",
        "GRAPHQL_VALIDATION_FAILED",
      ],
    ])(
      "answers %s with graphql-js's message: 400, or 200 to a client that asked for application/json",
      async (_case, body, message, code) => {
        const ask = (accept: string) =>
          fetch(system.gatewayUrl, { method: "POST", headers: { "content-type": "application/json", accept }, body: JSON.stringify(body) });

        const strict = await ask("application/graphql-response+json");
        const legacy = await ask("application/json");

        expect(strict.status).toBe(400);
        expect(strict.headers.get("content-type")).toContain("application/graphql-response+json");
        expect(legacy.status).toBe(200);
        for (const answer of [await strict.json(), await legacy.json()]) {
          expect(answer.errors).toEqual([expect.objectContaining({ message, extensions: { code } })]);
          expect(answer).not.toHaveProperty("data");
        }
        expect(errorLogs.lines).toEqual([]);
      },
    );
  });

  describe("persisted queries", () => {
    const hash = "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38";

    it("answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, as clients of the protocol expect, with no token needed", async () => {
      const response = await fetch(system.gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      });

      expect(await response.json()).toEqual({
        errors: [{ message: "PersistedQueryNotFound", extensions: { code: "PERSISTED_QUERY_NOT_FOUND" } }],
      });
      expect(errorLogs.lines).toEqual([]);
    });

    it.each([
      [
        "a hash that does not match the query",
        { query: "{ __typename }", extensions: { persistedQuery: { version: 1, sha256Hash: hash } } },
        "provided sha does not match query",
      ],
      [
        "an unknown protocol version",
        { extensions: { persistedQuery: { version: 2, sha256Hash: hash } } },
        "Unsupported persisted query version",
      ],
    ])("answers %s with 400 BAD_REQUEST, not an internal error", async (_case, body, message) => {
      const response = await fetch(system.gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
      expect(errorLogs.lines).toEqual([]);
    });
  });

  describe("graphql-http's audit suite (GraphQL over HTTP)", () => {
    /**
     * The one deliberate deviation (docs/api.md): Apollo's CSRF guard refuses a GET that carries
     * neither a non-simple content type nor a preflight header, since a browser on any site could
     * send one. It fails the audit's three plain GETs, each a MAY (a notice).
     */
    const GET_WITHOUT_PREFLIGHT_HEADER = { "5A70": "notice", D6D5: "notice", "6A70": "notice" };

    const failing = (results: Awaited<ReturnType<typeof auditServer>>) =>
      Object.fromEntries(results.filter((result) => result.status !== "ok").map((result) => [result.id, result.status]));

    it("passes with no warning or error; its only exception is GET without a preflight header", async () => {
      const results = await auditServer({ url: system.gatewayUrl });

      expect(results.length).toBeGreaterThan(50);
      expect(failing(results)).toEqual(GET_WITHOUT_PREFLIGHT_HEADER);
    });

    it("passes entirely for a client that sends the preflight header on its GETs, as docs/api.md says to", async () => {
      const withPreflightHeader: typeof fetch = (input, init = {}) =>
        fetch(
          input,
          (init.method ?? "GET") === "GET"
            ? { ...init, headers: { ...(init.headers as Record<string, string>), "apollo-require-preflight": "true" } }
            : init,
        );

      const results = await auditServer({ url: system.gatewayUrl, fetchFn: withPreflightHeader });

      expect(failing(results)).toEqual({});
    });
  });

  describe("@urql/core 6 with its default exchanges", () => {
    const search = (client: Client) => client.query(SEARCH_AGENTS, { filter: { eligibleOnly: false }, first: 5 }).toPromise();

    it("fails as is: it sends short queries as GET, which the CSRF guard refuses", async () => {
      const client = new Client({ url: system.gatewayUrl, exchanges: [cacheExchange, fetchExchange] });

      const result = await search(client);

      expect(result.data).toBeUndefined();
      expect(result.error?.message).toContain("Cross-Site Request Forgery");
    });

    it.each([
      ["preferGetMethod: false (POST, as docs/api.md recommends)", { preferGetMethod: false as const }],
      ["the apollo-require-preflight header on its GETs", { fetchOptions: { headers: { "apollo-require-preflight": "true" } } }],
    ])("runs the buyer search with %s", async (_how, options) => {
      const client = new Client({ url: system.gatewayUrl, exchanges: [cacheExchange, fetchExchange], ...options });

      const result = await search(client);

      expect(result.error).toBeUndefined();
      expect(result.data.searchAgents.edges.map((edge: any) => edge.node.id)).toContain(agentId);
    });
  });
});
