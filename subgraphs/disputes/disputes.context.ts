import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { DisputesConfig } from "../../lib/platform/config.js";
import type { AgentEvidence, ConsequenceSteps, RunVerdicts } from "../../lib/contracts/dispute-ports.js";
import type { HistoryPage, HistoryPageKey } from "../../lib/platform/history-loader.js";
import type { Identity } from "../../lib/platform/identity.js";
import type { DisputeTransition } from "./dispute-transition.entity.js";
import type { Dispute } from "./dispute.entity.js";
import type { DisputeStateListener } from "../../lib/contracts/dispute-state.js";

export interface DisputesOptions extends DisputesConfig {
  /** Told of every complaint's new state inside its transaction: the reputation context's intake. */
  onDisputeChanged: DisputeStateListener;
  /** The consequence steps appeals contest, and their lifting: the reputation context's. */
  consequenceSteps: ConsequenceSteps;
  /** The judged runs appeals contest, and setting them aside: the pacts and reputation contexts'. */
  runVerdicts: RunVerdicts;
  /** Which of the cases, runs and KPI reports a dispute cites are the agent's: the pacts and reputation contexts'. */
  agentEvidence: AgentEvidence;
}

export interface DisputesContext {
  identity: Identity;
  dataSource: DataSource;
  options: DisputesOptions;
  openDisputeCountByAgentId: DataLoader<string, number>;
  transitionsByDisputeId: DataLoader<string, DisputeTransition[]>;
  disputesByAgentId: DataLoader<HistoryPageKey, HistoryPage<Dispute>, string>;
  ownerByAgentId: DataLoader<string, string | null>;
}
