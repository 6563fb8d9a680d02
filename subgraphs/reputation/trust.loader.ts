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
    const reports = await dataSource.getRepository(KpiReport).find({ where: { agentId: In([...agentIds]) }, order: { weekStart: "ASC", id: "ASC" } });
    return agentIds.map((agentId) => reports.filter((report) => report.agentId === agentId));
  });
}

/** One query per request for the owners of every agent whose restricted fields are asked for. */
export function createOwnerLoader(dataSource: DataSource): DataLoader<string, string | null> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const rows = await dataSource
      .createQueryBuilder()
      .select(["d.agent_id AS agent_id", "d.owner_id AS owner_id"])
      .from("agent_directory", "d")
      .where("d.agent_id IN (:...agentIds)", { agentIds: [...agentIds] })
      .getRawMany<{ agent_id: string; owner_id: string }>();
    const owners = new Map(rows.map((row) => [row.agent_id, row.owner_id]));
    return agentIds.map((agentId) => owners.get(agentId) ?? null);
  });
}
