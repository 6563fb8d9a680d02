import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction } from "../../lib/platform/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, UnauthenticatedError } from "../../lib/platform/errors.js";
import { SUBJECT_PATTERN, requireRole } from "../../lib/platform/identity.js";
import { decodeCursor, isTimeCursor, pageOf, pageSize } from "../../lib/platform/pagination.js";
import { AgentRef } from "./agent.stub.js";
import { canRead, involvement, readableBy } from "./disputes.access.js";
import { fileAppeal, grantAppeal } from "./dispute.appeal.js";
import { ContestedKind, Dispute, DisputeKind, DisputeOutcome, DisputeStatus } from "./dispute.entity.js";
import { fileComplaint } from "./dispute.file.js";
import { AppealVerdictInput, DisputeFilter, FileDisputeInput, ResolveDisputeInput } from "./dispute.inputs.js";
import { actorOf, filerRole, isActive, lockedDispute, transition } from "./dispute.lifecycle.js";
import { DisputeConnection, DisputeSummary, DisputeSummaryConnection } from "./dispute-summary.types.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import type { DisputesContext } from "./disputes.context.js";

const pageArgs = {
  first: { nullable: true, description: "Page size, 1–100 (default 20)." },
  after: { nullable: true, description: "The `endCursor` of the previous page." },
} as const;

@Resolver(() => Dispute)
export class DisputeResolver {
  @Query(() => Dispute, { nullable: true, description: "One dispute in full; for its parties (filer, respondent, the agent's owner) and arbiters." })
  async dispute(@Arg("id", () => ID, { description: "The dispute's id." }) id: string, @Ctx() context: DisputesContext): Promise<Dispute | null> {
    if (context.identity.role === "anonymous") throw new UnauthenticatedError();
    const dispute = await context.dataSource.getRepository(Dispute).findOneBy({ id });
    if (!dispute) return null;
    const agent = await findAgent(context.dataSource.manager, dispute.agentId);
    if (!canRead(context.identity, dispute, agent?.ownerId ?? null)) throw new ForbiddenError("Only a dispute's parties and arbiters can read it");
    return dispute;
  }

  @Query(() => DisputeConnection, {
    description: "Disputes in full, newest first: all of them for arbiters; for a buyer those they filed or whose appeal answers them; for a builder those about their agents.",
  })
  async disputes(
    @Arg("filter", () => DisputeFilter, { nullable: true, description: "Conditions the disputes must meet; all disputes the caller may read when absent." }) filter: DisputeFilter | null,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: DisputesContext,
  ): Promise<DisputeConnection> {
    if (context.identity.role === "anonymous") throw new UnauthenticatedError();
    const size = pageSize(first);
    const cursor = after ? decodeCursor(after, "after", isTimeCursor) : null;
    const query = readableBy(context.dataSource.getRepository(Dispute).createQueryBuilder("d"), context.identity);
    if (filter?.agentId) query.andWhere("d.agent_id = :agentId", { agentId: filter.agentId });
    if (filter?.kind) query.andWhere("d.kind = :kind", { kind: filter.kind });
    if (filter?.statuses?.length) query.andWhere("d.status IN (:...statuses)", { statuses: filter.statuses });
    if (filter?.filedBy) query.andWhere("d.filed_by = :filedBy", { filedBy: filter.filedBy });
    if (filter?.assignedTo) query.andWhere("d.assigned_to = :assignedTo", { assignedTo: filter.assignedTo });
    if (cursor) query.andWhere("(d.filed_at < :at OR (d.filed_at = :at AND d.id < :id))", { at: new Date(cursor[0]), id: cursor[1] });
    const rows = await query.orderBy("d.filed_at", "DESC").addOrderBy("d.id", "DESC").limit(size + 1).getMany();
    return pageOf(rows, size, (node) => [node.filedAt.getTime(), node.id]);
  }

  @Mutation(() => Dispute, { description: "Files a complaint about an agent's behaviour (buyers). Not about an agent of one's own, and at most a configured number open per filer and agent." })
  fileDispute(
    @Arg("input", () => FileDisputeInput, { description: "The agent, what went wrong, how serious, and the evidence." }) input: FileDisputeInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    return fileComplaint(context, requireRole(context.identity, "buyer"), input);
  }

  @Mutation(() => Dispute, {
    description: "Appeals a verdict on one of the caller's agents (builders): an upheld complaint, a consequence step or a judged run's verdict (with its human reviews), within the appeal window, once per verdict. Granted, it reverses the verdict and what it did to trust.",
  })
  appealVerdict(
    @Arg("input", () => AppealVerdictInput, { description: "The verdict appealed, why it is wrong, and the evidence." }) input: AppealVerdictInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    return fileAppeal(context, requireRole(context.identity, "builder"), input);
  }

