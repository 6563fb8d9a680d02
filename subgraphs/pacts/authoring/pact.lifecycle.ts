import { randomUUID } from "node:crypto";
import { In, type EntityManager } from "typeorm";
import type { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { isUniqueViolation, writeLock } from "../../../lib/platform/database.js";
import { ConflictError, NotFoundError } from "../../../lib/platform/errors.js";
import { Pact, PactClause } from "./pact.entity.js";
import { PactStatus } from "../pact.enums.js";
import type { ClauseInput, EscalationOwnerInput } from "./pact.inputs.js";
import type { ClauseTemplate } from "./pact.templates.js";
import type { PactTerms } from "./pact.validation.js";

/*
 * What the pact use cases (pact-template.adopt, pact.create, pact.amend, pact.activate,
 * pact.retire) share: reading and locking versions, writing the next one, and turning inputs into
 * a version's parts. Who may write a pact is in pacts.access.ts.
 */

/** Who owns escalations under a pact version. */
export interface Escalation {
  team: string;
  contact: string;
  ackDeadlineMinutes: number;
}

/** The escalation owner an input names, or the builder by default. */
export function escalationOf(input: EscalationOwnerInput | null | undefined, builder: string, ackDeadlineMinutes: number): Escalation {
  return input
    ? { team: input.team.trim(), contact: input.contact.trim(), ackDeadlineMinutes: input.ackDeadlineMinutes ?? ackDeadlineMinutes }
    : { team: `builder:${builder}`, contact: builder, ackDeadlineMinutes };
}

/** A clause as the input states it, in the shape checkPactTerms takes. */
export function clauseOf(input: ClauseInput): ClauseTemplate {
  const { key, metric, comparator, threshold, method, weight, severity } = input;
  return {
    key,
    metric,
    comparator,
    threshold,
    windowCases: input.windowCases ?? null,
    windowDays: input.windowDays ?? null,
    method,
    weight,
    severity,
  };
}

/** Two writers raced for the same version number or open slot; the loser is told to look again. */
export function raceToConflict(field: string) {
  return (error: unknown): never => {
    if (isUniqueViolation(error))
      throw new ConflictError(
        field,
        "another change to this agent's pacts for the workflow was made at the same time; read them and try again",
      );
    throw error;
  };
}

/** A pact version, locked for the rest of the transaction. */
export async function lockedPact(manager: EntityManager, pactId: string): Promise<Pact> {
  const pact = await manager.findOne(Pact, { where: { id: pactId }, lock: writeLock(manager) });
  if (!pact) throw new NotFoundError("pactId", "pact", pactId);
  return pact;
}

/** The open (DRAFT or ACTIVE) versions of an agent's pact for a workflow, locked through the index that keeps them unique. */
export async function openVersions(
  manager: EntityManager,
  agentId: string,
  workflow: AgentDomain,
): Promise<{ draft?: Pact; active?: Pact }> {
  const open = await manager.find(Pact, {
    where: { agentId, workflow, openStatus: In([PactStatus.DRAFT, PactStatus.ACTIVE]) },
    lock: writeLock(manager),
  });
  return { draft: open.find((p) => p.status === PactStatus.DRAFT), active: open.find((p) => p.status === PactStatus.ACTIVE) };
}

/** A workflow has at most one draft: refuses another while `draft` is open. */
export function refuseSecondDraft(draft: Pact | undefined, field: string): void {
  if (draft)
    throw new ConflictError(
      field,
      `version ${draft.version} (${draft.id}) is already a draft for this workflow: activate or retire it first`,
    );
}

/** The terms of a stored version, in the shape checkPactTerms returns. */
export function termsOf(pact: Pact, clauses: readonly PactClause[]): PactTerms {
  return {
    passThreshold: pact.passThreshold,
    clauses: clauses.map(({ key, metric, comparator, threshold, windowCases, windowDays, method, weight, severity }) => ({
      key,
      metric,
      comparator,
      threshold,
      windowCases,
      windowDays,
      method,
      weight,
      severity,
    })),
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
  const latest = await manager.findOne(Pact, {
    select: { version: true },
    where: { agentId: version.agentId, workflow: version.workflow },
    order: { version: "DESC" },
  });
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
  await manager.insert(
    PactClause,
    version.terms.clauses.map((clause, position) => ({ pactId: pact.id, ...clause, position })),
  );
  return pact;
}
