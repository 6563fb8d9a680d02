import { randomUUID } from "node:crypto";
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { In, type EntityManager } from "typeorm";
import { findAgent } from "../../../lib/contracts/agent-directory.js";
import { inTransaction, insertInChunks, isUniqueViolation, writeLock } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from "../../../lib/platform/errors.js";
import { log } from "../../../lib/platform/logger.js";
import { requireRole } from "../../../lib/platform/identity.js";
import { enqueue } from "../../../lib/platform/outbox.js";
import { AgentRef } from "../agent.stub.js";
import { ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import { judgeJob } from "./judge-job.message.js";
import { acceptCases } from "./evaluation-case.validation.js";
import { sliceCountFor } from "./jury-slice.deliberate.js";
import { JuryVerdict } from "./jury-verdict.entity.js";
import { mayReadJuryDetail } from "./review.resolver.js";
import { Pact, PactClause } from "../authoring/pact.entity.js";
import { EvaluationRunStatus, PactStatus } from "../pact.enums.js";
import { SubmitEvaluationRunInput, type EvaluationCaseInput } from "../authoring/pact.inputs.js";
import { clauseStatement } from "../authoring/pact.templates.js";
import type { PactsContext } from "../pacts.context.js";

/** A case id is evidence once per agent: resubmitting cases must not count them again. */
async function refuseReusedCases(manager: EntityManager, agentId: string, cases: EvaluationCaseInput[]): Promise<void> {
  const used = await manager.find(EvaluationCase, { select: { caseId: true, runId: true }, where: { agentId, caseId: In(cases.map((c) => c.caseId)) } });
  if (used.length === 0) return;
  const runOf = new Map(used.map((row) => [row.caseId, row.runId]));
  const index = cases.findIndex((c) => runOf.has(c.caseId));
  const caseId = cases[index]!.caseId;
  throw new ConflictError(`input.cases[${index}].caseId`, `case "${caseId}" was already submitted for this agent in run ${runOf.get(caseId)}; give new evidence new ids`);
}

@Resolver(() => EvaluationRun)
export class EvaluationRunResolver {
  @Query(() => EvaluationRun, { nullable: true, description: "One evaluation run by id, with its verdicts once judged." })
  evaluationRun(@Arg("id", () => ID, { description: "The run's id." }) id: string, @Ctx() context: PactsContext): Promise<EvaluationRun | null> {
    return context.runById.load(id);
  }

  @Mutation(() => EvaluationRun, { description: "Submits cases as evidence against one of the caller's agents' active pacts; judging happens asynchronously." })
  async submitEvaluationRun(
    @Arg("input", () => SubmitEvaluationRunInput, { description: "The agent, the pact and the cases." }) input: SubmitEvaluationRunInput,
    @Ctx() context: PactsContext,
  ): Promise<EvaluationRun> {
    const builder = requireRole(context.identity, "builder");
    const run = await inTransaction(context.dataSource, async (manager) => {
      const agent = await findAgent(manager, input.agentId);
      if (!agent) throw new NotFoundError("input.agentId", "agent", input.agentId);
      if (agent.ownerId !== builder) throw new ForbiddenError("Only the agent's owner can submit evidence for it");
      // Locked, so a retirement or activation cannot commit between the status check and the run.
      // It serialises submissions to one pact version; a shared lock would not, but TypeORM writes
      // it as MySQL 8's FOR SHARE, which MariaDB does not know.
      const pact = await manager.findOne(Pact, { where: { id: input.pactId }, lock: writeLock(manager) });
      if (!pact) throw new NotFoundError("input.pactId", "pact", input.pactId);
      if (pact.agentId !== agent.agentId) throw new BadUserInputError("input.pactId", "belongs to another agent");
      if (pact.status !== PactStatus.ACTIVE) throw new ConflictError("input.pactId", `pact version ${pact.version} is ${pact.status}, not in force`);
      const clauses = await manager.find(PactClause, { where: { pactId: pact.id }, order: { position: "ASC" } });
      const cases = acceptCases(input.cases, pact.workflow, clauses);
      await refuseReusedCases(manager, agent.agentId, input.cases);
      const now = new Date();
      const sliceCount = sliceCountFor(cases.length, clauses, context.sliceCases);

      const run = manager.create(EvaluationRun, {
        id: randomUUID(),
        agentId: agent.agentId,
        pactId: pact.id,
        pactVersion: pact.version,
        workflow: pact.workflow,
        status: EvaluationRunStatus.QUEUED,
        caseCount: input.cases.length,
        passedCount: null,
        failedCount: null,
        passed: null,
        weightedPassShare: null,
        submittedBy: builder,
        submittedAt: now,
        completedAt: null,
        enqueuedAt: now,
        requeues: 0,
        failureReason: null,
        sliceCount,
        juryAgreement: null,
        juryCostUsd: null,
      });
      await manager.insert(EvaluationRun, run);
      const rows = cases.map((c, position) => Object.assign(new EvaluationCase(), {
        runId: run.id,
        agentId: agent.agentId,
        caseId: c.caseId,
        position,
        input: c.input,
        expected: c.expected,
        output: c.output,
        timings: c.timings,
        groundedIndicators: c.groundedIndicators,
      }));
      await insertInChunks(manager, EvaluationCase, rows);
      // Same transaction as the run: no job can be lost between commit and publish.
      for (let slice = 0; slice < sliceCount; slice += 1) await enqueue(manager, "judge", judgeJob(run.id, slice));
      return run;
    }).catch((error: unknown) => {
      // Another submission took some of these case ids between our check and our insert.
      if (isUniqueViolation(error)) throw new ConflictError("input.cases", "some of these case ids were just submitted for this agent in another run");
      throw error;
    });
    try {
      await context.outboxWritten();
    } catch (error) {
      // The run and its job are committed; the relay will publish it.
      log.warn({ err: error }, "immediate publish failed; left to the outbox relay");
    }
    return run;
  }

  @FieldResolver(() => [ClauseResult], { description: "The verdict on each clause; empty until judged." })
  clauseResults(@Root() run: EvaluationRun, @Ctx() context: PactsContext): Promise<ClauseResult[]> {
    return context.clauseResultsByRunId.load(run.id);
  }

  @FieldResolver(() => [JuryVerdict], {
    nullable: true,
    description: "The jury's verdict on each case under each jury-judged clause, with every vote: for arbiters and the builder who submitted the run, null for anyone else.",
  })
  async juryVerdicts(@Root() run: EvaluationRun, @Ctx() context: PactsContext): Promise<JuryVerdict[] | null> {
    return mayReadJuryDetail(context.identity, run) ? context.juryVerdictsByRunId.load(run.id) : null;
  }

  @FieldResolver(() => Pact, { description: "The pact version the run is judged against." })
  async pact(@Root() run: EvaluationRun, @Ctx() context: PactsContext): Promise<Pact> {
    return (await context.pactById.load(run.pactId))!;
  }

  @FieldResolver(() => AgentRef, { description: "The agent the run is evidence about." })
  agent(@Root() run: EvaluationRun): AgentRef {
    return { id: run.agentId };
  }
}

@Resolver(() => ClauseResult)
export class ClauseResultResolver {
  @FieldResolver(() => String, { description: "The clause in words, as it was judged." })
  statement(@Root() result: ClauseResult): string {
    return clauseStatement(result);
  }
}
