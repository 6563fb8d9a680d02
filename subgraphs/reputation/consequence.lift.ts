import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError, NotFoundError } from "../../lib/platform/errors.js";
import { requireUninvolvedLifter } from "./reputation.access.js";
import { TrustCause } from "./trust-history.entity.js";
import type { TrustProfile } from "./trust.entity.js";
import { liftConsequence } from "./trust.settle.js";

/**
 * An arbiter lifts the consequence standing on an agent, the only way down from a step without a
 * way back (trust.settle.ts: liftConsequence); `reason` is already trimmed and checked. CONFLICT
 * when no consequence stands.
 */
export async function liftAgentConsequence(
  dataSource: DataSource,
  arbiter: string,
  agentId: string,
  reason: string,
): Promise<TrustProfile> {
  if (agentId.length > 36) throw new NotFoundError("agentId", "agent", agentId);
  return inTransaction(dataSource, async (manager) => {
    const agent = await findAgent(manager, agentId);
    if (!agent) throw new NotFoundError("agentId", "agent", agentId);
    requireUninvolvedLifter(arbiter, agent);
    // The public histories name the act; the escalation, for the owner and arbiters, names the arbiter.
    const change = { cause: TrustCause.ARBITER, causeId: randomUUID(), at: new Date(), reason: `${arbiter}: ${reason}` };
    const lifted = await liftConsequence(manager, agentId, change);
    if (!lifted) throw new ConflictError("agentId", "no consequence stands on this agent");
    return lifted;
  });
}
