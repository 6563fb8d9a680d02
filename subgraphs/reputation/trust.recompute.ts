import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction } from "../../lib/platform/database.js";
import { NotFoundError } from "../../lib/platform/errors.js";
import { TrustCause } from "./trust-history.entity.js";
import type { TrustProfile } from "./trust.entity.js";
import { recomputeTrust } from "./trust.record.js";
import { lockProfile } from "./trust.settle.js";

/**
 * An arbiter recomputes an agent's scores from all its evidence under the policy in force (an
 * audit, or after a policy change): the full fold of trust.record.ts, under the agent's lock.
 */
export async function recomputeAgentTrust(dataSource: DataSource, agentId: string): Promise<TrustProfile> {
  if (agentId.length > 36) throw new NotFoundError("agentId", "agent", agentId);
  return inTransaction(dataSource, async (manager) => {
    // Lock before any read: on MySQL the fold's plain reads must see every committed run (an
    // unknown agent rolls the lock's row back).
    await lockProfile(manager, agentId);
    if (!(await findAgent(manager, agentId))) throw new NotFoundError("agentId", "agent", agentId);
    // The public histories name the act, not the arbiter.
    return recomputeTrust(manager, agentId, { cause: TrustCause.RECOMPUTE, causeId: randomUUID(), at: new Date() });
  });
}
