import { describe, expect, it } from "vitest";
import { canonicalJson } from "../canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it("gives the same text for the same value whatever the key order it was built in", () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it("escapes strings as JSON does and writes numbers in their shortest form", () => {
    expect(canonicalJson({ "é\n": 'a"b', n: 1.5e-7, m: 100, k: -0.25 })).toBe('{"k":-0.25,"m":100,"n":1.5e-7,"é\\n":"a\\"b"}');
  });

  it("refuses what JSON cannot say rather than dropping it", () => {
    expect(() => canonicalJson({ a: undefined })).toThrow(TypeError);
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(new Date(0))).toThrow(/Date/);
  });
});
