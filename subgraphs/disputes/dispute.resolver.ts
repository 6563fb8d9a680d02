import { randomUUID } from "node:crypto";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { findAgent } from "../../lib/agent-directory.js";
import { inTransaction } from "../../lib/database.js";
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from "../../lib/errors.js";
import { isArbiterOr, requireRole } from "../../lib/identity.js";
import { AgentRef } from "./agent.stub.js";
import { Dispute, DisputeSeverity, DisputeStatus } from "./dispute.entity.js";
import { FileDisputeInput } from "./dispute.inputs.js";
import type { DisputesContext } from "./disputes.context.js";

/** Open disputes one buyer may hold against one agent. */
export const MAX_OPEN_DISPUTES_PER_BUYER = 3;

@Resolver(() => Dispute)
export class DisputeResolver {
  @Query(() => Dispute, { nullable: true, description: "One dispute; visible to its filer, the agent's owner and arbiters." })
  async dispute(@Arg("id", () => ID, { description: "The dispute's id." }) id: string, @Ctx() context: DisputesContext): Promise<Dispute | null> {
    const { identity } = context;
    if (identity.role === "anonymous") throw new UnauthenticatedError();
    const dispute = await context.dataSource.getRepository(Dispute).findOneBy({ id });
    if (!dispute) return null;
    // A subject is only unique within its role: the filer is the buyer with that subject.
    if (isArbiterOr(identity, "buyer", dispute.filedBy)) return dispute;
    const agent = await findAgent(context.dataSource.manager, dispute.agentId);
    if (identity.role === "builder" && agent?.ownerId === identity.subject) return dispute;
    throw new ForbiddenError("Only the filer, the agent's owner and arbiters can read a dispute");
  }

  @Mutation(() => Dispute, { description: "Files a dispute about an agent's behaviour (buyers)." })
  async fileDispute(
    @Arg("input", () => FileDisputeInput, { description: "The agent, what went wrong and how serious it is." }) input: FileDisputeInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const buyer = requireRole(context.identity, "buyer");
    return inTransaction(context.dataSource, async (manager) => {
      if (!(await findAgent(manager, input.agentId))) throw new NotFoundError("input.agentId", "agent", input.agentId);
      // Open disputes count against an agent's listing: one buyer may not pile them up.
      const open = await manager.countBy(Dispute, { agentId: input.agentId, filedBy: buyer, status: DisputeStatus.OPEN });
      if (open >= MAX_OPEN_DISPUTES_PER_BUYER) {
        throw new ConflictError("input.agentId", `you already have ${open} open disputes about this agent; add to one of them or wait for arbitration`);
      }
      const dispute = manager.create(Dispute, {
        id: randomUUID(),
        agentId: input.agentId,
        reason: input.reason.trim(),
        severity: input.severity ?? DisputeSeverity.MAJOR,
        status: DisputeStatus.OPEN,
        filedBy: buyer,
        filedAt: new Date(),
      });
      await manager.insert(Dispute, dispute);
      return dispute;
    });
  }

  @FieldResolver(() => AgentRef, { description: "The agent disputed." })
  agent(@Root() dispute: Dispute): AgentRef {
    return { id: dispute.agentId };
  }
}

@Resolver(() => AgentRef)
export class AgentDisputesResolver {
  @FieldResolver(() => Int, { description: "Disputes filed against the agent and not yet resolved." })
  openDisputeCount(@Root() agent: AgentRef, @Ctx() context: DisputesContext): Promise<number> {
    return context.openDisputeCountByAgentId.load(agent.id);
  }
}
