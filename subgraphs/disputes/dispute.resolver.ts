import { randomUUID } from "node:crypto";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { In, type EntityManager } from "typeorm";
import { findAgent, type DirectoryEntry } from "../../lib/agent-directory.js";
import { inTransaction, writeLock } from "../../lib/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from "../../lib/errors.js";
import { SUBJECT_PATTERN, isArbiterOr, requireRole, type Identity } from "../../lib/identity.js";
import { AgentRef } from "./agent.stub.js";
import { Dispute, DisputeCategory, DisputeSeverity, DisputeStatus } from "./dispute.entity.js";
import { DisputeFiler } from "./dispute-filer.entity.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import { FileDisputeInput, ResolveDisputeInput } from "./dispute.inputs.js";
import { ACTIVE_STATUSES, actorOf, isActive, stateOf, transition } from "./dispute.lifecycle.js";
import type { DisputesContext } from "./disputes.context.js";

const HOUR_MS = 3600 * 1000;
/** How far back the disputed behaviour may lie. */
const MAX_AGE_MS = 2 * 365 * 24 * HOUR_MS;

/** A subject is unique only within its role; the same subject in two roles is taken to be one person. */
function involvement(subject: string, dispute: Dispute, agent: DirectoryEntry | null): string | null {
  if (agent?.ownerId === subject) return "an arbiter never decides a dispute about an agent they own";
  if (dispute.filedBy === subject) return "an arbiter never decides a dispute they filed";
  return null;
}

/** The dispute, locked for the rest of the transaction, or NOT_FOUND on the argument's path. */
async function lockedDispute(manager: EntityManager, disputeId: string, field = "disputeId"): Promise<Dispute> {
  const dispute = await manager.findOne(Dispute, { where: { id: disputeId }, lock: writeLock(manager) });
  if (!dispute) throw new NotFoundError(field, "dispute", disputeId);
  return dispute;
}

/**
 * Serialises one filer's filings against one agent, before any read: the open-dispute cap is
 * counted after it, so concurrent filings cannot all see the count from before the others. An
 * upsert, not INSERT IGNORE, for the reason lockProfile gives in the reputation context.
 */
async function lockFiler(manager: EntityManager, agentId: string, filedBy: string): Promise<void> {
  await manager.createQueryBuilder().insert().into(DisputeFiler).values({ agentId, filedBy }).orUpdate(["agent_id"], ["agent_id", "filed_by"]).execute();
  await manager.findOne(DisputeFiler, { where: { agentId, filedBy }, lock: writeLock(manager) });
}

function canRead(identity: Identity, dispute: Dispute, ownerId: string | null): boolean {
  return isArbiterOr(identity, "buyer", dispute.filedBy) || (identity.role === "builder" && identity.subject === ownerId);
}

@Resolver(() => Dispute)
export class DisputeResolver {
  @Query(() => Dispute, { nullable: true, description: "One dispute in full; for its filer, the agent's owner and arbiters." })
  async dispute(@Arg("id", () => ID, { description: "The dispute's id." }) id: string, @Ctx() context: DisputesContext): Promise<Dispute | null> {
    if (context.identity.role === "anonymous") throw new UnauthenticatedError();
    const dispute = await context.dataSource.getRepository(Dispute).findOneBy({ id });
    if (!dispute) return null;
    const agent = await findAgent(context.dataSource.manager, dispute.agentId);
    if (!canRead(context.identity, dispute, agent?.ownerId ?? null)) throw new ForbiddenError("Only the filer, the agent's owner and arbiters can read a dispute");
    return dispute;
  }

