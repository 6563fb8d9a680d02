import { createHash } from "node:crypto";
// Unicode's confusables.txt (TR39's "Recommended confusable mapping for IDN", Unicode 13.0.0 in
// unhomoglyph 1.0.6), applied one character at a time: every key of its table is one code point.
import unhomoglyph from "unhomoglyph";

/*
 * What makes an agent's name safe to show a buyer: it is stored NFC-normalised, it holds no
 * character that is invisible or that reorders the text around it, and it cannot be confused with
 * any other agent's name (see `agentNameSkeletonKey`). docs/agents.md says why each rule.
 */

/** The name as stored and shown: surrounding whitespace trimmed, composed (NFC), so one text has one encoding. */
export function normaliseAgentName(name: string): string {
  return name.trim().normalize("NFC");
}

/** Bidirectional formatting characters: each can make a name display in another order than it is stored. */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
/** Characters no one sees: zero-width ones (U+200B–U+200D, U+2060, U+FEFF), fillers, variation selectors, tags. */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u;
/** Control characters (NUL, C0, DEL, C1) and line or paragraph separators, which break a name across lines. */
const CONTROLS = /[\p{Cc}\p{Zl}\p{Zp}]/u;
/** Lone surrogates, private-use and unassigned code points: no agreed glyph, so a name could show as anything. */
const UNDEFINED = /[\p{Cs}\p{Co}\p{Cn}]/u;

const KINDS: [RegExp, string][] = [
  [CONTROLS, "a control character"],
  [BIDI_CONTROLS, "a bidirectional formatting character, which can make text display in another order"],
  [INVISIBLE, "an invisible (zero-width or default-ignorable) character"],
  [UNDEFINED, "a code point with no agreed glyph (unassigned, private-use or a lone surrogate)"],
];

const codePointOf = (character: string) => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Why a (normalised) name may not be shown, naming the first offending character by code point,
 * or null when it may. Bidi controls are tested before the wider invisible class they belong to,
 * so the reason given is the most specific one.
 */
export function forbiddenCharacterIn(name: string): string | null {
  for (const character of name) {
    const kind = KINDS.find(([pattern]) => pattern.test(character));
    if (kind) return `must not contain ${codePointOf(character)}, ${kind[1]}`;
  }
  return null;
}

/** Unicode TR39 `skeleton(X)`: NFD, each character mapped through the confusables table, NFD again. */
export function confusableSkeleton(text: string): string {
  return unhomoglyph(text.normalize("NFD")).normalize("NFD");
}

/**
 * The key under which a name's look is claimed, equal for names a buyer could take for one another.
 * TR39's skeleton is case-sensitive, and a marketplace reads "SENTINEL" as "Sentinel", so the key:
 * - starts from the compatibility form (NFKC: fullwidth "Ｄ" is "D", which the table leaves to
 *   normalisation);
 * - takes the skeleton of that (so "𝐒𝐞𝐧𝐭𝐢𝐧𝐞𝐥", which has no capitals, becomes letters that do);
 * - then of that in capitals, catching the capitals' lookalikes ("AI" and "Al", "0" and "O");
 * - then of that lower-cased, catching the small letters' ("rn" and "m", Cyrillic "а" and "a").
 * Stricter than one skeleton: it also equates a few pairs alike only through case (i and l, since
 * I looks like l). Runs of white space count as one space, as a page shows them. Hashed, as a
 * skeleton can be much longer than its name.
 */
export function agentNameSkeletonKey(name: string): string {
  const capitals = confusableSkeleton(confusableSkeleton(normaliseAgentName(name).normalize("NFKC")).toUpperCase());
  const key = confusableSkeleton(capitals.toLowerCase()).replace(/\s+/gu, " ");
  return createHash("sha256").update(key).digest("hex");
}
