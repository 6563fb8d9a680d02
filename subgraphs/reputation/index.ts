import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/platform/federation.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { KpiReport } from "./kpi-report.entity.js";
import { CreateTrust1764100000300 } from "./migrations/1764100000300-create-trust.js";
import { KpiReports1764200000400 } from "./migrations/1764200000400-kpi-reports.js";
import { DualScores1764300000100 } from "./migrations/1764300000100-dual-scores.js";
import { FilerCredibility1764300000300 } from "./migrations/1764300000300-filer-credibility.js";
import { RunSetAsides1764300000500 } from "./migrations/1764300000500-run-set-asides.js";
import { EscalationOverdue1764700000200 } from "./migrations/1764700000200-escalation-overdue.js";
import { TrustEvents1764500000430 } from "./migrations/1764500000430-trust-events.js";
import { createHistoryLoader } from "../../lib/platform/history-loader.js";
import { ScorecardResolver } from "./scorecard.resolver.js";
import { SearchResolver } from "./search.resolver.js";
import { DisputeState, EligibilityChange, Escalation, ScoreHistoryEntry } from "./trust-history.entity.js";
import { EvaluationEvidence, TrustProfile } from "./trust.entity.js";
import { createOwnerLoader } from "../../lib/contracts/agent-directory.js";
import { createKpiReportsLoader, createTrustLoader } from "./trust.loader.js";
import { AgentTrustResolver } from "./trust.resolver.js";
import { TrustEvent, TrustEventSequencer } from "./trust-event.entity.js";
import { TrustEventResolver } from "./trust-event.resolver.js";
import type { ReputationContext, ReputationOptions } from "./reputation.context.js";
import { AttestationResolver } from "./attestation.resolver.js";

export const reputationEntities = [
  TrustProfile,
  EvaluationEvidence,
  KpiReport,
  DisputeState,
  ScoreHistoryEntry,
  EligibilityChange,
  Escalation,
  TrustEvent,
  TrustEventSequencer,
];
export const reputationMigrations = [
  CreateTrust1764100000300,
  KpiReports1764200000400,
  DualScores1764300000100,
  FilerCredibility1764300000300,
  RunSetAsides1764300000500,
  TrustEvents1764500000430,
  EscalationOverdue1764700000200,
];

export function buildReputationSchema() {
  return buildFederatedSchema({
    resolvers: [SearchResolver, AgentTrustResolver, ScorecardResolver, TrustEventResolver, AttestationResolver],
  });
}

/** The reputation subgraph: trust scores, tiers, listing eligibility and search by trust. */
export async function reputationSubgraph(dataSource: DataSource, options: ReputationOptions = {}): Promise<Subgraph<ReputationContext>> {
  return {
    name: "reputation",
    schema: await buildReputationSchema(),
    createContext: (identity) => ({
      identity,
      dataSource,
      trustByAgentId: createTrustLoader(dataSource),
      kpiReportsByAgentId: createKpiReportsLoader(dataSource),
      ownerByAgentId: createOwnerLoader(dataSource),
      scoreHistory: createHistoryLoader(dataSource, ScoreHistoryEntry, { column: "recorded_at", of: (row) => row.recordedAt }),
      eligibilityHistory: createHistoryLoader(dataSource, EligibilityChange, { column: "decided_at", of: (row) => row.decidedAt }),
      escalations: createHistoryLoader(dataSource, Escalation, { column: "created_at", of: (row) => row.createdAt }),
      attestations: options.attestations,
    }),
  };
}
