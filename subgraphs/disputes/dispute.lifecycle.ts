import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { DisputeStateReport } from "../../lib/dispute-state.js";
import { Dispute, DisputeOutcome, DisputeStatus } from "./dispute.entity.js";
import { DisputeTransition } from "./dispute-transition.entity.js";

/** Told of every transition, inside its transaction, so reputation moves with the dispute or not at all. */
export type DisputeListener = (manager: EntityManager, report: DisputeStateReport) => Promise<unknown>;

export const ACTIVE_STATUSES = [DisputeStatus.OPEN, DisputeStatus.UNDER_REVIEW];
export const isActive = (status: DisputeStatus) => ACTIVE_STATUSES.includes(status);

/** `role:subject`, as transitions name their actor. */
export const actorOf = (role: string, subject: string) => `${role}:${subject}`;

/**
 * Moves a dispute to its next state inside the caller's transaction (which has locked it):
 * writes the change, records the transition with who, when and why, and tells reputation the
 * new state under a version one higher. A step that leaves the status as it is (an escalation)
 * is recorded the same way.
 */
export async function transition(
  manager: EntityManager,
  dispute: Dispute,
  step: { to: DisputeStatus; outcome?: DisputeOutcome | null; actor: string; note: string; at: Date; changes?: Partial<Dispute> },
  listener: DisputeListener,
): Promise<Dispute> {
  const from = dispute.status;
  const next = Object.assign(new Dispute(), dispute, step.changes ?? {}, { status: step.to, version: dispute.version + 1 });
  if (step.outcome !== undefined) next.outcome = step.outcome;
  if (!isActive(step.to) && isActive(from)) next.closedAt = step.at;
  const { id, ...changes } = next;
  await manager.update(Dispute, { id }, changes);
  await manager.insert(DisputeTransition, { id: randomUUID(), disputeId: id, version: next.version, from, to: step.to, outcome: step.outcome ?? null, actor: step.actor, note: step.note, at: step.at });
  await listener(manager, stateOf(next, step.at));
  return next;
}

export function stateOf(dispute: Dispute, at: Date): DisputeStateReport {
  return {
    agentId: dispute.agentId,
    disputeId: dispute.id,
    version: dispute.version,
    severity: `${dispute.severity}`,
    open: isActive(dispute.status),
    upheld: dispute.status === DisputeStatus.RESOLVED && dispute.outcome === DisputeOutcome.UPHELD,
    occurredAt: dispute.occurredAt,
    at,
  };
}
