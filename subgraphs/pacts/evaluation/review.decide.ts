import { inTransaction, writeLock } from "../../../lib/platform/database.js";
import { ConflictError, NotFoundError } from "../../../lib/platform/errors.js";
import { enqueue } from "../../../lib/platform/outbox.js";
import { requireUninvolvedReviewer } from "../pacts.access.js";
import { CaseOutcome, DecidedBy, EvaluationRunStatus, ReviewVerdict } from "../pact.enums.js";
import { logHumanReview } from "../pact.log.js";
import type { PactsContext } from "../pacts.context.js";
import { EvaluationRun } from "./evaluation-run.entity.js";
import { judgeJob } from "./judge-job.message.js";
import { JuryVerdict } from "./jury-verdict.entity.js";
import { recordJurorLabels } from "./juror-calibration.record.js";

/** What `decideReview` is given: the uncertain verdict, the decision, and the note, already trimmed and checked. */
export interface ReviewDecision {
  reviewId: string;
  verdict: ReviewVerdict;
  note: string;
}

/**
 * An arbiter decides a case the jury could not. The decision is final; once the run's last
 * uncertain case is decided, a judge job is written to decide the run and score it.
 */
export async function decideReview(
  context: Pick<PactsContext, "dataSource" | "outboxWritten" | "log">,
  arbiter: string,
  { reviewId, verdict, note }: ReviewDecision,
): Promise<JuryVerdict> {
  // Which run and agent an item belongs to never changes: read before the transaction, whose
  // first statement must be the run's lock. On MySQL the first plain read fixes what the
  // transaction sees; taken after the lock, it sees a review committed just before, so two last
  // reviews at once cannot both count the other as pending and leave the run undecided.
  const item = await context.dataSource
    .getRepository(JuryVerdict)
    .findOne({ select: { id: true, runId: true, agentId: true }, where: { id: reviewId } });
  if (!item) throw new NotFoundError("reviewId", "review item", reviewId);
  await requireUninvolvedReviewer(context.dataSource.manager, item.agentId, arbiter);
  const { decided, runDecidable } = await inTransaction(context.dataSource, async (manager) => {
    // The run first, as the judge locks it: the last review and the last slice cannot both miss each other.
    const run = await manager.findOneOrFail(EvaluationRun, { where: { id: item.runId }, lock: writeLock(manager) });
    if (run.status !== EvaluationRunStatus.QUEUED && run.status !== EvaluationRunStatus.AWAITING_REVIEW) {
      throw new ConflictError("reviewId", `the run is ${run.status}; its cases are no longer reviewed`);
    }
    const current = await manager.findOneOrFail(JuryVerdict, { where: { id: reviewId }, lock: writeLock(manager) });
    if (current.outcome !== CaseOutcome.UNCERTAIN)
      throw new ConflictError("reviewId", `already decided: ${current.outcome} by ${current.decidedBy ?? "the jury"}`);
    const review = {
      outcome: verdict === ReviewVerdict.PASS ? CaseOutcome.PASS : CaseOutcome.FAIL,
      decidedBy: DecidedBy.HUMAN,
      reviewer: arbiter,
      reviewNote: note,
      reviewedAt: new Date(),
    };
    await manager.update(JuryVerdict, { id: reviewId }, review);
    // The human's verdict is a label for every juror that voted on the case (the calibrated jury).
    await recordJurorLabels(manager, current, review.outcome);
    // Public, so without the reviewer, their note or the case's id: those are not public (pact.log.ts).
    await logHumanReview(manager, {
      reviewId,
      agentId: current.agentId,
      runId: run.id,
      metric: current.metric,
      outcome: review.outcome,
      reviewedAt: review.reviewedAt,
    });
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
      context.log.warn({ err: error }, "immediate publish failed; left to the outbox relay");
    }
  }
  return decided;
}
