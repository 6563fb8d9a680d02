import type { DataSource, EntityManager } from "typeorm";
import { inTransaction } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError } from "../../../lib/platform/errors.js";
import { requirePactOwner } from "../pacts.access.js";
import { PactStatus } from "../pact.enums.js";
import { logPactActivated } from "../pact.log.js";
import { Pact } from "./pact.entity.js";
import { lockedPact, openVersions, raceToConflict } from "./pact.lifecycle.js";

/** Puts a draft in force, superseding the version it amends, which must still be the active one. */
async function activateDraft(manager: EntityManager, draft: Pact, now = new Date()): Promise<Pact> {
  if (draft.status !== PactStatus.DRAFT)
    throw new BadUserInputError("pactId", `only a DRAFT can be activated; version ${draft.version} is ${draft.status}`);
  const { active } = await openVersions(manager, draft.agentId, draft.workflow);
  if ((active?.id ?? null) !== draft.amendsPactId) {
    throw new ConflictError(
      "pactId",
      draft.amendsPactId === null
        ? `version ${active!.version} is already active for this workflow; amend it instead`
        : `the version this draft amends is no longer active (the active version is ${active ? active.version : "none"}); retire the draft and amend again`,
    );
  }
  // The old version closes first, so the one-active-version index never sees two.
  if (active) await manager.update(Pact, { id: active.id }, { status: PactStatus.SUPERSEDED, openStatus: null, closedAt: now });
  await manager.update(Pact, { id: draft.id }, { status: PactStatus.ACTIVE, openStatus: PactStatus.ACTIVE, activatedAt: now });
  await logPactActivated(manager, draft, active ?? null, now);
  return { ...draft, status: PactStatus.ACTIVE, openStatus: PactStatus.ACTIVE, activatedAt: now };
}

/** Puts a DRAFT of the builder's agent's pact in force; the version it amends becomes SUPERSEDED. */
export function activatePact(dataSource: DataSource, builder: string, pactId: string): Promise<Pact> {
  return inTransaction(dataSource, async (manager) => {
    const draft = await lockedPact(manager, pactId);
    await requirePactOwner(manager, draft, builder);
    return activateDraft(manager, draft);
  }).catch(raceToConflict("pactId"));
}
