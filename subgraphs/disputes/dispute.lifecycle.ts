import { randomUUID } from "node:crypto";
import { In, Not, type EntityManager } from "typeorm";
import type { DisputeStateListener, DisputeStateReport } from "../../lib/contracts/dispute-state.js";
import { writeLock } from "../../lib/platform/database.js";
import { NotFoundError } from "../../lib/platform/errors.js";
import { Dispute, DisputeKind, DisputeOutcome, DisputeStatus } from "./dispute.entity.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import { logDisputeTransition } from "./dispute.log.js";

export const ACTIVE_STATUSES = [DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW];
export const isActive = (status: DisputeStatus) => ACTIVE_STATUSES.includes(status);

/** `role:subject`, as transitions name their actor. */
export const actorOf = (role: string, subject: string) => `${role}:${subject}`;

/** The role whose subject files a dispute of this kind. */
export const filerRole = (kind: DisputeKind) => (kind === DisputeKind.APPEAL ? "builder" : "buyer");

/** The dispute, locked for the rest of the transaction, or NOT_FOUND on the argument's path. */
export async function lockedDispute(manager: EntityManager, disputeId: string, field = "disputeId"): Promise<Dispute> {
  const dispute = await manager.findOne(Dispute, { where: { id: disputeId }, lock: writeLock(manager) });
  if (!dispute) throw new NotFoundError(field, "dispute", disputeId);
  return dispute;
}

/**
 * Moves a dispute to its next state inside the caller's transaction (which has locked it):
 * writes the change, records the transition with who, when and why, and tells reputation the
 * new state under a version one higher. A step that leaves the status as it is (an escalation,
 * a reversal on appeal) is recorded the same way.
 */
export async function transition(
  manager: EntityManager,
  dispute: Dispute,
  step: { to: DisputeStatus; outcome?: DisputeOutcome | null; actor: string; note: string; at: Date; changes?: Partial<Dispute> },
  listener: DisputeStateListener,
): Promise<Dispute> {
  const from = dispute.status;
  const next = Object.assign(new Dispute(), dispute, step.changes ?? {}, { status: step.to, version: dispute.version + 1 });
  if (step.outcome !== undefined) next.outcome = step.outcome;
  if (!isActive(step.to) && isActive(from)) next.closedAt = step.at;
  const { id, ...changes } = next;
  await manager.update(Dispute, { id }, changes);
  await manager.insert(DisputeTransition, {
    id: randomUUID(),
    disputeId: id,
    version: next.version,
    from,
    to: step.to,
    outcome: step.outcome ?? null,
    actor: step.actor,
    note: step.note,
    at: step.at,
  });
  await logDisputeTransition(manager, next, from, step.at);
  await report(manager, next, step.at, listener);
  return next;
}

/**
 * Tells reputation a complaint's state, with its filer's record of other decided complaints (a
 * plain read: a decision committed meanwhile counts from the next transition on). An appeal moves
 * trust only by reversing what it contests, which reports that dispute's own state.
 */
export async function report(manager: EntityManager, dispute: Dispute, at: Date, listener: DisputeStateListener): Promise<void> {
  if (dispute.kind === DisputeKind.APPEAL) return;
  const decided = await manager
    .createQueryBuilder(Dispute, "d")
    .select("d.outcome", "outcome")
    .addSelect("COUNT(*)", "n")
    .where({
      filedBy: dispute.filedBy,
      kind: DisputeKind.COMPLAINT,
      status: DisputeStatus.RESOLVED,
      outcome: In([DisputeOutcome.UPHELD, DisputeOutcome.REJECTED]),
      id: Not(dispute.id),
    })
    .groupBy("d.outcome")
    .getRawMany<{ outcome: DisputeOutcome; n: number | string }>();
  const count = (outcome: DisputeOutcome) => Number(decided.find((row) => row.outcome === outcome)?.n ?? 0);
  await listener(manager, stateOf(dispute, at, { upheld: count(DisputeOutcome.UPHELD), rejected: count(DisputeOutcome.REJECTED) }));
}

function stateOf(dispute: Dispute, at: Date, filerRecord: DisputeStateReport["filerRecord"]): DisputeStateReport {
  return {
    agentId: dispute.agentId,
    disputeId: dispute.id,
    version: dispute.version,
    severity: `${dispute.severity}`,
    open: isActive(dispute.status),
    upheld: dispute.status === DisputeStatus.RESOLVED && dispute.outcome === DisputeOutcome.UPHELD,
    filerRecord,
    occurredAt: dispute.occurredAt,
    at,
  };
}
