import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { BadUserInputError } from "../../../lib/platform/errors.js";
import { AgentRef } from "../agent.stub.js";
import { failureKind, mayReadJurorError, mayReadJuryDetail, mayReadReviewer, requireReviewer } from "../pacts.access.js";
import { EvaluationRun } from "./evaluation-run.entity.js";
import { JuryVerdict, JuryVote } from "./jury-verdict.entity.js";
import { listReviewQueue } from "./review-queue.list.js";
import { JuryVerdictConnection } from "./review-queue.types.js";
import { decideReview } from "./review.decide.js";
import { ReviewVerdict } from "../pact.enums.js";
import type { PactsContext } from "../pacts.context.js";

const MAX_NOTE_LENGTH = 1000;

@Resolver(() => JuryVote)
export class JuryVoteResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: "Why the juror abstained: the provider's words for arbiters, the kind of failure for builders; null when it voted.",
  })
  error(@Root() vote: JuryVote, @Ctx() { identity }: PactsContext): string | null {
    if (vote.error === null) return null;
    return mayReadJurorError(identity) ? vote.error : failureKind(vote.error);
  }
}

@Resolver(() => JuryVerdict)
export class ReviewResolver {
  @Query(() => JuryVerdictConnection, {
    description: "Cases the jury could not decide, oldest first, for arbiters; cases of agents the caller owns are left out.",
  })
  async reviewQueue(
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100; 20 when absent." }) first: number | null | undefined,
    @Arg("after", () => String, { nullable: true, description: "The `endCursor` of the previous page." }) after: string | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<JuryVerdictConnection> {
    return listReviewQueue(context.dataSource, requireReviewer(context.identity), { first, after });
  }

  @Mutation(() => JuryVerdict, {
    description:
      "An arbiter decides a case the jury could not. The decision is final; once the run's last uncertain case is decided, the run's verdicts and the agent's scores follow.",
  })
  async submitReview(
    @Arg("reviewId", () => ID, { description: "The uncertain verdict's id, from `reviewQueue`." }) reviewId: string,
    @Arg("verdict", () => ReviewVerdict, { description: "Whether the case meets the clause's promise." }) verdict: ReviewVerdict,
    @Arg("note", () => String, { description: `Why, for the record: 1–${MAX_NOTE_LENGTH} characters.` }) note: string,
    @Ctx() context: PactsContext,
  ): Promise<JuryVerdict> {
    const arbiter = requireReviewer(context.identity);
    const reason = note.trim();
    if (reason.length === 0 || reason.length > MAX_NOTE_LENGTH)
      throw new BadUserInputError("note", `must be 1–${MAX_NOTE_LENGTH} characters`);
    return decideReview(context, arbiter, { reviewId, verdict, note: reason });
  }

  @FieldResolver(() => ID, {
    nullable: true,
    description: "Subject of the arbiter who reviewed the case: for arbiters; null for anyone else, and until reviewed.",
  })
  reviewer(@Root() verdict: JuryVerdict, @Ctx() { identity }: PactsContext): string | null {
    return mayReadReviewer(identity) ? verdict.reviewer : null;
  }

  @FieldResolver(() => EvaluationRun, { description: "The run the case belongs to." })
  async run(@Root() verdict: JuryVerdict, @Ctx() context: PactsContext): Promise<EvaluationRun> {
    return (await context.runById.load(verdict.runId))!;
  }

  @FieldResolver(() => AgentRef, { description: "The agent the case is evidence about." })
  agent(@Root() verdict: JuryVerdict): AgentRef {
    return { id: verdict.agentId };
  }

  @FieldResolver(() => GraphQLJSONObject, {
    nullable: true,
    description:
      "What the agent was given, expected and answered on the case; for arbiters and the builder who submitted it, null for anyone else.",
  })
  async evidence(@Root() verdict: JuryVerdict, @Ctx() context: PactsContext): Promise<Record<string, unknown> | null> {
    const run = await context.runById.load(verdict.runId);
    if (!run || !mayReadJuryDetail(context.identity, run)) return null;
    const found = await context.caseByRunAndId.load(`${verdict.runId}|${verdict.caseId}`);
    return found && { input: found.input, expected: found.expected, output: found.output, timings: found.timings };
  }
}
