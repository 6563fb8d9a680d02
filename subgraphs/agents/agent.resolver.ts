import { Arg, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { Agent } from "./agent.entity.js";
import { RegisterAgentInput } from "./agent.inputs.js";
import { registerAgent } from "./agent.register.js";
import { requireRegistrant } from "./agents.access.js";
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
    return registerAgent(context.dataSource, requireRegistrant(context.identity), input);
  }
}
