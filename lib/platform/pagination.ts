// Decorators below read design-time metadata; load the polyfill before any of them runs.
import "reflect-metadata";
import { Directive, Field, ObjectType, type ClassType } from "type-graphql";
import { BadUserInputError } from "./errors.js";

/** Relay-style page information; shareable because every subgraph that paginates declares it. */
@Directive("@shareable")
@ObjectType({ description: "Where a page sits in a cursor-paginated list." })
export class PageInfo {
  @Field(() => Boolean, { description: "Whether more items follow this page." })
  hasNextPage: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the last item of this page; pass it as `after` for the next page." })
  endCursor: string | null;
}

/** Opaque cursor: base64url of a JSON tuple, so clients cannot depend on its content. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

export function decodeCursor<T extends readonly (string | number)[]>(
  cursor: string,
  field: string,
  check: (values: unknown[]) => values is unknown[] & T,
): T {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new BadUserInputError(field, "is not a cursor returned by this API");
  }
  if (!Array.isArray(values) || !check(values)) throw new BadUserInputError(field, "is not a cursor returned by this API");
  return values;
}

/** The cursor of an item in a list ordered by a time, then by id: the time in ms and the id. */
export type TimeCursor = [at: number, id: string];
/** Largest timestamp a Date can hold; a larger one would be an Invalid Date each engine reads its own way. */
const MAX_DATE_MS = 8.64e15;
export const isTimeCursor = (values: unknown[]): values is TimeCursor =>
  values.length === 2 && Number.isSafeInteger(values[0]) && Math.abs(values[0] as number) <= MAX_DATE_MS && typeof values[1] === "string";

/** A page of the first `size` rows, read with one more to tell whether another page follows. */
export function pageOf<T, N = T>(
  rows: readonly T[],
  size: number,
  cursorOf: (row: T) => readonly (string | number)[],
  nodeOf: (row: T) => N = (row) => row as unknown as N,
) {
  const edges = rows.slice(0, size).map((row) => ({ cursor: encodeCursor(cursorOf(row)), node: nodeOf(row) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** Validates `first`: 1..max, defaulting when absent. */
export function pageSize(first: number | null | undefined, fallback = 20, max = 100): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 1 || first > max) throw new BadUserInputError("first", `must be between 1 and ${max}`);
  return first;
}

/** A cursor page of one of an agent's histories, newest first, named after what it holds. */
export function historyPage<T extends object>(
  node: ClassType<T>,
  names: { edge: string; connection: string },
  what: { item: string; items: string },
) {
  @ObjectType(names.edge, { description: `One ${what.item}.` })
  class Edge {
    @Field(() => String, { description: "Opaque cursor of this item; pass as `after` to continue after it." })
    cursor: string;

    @Field(() => node, { description: `The ${what.item}.` })
    node: T;
  }

  @ObjectType(names.connection, { description: `A page of ${what.items}, newest first.` })
  class Connection {
    @Field(() => [Edge], { description: "The items on this page." })
    edges: Edge[];

    @Field(() => PageInfo, { description: "Whether another page follows." })
    pageInfo: PageInfo;
  }
  return Connection;
}
