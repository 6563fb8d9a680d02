import { Field, Int, ObjectType } from "type-graphql";
import { LogEntryKind } from "./log.enums.js";

@ObjectType({
  description:
    "A signed tree head: the Merkle root of the log's first `treeSize` entries, signed with Ed25519. The signature covers `signedContent` exactly (docs/transparency.md).",
})
export class SignedTreeHead {
  @Field(() => Int, { description: "How many entries the head covers: indexes 0 to treeSize − 1." })
  treeSize: number;

  @Field(() => String, { description: "The RFC 9162 Merkle tree hash of those entries, lowercase hex SHA-256." })
  rootHash: string;

  @Field(() => Date, { description: "When the head was signed." })
  timestamp: Date;

  @Field(() => String, {
    description: 'The signed bytes as UTF-8: canonical JSON {"rootHash","timestamp" (ms since the epoch),"treeSize"}.',
  })
  signedContent: string;

  @Field(() => String, { description: "The Ed25519 signature of `signedContent`, base64url." })
  signature: string;

  @Field(() => String, { description: "Id of the signing key (`kid`), to find its public key." })
  keyId: string;
}

@ObjectType({ description: "One entry of the transparency log, with everything its leaf hash is computed from." })
export class TransparencyLogEntry {
  @Field(() => Int, { description: "The entry's position in the log, from 0." })
  index: number;

  @Field(() => LogEntryKind, { description: "What kind of act the entry records." })
  kind: LogEntryKind;

  @Field(() => String, { description: "What the act is about: an agent, pact, dispute or API key id." })
  subject: string;

  @Field(() => String, { description: "The act's details, as canonical JSON (sorted keys, no whitespace)." })
  payload: string;

  @Field(() => Date, { description: "When the act happened." })
  recordedAt: Date;

  @Field(() => String, {
    description: "The leaf hash, lowercase hex: leafHash of the canonical JSON of index, kind, subject, payload and recordedAt.",
  })
  leafHash: string;
}

@ObjectType({ description: "An RFC 9162 inclusion proof: the entry at `index` is in the tree the signed head describes." })
export class LogInclusionProof {
  @Field(() => Int, { description: "The entry's index." })
  index: number;

  @Field(() => Int, { description: "The size of the tree the proof is against (the head's)." })
  treeSize: number;

  @Field(() => String, { description: "The entry's leaf hash, lowercase hex." })
  leafHash: string;

  @Field(() => [String], { description: "The audit path, leaf-most first, each a lowercase hex SHA-256." })
  auditPath: string[];

  @Field(() => SignedTreeHead, { description: "The signed head whose root the proof leads to." })
  treeHead: SignedTreeHead;
}

@ObjectType({
  description: "An RFC 9162 consistency proof: the older head's tree is a prefix of the newer one's, nothing in it rewritten.",
})
export class LogConsistencyProof {
  @Field(() => Int, { description: "The older tree's size." })
  fromSize: number;

  @Field(() => Int, { description: "The newer tree's size." })
  toSize: number;

  @Field(() => [String], { description: "The proof's hashes, lowercase hex, in RFC 9162 order." })
  proof: string[];

  @Field(() => SignedTreeHead, { description: "The signed head of the older tree." })
  fromHead: SignedTreeHead;

  @Field(() => SignedTreeHead, { description: "The signed head of the newer tree." })
  toHead: SignedTreeHead;
}
