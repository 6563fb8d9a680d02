import { createHash } from "node:crypto";
/*
 * Canonical JSON: one byte string per value, so that a hash or a signature over it can be
 * recomputed by anyone from the value alone. Object keys sorted by UTF-16 code units (what
 * Array.prototype.sort does, and RFC 8785 asks), no whitespace, strings and numbers as
 * JSON.stringify writes them (RFC 8785's number form for every finite double). Only plain JSON
 * values: undefined, functions, non-finite numbers and anything but plain objects and arrays are
 * refused rather than silently dropped, since a dropped field would change what was signed.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The canonical text of `value`; throws TypeError on anything that is not plain JSON. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`;
  }
  throw new TypeError(
    `canonical JSON has no form for a ${typeof value === "object" ? (value?.constructor?.name ?? "object") : typeof value}`,
  );
}

/** `sha256:<hex>` of a value's canonical JSON: the digest anyone holding the value can recompute (pact contents, evidence). */
export function canonicalDigest(value: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(value), "utf8").digest("hex")}`;
}
