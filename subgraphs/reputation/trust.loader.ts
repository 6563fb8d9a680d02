import DataLoader from "dataloader";
import { In, type DataSource } from "typeorm";
import { columnsBut } from "../../lib/platform/database.js";
import { KpiReport } from "./kpi-report.entity.js";
import { TrustProfile } from "./trust.entity.js";
import { priorProfile } from "./trust.settle.js";

/**
 * The state behind the scores and the ladder, stored as JSON text (hundreds of bytes an agent, over
 * a kilobyte more once the pact's ladder terms are kept): the acts that change trust read it under
 * a lock; no field of `TrustProfile` and no attestation does.
 */
const SCORING_STATE = ["scoringState", "evaluationDrift", "consequenceTerms", "recentBreaches", "lastRunFailedCriticalClauses"] as const;

/** An agent's trust as the loader reads it: every column but the scoring state, never written back. */
export type TrustView = Omit<TrustProfile, (typeof SCORING_STATE)[number]>;

/** One query per request for every agent's trust the gateway asks about. */
export function createTrustLoader(dataSource: DataSource): DataLoader<string, TrustView> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const profiles = await dataSource
      .getRepository(TrustProfile)
      .find({ select: columnsBut(dataSource, TrustProfile, SCORING_STATE), where: { agentId: In([...agentIds]) } });
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
