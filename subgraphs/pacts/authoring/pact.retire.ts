import type { DataSource, EntityManager } from "typeorm";
import { inTransaction } from "../../../lib/platform/database.js";
import { BadUserInputError } from "../../../lib/platform/errors.js";
import { requirePactOwner } from "../pacts.access.js";
import { PactStatus } from "../pact.enums.js";
import { logPactRetired } from "../pact.log.js";
import { Pact } from "./pact.entity.js";
import { lockedPact, openVersions } from "./pact.lifecycle.js";

/** Retires an active version, and the draft amending it, which could never be activated after; or discards a draft. */
async function retireVersion(manager: EntityManager, pact: Pact, reason: string | null, now = new Date()): Promise<Pact> {
  if (pact.status !== PactStatus.ACTIVE && pact.status !== PactStatus.DRAFT) {
    throw new BadUserInputError("pactId", `only an ACTIVE or DRAFT version can be retired; version ${pact.version} is ${pact.status}`);
  }
  const retired = (why: string | null) => ({ status: PactStatus.RETIRED, openStatus: null, closedAt: now, retiredReason: why });
  if (pact.status === PactStatus.ACTIVE) {
    const { draft } = await openVersions(manager, pact.agentId, pact.workflow);
    if (draft?.amendsPactId === pact.id)
      await manager.update(Pact, { id: draft.id }, retired(`the version it amends (${pact.version}) was retired`));
  }
  await manager.update(Pact, { id: pact.id }, retired(reason));
  // Only a version that was in force is logged; a discarded draft never bound the agent (pact.log.ts).
  if (pact.status === PactStatus.ACTIVE) await logPactRetired(manager, pact, reason, now);
  return { ...pact, ...retired(reason) };
}

/**
 * Withdraws an ACTIVE version of the builder's agent's pact without a successor, or discards a
 * DRAFT; `reason` is already trimmed (null when blank). Runs already submitted are still judged
 * against it.
 */
export function retirePact(dataSource: DataSource, builder: string, pactId: string, reason: string | null): Promise<Pact> {
  return inTransaction(dataSource, async (manager) => {
    const pact = await lockedPact(manager, pactId);
    await requirePactOwner(manager, pact, builder);
    return retireVersion(manager, pact, reason);
  });
}
