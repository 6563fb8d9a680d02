import { randomUUID } from "node:crypto";
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { findAgent } from "../../lib/agent-directory.js";
import { inTransaction, isUniqueViolation } from "../../lib/database.js";
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from "../../lib/errors.js";
import { requireRole } from "../../lib/identity.js";
import { AgentRef } from "./agent.stub.js";
import { EscalationOwner, Pact, PactClause } from "./pact.entity.js";
import { PactStatus } from "./pact.enums.js";
import { EscalationOwnerInput } from "./pact.inputs.js";
import { PACT_TEMPLATES, clauseStatement } from "./pact-templates.js";
import type { PactsContext } from "./pacts.context.js";

@Resolver(() => Pact)
export class PactResolver {
  @Query(() => Pact, { nullable: true, description: "One pact version by id, or null when there is none." })
  pact(@Arg("id", () => ID, { description: "The pact's id." }) id: string, @Ctx() context: PactsContext): Promise<Pact | null> {
    return context.pactById.load(id);
  }

  @Mutation(() => Pact, { description: "Binds one of the caller's agents to a pact built from a template (e.g. `alert-triage`)." })
  async adoptPactTemplate(
    @Arg("agentId", () => ID, { description: "The agent to bind; the caller must own it." }) agentId: string,
    @Arg("template", () => String, { description: `Template name: ${Object.keys(PACT_TEMPLATES).join(", ")}.` }) templateName: string,
    @Arg("escalationOwner", () => EscalationOwnerInput, { nullable: true, description: "Who owns escalations; defaults to the caller." })
    escalationOwner: EscalationOwnerInput | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    const builder = requireRole(context.identity, "builder");
    const template = Object.hasOwn(PACT_TEMPLATES, templateName) ? PACT_TEMPLATES[templateName] : undefined;
    if (!template) {
      throw new BadUserInputError("template", `unknown template "${templateName}"; available: ${Object.keys(PACT_TEMPLATES).join(", ")}`);
    }
    try {
      return await inTransaction(context.dataSource, async (manager) => {
        const agent = await findAgent(manager, agentId);
        if (!agent) throw new NotFoundError("agentId", "agent", agentId);
        if (agent.ownerId !== builder) throw new ForbiddenError("Only the agent's owner can bind it to a pact");
        if (!agent.domains.includes(template.workflow)) {
          throw new BadUserInputError("template", `the agent does not serve ${template.workflow}, which template "${template.name}" covers`);
        }
        const existing = await manager.find(Pact, { where: { agentId, workflow: template.workflow }, order: { version: "DESC" } });
        const active = existing.find((pact) => pact.status === PactStatus.ACTIVE);
        if (active) {
          throw new ConflictError("agentId", `the agent already has an active ${template.workflow} pact (version ${active.version})`);
        }
        const pact = manager.create(Pact, {
          id: randomUUID(),
          agentId,
          workflow: template.workflow,
          template: template.name,
          version: (existing[0]?.version ?? 0) + 1,
          status: PactStatus.ACTIVE,
          passThreshold: template.passThreshold,
          escalationTeam: escalationOwner?.team.trim() ?? `builder:${builder}`,
          escalationContact: escalationOwner?.contact.trim() ?? builder,
          ackDeadlineMinutes: escalationOwner?.ackDeadlineMinutes ?? template.ackDeadlineMinutes,
          createdBy: builder,
          adoptedAt: new Date(),
        });
        await manager.insert(Pact, pact);
        await manager.insert(
          PactClause,
          template.clauses.map((clause, position) => ({
            pactId: pact.id,
            key: clause.key,
            metric: clause.metric,
            comparator: clause.comparator,
            threshold: clause.threshold,
            windowCases: clause.windowCases,
            method: clause.method,
            weight: clause.weight,
            severity: clause.severity,
            position,
          })),
        );
        return pact;
      });
    } catch (error) {
      // Two adoptions racing for the same version: the loser sees the winner's pact.
      if (isUniqueViolation(error)) throw new ConflictError("agentId", `the agent already has an active ${template.workflow} pact`);
      throw error;
    }
  }

  @FieldResolver(() => [PactClause], { description: "The pact's clauses, in order." })
  clauses(@Root() pact: Pact, @Ctx() context: PactsContext): Promise<PactClause[]> {
    return context.clausesByPactId.load(pact.id);
  }

  @FieldResolver(() => EscalationOwner, {
    nullable: true,
    description: "Who is told when the agent's trust degrades under this pact. Contacts are personal data: visible to the builder who adopted the pact and to arbiters, null for anyone else.",
  })
  escalationOwner(@Root() pact: Pact, @Ctx() { identity }: PactsContext): EscalationOwner | null {
    const entitled = identity.role === "arbiter" || (identity.role === "builder" && identity.subject === pact.createdBy);
    return entitled ? { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes } : null;
  }

  @FieldResolver(() => AgentRef, { description: "The agent bound by the pact." })
  agent(@Root() pact: Pact): AgentRef {
    return { id: pact.agentId };
  }
}

@Resolver(() => PactClause)
export class PactClauseResolver {
  @FieldResolver(() => String, { description: "The clause in words, generated from its fields." })
  statement(@Root() clause: PactClause): string {
    return clauseStatement(clause);
  }
}

@Resolver(() => AgentRef)
export class AgentPactsResolver {
  @FieldResolver(() => [Pact], { description: "Every pact version binding the agent, newest first within each workflow." })
  pacts(@Root() agent: AgentRef, @Ctx() context: PactsContext): Promise<Pact[]> {
    return context.pactsByAgentId.load(agent.id);
  }
}
