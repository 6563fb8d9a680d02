// pagination.ts declares a type-graphql object type; in the app TypeORM loads this polyfill first.
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../../test/support/thrown.js";
import { BadUserInputError } from "../errors.js";
import { decodeCursor, encodeCursor, isTimeCursor, pageOf, pageSize } from "../pagination.js";

type ScoreCursor = [number, string];
const isScoreCursor = (values: unknown[]): values is ScoreCursor =>
  values.length === 2 && typeof values[0] === "number" && typeof values[1] === "string";

/** The BadUserInputError `work` throws, failing the test when it does not throw one. */
const badInputOf = (work: () => unknown): BadUserInputError => thrownBy(work, BadUserInputError);

describe("cursors", () => {
  it("decode to the values they were encoded from", () => {
    const cursor = encodeCursor([880, "7d0f7a2e-1111-4c1e-9d1a-000000000001"]);

    expect(decodeCursor(cursor, "after", isScoreCursor)).toEqual([880, "7d0f7a2e-1111-4c1e-9d1a-000000000001"]);
  });

  it("are opaque, URL-safe text", () => {
    expect(encodeCursor([1000, "a/b+c?"])).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ["text that is not base64 JSON", "definitely not a cursor"],
    ["valid JSON that is not an array", Buffer.from('{"score":1}').toString("base64url")],
    ["an array of the wrong shape", encodeCursor(["880", 12])],
    ["an empty string", ""],
  ])("refuse %s as BAD_USER_INPUT naming the argument", (_label, cursor) => {
    const error = badInputOf(() => decodeCursor(cursor, "after", isScoreCursor));

    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    expect(error.message).toBe("after: is not a cursor returned by this API");
  });
});

describe("pageSize", () => {
  it("defaults when no size is asked for", () => {
    expect(pageSize(undefined)).toBe(20);
    expect(pageSize(null)).toBe(20);
    expect(pageSize(null, 5)).toBe(5);
  });

  it("accepts 1 up to the maximum", () => {
    expect(pageSize(1)).toBe(1);
    expect(pageSize(100)).toBe(100);
    expect(pageSize(10, 20, 10)).toBe(10);
  });

  it.each([0, -1, 101, 2.5, Number.NaN])("refuses %s as BAD_USER_INPUT on `first`", (first) => {
    const error = badInputOf(() => pageSize(first));

    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
    expect(error.message).toContain("must be between 1 and 100");
  });
});

describe("pageOf and time cursors", () => {
  const rows = [
    { id: "c", at: 30 },
    { id: "b", at: 20 },
    { id: "a", at: 10 },
  ];

  it("keeps the first `size` rows, says whether the extra one exists, and ends with the last cursor", () => {
    const page = pageOf(rows, 2, (row) => [row.at, row.id]);
    expect(page.edges.map((edge) => edge.node.id)).toEqual(["c", "b"]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor([20, "b"]) });
    expect(decodeCursor(page.pageInfo.endCursor!, "after", isTimeCursor)).toEqual([20, "b"]);
    expect(
      pageOf(
        rows,
        3,
        (row) => [row.at, row.id],
        (row) => row.id,
      ),
    ).toEqual({
      edges: rows.map((row) => ({ cursor: encodeCursor([row.at, row.id]), node: row.id })),
      pageInfo: { hasNextPage: false, endCursor: encodeCursor([10, "a"]) },
    });
    expect(pageOf([], 5, () => [])).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it("refuses time cursors a Date cannot hold or of the wrong shape", () => {
    expect(isTimeCursor([8.64e15, "x"])).toBe(true);
    for (const values of [
      [8.64e15 + 1, "x"],
      [1.5, "x"],
      ["1", "x"],
      [1, 2],
      [1, "x", 3],
    ])
      expect(isTimeCursor(values)).toBe(false);
  });
});
