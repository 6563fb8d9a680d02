import { canonicalJson } from "../../lib/platform/canonical-json.js";
import { leafHash } from "../../lib/platform/merkle.math.js";

/*
 * What is hashed, so that anyone can recompute it from an entry (docs/transparency.md):
 *   leaf  = leafHash(utf8(canonicalJson({ index, kind, subject, payload, recordedAt })))
 *   head  = utf8(canonicalJson({ rootHash, timestamp, treeSize })), signed with Ed25519
 * `payload` is the stored canonical JSON parsed back (so embedded as a value, not a string),
 * `recordedAt` an ISO 8601 UTC string with milliseconds, `timestamp` milliseconds since the epoch.
 * The index is inside the leaf: the Merkle tree alone only orders hashes, and without it two
 * entries could swap places with their hashes and every root recomputed from the rows would
 * still look like an honest log of different history; with it, an entry is valid at one position only.
 */

/** An entry as the leaf sees it. */
export interface LeafFields {
  index: number;
  kind: string;
  subject: string;
  /** The stored canonical JSON text. */
  payload: string;
  recordedAt: Date;
}

/** The bytes of a leaf, before hashing. */
export function leafBytes(entry: LeafFields): Buffer {
  return Buffer.from(
    canonicalJson({
      index: entry.index,
      kind: entry.kind,
      subject: entry.subject,
      payload: JSON.parse(entry.payload),
      recordedAt: entry.recordedAt.toISOString(),
    }),
    "utf8",
  );
}

/** The leaf's hash, as the tree holds it. */
export const leafHashOf = (entry: LeafFields): Buffer => leafHash(leafBytes(entry));

/** What a tree head's signature covers. */
export interface HeadFields {
  treeSize: number;
  rootHash: string;
  timestamp: number;
}

/** The bytes a tree head's signature is over. */
export function headBytes(head: HeadFields): Buffer {
  return Buffer.from(canonicalJson({ rootHash: head.rootHash, timestamp: head.timestamp, treeSize: head.treeSize }), "utf8");
}

/** Signs a tree head's bytes: Ed25519 here, under a key id the verifier looks up. */
export type HeadSigner = (bytes: Uint8Array) => Promise<{ kid: string; signature: string }>;

/** Checks a head's signature under the key `kid`, made at `signedAt`; false for an unknown key, or one retired by then. */
export type HeadVerifier = (bytes: Uint8Array, signature: string, kid: string, signedAt: Date) => Promise<boolean>;
