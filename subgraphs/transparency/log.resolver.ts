import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import { readConsistencyProof, readInclusionProof, readLogEntry, readTreeHead } from "./log-proof.read.js";
import { LogConsistencyProof, LogInclusionProof, SignedTreeHead, TransparencyLogEntry } from "./log.types.js";
import { requireLogReader } from "./transparency.access.js";
import type { TransparencyContext } from "./transparency.context.js";

@Resolver()
export class LogResolver {
  @Query(() => SignedTreeHead, {
    nullable: true,
    description:
      "A signed tree head of the transparency log: the latest, or the one of `treeSize` (NOT_FOUND if no head of that size was signed). Null while the log has no head. Public; an API key needs reputation:read.",
  })
  treeHead(
    @Arg("treeSize", () => Int, { nullable: true, description: "The size of a signed head; the latest head when absent." })
    treeSize: number | null,
    @Ctx() context: TransparencyContext,
  ): Promise<SignedTreeHead | null> {
    requireLogReader(context.identity);
    return readTreeHead(context.dataSource, treeSize ?? null);
  }

  @Query(() => TransparencyLogEntry, {
    description: "One entry of the transparency log, by index (NOT_FOUND until it is sequenced). Public; an API key needs reputation:read.",
  })
  logEntry(
    @Arg("index", () => Int, { description: "The entry's index, from 0." }) index: number,
    @Ctx() context: TransparencyContext,
  ): Promise<TransparencyLogEntry> {
    requireLogReader(context.identity);
    return readLogEntry(context.dataSource, index);
  }

  @Query(() => LogInclusionProof, {
    description:
      "An RFC 9162 inclusion proof of entry `index` against a signed tree head, to check with the head's root and signature. Public; an API key needs reputation:read.",
  })
  logProof(
    @Arg("index", () => Int, { description: "The entry's index, below the tree size." }) index: number,
    @Arg("treeSize", () => Int, { nullable: true, description: "The size of the signed head to prove against; the latest when absent." })
    treeSize: number | null,
    @Ctx() context: TransparencyContext,
  ): Promise<LogInclusionProof> {
    requireLogReader(context.identity);
    return readInclusionProof(context.dataSource, index, treeSize ?? null);
  }

  @Query(() => LogConsistencyProof, {
    description:
      "An RFC 9162 consistency proof that the signed head of `fromSize` is a prefix of the signed head of `toSize`: nothing logged was edited, dropped or reordered in between. Public; an API key needs reputation:read.",
  })
  logConsistency(
    @Arg("fromSize", () => Int, { description: "The size of the older signed head, at least 1." }) fromSize: number,
    @Arg("toSize", () => Int, { description: "The size of the newer signed head, at least fromSize." }) toSize: number,
    @Ctx() context: TransparencyContext,
  ): Promise<LogConsistencyProof> {
    requireLogReader(context.identity);
    return readConsistencyProof(context.dataSource, fromSize, toSize);
  }
}
