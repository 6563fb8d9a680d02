import { expect } from "vitest";
import type { GraphQLResponse } from "./graphql-client.js";

type Data = Record<string, unknown>;

/**
 * Asserts a refusal: exactly one error, its code, the field it names (or that it names none), and
 * no data for the operation. Returns the error for further checks of its message.
 */
export function refused(response: GraphQLResponse<Data>, code: string, field?: string) {
  expect(response.errors, JSON.stringify(response)).toHaveLength(1);
  const extensions = response.errors![0]!.extensions;
  expect(extensions).toMatchObject({ code });
  if (field === undefined) expect(extensions).not.toHaveProperty("field");
  else expect(extensions).toMatchObject({ field });
  for (const value of Object.values(response.data ?? {})) expect(value).toBeNull();
  return response.errors![0]!;
}
