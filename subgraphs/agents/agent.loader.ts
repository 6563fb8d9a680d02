import DataLoader from "dataloader";
import { In, type DataSource } from "typeorm";
import { Agent } from "./agent.entity.js";

/** One `SELECT … WHERE id IN (…)` per request, however many agents the gateway asks for. */
export function createAgentLoader(dataSource: DataSource): DataLoader<string, Agent | null> {
  return new DataLoader(async (ids: readonly string[]) => {
    const agents = await dataSource.getRepository(Agent).findBy({ id: In([...ids]) });
    const byId = new Map(agents.map((agent) => [agent.id, agent]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
