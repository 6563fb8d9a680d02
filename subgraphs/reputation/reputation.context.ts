import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import type { HistoryPage, HistoryPageKey } from "../../lib/platform/history-loader.js";
import type { KpiReport } from "./kpi-report.entity.js";
import type { EligibilityChange, Escalation, ScoreHistoryEntry } from "./trust-history.entity.js";
import type { TrustProfile } from "./trust.entity.js";

export interface ReputationContext {
  identity: Identity;
  dataSource: DataSource;
  /** Every agent has a trust: the stored one, or the newcomer prior. */
  trustByAgentId: DataLoader<string, TrustProfile>;
  /** Every KPI report of each agent, oldest week first. */
  kpiReportsByAgentId: DataLoader<string, KpiReport[]>;
  /** The builder who owns each agent; null for an unknown agent. */
  ownerByAgentId: DataLoader<string, string | null>;
  scoreHistory: DataLoader<HistoryPageKey, HistoryPage<ScoreHistoryEntry>, string>;
  eligibilityHistory: DataLoader<HistoryPageKey, HistoryPage<EligibilityChange>, string>;
  escalations: DataLoader<HistoryPageKey, HistoryPage<Escalation>, string>;
}
