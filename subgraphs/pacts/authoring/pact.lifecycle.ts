import { randomUUID } from "node:crypto";
import { In, type EntityManager } from "typeorm";
import type { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { findAgent, type DirectoryEntry } from "../../../lib/contracts/agent-directory.js";
import { writeLock } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from "../../../lib/platform/errors.js";
import { Pact, PactClause } from "./pact.entity.js";
import { PactStatus } from "../pact.enums.js";
import type { PactTerms } from "./pact.validation.js";

/** Who owns escalations under a pact version. */
export interface Escalation {
  team: string;
  contact: string;
  ackDeadlineMinutes: number;
}

/** The agent, if the caller owns it: only an agent's owner writes its pacts. */
export async function ownedAgent(manager: EntityManager, agentId: string, builder: string, field: string): Promise<DirectoryEntry> {
  const agent = await findAgent(manager, agentId);
  if (!agent) throw new NotFoundError(field, "agent", agentId);
  if (agent.ownerId !== builder) throw new ForbiddenError("Only the agent's owner can manage its pacts");
  return agent;
}

/** A pact version, locked for the rest of the transaction, if the caller owns its agent. */
export async function ownedPact(manager: EntityManager, pactId: string, builder: string): Promise<Pact> {
  const pact = await manager.findOne(Pact, { where: { id: pactId }, lock: writeLock(manager) });
  if (!pact) throw new NotFoundError("pactId", "pact", pactId);
  await ownedAgent(manager, pact.agentId, builder, "pactId");
  return pact;
}

/** The open (DRAFT or ACTIVE) versions of an agent's pact for a workflow, locked through the index that keeps them unique. */
export async function openVersions(manager: EntityManager, agentId: string, workflow: AgentDomain): Promise<{ draft?: Pact; active?: Pact }> {
  const open = await manager.find(Pact, { where: { agentId, workflow, openStatus: In([PactStatus.DRAFT, PactStatus.ACTIVE]) }, lock: writeLock(manager) });
  return { draft: open.find((p) => p.status === PactStatus.DRAFT), active: open.find((p) => p.status === PactStatus.ACTIVE) };
}

export function refuseSecondDraft(draft: Pact | undefined, field: string): void {
  if (draft) throw new ConflictError(field, `version ${draft.version} (${draft.id}) is already a draft for this workflow: activate or retire it first`);
}

/** The terms of a stored version, in the shape checkPactTerms returns. */
export function termsOf(pact: Pact, clauses: readonly PactClause[]): PactTerms {
  return {
    passThreshold: pact.passThreshold,
    clauses: clauses.map(({ key, metric, comparator, threshold, windowCases, windowDays, method, weight, severity }) => ({ key, metric, comparator, threshold, windowCases, windowDays, method, weight, severity })),
    consequenceLadder: pact.consequenceLadder,
    escalationRoute: pact.escalationRoute,
  };
}

interface NewVersion {
  agentId: string;
  workflow: AgentDomain;
  template: string | null;
  status: PactStatus.DRAFT | PactStatus.ACTIVE;
  amendsPactId: string | null;
  terms: PactTerms;
  escalation: Escalation;
  createdBy: string;
}

/** Writes the next version of the agent's pact for the workflow; the unique indexes catch a racing writer. */
export async function insertVersion(manager: EntityManager, version: NewVersion, now = new Date()): Promise<Pact> {
  const latest = await manager.findOne(Pact, { select: { version: true }, where: { agentId: version.agentId, workflow: version.workflow }, order: { version: "DESC" } });
  const pact = manager.create(Pact, {
    id: randomUUID(),
    agentId: version.agentId,
    workflow: version.workflow,
    template: version.template,
    version: (latest?.version ?? 0) + 1,
    status: version.status,
    openStatus: version.status,
    amendsPactId: version.amendsPactId,
    passThreshold: version.terms.passThreshold,
    escalationTeam: version.escalation.team,
    escalationContact: version.escalation.contact,
    ackDeadlineMinutes: version.escalation.ackDeadlineMinutes,
    escalationRoute: version.terms.escalationRoute,
    consequenceLadder: version.terms.consequenceLadder,
    createdBy: version.createdBy,
    createdAt: now,
    activatedAt: version.status === PactStatus.ACTIVE ? now : null,
    closedAt: null,
    retiredReason: null,
  });
  await manager.insert(Pact, pact);
  await manager.insert(PactClause, version.terms.clauses.map((clause, position) => ({ pactId: pact.id, ...clause, position })));
  return pact;
}

/** Puts a draft in force, superseding the version it amends, which must still be the active one. */
export async function activateDraft(manager: EntityManager, draft: Pact, now = new Date()): Promise<Pact> {
  if (draft.status !== PactStatus.DRAFT) throw new BadUserInputError("pactId", `only a DRAFT can be activated; version ${draft.version} is ${draft.status}`);
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
  return { ...draft, status: PactStatus.ACTIVE, openStatus: PactStatus.ACTIVE, activatedAt: now };
}

/** Retires an active version, and the draft amending it, which could never be activated after; or discards a draft. */
export async function retireVersion(manager: EntityManager, pact: Pact, reason: string | null, now = new Date()): Promise<Pact> {
  if (pact.status !== PactStatus.ACTIVE && pact.status !== PactStatus.DRAFT) {
    throw new BadUserInputError("pactId", `only an ACTIVE or DRAFT version can be retired; version ${pact.version} is ${pact.status}`);
  }
  const retired = (why: string | null) => ({ status: PactStatus.RETIRED, openStatus: null, closedAt: now, retiredReason: why });
  if (pact.status === PactStatus.ACTIVE) {
    const { draft } = await openVersions(manager, pact.agentId, pact.workflow);
    if (draft?.amendsPactId === pact.id) await manager.update(Pact, { id: draft.id }, retired(`the version it amends (${pact.version}) was retired`));
  }
  await manager.update(Pact, { id: pact.id }, retired(reason));
  return { ...pact, ...retired(reason) };
}
