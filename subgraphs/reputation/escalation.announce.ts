import type { EntityManager } from "typeorm";
import { EscalationRecipient } from "../../lib/contracts/consequence.js";
import { type RaiseWebhookEvent, WebhookEventType } from "../../lib/contracts/webhook-event.js";
import type { Escalation } from "./trust-history.entity.js";

/*
 * Reputation's port to webhooks for escalations: one the pact's escalation owner must acknowledge
 * (a step taken, a listing lost) is raised when it is recorded, and again, to the builder, when
 * its deadline passes unacknowledged (escalation-deadline.sweep.ts). Both name the owner's team and
 * contact, so they go to the agent's builder's endpoints only (audience BUILDER). The runtime
 * installs the port (runtime/contexts.ts); with none installed nothing is raised.
 */

let raise: RaiseWebhookEvent | null = null;

/** Where escalations are announced from now on; null stops announcing. */
export function announceEscalationsTo(raiseEvent: RaiseWebhookEvent | null): void {
  raise = raiseEvent;
}

/** What both events say of the escalation. */
function described(escalation: Escalation) {
  return {
    escalationId: escalation.id,
    pactId: escalation.pactId,
    action: escalation.action,
    direction: escalation.direction,
    reason: escalation.reason,
    owner: { team: escalation.ownerTeam, contact: escalation.ownerContact },
    ackDueAt: escalation.ackDueAt?.toISOString() ?? null,
    cause: escalation.cause,
    causeId: escalation.causeId,
    raisedAt: escalation.createdAt.toISOString(),
  };
}

/** ESCALATION_RAISED, for an escalation that needs acknowledging, addressed as the pact's route says. */
export async function announceEscalation(manager: EntityManager, escalation: Escalation): Promise<void> {
  if (!raise || escalation.ackDueAt === null) return;
  await raise(manager, {
    type: WebhookEventType.ESCALATION_RAISED,
    agentId: escalation.agentId,
    audience: "BUILDER",
    data: { ...described(escalation), recipients: escalation.notify },
    at: escalation.createdAt,
  });
}

/**
 * Who an overdue escalation goes on to: the builder, then whoever else the pact's route names
 * after the owner who did not answer.
 */
export function overdueRecipients(notify: readonly EscalationRecipient[]): EscalationRecipient[] {
  const { ESCALATION_OWNER, BUILDER } = EscalationRecipient;
  return [...new Set([BUILDER, ...notify.filter((recipient) => recipient !== ESCALATION_OWNER)])];
}

/** ESCALATION_OVERDUE: the deadline passed unacknowledged at `at`. */
export async function announceOverdue(manager: EntityManager, escalation: Escalation, at: Date): Promise<void> {
  if (!raise) return;
  await raise(manager, {
    type: WebhookEventType.ESCALATION_OVERDUE,
    agentId: escalation.agentId,
    audience: "BUILDER",
    data: { ...described(escalation), overdueAt: at.toISOString(), recipients: overdueRecipients(escalation.notify) },
    at,
  });
}
