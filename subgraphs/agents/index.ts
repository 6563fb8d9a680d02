import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/platform/federation.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { Agent } from "./agent.entity.js";
import { createAgentLoader, createDescriptionLoader } from "./agent.loader.js";
import { agentReferenceResolvers } from "./agent.reference.js";
import { AgentResolver } from "./agent.resolver.js";
import type { AgentsContext } from "./agents.context.js";
import { CreateAgents1764100000100 } from "./migrations/1764100000100-create-agents.js";
import { AgentNameSkeletons1764400000110 } from "./migrations/1764400000110-agent-name-skeletons.js";
import { DirectoryNames1764600000120 } from "./migrations/1764600000120-directory-names.js";

export const agentsEntities = [Agent];
export const agentsMigrations = [CreateAgents1764100000100, AgentNameSkeletons1764400000110, DirectoryNames1764600000120];

export function buildAgentsSchema() {
  return buildFederatedSchema({ resolvers: [AgentResolver] }, agentReferenceResolvers);
}

/** The agents subgraph: agent registration and the `Agent` entity itself. */
export async function agentsSubgraph(dataSource: DataSource): Promise<Subgraph<AgentsContext>> {
  return {
    name: "agents",
    schema: await buildAgentsSchema(),
    createContext: (identity) => ({
      identity,
      dataSource,
      agentById: createAgentLoader(dataSource),
      descriptionByAgentId: createDescriptionLoader(dataSource),
    }),
  };
}