  @Mutation(() => Dispute, { description: "Withdraws an open dispute; its filer only." })
  async withdrawDispute(
    @Arg("disputeId", () => ID, { description: "The dispute." }) disputeId: string,
    @Arg("reason", () => String, { description: "Why, for the record (1–2000 characters)." }) reason: string,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const filer = requireRole(context.identity, "buyer", "builder");
    if (reason.trim().length === 0 || reason.trim().length > 2000) throw new BadUserInputError("reason", "must be 1–2000 characters, not counting surrounding spaces");
    return inTransaction(context.dataSource, async (manager) => {
      const dispute = await lockedDispute(manager, disputeId);
      const role = filerRole(dispute.kind);
      if (dispute.filedBy !== filer || context.identity.role !== role) throw new ForbiddenError("Only the filer withdraws a dispute");
      if (!isActive(dispute.status)) throw new ConflictError("disputeId", `is ${dispute.status}, no longer open`);
      return transition(manager, dispute, { to: DisputeStatus.WITHDRAWN, actor: actorOf(role, filer), note: reason.trim(), at: new Date() }, context.options.onDisputeChanged);
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
      // Choosing who decides is part of deciding: an involved arbiter neither takes nor hands it out.
      const conflict = await involvement(manager, assignee, dispute, context.options);
      if (conflict) throw new ForbiddenError(`Not ${assignee}: ${conflict}`);
      const callerConflict = assignee === caller ? null : await involvement(manager, caller, dispute, context.options);
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

  @Mutation(() => Dispute, {
    description: "Resolves a dispute under review as UPHELD, REJECTED or SETTLED; the assigned arbiter only. An upheld complaint counts against the agent's reputation by severity; an upheld (granted) appeal reverses the verdict it contests.",
  })
  async resolveDispute(
    @Arg("input", () => ResolveDisputeInput, { description: "The dispute, the outcome and why." }) input: ResolveDisputeInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const arbiter = requireRole(context.identity, "arbiter");
    return inTransaction(context.dataSource, async (manager) => {
      const dispute = await lockedDispute(manager, input.disputeId, "input.disputeId");
      const granting = dispute.kind === DisputeKind.APPEAL && input.outcome === DisputeOutcome.UPHELD;
      // What a grant reverses is locked next, before any plain read: the complaint (its state and
      // its filer's record are then read as committed), or the run with its window and trust.
      const complaint = granting && dispute.contestedKind === ContestedKind.DISPUTE ? await lockedDispute(manager, dispute.contestedId!, "input.disputeId") : null;
      if (granting && dispute.contestedKind === ContestedKind.RUN) await context.options.runVerdicts.lock(manager, dispute.contestedId!);
      if (dispute.status !== DisputeStatus.UNDER_REVIEW) throw new ConflictError("input.disputeId", `is ${dispute.status}; only a dispute under review is resolved`);
      if (dispute.assignedTo !== arbiter) throw new ForbiddenError("Only the arbiter assigned to a dispute resolves it");
      const conflict = await involvement(manager, arbiter, dispute, context.options);
      if (conflict) throw new ForbiddenError(conflict);
      const at = new Date();
      const note = input.note.trim();
      const resolved = await transition(manager, dispute, { to: DisputeStatus.RESOLVED, outcome: input.outcome, actor: actorOf("arbiter", arbiter), note, at }, context.options.onDisputeChanged);
      if (granting) await grantAppeal(manager, resolved, complaint, { arbiter, note, at }, context.options);
      return resolved;
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

@Resolver(() => DisputeSummary)
export class DisputeSummaryResolver {
  @FieldResolver(() => Dispute, { nullable: true, description: "The dispute in full, for its parties and arbiters; null for anyone else." })
  async dispute(@Root() summary: Dispute, @Ctx() context: DisputesContext): Promise<Dispute | null> {
    const ownerId = context.identity.role === "builder" ? await context.ownerByAgentId.load(summary.agentId) : null;
    return canRead(context.identity, summary, ownerId) ? summary : null;
  }
}

@Resolver(() => AgentRef)
export class AgentDisputesResolver {
  @FieldResolver(() => Int, { description: "Buyers' complaints about the agent not yet resolved or withdrawn (appeals are not counted)." })
  openDisputeCount(@Root() agent: AgentRef, @Ctx() context: DisputesContext): Promise<number> {
    return context.openDisputeCountByAgentId.load(agent.id);
  }

  @FieldResolver(() => DisputeSummaryConnection, {
    description: "Disputes about the agent, newest first; public, each as its kind, category, severity, status and outcome, in full (`dispute`) only for its parties and arbiters.",
  })
  disputes(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: DisputesContext,
  ): Promise<DisputeSummaryConnection> {
    return context.disputesByAgentId.load({ agentId: agent.id, first, after });
  }
}
