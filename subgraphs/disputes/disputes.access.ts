import type { EntityManager, SelectQueryBuilder } from "typeorm";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import type { Identity } from "../../lib/platform/identity.js";
import { ContestedKind, Dispute, DisputeKind } from "./dispute.entity.js";
import type { DisputesOptions } from "./disputes.context.js";

/**
 * Why `subject` may not decide the dispute, or null. A subject is unique only within its role; the
 * same subject in two roles is taken to be one person. Beyond the parties, an appeal is never heard
 * by an arbiter who decided what it contests: who upheld the complaint, who reviewed the run's
 * cases, or who decided the evidence that fired the step.
 */
export async function involvement(manager: EntityManager, subject: string, dispute: Dispute, options: DisputesOptions): Promise<string | null> {
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

/** Parties (filer, respondent, the agent's owner) and arbiters read a dispute in full. */
export function canRead(identity: Identity, dispute: Dispute, ownerId: string | null): boolean {
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
      return query.andWhere("((d.kind = :complaint AND d.filed_by = :me) OR d.respondent = :me)", { ...me, complaint: DisputeKind.COMPLAINT });
    case "builder":
      return query.andWhere("EXISTS (SELECT 1 FROM agent_directory a WHERE a.agent_id = d.agent_id AND a.owner_id = :me)", me);
    default:
      return query.andWhere("1 = 0");
  }
}
