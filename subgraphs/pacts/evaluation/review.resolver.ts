import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { findAgent } from "../../../lib/contracts/agent-directory.js";
import { inTransaction, writeLock } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from "../../../lib/platform/errors.js";
import { log } from "../../../lib/platform/logger.js";
import { isArbiterOr, requireRole, type Identity } from "../../../lib/platform/identity.js";
import { enqueue } from "../../../lib/platform/outbox.js";
import { PageInfo, decodeCursor, isTimeCursor, pageOf, pageSize } from "../../../lib/platform/pagination.js";
import { AgentRef } from "../agent.stub.js";
import { EvaluationRun } from "./evaluation-run.entity.js";
import { judgeJob } from "./judge-job.message.js";
import { JuryVerdict, JuryVote } from "./jury-verdict.entity.js";
import { CaseOutcome, DecidedBy, EvaluationRunStatus, ReviewVerdict } from "../pact.enums.js";
import type { PactsContext } from "../pacts.context.js";

const MAX_NOTE_LENGTH = 1000;

@ObjectType({ description: "A case waiting for a human, with its cursor." })
export class JuryVerdictEdge {
  @Field(() => String, { description: "Pass as `after` to continue after this item." })
  cursor: string;

  @Field(() => JuryVerdict, { description: "The uncertain verdict." })
  node: JuryVerdict;
}

@ObjectType({ description: "A page of the review queue, oldest first." })
export class JuryVerdictConnection {
  @Field(() => [JuryVerdictEdge], { description: "The items on this page." })
  edges: JuryVerdictEdge[];

  @Field(() => PageInfo, { description: "Where the page sits in the queue." })
  pageInfo: PageInfo;
}

/** Who may read a run's jury detail and the cases behind it: arbiters and the builder who submitted it. */
export function mayReadJuryDetail(identity: Identity, run: Pick<EvaluationRun, "submittedBy">): boolean {
  return isArbiterOr(identity, "builder", run.submittedBy);
}

/**
 * The kind of a juror's failure, for builders: providers' messages can name accounts, roles or
 * organisations (an AccessDeniedException quotes the assumed role), which only operators need.
 */
export function failureKind(error: string): string {
  if (/timed out/i.test(error)) return "timed out";
  if (/throttl|429|rate|quota/i.test(error)) return "throttled";
  if (/reply|verdict|confidence|JSON|refused|filter|guardrail/i.test(error)) return "gave no usable answer";
  return "could not be reached or refused the call";
}

@Resolver(() => JuryVote)
export class JuryVoteResolver {
  @FieldResolver(() => String, { nullable: true, description: "Why the juror abstained: the provider's words for arbiters, the kind of failure for builders; null when it voted." })
  error(@Root() vote: JuryVote, @Ctx() { identity }: PactsContext): string | null {
    if (vote.error === null) return null;
    return identity.role === "arbiter" ? vote.error : failureKind(vote.error);
  }
}

