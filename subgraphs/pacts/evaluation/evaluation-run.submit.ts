import { randomUUID } from "node:crypto";
import { In, type EntityManager } from "typeorm";
import { inTransaction, insertInChunks, isUniqueViolation, writeLock } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError, NotFoundError } from "../../../lib/platform/errors.js";
import { enqueue } from "../../../lib/platform/outbox.js";
import { Pact, PactClause } from "../authoring/pact.entity.js";
import { requireEvidenceOwner } from "../pacts.access.js";
import { EvaluationRunStatus, PactStatus } from "../pact.enums.js";
import type { PactsContext } from "../pacts.context.js";
import { acceptCases } from "./evaluation-case.validation.js";
import { EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import type { EvaluationCaseInput, SubmitEvaluationRunInput } from "./evaluation-run.inputs.js";
import { judgeJob } from "./judge-job.message.js";
import { sliceCountFor } from "./jury-slice.deliberate.js";

/** A case id is evidence once per agent: resubmitting cases must not count them again. */
async function refuseReusedCases(manager: EntityManager, agentId: string, cases: EvaluationCaseInput[]): Promise<void> {
  const used = await manager.find(EvaluationCase, {
    select: { caseId: true, runId: true },
    where: { agentId, caseId: In(cases.map((c) => c.caseId)) },
  });
  if (used.length === 0) return;
  const runOf = new Map(used.map((row) => [row.caseId, row.runId]));
  const index = cases.findIndex((c) => runOf.has(c.caseId));
  const caseId = cases[index]!.caseId;
  throw new ConflictError(
    `input.cases[${index}].caseId`,
    `case "${caseId}" was already submitted for this agent in run ${runOf.get(caseId)}; give new evidence new ids`,
  );
}

/**
 * Submits cases as evidence against an active pact of one of the builder's agents: the run, its
 * cases and its judge jobs are written in one transaction, then published at once if possible.
 * Judging happens asynchronously.
 */
export async function submitEvaluationRun(
  context: Pick<PactsContext, "dataSource" | "sliceCases" | "outboxWritten" | "log">,
  builder: string,
  input: SubmitEvaluationRunInput,
): Promise<EvaluationRun> {
  const run = await inTransaction(context.dataSource, async (manager) => {
    const agent = await requireEvidenceOwner(manager, input.agentId, builder);
    // Locked, so a retirement or activation cannot commit between the status check and the run.
    // It serialises submissions to one pact version; a shared lock would not, but TypeORM writes
    // it as MySQL 8's FOR SHARE, which MariaDB does not know.
    const pact = await manager.findOne(Pact, { where: { id: input.pactId }, lock: writeLock(manager) });
    if (!pact) throw new NotFoundError("input.pactId", "pact", input.pactId);
    if (pact.agentId !== agent.agentId) throw new BadUserInputError("input.pactId", "belongs to another agent");
    if (pact.status !== PactStatus.ACTIVE)
      throw new ConflictError("input.pactId", `pact version ${pact.version} is ${pact.status}, not in force`);
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
    const rows = cases.map((c, position) =>
      Object.assign(new EvaluationCase(), {
        runId: run.id,
        agentId: agent.agentId,
        caseId: c.caseId,
        position,
        input: c.input,
        expected: c.expected,
        output: c.output,
        timings: c.timings,
        groundedIndicators: c.groundedIndicators,
      }),
    );
    await insertInChunks(manager, EvaluationCase, rows);
    // Same transaction as the run: no job can be lost between commit and publish.
    for (let slice = 0; slice < sliceCount; slice += 1) await enqueue(manager, "judge", judgeJob(run.id, slice));
    return run;
  }).catch((error: unknown) => {
    // Another submission took some of these case ids between our check and our insert.
    if (isUniqueViolation(error))
      throw new ConflictError("input.cases", "some of these case ids were just submitted for this agent in another run");
    throw error;
  });
  try {
    await context.outboxWritten();
  } catch (error) {
    // The run and its job are committed; the relay will publish it.
    context.log.warn({ err: error }, "immediate publish failed; left to the outbox relay");
  }
  return run;
}