  @Mutation(() => Dispute, { description: "Files a dispute about an agent's behaviour (buyers). Not about an agent of one's own, and at most a configured number open per filer and agent." })
  async fileDispute(
    @Arg("input", () => FileDisputeInput, { description: "The agent, what went wrong, how serious, and the evidence." }) input: FileDisputeInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const buyer = requireRole(context.identity, "buyer");
    const now = new Date();
    const occurredAt = input.occurredAt ?? now;
    if (occurredAt.getTime() > now.getTime()) throw new BadUserInputError("input.occurredAt", "is in the future");
    if (now.getTime() - occurredAt.getTime() > MAX_AGE_MS) throw new BadUserInputError("input.occurredAt", "is more than two years back");
    const { maxOpenPerFiler, responseHours, resolutionDays } = context.options;
    return inTransaction(context.dataSource, async (manager) => {
      await lockFiler(manager, input.agentId, buyer);
      const agent = await findAgent(manager, input.agentId);
      if (!agent) throw new NotFoundError("input.agentId", "agent", input.agentId);
      if (agent.ownerId === buyer) throw new ForbiddenError("A builder cannot file a buyer dispute against their own agent");
      // Open disputes weigh on an agent's listing: one filer may not pile them up.
      const open = await manager.countBy(Dispute, { agentId: input.agentId, filedBy: buyer, status: In(ACTIVE_STATUSES) });
      if (open >= maxOpenPerFiler) {
        throw new ConflictError("input.agentId", `you already have ${open} open disputes about this agent; add to one of them or wait for arbitration`);
      }
      const evidence = input.evidence ?? {};
      const dispute = Object.assign(new Dispute(), {
        id: randomUUID(),
        agentId: input.agentId,
        category: input.category ?? DisputeCategory.OTHER,
        statement: input.statement.trim(),
        severity: input.severity ?? DisputeSeverity.MAJOR,
        evidence: {
          caseIds: evidence.caseIds ?? [],
          runIds: evidence.runIds ?? [],
          kpiReportIds: evidence.kpiReportIds ?? [],
          external: (evidence.external ?? []).map(({ url, sha256 }) => ({ url, sha256: sha256.toLowerCase() })),
        },
        status: DisputeStatus.OPEN,
        outcome: null,
        filedBy: buyer,
        filedAt: now,
        occurredAt,
        assignedTo: null,
        responseDueAt: new Date(now.getTime() + responseHours * HOUR_MS),
        resolutionDueAt: new Date(now.getTime() + resolutionDays * 24 * HOUR_MS),
        escalatedAt: null,
        closedAt: null,
        version: 1,
      });
      await manager.insert(Dispute, dispute);
      await manager.insert(DisputeTransition, { id: randomUUID(), disputeId: dispute.id, version: 1, from: null, to: DisputeStatus.OPEN, outcome: null, actor: actorOf("buyer", buyer), note: "filed", at: now });
      await context.options.onDisputeChanged(manager, stateOf(dispute, now));
      return dispute;
    });
  }

  @Mutation(() => Dispute, { description: "Withdraws an open dispute; its filer only." })
  async withdrawDispute(
    @Arg("disputeId", () => ID, { description: "The dispute." }) disputeId: string,
    @Arg("reason", () => String, { description: "Why, for the record (1–2000 characters)." }) reason: string,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const buyer = requireRole(context.identity, "buyer");
    if (reason.trim().length === 0 || reason.trim().length > 2000) throw new BadUserInputError("reason", "must be 1–2000 characters, not counting surrounding spaces");
    return inTransaction(context.dataSource, async (manager) => {
      const dispute = await lockedDispute(manager, disputeId);
      if (dispute.filedBy !== buyer) throw new ForbiddenError("Only the filer withdraws a dispute");
      if (!isActive(dispute.status)) throw new ConflictError("disputeId", `is ${dispute.status}, no longer open`);
      return transition(manager, dispute, { to: DisputeStatus.WITHDRAWN, actor: actorOf("buyer", buyer), note: reason.trim(), at: new Date() }, context.options.onDisputeChanged);
    });
  }

