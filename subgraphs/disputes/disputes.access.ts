import type { EntityManager, SelectQueryBuilder } from "typeorm";
import { findAgent, type DirectoryEntry } from "../../lib/contracts/agent-directory.js";
import { ForbiddenError, UnauthenticatedError } from "../../lib/platform/errors.js";
import { requireRole, requireScope, type Identity } from "../../lib/platform/identity.js";
import { ContestedKind, Dispute, DisputeKind } from "./dispute.entity.js";
import { filerRole } from "./dispute.lifecycle.js";
import type { DisputesOptions } from "./disputes.context.js";

/*
 * Who may do what in the disputes context, in one place:
 * - Buyers file complaints, never about an agent of their own; builders appeal verdicts on their
 *   own agents. Only its filer, in the role that filed it, withdraws a dispute.
 * - Arbiters assign disputes (to themselves or another arbiter) and resolve them: only the arbiter
 *   assigned resolves one, and no arbiter involved in a dispute takes, hands out or decides it
 *   (involvement).
 * - A dispute in full is for its parties (filer, respondent, the agent's owner) and arbiters
 *   (canRead, readableBy); anyone signed in may ask. Its public summary is open to everyone.
 * - A partner's API key reads disputes (counts, summaries, disputes in full) only with the scope
 *   disputes:read.
 */

/** Any reading of disputes by an API key needs disputes:read; callers with a token, their role alone. */
export function requireDisputesScope(identity: Identity): void {
  requireScope(identity, "disputes:read");
}

/** Buyers file complaints (about agents not their own: requireNotOwnAgent). Returns the buyer's subject. */
export function requireComplainant(identity: Identity): string {
  return requireRole(identity, "buyer");
}

/** A buyer never files a complaint about an agent they own: a subject in two roles is one person. */
export function requireNotOwnAgent(agent: Pick<DirectoryEntry, "ownerId">, buyer: string): void {
  if (agent.ownerId === buyer) throw new ForbiddenError("A builder cannot file a buyer dispute against their own agent");
}

/** Builders appeal verdicts (on agents they own: requireAgentOwner). Returns the builder's subject. */
export function requireAppellant(identity: Identity): string {
  return requireRole(identity, "builder");
}

/** Only the agent's owner appeals a verdict on it; an unknown agent is refused the same way. */
export async function requireAgentOwner(manager: EntityManager, agentId: string, builder: string): Promise<void> {
  const agent = await findAgent(manager, agentId);
  if (agent?.ownerId !== builder) throw new ForbiddenError("Only the agent's builder appeals a verdict on it");
}

/** Disputes are withdrawn by those who file them, buyers and builders (their own only: requireFiler). Returns the caller's subject. */
export function requireWithdrawer(identity: Identity): string {
  return requireRole(identity, "buyer", "builder");
}

/** Only its filer withdraws a dispute: the subject who filed it, acting in the role that files its kind. */
export function requireFiler(identity: Identity, dispute: Pick<Dispute, "kind" | "filedBy">): void {
  if (dispute.filedBy !== identity.subject || identity.role !== filerRole(dispute.kind))
    throw new ForbiddenError("Only the filer withdraws a dispute");
}

/** Arbiters assign and resolve disputes (never one they are involved in: involvement). Returns the arbiter's subject. */
export function requireArbiter(identity: Identity): string {
  return requireRole(identity, "arbiter");
}

/**
 * Choosing who decides is part of deciding: an involved arbiter neither takes a dispute nor hands
 * it out. The assignee is checked first, then the caller when they name someone else.
 */
export async function requireUninvolvedAssignment(
  manager: EntityManager,
  caller: string,
  assignee: string,
  dispute: Dispute,
  options: DisputesOptions,
): Promise<void> {
  const conflict = await involvement(manager, assignee, dispute, options);
  if (conflict) throw new ForbiddenError(`Not ${assignee}: ${conflict}`);
  const callerConflict = assignee === caller ? null : await involvement(manager, caller, dispute, options);
  if (callerConflict) throw new ForbiddenError(callerConflict);
}

/** Only the arbiter assigned to a dispute resolves it, and only while not involved in it. */
export async function requireAssignedArbiter(
  manager: EntityManager,
  arbiter: string,
  dispute: Dispute,
  options: DisputesOptions,
): Promise<void> {
  if (dispute.assignedTo !== arbiter) throw new ForbiddenError("Only the arbiter assigned to a dispute resolves it");
  const conflict = await involvement(manager, arbiter, dispute, options);
  if (conflict) throw new ForbiddenError(conflict);
}

