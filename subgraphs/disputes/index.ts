import type { DataSource } from "typeorm";
import { createOwnerLoader } from "../../lib/contracts/agent-directory.js";
import { config } from "../../lib/platform/config.js";
import { createHistoryLoader } from "../../lib/platform/history-loader.js";
import { buildFederatedSchema } from "../../lib/platform/federation.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { DisputeFiler } from "./dispute-filer.entity.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import { Dispute } from "./dispute.entity.js";
import { createOpenDisputeCountLoader, createTransitionsLoader } from "./dispute.loader.js";
import { AgentDisputesResolver, DisputeResolver, DisputeSummaryResolver } from "./dispute.resolver.js";
import type { DisputesContext, DisputesOptions } from "./disputes.context.js";
import { CreateDisputes1764100000400 } from "./migrations/1764100000400-create-disputes.js";
import { DisputeLifecycle1764300000200 } from "./migrations/1764300000200-dispute-lifecycle.js";
import { DisputeAppeals1764300000400 } from "./migrations/1764300000400-dispute-appeals.js";
import { RunAppeals1764300000520 } from "./migrations/1764300000520-run-appeals.js";

export const disputesEntities = [Dispute, DisputeTransition, DisputeFiler];
export const disputesMigrations = [
  CreateDisputes1764100000400,
  DisputeLifecycle1764300000200,
  DisputeAppeals1764300000400,
  RunAppeals1764300000520,
];

export function buildDisputesSchema() {
  return buildFederatedSchema({ resolvers: [DisputeResolver, AgentDisputesResolver, DisputeSummaryResolver] });
}

/** On its own the subgraph knows of no consequence step or judged run, and checks no evidence reference. */
const NO_CONSEQUENCES: DisputesOptions["consequenceSteps"] = { find: async () => null, lift: async () => false };
const NO_RUNS: DisputesOptions["runVerdicts"] = {
  find: async () => null,
  lock: async () => {},
  setAside: async () => false,
  reviewers: async () => [],
};
const UNCHECKED_EVIDENCE: DisputesOptions["agentEvidence"] = { foreign: async () => ({ caseIds: [], runIds: [], kpiReportIds: [] }) };

/**
 * The disputes subgraph: buyers' complaints about agents, builders' appeals, and their
 * arbitration. Every change of a complaint is reported to `onDisputeChanged` in its transaction,
 * appeals of consequence steps and run verdicts go to `consequenceSteps` and `runVerdicts`, and
 * evidence references are checked with `agentEvidence` (the other contexts', wired by the
 * runtime); on its own the subgraph reports to no one.
 */
export async function disputesSubgraph(dataSource: DataSource, options: Partial<DisputesOptions> = {}): Promise<Subgraph<DisputesContext>> {
  const settings: DisputesOptions = {
    ...config().disputes,
    onDisputeChanged: async () => {},
    consequenceSteps: NO_CONSEQUENCES,
    runVerdicts: NO_RUNS,
    agentEvidence: UNCHECKED_EVIDENCE,
    ...options,
  };
  return {
    name: "disputes",
    schema: await buildDisputesSchema(),
    createContext: (identity) => ({
      identity,
      dataSource,
      options: settings,
      openDisputeCountByAgentId: createOpenDisputeCountLoader(dataSource),
      transitionsByDisputeId: createTransitionsLoader(dataSource),
      disputesByAgentId: createHistoryLoader(dataSource, Dispute, { column: "filed_at", of: (dispute) => dispute.filedAt }),
      ownerByAgentId: createOwnerLoader(dataSource),
    }),
  };
}