  @Mutation(() => Dispute, { description: "Assigns an open dispute to an arbiter (the caller unless another is named), or reassigns one under review; arbiters only, never one involved in the dispute." })
  async assignDispute(
    @Arg("disputeId", () => ID, { description: "The dispute." }) disputeId: string,
    @Arg("arbiter", () => ID, { nullable: true, description: "Subject of the arbiter to decide it; the caller when absent." }) arbiter: string | null,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const caller = requireRole(context.identity, "arbiter");
    const assignee = arbiter ?? caller;
    if (!SUBJECT_PATTERN.test(assignee)) throw new BadUserInputError("arbiter", "must be an arbiter's subject: 1–128 letters, digits and . _ @ : -");
    return inTransaction(context.dataSource, async (manager) => {
      const dispute = await lockedDispute(manager, disputeId);
      if (!isActive(dispute.status)) throw new ConflictError("disputeId", `is ${dispute.status}, no longer open`);
      if (dispute.assignedTo === assignee) throw new ConflictError("disputeId", `is already assigned to ${assignee}`);
      const agent = await findAgent(manager, dispute.agentId);
      // Choosing who decides is part of deciding: an involved arbiter neither takes nor hands it out.
      const conflict = involvement(assignee, dispute, agent);
      if (conflict) throw new ForbiddenError(`Not ${assignee}: ${conflict}`);
      const callerConflict = involvement(caller, dispute, agent);
      if (callerConflict) throw new ForbiddenError(callerConflict);
      return transition(manager, dispute, {
        to: DisputeStatus.UNDER_REVIEW,
        actor: actorOf("arbiter", caller),
        note: dispute.assignedTo ? `reassigned from ${dispute.assignedTo} to ${assignee}` : `assigned to ${assignee}`,
        at: new Date(),
        changes: { assignedTo: assignee },
      }, context.options.onDisputeChanged);
    });
  }

  @Mutation(() => Dispute, { description: "Resolves a dispute under review as UPHELD, REJECTED or SETTLED; the assigned arbiter only. An upheld dispute counts against the agent's reputation by severity." })
  async resolveDispute(
    @Arg("input", () => ResolveDisputeInput, { description: "The dispute, the outcome and why." }) input: ResolveDisputeInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const arbiter = requireRole(context.identity, "arbiter");
    return inTransaction(context.dataSource, async (manager) => {
      const dispute = await lockedDispute(manager, input.disputeId, "input.disputeId");
      if (dispute.status !== DisputeStatus.UNDER_REVIEW) throw new ConflictError("input.disputeId", `is ${dispute.status}; only a dispute under review is resolved`);
      if (dispute.assignedTo !== arbiter) throw new ForbiddenError("Only the arbiter assigned to a dispute resolves it");
      const conflict = involvement(arbiter, dispute, await findAgent(manager, dispute.agentId));
      if (conflict) throw new ForbiddenError(conflict);
      return transition(manager, dispute, { to: DisputeStatus.RESOLVED, outcome: input.outcome, actor: actorOf("arbiter", arbiter), note: input.note.trim(), at: new Date() }, context.options.onDisputeChanged);
    });
  }

  @FieldResolver(() => [DisputeTransition], { description: "Every step of the dispute, oldest first: who, when and why." })
  transitions(@Root() dispute: Dispute, @Ctx() context: DisputesContext): Promise<DisputeTransition[]> {
    return context.transitionsByDisputeId.load(dispute.id);
  }

  @FieldResolver(() => AgentRef, { description: "The agent disputed." })
  agent(@Root() dispute: Dispute): AgentRef {
    return { id: dispute.agentId };
  }
}

@Resolver(() => AgentRef)
export class AgentDisputesResolver {
  @FieldResolver(() => Int, { description: "Disputes filed against the agent and not yet resolved or withdrawn." })
  openDisputeCount(@Root() agent: AgentRef, @Ctx() context: DisputesContext): Promise<number> {
    return context.openDisputeCountByAgentId.load(agent.id);
  }
}
