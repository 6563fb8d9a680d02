import DataLoader from "dataloader";
import { In, type DataSource } from "typeorm";
import { TrustProfile } from "./trust.entity.js";
import { priorProfile } from "./trust.service.js";

/** One query per request for every agent's trust the gateway asks about. */
export function createTrustLoader(dataSource: DataSource): DataLoader<string, TrustProfile> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const profiles = await dataSource.getRepository(TrustProfile).findBy({ agentId: In([...agentIds]) });
    const byAgent = new Map(profiles.map((profile) => [profile.agentId, profile]));
    return agentIds.map((agentId) => byAgent.get(agentId) ?? priorProfile(agentId));
  });
}
