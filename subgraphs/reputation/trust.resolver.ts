import { randomUUID } from "node:crypto";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from "../../lib/platform/errors.js";
import { isArbiterOr, requireRole } from "../../lib/platform/identity.js";
import { historyPage } from "../../lib/platform/pagination.js";
import { AgentRef } from "./agent.stub.js";
import { EligibilityChange, Escalation, ScoreHistoryEntry, TrustCause } from "./trust-history.entity.js";
import { TrustProfile } from "./trust.entity.js";
import { recomputeTrust } from "./trust.record.js";
import { liftConsequence, lockProfile } from "./trust.settle.js";
import type { ReputationContext } from "./reputation.context.js";

const ScoreHistoryConnection = historyPage(ScoreHistoryEntry, { edge: "ScoreHistoryEdge", connection: "ScoreHistoryConnection" }, { item: "change of an agent's scores", items: "an agent's score history" });
type ScoreHistoryConnection = InstanceType<typeof ScoreHistoryConnection>;
const EligibilityHistoryConnection = historyPage(EligibilityChange, { edge: "EligibilityChangeEdge", connection: "EligibilityHistoryConnection" }, { item: "change of an agent's listing", items: "an agent's eligibility history" });
type EligibilityHistoryConnection = InstanceType<typeof EligibilityHistoryConnection>;
const EscalationConnection = historyPage(Escalation, { edge: "EscalationEdge", connection: "EscalationConnection" }, { item: "escalation", items: "an agent's escalations" });
type EscalationConnection = InstanceType<typeof EscalationConnection>;

const pageArgs = {
  first: { nullable: true, description: "Page size, 1–100 (default 20)." },
  after: { nullable: true, description: "Cursor of the entry to continue after." },
} as const;

@Resolver(() => AgentRef)
export class AgentTrustResolver {
  @FieldResolver(() => TrustProfile, { description: "The agent's trust: both scores with their confidence, tier, listing eligibility and consequence standing." })
  trust(@Root() agent: AgentRef, @Ctx() context: ReputationContext): Promise<TrustProfile> {
    return context.trustByAgentId.load(agent.id);
  }

  @FieldResolver(() => ScoreHistoryConnection, { description: "Every change of the agent's scores with the evidence that caused it, newest first; public." })
  scoreHistory(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<ScoreHistoryConnection> {
    return context.scoreHistory.load({ agentId: agent.id, first, after });
  }

  @FieldResolver(() => EligibilityHistoryConnection, { description: "Every change of the agent's listing eligibility, tier or consequence, with reasons and cause, newest first; public." })
  eligibilityHistory(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<EligibilityHistoryConnection> {
    return context.eligibilityHistory.load({ agentId: agent.id, first, after });
  }

  @FieldResolver(() => EscalationConnection, { description: "Consequence steps taken and lifted on the agent, and who is told, newest first: for its builder and arbiters." })
  async escalations(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<EscalationConnection> {
    requireRole(context.identity, "builder", "arbiter");
    const owner = await context.ownerByAgentId.load(agent.id);
    if (!isArbiterOr(context.identity, "builder", owner ?? "")) throw new ForbiddenError("Only the agent's builder and arbiters see its escalations");
    return context.escalations.load({ agentId: agent.id, first, after });
  }

  @Mutation(() => TrustProfile, { description: "Recomputes an agent's scores from all its evidence under the policy in force (an audit, or after a policy change); arbiters only." })
  async recomputeTrust(@Arg("agentId", () => ID, { description: "The agent." }) agentId: string, @Ctx() context: ReputationContext): Promise<TrustProfile> {
    requireRole(context.identity, "arbiter");
    if (agentId.length > 36) throw new NotFoundError("agentId", "agent", agentId);
    return inTransaction(context.dataSource, async (manager) => {
      // Lock before any read: on MySQL the fold's plain reads must see every committed run (an
      // unknown agent rolls the lock's row back).
      await lockProfile(manager, agentId);
      if (!(await findAgent(manager, agentId))) throw new NotFoundError("agentId", "agent", agentId);
      // The public histories name the act, not the arbiter.
      return recomputeTrust(manager, agentId, { cause: TrustCause.RECOMPUTE, causeId: randomUUID(), at: new Date() });
    });
  }

  @Mutation(() => TrustProfile, { description: "Lifts the consequence standing on an agent, the only way down from a step without a way back; arbiters only." })
  async liftConsequence(
    @Arg("agentId", () => ID, { description: "The agent." }) agentId: string,
    @Arg("reason", () => String, { description: "Why, for the record (1–500 characters)." }) reason: string,
    @Ctx() context: ReputationContext,
  ): Promise<TrustProfile> {
    const arbiter = requireRole(context.identity, "arbiter");
    if (reason.trim().length === 0 || reason.length > 500) throw new BadUserInputError("reason", "must be 1–500 characters");
    if (agentId.length > 36) throw new NotFoundError("agentId", "agent", agentId);
    return inTransaction(context.dataSource, async (manager) => {
      if (!(await findAgent(manager, agentId))) throw new NotFoundError("agentId", "agent", agentId);
      // The public histories name the act; the escalation, for the owner and arbiters, names the arbiter.
      const lifted = await liftConsequence(manager, agentId, { cause: TrustCause.ARBITER, causeId: randomUUID(), at: new Date(), reason: `${arbiter}: ${reason.trim()}` });
      if (!lifted) throw new ConflictError("agentId", "no consequence stands on this agent");
      return lifted;
    });
  }

  @Mutation(() => Escalation, { description: "Acknowledges a step taken or a listing lost: by the agent's builder (for its escalation owner) or an arbiter. Acknowledging twice, or what needs no acknowledgement, is a CONFLICT." })
  async acknowledgeEscalation(@Arg("escalationId", () => ID, { description: "The escalation." }) escalationId: string, @Ctx() context: ReputationContext): Promise<Escalation> {
    requireRole(context.identity, "builder", "arbiter");
    return inTransaction(context.dataSource, async (manager) => {
      const escalation = await manager.findOne(Escalation, { where: { id: escalationId }, lock: writeLock(manager) });
      if (!escalation) throw new NotFoundError("escalationId", "escalation", escalationId);
      const agent = await findAgent(manager, escalation.agentId);
      if (!isArbiterOr(context.identity, "builder", agent?.ownerId ?? "")) throw new ForbiddenError("Only the agent's builder and arbiters acknowledge its escalations");
      if (!escalation.ackDueAt) throw new ConflictError("escalationId", "tells of a lift or a regained listing, which needs no acknowledgement");
      if (escalation.acknowledgedAt) throw new ConflictError("escalationId", "was acknowledged already");
      escalation.acknowledgedAt = new Date();
      await manager.update(Escalation, { id: escalationId }, { acknowledgedAt: escalation.acknowledgedAt });
      return escalation;
    });
  }
}
