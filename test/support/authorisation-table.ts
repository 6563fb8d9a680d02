import { ApolloGateway } from "@apollo/gateway";
import type { GraphQLObjectType } from "graphql";
import type { DataSource } from "typeorm";
import { readCommittedSupergraph } from "../../gateway/supergraph.js";
import type { GraphQLResponse } from "./graphql-client.js";

/*
 * What test/e2e/authorisation-table.test.ts needs to hold docs/security.md to the code: the
 * table read from the markdown, the root fields of the API schema it must list, what a response
 * says about authorisation, and the rows a refused mutation must leave as they were.
 */

/** What a cell promises: past authentication and authorisation (✓), or refused with this code. */
export type Expectation = "✓" | "UNAUTHENTICATED" | "FORBIDDEN";

export interface AuthorisationRow {
  /** The root field as a schema coordinate: `Query.agent`, `Mutation.registerAgent`. */
  operation: string;
  /** One expectation per caller column, by the column's heading. */
  cells: Record<string, Expectation>;
}

export interface AuthorisationTable {
  /** The caller columns, in the order the doc gives them. */
  columns: string[];
  rows: AuthorisationRow[];
}

/** A cell: its expectation, then any footnote references (`FORBIDDEN [^own]`), which qualify it without changing it. */
const CELL = /^(✓|UNAUTHENTICATED|FORBIDDEN)(?:\s*\[\^[\w-]+\])*$/;
const OPERATION = /^`((?:Query|Mutation)\.\w+)`$/;

const cellsOf = (line: string) =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((cell) => cell.trim());

/**
 * The first table after the heading `heading` (e.g. `## Who may call what`). Throws on any line it
 * cannot read, naming it: a cell the test cannot check is as wrong as one that does not hold.
 */
export function parseAuthorisationTable(markdown: string, heading: string): AuthorisationTable {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const first = lines.findIndex((line, i) => i > start && line.trim().startsWith("|"));
  if (first < 0) throw new Error(`no table after "${heading}"`);
  const end = lines.findIndex((line, i) => i > first && !line.trim().startsWith("|"));
  const [header, separator, ...body] = lines.slice(first, end < 0 ? undefined : end);
  const headings = cellsOf(header!);
  if (headings[0] !== "operation") throw new Error(`the table's first column must be "operation", not "${headings[0]}"`);
  if (!cellsOf(separator ?? "").every((cell) => /^:?-{3,}:?$/.test(cell))) throw new Error(`no separator row under ${header}`);
  const columns = headings.slice(1);
  const rows = body.map((line) => {
    const [name, ...values] = cellsOf(line);
    const operation = OPERATION.exec(name ?? "")?.[1];
    if (!operation) throw new Error(`"${name}" is not a root field written as \`Query.field\` or \`Mutation.field\`: ${line}`);
    if (values.length !== columns.length) throw new Error(`${operation} has ${values.length} cells for ${columns.length} columns`);
    const cells: Record<string, Expectation> = {};
    values.forEach((value, i) => {
      const expectation = CELL.exec(value)?.[1];
      if (!expectation) throw new Error(`${operation} × ${columns[i]}: "${value}" is none of ✓, UNAUTHENTICATED, FORBIDDEN`);
      cells[columns[i]!] = expectation as Expectation;
    });
    return { operation, cells };
  });
  return { columns, rows };
}

/** Every Query and Mutation field of the API schema the committed supergraph gives clients (`@inaccessible` ones left out), as schema coordinates. */
export async function apiRootFields(): Promise<string[]> {
  const gateway = new ApolloGateway({ supergraphSdl: await readCommittedSupergraph() });
  const { schema } = await gateway.load();
  await gateway.stop();
  const fieldsOf = (type: GraphQLObjectType | null | undefined) =>
    type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [];
  return [...fieldsOf(schema.getQueryType()), ...fieldsOf(schema.getMutationType())];
}

const REFUSALS = new Set(["UNAUTHENTICATED", "FORBIDDEN"]);
/** Codes saying the document or its variables never reached a resolver: a sample that proves nothing. */
const NOT_RUN = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "OPERATION_RESOLUTION_FAILURE", "BAD_REQUEST"]);

const codesOf = (response: GraphQLResponse<unknown>) => (response.errors ?? []).map((error) => String(error.extensions?.code));

/**
 * Why `response` breaks the cell's promise, or null when it keeps it. ✓: no error is a refusal
 * (it may still be NOT_FOUND, CONFLICT, …), and the request ran at all. A code: the first error
 * has it.
 */
export function brokenPromise(expected: Expectation, response: GraphQLResponse<unknown>): string | null {
  const codes = codesOf(response);
  if (codes.some((code) => NOT_RUN.has(code))) return `the sample did not run: ${JSON.stringify(response.errors)}`;
  if (expected === "✓") {
    return codes.some((code) => REFUSALS.has(code)) ? `refused: ${JSON.stringify(response.errors)}` : null;
  }
  return codes[0] === expected ? null : `expected ${expected}, got ${JSON.stringify(response.errors ?? response.data)}`;
}

/** The codes of the response's errors, or "ok": what an allowed call answered. */
export function answerOf(response: GraphQLResponse<unknown>): string {
  const codes = codesOf(response);
  return codes.length === 0 ? "ok" : codes.join(",");
}

/**
 * Every row of every table the entities map (views left out), but those in `unwatched`, each
 * table's rows serialised and sorted: equal snapshots before and after a refused call show it
 * wrote nothing, even in a transaction it failed to roll back.
 */
export async function snapshotTables(dataSource: DataSource, unwatched: readonly string[]): Promise<Record<string, string[]>> {
  const tables = [...new Set(dataSource.entityMetadatas.filter((m) => m.tableType !== "view").map((m) => m.tableName))].filter(
    (table) => !unwatched.includes(table),
  );
  const snapshot: Record<string, string[]> = {};
  for (const table of tables.sort()) {
    const rows: Record<string, unknown>[] = await dataSource.query(`SELECT * FROM ${table}`);
    snapshot[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return snapshot;
}
