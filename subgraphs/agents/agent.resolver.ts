import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Agent } from "./agent.entity.js";
import { RegisterAgentInput } from "./agent.inputs.js";
import { registerAgent } from "./agent.register.js";
import { checkBulkAgentIds } from "./agent-id.rules.js";
import { requireBulkReader, requireRegistrant } from "./agents.access.js";
import type { AgentSummary } from "./agent.loader.js";
import type { AgentsContext } from "./agents.context.js";

@Resolver(() => Agent)
export class AgentResolver {
  @Query(() => Agent, { nullable: true, description: "One agent by id, or null when there is none." })
  agent(@Arg("id", () => ID, { description: "The agent's id." }) id: string, @Ctx() context: AgentsContext): Promise<AgentSummary | null> {
    return context.agentById.load(id);
  }

  @Query(() => [Agent], {
    nullable: "items",
    description:
      "Up to 100 agents by id, in the order asked: null for an id no agent has, the same agent again for a repeated id. Open to everyone; an API key needs reputation:read.",
  })
  agentsByIds(
    @Arg("ids", () => [ID], { description: "The agents' ids (UUIDs), at most 100; repeats allowed." }) ids: string[],
    @Ctx() context: AgentsContext,
  ): Promise<(AgentSummary | null)[]> {
    requireBulkReader(context.identity);
    checkBulkAgentIds(ids);
    // One loader: one SELECT for the whole list, repeats asked once.
    return Promise.all(ids.map((id) => context.agentById.load(id)));
  }

  @Mutation(() => Agent, { description: "Registers an agent; the calling builder becomes its owner." })
  async registerAgent(
    @Arg("input", () => RegisterAgentInput, { description: "The agent's name, description and workflows." }) input: RegisterAgentInput,
    @Ctx() context: AgentsContext,
  ): Promise<Agent> {
    return registerAgent(context.dataSource, requireRegistrant(context.identity), input);
  }

  // Left out of the loader's read (agent.loader.ts): a registered agent has it, one the loader read gets it here.
  @FieldResolver(() => String)
  async description(@Root() agent: AgentSummary, @Ctx() context: AgentsContext): Promise<string> {
    return agent.description ?? (await context.descriptionByAgentId.load(agent.id))!;
  }
}
