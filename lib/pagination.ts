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

export function decodeCursor<T extends readonly (string | number)[]>(cursor: string, field: string, check: (values: unknown[]) => values is unknown[] & T): T {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new BadUserInputError(field, "is not a cursor returned by this API");
  }
  if (!Array.isArray(values) || !check(values)) throw new BadUserInputError(field, "is not a cursor returned by this API");
  return values;
}

/** Validates `first`: 1..max, defaulting when absent. */
export function pageSize(first: number | null | undefined, fallback = 20, max = 100): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 1 || first > max) throw new BadUserInputError("first", `must be between 1 and ${max}`);
  return first;
}

/** A cursor page of one of an agent's histories, newest first, named after what it holds. */
export function historyPage<T extends object>(node: ClassType<T>, names: { edge: string; connection: string }, what: { item: string; items: string }) {
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
