import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { BadUserInputError } from "../../lib/platform/errors.js";
import { AgentRef } from "./agent.stub.js";
import { liftAgentConsequence } from "./consequence.lift.js";
import { acknowledgeEscalation } from "./escalation.acknowledge.js";
import {
  requireConsequenceLifter,
  requireEscalationFollower,
  requireEscalationReader,
  requireTrustAuditor,
  requireTrustReader,
} from "./reputation.access.js";
import { Escalation } from "./trust-history.entity.js";
import { TrustProfile } from "./trust.entity.js";
import type { TrustView } from "./trust.loader.js";
import { recomputeAgentTrust } from "./trust.recompute.js";
import { EligibilityHistoryConnection, EscalationConnection, ScoreHistoryConnection } from "./trust.types.js";
import type { ReputationContext } from "./reputation.context.js";

const pageArgs = {
  first: { nullable: true, description: "Page size, 1–100 (default 20)." },
  after: { nullable: true, description: "Cursor of the entry to continue after." },
} as const;

@Resolver(() => AgentRef)
export class AgentTrustResolver {
  @FieldResolver(() => TrustProfile, {
    description: "The agent's trust: both scores with their confidence, tier, listing eligibility and consequence standing.",
  })
  trust(@Root() agent: AgentRef, @Ctx() context: ReputationContext): Promise<TrustView> {
    requireTrustReader(context.identity);
    return context.trustByAgentId.load(agent.id);
  }

  @FieldResolver(() => ScoreHistoryConnection, {
    description: "Every change of the agent's scores with the evidence that caused it, newest first; public.",
  })
  scoreHistory(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<ScoreHistoryConnection> {
    requireTrustReader(context.identity);
    return context.scoreHistory.load({ agentId: agent.id, first, after });
  }

  @FieldResolver(() => EligibilityHistoryConnection, {
    description: "Every change of the agent's listing eligibility, tier or consequence, with reasons and cause, newest first; public.",
  })
  eligibilityHistory(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<EligibilityHistoryConnection> {
    requireTrustReader(context.identity);
    return context.eligibilityHistory.load({ agentId: agent.id, first, after });
  }

  @FieldResolver(() => EscalationConnection, {
    description: "Consequence steps taken and lifted on the agent, and who is told, newest first: for its builder and arbiters.",
  })
  async escalations(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: ReputationContext,
  ): Promise<EscalationConnection> {
    requireEscalationFollower(context.identity);
    requireEscalationReader(context.identity, await context.ownerByAgentId.load(agent.id));
    return context.escalations.load({ agentId: agent.id, first, after });
  }

  @Mutation(() => TrustProfile, {
    description:
      "Recomputes an agent's scores from all its evidence under the policy in force (an audit, or after a policy change); arbiters only.",
  })
  async recomputeTrust(
    @Arg("agentId", () => ID, { description: "The agent." }) agentId: string,
    @Ctx() context: ReputationContext,
  ): Promise<TrustProfile> {
    requireTrustAuditor(context.identity);
    return recomputeAgentTrust(context.dataSource, agentId);
  }

  @Mutation(() => TrustProfile, {
    description: "Lifts the consequence standing on an agent, the only way down from a step without a way back; arbiters only.",
  })
  async liftConsequence(
    @Arg("agentId", () => ID, { description: "The agent." }) agentId: string,
    @Arg("reason", () => String, { description: "Why, for the record (1–500 characters)." }) reason: string,
    @Ctx() context: ReputationContext,
  ): Promise<TrustProfile> {
    const arbiter = requireConsequenceLifter(context.identity);
    if (reason.trim().length === 0 || reason.length > 500) throw new BadUserInputError("reason", "must be 1–500 characters");
    return liftAgentConsequence(context.dataSource, arbiter, agentId, reason.trim());
  }

  @Mutation(() => Escalation, {
    description:
      "Acknowledges a step taken or a listing lost: by the agent's builder (for its escalation owner) or an arbiter. Acknowledging twice, or what needs no acknowledgement, is a CONFLICT.",
  })
  async acknowledgeEscalation(
    @Arg("escalationId", () => ID, { description: "The escalation." }) escalationId: string,
    @Ctx() context: ReputationContext,
  ): Promise<Escalation> {
    requireEscalationFollower(context.identity);
    return acknowledgeEscalation(context.dataSource, context.identity, escalationId);
  }
}
