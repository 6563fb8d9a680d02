import { randomUUID } from "node:crypto";
import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { ConflictError } from "../../lib/platform/errors.js";
import { inTransaction, isUniqueViolation } from "../../lib/platform/database.js";
import { requireRole } from "../../lib/platform/identity.js";
import { Agent, agentNameKey } from "./agent.entity.js";
import { RegisterAgentInput } from "./agent.inputs.js";
import type { AgentsContext } from "./agents.context.js";

@Resolver(() => Agent)
export class AgentResolver {
  @Query(() => Agent, { nullable: true, description: "One agent by id, or null when there is none." })
  agent(@Arg("id", () => ID, { description: "The agent's id." }) id: string, @Ctx() context: AgentsContext): Promise<Agent | null> {
    return context.agentById.load(id);
  }

  @Mutation(() => Agent, { description: "Registers an agent; the calling builder becomes its owner." })
  async registerAgent(
    @Arg("input", () => RegisterAgentInput, { description: "The agent's name, description and workflows." }) input: RegisterAgentInput,
    @Ctx() context: AgentsContext,
  ): Promise<Agent> {
    const ownerId = requireRole(context.identity, "builder");
    const agent = context.dataSource.getRepository(Agent).create({
      id: randomUUID(),
      name: input.name.trim(),
      nameKey: agentNameKey(input.name),
      description: input.description.trim(),
      domains: input.domains,
      ownerId,
      registeredAt: new Date(),
    });
    try {
      await inTransaction(context.dataSource, (manager) => manager.insert(Agent, agent));
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError("input.name", `you already have an agent named "${agent.name}"`);
      throw error;
    }
    return agent;
  }
}
