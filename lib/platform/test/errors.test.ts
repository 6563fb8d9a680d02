import { GraphQLError, type GraphQLFormattedError, type GraphQLScalarType, buildSchema, locatedError, parse, validate } from "graphql";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { QueryFailedError } from "typeorm";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  fieldOfVariableError,
  formatError,
} from "../errors.js";
import { log } from "../logger.js";

const path = ["registerAgent"];

/** What Apollo hands `formatError` for an error thrown in a resolver: the located error and its
 * formatted form, here with the stack trace Apollo adds when stack traces are switched on. */
function asApolloWould(original: Error, code: string): { formatted: GraphQLFormattedError; error: GraphQLError } {
  const error = locatedError(original, undefined, path);
  const formatted: GraphQLFormattedError = {
    message: error.message,
    path,
    extensions: {
      ...error.extensions,
      code: typeof error.extensions.code === "string" ? error.extensions.code : code,
      stacktrace: String(original.stack).split("\n"),
    },
  };
  return { formatted, error };
}

describe("formatError", () => {
  let consoleError: MockInstance<typeof log.error>;
  beforeEach(() => {
    // Internal errors are logged server-side; keep that out of the test output but check it happens.
    consoleError = vi.spyOn(log, "error").mockImplementation(() => {});
  });
  afterEach(() => consoleError.mockRestore());

  it.each([
    ["BAD_USER_INPUT", new BadUserInputError("input.name", "must not be empty")],
    ["UNAUTHENTICATED", new UnauthenticatedError()],
    ["FORBIDDEN", new ForbiddenError("Only the agent's owner can do that")],
    ["NOT_FOUND", new NotFoundError("agentId", "agent", "a-1")],
    ["CONFLICT", new ConflictError("input.name", "taken")],
  ])("passes a deliberate %s error through with its message, without the stack trace", (code, original) => {
    const { formatted, error } = asApolloWould(original, code);

    const result = formatError(formatted, error);

    expect(result.message).toBe(original.message);
    expect(result.extensions?.code).toBe(code);
    expect(result.extensions).not.toHaveProperty("stacktrace");
    expect(result.path).toEqual(path);
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("keeps the field a BAD_USER_INPUT error names", () => {
    const { formatted, error } = asApolloWould(new BadUserInputError("input.cases[2].caseId", "repeats"), "BAD_USER_INPUT");

    expect(formatError(formatted, error).extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.cases[2].caseId" });
  });

  it("masks a programming error as INTERNAL_SERVER_ERROR, with none of its text, and logs it", () => {
    const { formatted, error } = asApolloWould(
      new TypeError("Cannot read properties of undefined (reading 'ownerId')"),
      "INTERNAL_SERVER_ERROR",
    );

    const result = formatError(formatted, error);

    expect(result).toEqual({ message: "Internal server error", path, locations: undefined, extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(consoleError).toHaveBeenCalledOnce();
  });

  it("masks a database error, leaking neither SQL, driver text nor stack trace", () => {
    const driverError = Object.assign(new Error("Duplicate entry 'alice-Sentinel' for key 'uq_agents_owner_name'"), {
      code: "ER_DUP_ENTRY",
    });
    const original = new QueryFailedError("INSERT INTO `agents`(`id`, `name`) VALUES (?, ?)", ["a-1", "Sentinel"], driverError);
    const { formatted, error } = asApolloWould(original, "INTERNAL_SERVER_ERROR");

    const result = formatError(formatted, error);

    expect(result.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(JSON.stringify(result)).not.toMatch(/INSERT|agents|Duplicate|ER_DUP_ENTRY|Sentinel|stacktrace|\.ts/);
  });

  it("masks a plain error that claims a client-facing code, since only GraphQL errors are deliberate", () => {
    const original = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:3306"), { extensions: { code: "BAD_USER_INPUT" } });
    const { formatted, error } = asApolloWould(original, "INTERNAL_SERVER_ERROR");

    const result = formatError(formatted, error);

    expect(result.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(result.message).toBe("Internal server error");
  });

  it("shows request errors raised by graphql-js itself, minus their stack trace", () => {
    const original = new GraphQLError('Cannot query field "nope" on type "Query".', { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    const formatted: GraphQLFormattedError = {
      message: original.message,
      extensions: { code: "GRAPHQL_VALIDATION_FAILED", stacktrace: ["GraphQLError: …"] },
    };

    expect(formatError(formatted, original)).toEqual({ message: original.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
  });
});

describe("fieldOfVariableError", () => {
  it.each([
    [
      'Variable "$input" got invalid value "NOPE" at "input.domains[0]"; Value "NOPE" does not exist in "AgentDomain" enum.',
      "input.domains[0]",
    ],
    [
      'Variable "$input" got invalid value { name: "x" }; Field "description" of required type "String!" was not provided.',
      "input.description",
    ],
    ['Variable "$first" got invalid value "ten"; Int cannot represent non-integer value: "ten"', "first"],
    ['Cannot query field "nope" on type "Query".', undefined],
  ])("reads %s as %s", (message, field) => {
    expect(fieldOfVariableError(message)).toBe(field);
  });
});

describe("formatError and subgraph HTTP failures", () => {
  it("masks a subgraph's HTTP 401 as an internal error, without the subgraph's URL", () => {
    const consoleError = vi.spyOn(log, "error").mockImplementation(() => {});
    const original = new GraphQLError("401: Unauthorized", {
      extensions: {
        code: "UNAUTHENTICATED",
        response: { url: "http://127.0.0.1:4003/graphql", status: 401, statusText: "Unauthorized", body: {} },
      },
    });
    const formatted: GraphQLFormattedError = { message: original.message, extensions: original.extensions };

    const result = formatError(formatted, original);

    expect(result).toEqual({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(consoleError).toHaveBeenCalled();
    consoleError.mockRestore();
  });
});

describe("formatError and request errors that arrive without a fitting code", () => {
  let consoleError: MockInstance<typeof log.error>;
  beforeEach(() => {
    consoleError = vi.spyOn(log, "error").mockImplementation(() => {});
  });
  afterEach(() => consoleError.mockRestore());

  it("shows a literal argument its scalar refused as BAD_USER_INPUT naming the argument path", () => {
    const schema = buildSchema("scalar DateTimeISO input In { at: DateTimeISO } type Query { ok(input: In): Boolean }");
    (schema.getType("DateTimeISO") as GraphQLScalarType).parseLiteral = GraphQLDateTimeISO.parseLiteral;
    const [refused] = validate(schema, parse('{ ok(input: { at: "yesterday" }) }'));
    // As Apollo hands it over: its ValidationError keeps the nodes and sets the code.
    const error = new GraphQLError(refused!.message, { nodes: refused!.nodes, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });
    const formatted: GraphQLFormattedError = {
      message: error.message,
      locations: error.locations,
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    };

    const result = formatError(formatted, error);

    expect(result.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.at" });
    expect(result.message).toBe("input.at: DateTime cannot represent an invalid date-time-string yesterday.");
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("keeps GRAPHQL_VALIDATION_FAILED for a mistake in the document itself", () => {
    const schema = buildSchema("type Query { ok: Boolean }");
    const [refused] = validate(schema, parse("{ nope }"));
    const error = new GraphQLError(refused!.message, { nodes: refused!.nodes, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } });

    expect(formatError({ message: error.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }, error).extensions).toEqual({
      code: "GRAPHQL_VALIDATION_FAILED",
    });
  });

  it("shows Apollo's own uncoded refusal of a malformed request (HTTP 4xx) as BAD_REQUEST, without logging it", () => {
    const error = new GraphQLError("provided sha does not match query", { extensions: { http: { status: 400 } } });

    const result = formatError({ message: error.message, extensions: { code: "INTERNAL_SERVER_ERROR" } }, error);

    expect(result).toEqual({ message: "provided sha does not match query", extensions: { code: "BAD_REQUEST" } });
    expect(consoleError).not.toHaveBeenCalled();
  });

  it("still masks an uncoded error that carries no client status", () => {
    const error = new GraphQLError("The schema has no subscription root", { extensions: {} });

    const result = formatError({ message: error.message, extensions: { code: "INTERNAL_SERVER_ERROR" } }, error);

    expect(result.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(consoleError).toHaveBeenCalledOnce();
  });
});