@Resolver(() => JuryVerdict)
export class ReviewResolver {
  @Query(() => JuryVerdictConnection, { description: "Cases the jury could not decide, oldest first, for arbiters; cases of agents the caller owns are left out." })
  async reviewQueue(
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100; 20 when absent." }) first: number | null | undefined,
    @Arg("after", () => String, { nullable: true, description: "The `endCursor` of the previous page." }) after: string | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<JuryVerdictConnection> {
    const arbiter = requireRole(context.identity, "arbiter");
    const size = pageSize(first);
    const query = context.dataSource
      .getRepository(JuryVerdict)
      .createQueryBuilder("v")
      .innerJoin(EvaluationRun, "r", "r.id = v.run_id")
      .where("v.outcome = :uncertain", { uncertain: CaseOutcome.UNCERTAIN })
      // A run that failed judging counts for nothing: its cases need no one's time.
      .andWhere("r.status IN (:...open)", { open: [EvaluationRunStatus.QUEUED, EvaluationRunStatus.AWAITING_REVIEW] })
      .andWhere("NOT EXISTS (SELECT 1 FROM agent_directory d WHERE d.agent_id = v.agent_id AND d.owner_id = :arbiter)", { arbiter });
    if (after) {
      const [at, id] = decodeCursor(after, "after", isTimeCursor);
      query.andWhere("(v.created_at > :at OR (v.created_at = :at AND v.id > :id))", { at: new Date(at), id });
    }
    const rows = await query.orderBy("v.created_at", "ASC").addOrderBy("v.id", "ASC").limit(size + 1).getMany();
    return pageOf(rows, size, (node) => [node.createdAt.getTime(), node.id]);
  }

  @Mutation(() => JuryVerdict, {
    description: "An arbiter decides a case the jury could not. The decision is final; once the run's last uncertain case is decided, the run's verdicts and the agent's scores follow.",
  })
  async submitReview(
    @Arg("reviewId", () => ID, { description: "The uncertain verdict's id, from `reviewQueue`." }) reviewId: string,
    @Arg("verdict", () => ReviewVerdict, { description: "Whether the case meets the clause's promise." }) verdict: ReviewVerdict,
    @Arg("note", () => String, { description: `Why, for the record: 1–${MAX_NOTE_LENGTH} characters.` }) note: string,
    @Ctx() context: PactsContext,
  ): Promise<JuryVerdict> {
    const arbiter = requireRole(context.identity, "arbiter");
    const reason = note.trim();
    if (reason.length === 0 || reason.length > MAX_NOTE_LENGTH) throw new BadUserInputError("note", `must be 1–${MAX_NOTE_LENGTH} characters`);
    // Which run and agent an item belongs to never changes: read before the transaction, whose
    // first statement must be the run's lock. On MySQL the first plain read fixes what the
    // transaction sees; taken after the lock, it sees a review committed just before, so two last
    // reviews at once cannot both count the other as pending and leave the run undecided.
    const item = await context.dataSource.getRepository(JuryVerdict).findOne({ select: { id: true, runId: true, agentId: true }, where: { id: reviewId } });
    if (!item) throw new NotFoundError("reviewId", "review item", reviewId);
    if ((await findAgent(context.dataSource.manager, item.agentId))?.ownerId === arbiter) throw new ForbiddenError("Reviewers never review agents they own");
    const { decided, runDecidable } = await inTransaction(context.dataSource, async (manager) => {
      // The run first, as the judge locks it: the last review and the last slice cannot both miss each other.
      const run = await manager.findOneOrFail(EvaluationRun, { where: { id: item.runId }, lock: writeLock(manager) });
      if (run.status !== EvaluationRunStatus.QUEUED && run.status !== EvaluationRunStatus.AWAITING_REVIEW) {
        throw new ConflictError("reviewId", `the run is ${run.status}; its cases are no longer reviewed`);
      }
      const current = await manager.findOneOrFail(JuryVerdict, { where: { id: reviewId }, lock: writeLock(manager) });
      if (current.outcome !== CaseOutcome.UNCERTAIN) throw new ConflictError("reviewId", `already decided: ${current.outcome} by ${current.decidedBy ?? "the jury"}`);
      const review = { outcome: verdict === ReviewVerdict.PASS ? CaseOutcome.PASS : CaseOutcome.FAIL, decidedBy: DecidedBy.HUMAN, reviewer: arbiter, reviewNote: reason, reviewedAt: new Date() };
      await manager.update(JuryVerdict, { id: reviewId }, review);
      const pending = await manager.countBy(JuryVerdict, { runId: run.id, outcome: CaseOutcome.UNCERTAIN });
      const decidable = pending === 0 && run.status === EvaluationRunStatus.AWAITING_REVIEW;
      if (decidable) {
        // Deciding the run and scoring it is the judge's work, done once through the queue.
        await manager.update(EvaluationRun, { id: run.id }, { enqueuedAt: new Date() });
        await enqueue(manager, "judge", judgeJob(run.id, null));
      }
      return { decided: Object.assign(current, review), runDecidable: decidable };
    });
    if (runDecidable) {
      try {
        await context.outboxWritten();
      } catch (error) {
        log.warn({ err: error }, "immediate publish failed; left to the outbox relay");
      }
    }
    return decided;
  }

  @FieldResolver(() => ID, { nullable: true, description: "Subject of the arbiter who reviewed the case: for arbiters; null for anyone else, and until reviewed." })
  reviewer(@Root() verdict: JuryVerdict, @Ctx() { identity }: PactsContext): string | null {
    return identity.role === "arbiter" ? verdict.reviewer : null;
  }

  @FieldResolver(() => EvaluationRun, { description: "The run the case belongs to." })
  async run(@Root() verdict: JuryVerdict, @Ctx() context: PactsContext): Promise<EvaluationRun> {
    return (await context.runById.load(verdict.runId))!;
  }

  @FieldResolver(() => AgentRef, { description: "The agent the case is evidence about." })
  agent(@Root() verdict: JuryVerdict): AgentRef {
    return { id: verdict.agentId };
  }

  @FieldResolver(() => GraphQLJSONObject, { nullable: true, description: "What the agent was given, expected and answered on the case; for arbiters and the builder who submitted it, null for anyone else." })
  async evidence(@Root() verdict: JuryVerdict, @Ctx() context: PactsContext): Promise<Record<string, unknown> | null> {
    const run = await context.runById.load(verdict.runId);
    if (!run || !mayReadJuryDetail(context.identity, run)) return null;
    const found = await context.caseByRunAndId.load(`${verdict.runId}|${verdict.caseId}`);
    return found && { input: found.input, expected: found.expected, output: found.output, timings: found.timings };
  }
}
