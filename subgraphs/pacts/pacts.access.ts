import type { EntityManager, ObjectLiteral, SelectQueryBuilder } from "typeorm";
import { findAgent, type DirectoryEntry } from "../../lib/contracts/agent-directory.js";
import { BadUserInputError, ForbiddenError, NotFoundError } from "../../lib/platform/errors.js";
import { SUBJECT_PATTERN, isArbiterOr, requireRole, type Identity } from "../../lib/platform/identity.js";
import type { Pact } from "./authoring/pact.entity.js";
import type { EvaluationRun } from "./evaluation/evaluation-run.entity.js";

/*
 * Who may do what in the pacts context, in one place:
 * - Pacts are written (adopted, created, amended, activated, retired) by builders, and only for
 *   agents they own; evidence is submitted the same way.
 * - Arbiters read the review queue and decide its cases, never those of agents they own.
 * - Reading is open, except: versions that never came into force, escalation contacts, a run's
 *   jury detail and evidence, who reviewed a case, a juror's failure in the provider's words, and
 *   a builder's jury spend.
 */

/** Pacts are written by builders (for agents they own: requireAgentOwner). Returns the builder's subject. */
export function requirePactAuthor(identity: Identity): string {
  return requireRole(identity, "builder");
}

/** Evidence is submitted by builders (for agents they own: requireEvidenceOwner). Returns the builder's subject. */
export function requireEvidenceSubmitter(identity: Identity): string {
  return requireRole(identity, "builder");
}

/** Arbiters read the review queue and decide the cases in it. Returns the arbiter's subject. */
export function requireReviewer(identity: Identity): string {
  return requireRole(identity, "arbiter");
}

/**
 * A builder's jury spend is the builder's and arbiters' business: a builder reads their own (naming
 * nobody or themselves), an arbiter names the builder, since arbiters have no spend of their own.
 * Returns the subject of the builder whose spend is read.
 */
export function requireSpendReader(identity: Identity, builder: string | null | undefined): string {
  const caller = requireRole(identity, "builder", "arbiter");
  const named = builder ?? null;
  if (named !== null && !SUBJECT_PATTERN.test(named))
    throw new BadUserInputError("builder", "must be a builder's subject: 1–128 letters, digits and . _ @ : -");
  if (identity.role === "builder") {
    if (named !== null && named !== caller) throw new ForbiddenError("A builder reads only their own jury spend");
    return caller;
  }
  if (named === null) throw new BadUserInputError("builder", "an arbiter must name the builder whose spend to read");
  return named;
}

async function ownedAgent(
  manager: EntityManager,
  agentId: string,
  builder: string,
  field: string,
  refusal: string,
): Promise<DirectoryEntry> {
  const agent = await findAgent(manager, agentId);
  if (!agent) throw new NotFoundError(field, "agent", agentId);
  if (agent.ownerId !== builder) throw new ForbiddenError(refusal);
  return agent;
}

/** The agent, if `builder` owns it: only an agent's owner writes its pacts. */
export function requireAgentOwner(manager: EntityManager, agentId: string, builder: string, field: string): Promise<DirectoryEntry> {
  return ownedAgent(manager, agentId, builder, field, "Only the agent's owner can manage its pacts");
}

/** Only the owner of a version's agent amends, activates or retires it. */
export async function requirePactOwner(manager: EntityManager, pact: Pick<Pact, "agentId">, builder: string): Promise<void> {
  await requireAgentOwner(manager, pact.agentId, builder, "pactId");
}

/** The agent, if `builder` owns it: only an agent's owner submits evidence for it. */
export function requireEvidenceOwner(manager: EntityManager, agentId: string, builder: string): Promise<DirectoryEntry> {
  return ownedAgent(manager, agentId, builder, "input.agentId", "Only the agent's owner can submit evidence for it");
}

/** Reviewers never review agents they own. */
export async function requireUninvolvedReviewer(manager: EntityManager, agentId: string, arbiter: string): Promise<void> {
  if ((await findAgent(manager, agentId))?.ownerId === arbiter) throw new ForbiddenError("Reviewers never review agents they own");
}

/** The same rule as requireUninvolvedReviewer, as a condition on the review queue's jury verdicts `v`: what the arbiter is shown. */
export function reviewableBy<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, arbiter: string): SelectQueryBuilder<T> {
  return query.andWhere("NOT EXISTS (SELECT 1 FROM agent_directory d WHERE d.agent_id = v.agent_id AND d.owner_id = :arbiter)", {
    arbiter,
  });
}

/**
 * A version that never came into force (a draft, or a draft discarded) is work in progress: only
 * its author (the agent's owner) and arbiters see it. Every version that was in force is public.
 */
export function maySeePact(identity: Identity, pact: Pick<Pact, "activatedAt" | "createdBy">): boolean {
  return pact.activatedAt !== null || isArbiterOr(identity, "builder", pact.createdBy);
}

/** Escalation contacts are personal data: for the builder who wrote the version and arbiters. */
export function mayReadEscalationOwner(identity: Identity, pact: Pick<Pact, "createdBy">): boolean {
  return isArbiterOr(identity, "builder", pact.createdBy);
}

/** Who may read a run's jury detail and the cases behind it: arbiters and the builder who submitted it. */
export function mayReadJuryDetail(identity: Identity, run: Pick<EvaluationRun, "submittedBy">): boolean {
  return isArbiterOr(identity, "builder", run.submittedBy);
}

/** Who reviewed a case is for arbiters only. */
export function mayReadReviewer(identity: Identity): boolean {
  return identity.role === "arbiter";
}

/** A juror's failure in the provider's words is for arbiters; anyone else reads its failureKind. */
export function mayReadJurorError(identity: Identity): boolean {
  return identity.role === "arbiter";
}

/**
 * The kind of a juror's failure, for builders: providers' messages can name accounts, roles or
 * organisations (an AccessDeniedException quotes the assumed role), which only operators need.
 */
export function failureKind(error: string): string {
  if (/timed out/i.test(error)) return "timed out";
  if (/throttl|429|rate|quota/i.test(error)) return "throttled";
  if (/reply|verdict|confidence|JSON|refused|filter|guardrail/i.test(error)) return "gave no usable answer";
  return "could not be reached or refused the call";
}
