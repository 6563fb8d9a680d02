import { randomUUID } from "node:crypto";
import { Not, type EntityManager } from "typeorm";
import { findAgent } from "../../lib/agent-directory.js";
import { inTransaction } from "../../lib/database.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../lib/errors.js";
import { ContestedKind, Dispute, DisputeCategory, DisputeKind, DisputeOutcome, DisputeSeverity, DisputeStatus } from "./dispute.entity.js";
import type { AppealVerdictInput, ContestedVerdictInput } from "./dispute.inputs.js";
import { checkOpenCap, deadlinesFrom, evidenceOf, lockFiler, recordFiling } from "./dispute.filing.js";
import { actorOf, lockedDispute, transition } from "./dispute.lifecycle.js";
import type { DisputesContext, DisputesOptions } from "./disputes.context.js";

const DAY_MS = 24 * 3600 * 1000;
const FIELD = "input.contested.id";
const CONTESTED_NAMES: Record<ContestedKind, string> = { DISPUTE: "complaint", CONSEQUENCE: "consequence step", RUN: "judged run" };

interface Contested {
  agentId: string;
  /** When the verdict was given: the appeal window runs from it. */
  givenAt: Date;
  /** The contested complaint, for an appeal of one. */
  complaint: Dispute | null;
}

async function findContested(manager: EntityManager, ref: ContestedVerdictInput, options: DisputesOptions): Promise<Contested | null> {
  if (ref.kind === ContestedKind.CONSEQUENCE) {
    const step = await options.consequenceSteps.find(manager, ref.id);
    return step && { agentId: step.agentId, givenAt: step.takenAt, complaint: null };
  }
  if (ref.kind === ContestedKind.RUN) {
    const run = await options.runVerdicts.find(manager, ref.id);
    return run && { agentId: run.agentId, givenAt: run.judgedAt, complaint: null };
  }
  const complaint = await manager.findOneBy(Dispute, { id: ref.id, kind: DisputeKind.COMPLAINT });
  return complaint && { agentId: complaint.agentId, givenAt: complaint.closedAt ?? complaint.filedAt, complaint };
}

/**
 * A builder appeals a verdict on their own agent: an upheld complaint, a consequence step the
 * ladder took, or a judged run's verdict (with the human reviews in it), within the appeal window and once per verdict (a withdrawn appeal may be filed
 * again). The appeal is a dispute of its own, arbitrated like a complaint; it moves trust only
 * when granted (grantAppeal).
 */
export async function fileAppeal(context: DisputesContext, builder: string, input: AppealVerdictInput): Promise<Dispute> {
  const ref = input.contested;
  const { options } = context;
  // The agent a verdict is about never changes: found before the transaction, whose first
  // statement must be the filer's lock.
  const found = await findContested(context.dataSource.manager, ref, options);
  if (!found) throw new NotFoundError(FIELD, CONTESTED_NAMES[ref.kind], ref.id);
  return inTransaction(context.dataSource, async (manager) => {
    await lockFiler(manager, found.agentId, builder);
    const agent = await findAgent(manager, found.agentId);
    if (agent?.ownerId !== builder) throw new ForbiddenError("Only the agent's builder appeals a verdict on it");
    // Read again under the lock: a verdict reversed or set aside meanwhile is no longer there to contest.
    const contested = await findContested(manager, ref, options);
    if (!contested) throw new NotFoundError(FIELD, CONTESTED_NAMES[ref.kind], ref.id);
    const { complaint } = contested;
    if (complaint && !(complaint.status === DisputeStatus.RESOLVED && complaint.outcome === DisputeOutcome.UPHELD)) {
      throw new ConflictError(FIELD, `is ${complaint.outcome ?? complaint.status}; only an upheld complaint is appealed`);
    }
    const now = new Date();
    if (now.getTime() - contested.givenAt.getTime() > options.appealDays * DAY_MS) {
      throw new ConflictError(FIELD, `was decided more than ${options.appealDays} days ago; the appeal window has closed`);
    }
    const earlier = await manager.findOneBy(Dispute, { kind: DisputeKind.APPEAL, contestedKind: ref.kind, contestedId: ref.id, status: Not(DisputeStatus.WITHDRAWN) });
    if (earlier) throw new ConflictError(FIELD, `is appealed already (${earlier.id}, ${earlier.outcome ?? earlier.status})`);
    await checkOpenCap(manager, found.agentId, builder, options, FIELD);
    return recordFiling(manager, Object.assign(new Dispute(), {
      id: randomUUID(),
      agentId: found.agentId,
      kind: DisputeKind.APPEAL,
      contestedKind: ref.kind,
      contestedId: ref.id,
      respondent: complaint?.filedBy ?? null,
      category: complaint?.category ?? DisputeCategory.OTHER,
      statement: input.statement.trim(),
      severity: complaint?.severity ?? DisputeSeverity.MAJOR,
      evidence: evidenceOf(input.evidence),
      status: DisputeStatus.OPEN,
      outcome: null,
      filedBy: builder,
      filedAt: now,
      occurredAt: contested.givenAt,
      assignedTo: null,
      ...deadlinesFrom(now, options),
      escalatedAt: null,
      closedAt: null,
      version: 1,
    }), options);
  });
}

/**
 * Reverses what a granted appeal contested, in the resolution's transaction (which holds the
 * appeal): the complaint becomes REJECTED by a transition of its own, whose state takes its weight
 * back out of reputation exactly; the consequence step is lifted if it still stands; the run is
 * set aside, its evidence leaving both scores.
 */
export async function grantAppeal(manager: EntityManager, appeal: Dispute, grant: { arbiter: string; note: string; at: Date }, options: DisputesOptions): Promise<void> {
  const reason = `reversed on appeal ${appeal.id}: ${grant.note}`.slice(0, 2000);
  if (appeal.contestedKind === ContestedKind.CONSEQUENCE) {
    await options.consequenceSteps.lift(manager, appeal.contestedId!, { appealId: appeal.id, reason: `${grant.arbiter}: ${reason}`, at: grant.at });
    return;
  }
  if (appeal.contestedKind === ContestedKind.RUN) {
    await options.runVerdicts.setAside(manager, appeal.contestedId!, { appealId: appeal.id, at: grant.at });
    return;
  }
  const complaint = await lockedDispute(manager, appeal.contestedId!, "input.disputeId");
  if (complaint.status !== DisputeStatus.RESOLVED || complaint.outcome !== DisputeOutcome.UPHELD) return;
  await transition(manager, complaint, { to: DisputeStatus.RESOLVED, outcome: DisputeOutcome.REJECTED, actor: actorOf("arbiter", grant.arbiter), note: reason, at: grant.at }, options.onDisputeChanged);
}
