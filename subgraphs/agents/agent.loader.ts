import DataLoader from "dataloader";
import { In, type DataSource } from "typeorm";
import { Agent } from "./agent.entity.js";

/**
 * An agent as the loader reads it: what a page of agents shows, not the description (up to 4000
 * characters, loaded only when asked for) nor the name's uniqueness keys (never shown). A whole
 * `Agent`, as registration returns, is one too.
 */
export type AgentSummary = Pick<Agent, "id" | "name" | "domains" | "ownerId" | "registeredAt"> & Partial<Pick<Agent, "description">>;

/** One `SELECT … WHERE id IN (…)` per request, however many agents the gateway asks for. */
export function createAgentLoader(dataSource: DataSource): DataLoader<string, AgentSummary | null> {
  return new DataLoader(async (ids: readonly string[]) => {
    const agents = await dataSource.getRepository(Agent).find({
      select: { id: true, name: true, domains: true, ownerId: true, registeredAt: true },
      where: { id: In([...ids]) },
    });
    const byId = new Map(agents.map((agent) => [agent.id, agent]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** The descriptions of the agents whose `description` a request asks for: one more query, only then. Agents are never deleted. */
export function createDescriptionLoader(dataSource: DataSource): DataLoader<string, string | null> {
  return new DataLoader(async (ids: readonly string[]) => {
    const agents = await dataSource.getRepository(Agent).find({ select: { id: true, description: true }, where: { id: In([...ids]) } });
    const byId = new Map(agents.map((agent) => [agent.id, agent.description]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