/**
 * Why `subject` may not decide the dispute, or null. A subject is unique only within its role; the
 * same subject in two roles is taken to be one person. Beyond the parties, an appeal is never heard
 * by an arbiter who decided what it contests: who upheld the complaint, who reviewed the run's
 * cases, or who decided the evidence that fired the step.
 */
export async function involvement(
  manager: EntityManager,
  subject: string,
  dispute: Dispute,
  options: DisputesOptions,
): Promise<string | null> {
  if ((await findAgent(manager, dispute.agentId))?.ownerId === subject) return "an arbiter never decides a dispute about an agent they own";
  if (dispute.filedBy === subject || dispute.respondent === subject) return "an arbiter never decides a dispute they are a party to";
  if ((await decidersOf(manager, dispute, options)).includes(subject)) return "an arbiter never hears the appeal of their own verdict";
  return null;
}

/** Who decided what an appeal contests; nobody for a complaint. */
async function decidersOf(manager: EntityManager, dispute: Dispute, options: DisputesOptions): Promise<string[]> {
  const complaintDeciders = async (id: string) => {
    const decider = (await manager.findOne(Dispute, { select: { id: true, assignedTo: true }, where: { id } }))?.assignedTo;
    return decider ? [decider] : [];
  };
  const id = dispute.contestedId;
  if (dispute.kind !== DisputeKind.APPEAL || !id) return [];
  switch (dispute.contestedKind) {
    case ContestedKind.DISPUTE:
      return complaintDeciders(id);
    case ContestedKind.RUN:
      return options.runVerdicts.reviewers(manager, id);
    case ContestedKind.CONSEQUENCE: {
      const cause = (await options.consequenceSteps.find(manager, id))?.cause;
      if (cause?.kind === "DISPUTE") return complaintDeciders(cause.id);
      if (cause?.kind === "EVALUATION_RUN") return options.runVerdicts.reviewers(manager, cause.id);
      return [];
    }
    default:
      return [];
  }
}

/** Disputes in full are read only by callers who are signed in (then: canRead, readableBy). */
export function requireSignedIn(identity: Identity): void {
  if (identity.role === "anonymous") throw new UnauthenticatedError();
}

/** The dispute is for the caller to read in full (canRead), its agent's owner looked up; FORBIDDEN otherwise. */
export async function requireReader(manager: EntityManager, identity: Identity, dispute: Dispute): Promise<void> {
  const agent = await findAgent(manager, dispute.agentId);
  if (!canRead(identity, dispute, agent?.ownerId ?? null)) throw new ForbiddenError("Only a dispute's parties and arbiters can read it");
}

/**
 * Whether a public summary's dispute is handed out in full to the caller (canRead); `ownerOf` looks
 * up the agent's owner, which only a builder's reading needs.
 */
export async function mayReadInFull(
  identity: Identity,
  dispute: Dispute,
  ownerOf: (agentId: string) => Promise<string | null>,
): Promise<boolean> {
  const ownerId = identity.role === "builder" ? await ownerOf(dispute.agentId) : null;
  return canRead(identity, dispute, ownerId);
}

/** Parties (filer, respondent, the agent's owner) and arbiters read a dispute in full. */
function canRead(identity: Identity, dispute: Dispute, ownerId: string | null): boolean {
  switch (identity.role) {
    case "arbiter":
      return true;
    case "buyer":
      return (dispute.kind === DisputeKind.COMPLAINT && dispute.filedBy === identity.subject) || dispute.respondent === identity.subject;
    case "builder":
      return ownerId === identity.subject;
    default:
      return false;
  }
}

/** The same rule as canRead, as a condition on `d`: what `disputes` lists for the caller. */
export function readableBy(query: SelectQueryBuilder<Dispute>, identity: Identity): SelectQueryBuilder<Dispute> {
  const me = { me: identity.subject };
  switch (identity.role) {
    case "arbiter":
      return query;
    case "buyer":
      return query.andWhere("((d.kind = :complaint AND d.filed_by = :me) OR d.respondent = :me)", {
        ...me,
        complaint: DisputeKind.COMPLAINT,
      });
    case "builder":
      return query.andWhere("EXISTS (SELECT 1 FROM agent_directory a WHERE a.agent_id = d.agent_id AND a.owner_id = :me)", me);
    default:
      return query.andWhere("1 = 0");
  }
}
