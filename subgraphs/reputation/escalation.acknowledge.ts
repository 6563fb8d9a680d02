import type { DataSource } from "typeorm";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { ConflictError, NotFoundError } from "../../lib/platform/errors.js";
import type { Identity } from "../../lib/platform/identity.js";
import { requireEscalationAcknowledger } from "./reputation.access.js";
import { Escalation } from "./trust-history.entity.js";

/**
 * The agent's builder (for its escalation owner) or an arbiter acknowledges a step taken or a
 * listing lost (reputation.access: requireEscalationAcknowledger). Acknowledging twice, or what
 * needs no acknowledgement (a lift, a regained listing), is a CONFLICT.
 */
export function acknowledgeEscalation(dataSource: DataSource, caller: Identity, escalationId: string): Promise<Escalation> {
  return inTransaction(dataSource, async (manager) => {
    const escalation = await manager.findOne(Escalation, { where: { id: escalationId }, lock: writeLock(manager) });
    if (!escalation) throw new NotFoundError("escalationId", "escalation", escalationId);
    const agent = await findAgent(manager, escalation.agentId);
    requireEscalationAcknowledger(caller, agent?.ownerId ?? null);
    if (!escalation.ackDueAt)
      throw new ConflictError("escalationId", "tells of a lift or a regained listing, which needs no acknowledgement");
    if (escalation.acknowledgedAt) throw new ConflictError("escalationId", "was acknowledged already");
    escalation.acknowledgedAt = new Date();
    await manager.update(Escalation, { id: escalationId }, { acknowledgedAt: escalation.acknowledgedAt });
    return escalation;
  });
}
