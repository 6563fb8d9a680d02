import { describe, expect, it } from "vitest";
import { agentNameSkeletonKey, confusableSkeleton, forbiddenCharacterIn, normaliseAgentName } from "../agent-name.rules.js";

describe("normaliseAgentName", () => {
  it("trims and composes, so one text has one stored encoding", () => {
    // "e" + combining acute accent becomes the single character é.
    expect(normaliseAgentName("  Cafe\u0301 Noir ")).toBe("Caf\u00e9 Noir");
  });
});

describe("forbiddenCharacterIn", () => {
  it.each([
    ["NUL", "Sentinel\u0000", "U+0000", "control"],
    ["a bell", "Sen\u0007tinel", "U+0007", "control"],
    ["a C1 control", "Sen\u0085tinel", "U+0085", "control"],
    ["a line separator", "Sen\u2028tinel", "U+2028", "control"],
    ["right-to-left override", "Sentinel \u202Egnp.exe", "U+202E", "bidirectional"],
    ["left-to-right embedding", "\u202ASentinel", "U+202A", "bidirectional"],
    ["first-strong isolate", "Sentinel\u2068", "U+2068", "bidirectional"],
    ["pop directional isolate", "Sen\u2069tinel", "U+2069", "bidirectional"],
    ["right-to-left mark", "Sentinel\u200F", "U+200F", "bidirectional"],
    ["Arabic letter mark", "Sentinel\u061C", "U+061C", "bidirectional"],
    ["zero width space", "Senti\u200Bnel", "U+200B", "invisible"],
    ["zero width non-joiner", "Senti\u200Cnel", "U+200C", "invisible"],
    ["zero width joiner", "Senti\u200Dnel", "U+200D", "invisible"],
    ["word joiner", "Senti\u2060nel", "U+2060", "invisible"],
    ["a byte order mark inside the name", "Senti\uFEFFnel", "U+FEFF", "invisible"],
    ["a soft hyphen", "Senti\u00ADnel", "U+00AD", "invisible"],
    ["a Hangul filler", "\u3164", "U+3164", "invisible"],
    ["a variation selector", "Sentinel\uFE0F", "U+FE0F", "invisible"],
    ["a tag character", "Sentinel\u{E0041}", "U+E0041", "invisible"],
    ["a private-use character", "Sentinel\uE000", "U+E000", "no agreed glyph"],
    ["a lone surrogate", "Sentinel\uD800", "U+D800", "no agreed glyph"],
  ])("refuses %s, naming it by code point", (_label, name, codePoint, kind) => {
    const reason = forbiddenCharacterIn(name);

    expect(reason).toContain(codePoint);
    expect(reason).toContain(kind);
  });

  it("names the first offending character", () => {
    expect(forbiddenCharacterIn("a\u200Bb\u202Ec")).toContain("U+200B");
  });

  it.each([
    ["Latin with accents", "Café Triage Ünit"],
    ["Cyrillic", "Страж"],
    ["Arabic", "حارس الإنذارات"],
    ["Japanese", "夜間トリアージ"],
    ["Devanagari", "प्रहरी"],
    ["punctuation and digits", "Triage-9000 (beta), v2.1"],
  ])("accepts %s", (_label, name) => {
    expect(forbiddenCharacterIn(name)).toBeNull();
  });
});

describe("confusableSkeleton (TR39)", () => {
  it("maps lookalikes from other scripts and compatibility forms onto one prototype", () => {
    const latin = confusableSkeleton("paypal");

    expect(confusableSkeleton("\u0440\u0430\u0443\u0440\u0430l")).toBe(latin); // Cyrillic р, а, у
    expect(confusableSkeleton("ｐａｙｐａｌ")).toBe(latin); // fullwidth forms
  });

  it("is the same for every Unicode form of a text, and keeps accents apart from plain letters", () => {
    expect(confusableSkeleton("Caf\u00e9")).toBe(confusableSkeleton("Cafe\u0301"));
    expect(confusableSkeleton("Caf\u00e9")).not.toBe(confusableSkeleton("Cafe"));
  });

  it("maps sequences that read alike, such as rn and m, or 1 and l", () => {
    expect(confusableSkeleton("modern")).toBe(confusableSkeleton("rnodern"));
    expect(confusableSkeleton("Sentine1")).toBe(confusableSkeleton("Sentinel"));
  });
});

describe("agentNameSkeletonKey", () => {
  const key = agentNameSkeletonKey;

  it.each([
    ["Cyrillic letters", "Sentinel", "\u0405entinel"], // Cyrillic Ѕ
    ["case", "Sentinel Triage", "SENTINEL TRIAGE"],
    ["a digit for a letter", "Sentinel", "Sentine1"],
    ["a capital I for a small l", "Sentinel", "SentineI"],
    ["a small l for a capital I", "AI Triage", "Al Triage"],
    ["rn for m", "Modern Triage", "Rnodern Triage"],
    ["doubled or non-breaking spaces", "Night Shift", "Night \u00a0Shift"],
    ["surrounding spaces", "Night Shift", "  Night Shift "],
    ["a mathematical alphabet", "Sentinel", "𝐒𝐞𝐧𝐭𝐢𝐧𝐞𝐥"],
    ["fullwidth forms the confusables table leaves to NFKC", "Dusk", "\uFF24usk"],
  ])("is equal for names that differ by %s", (_label, name, lookalike) => {
    expect(key(lookalike)).toBe(key(name));
  });

  it.each([
    ["another word", "Sentinel", "Sentry"],
    ["an accent", "Café Triage", "Cafe Triage"],
    ["a letter added", "Night Shift", "Night Shifts"],
  ])("differs for names that differ by %s", (_label, name, other) => {
    expect(key(other)).not.toBe(key(name));
  });

  it("is a fixed-length key, however long the skeleton grows", () => {
    expect(key("ﷺ".repeat(120))).toMatch(/^[0-9a-f]{64}$/);
  });
});
