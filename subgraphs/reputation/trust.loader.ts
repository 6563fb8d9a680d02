import DataLoader from "dataloader";
import { In, type DataSource } from "typeorm";
import { KpiReport } from "./kpi-report.entity.js";
import { TrustProfile } from "./trust.entity.js";
import { priorProfile } from "./trust.settle.js";

/** One query per request for every agent's trust the gateway asks about. */
export function createTrustLoader(dataSource: DataSource): DataLoader<string, TrustProfile> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const profiles = await dataSource.getRepository(TrustProfile).findBy({ agentId: In([...agentIds]) });
    const byAgent = new Map(profiles.map((profile) => [profile.agentId, profile]));
    return agentIds.map((agentId) => byAgent.get(agentId) ?? priorProfile(agentId));
  });
}

/** One query per request for the KPI reports of every agent whose scorecard is asked for. */
export function createKpiReportsLoader(dataSource: DataSource): DataLoader<string, KpiReport[]> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const reports = await dataSource
      .getRepository(KpiReport)
      .find({ where: { agentId: In([...agentIds]) }, order: { weekStart: "ASC", id: "ASC" } });
    return agentIds.map((agentId) => reports.filter((report) => report.agentId === agentId));
  });
}
