import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { ActivePactDigests } from "../../lib/contracts/pact-digests.js";
import type { LogPosition } from "../../lib/contracts/transparency-log.js";
import type { Signer } from "../../lib/platform/signing-keys.js";
import type { Identity } from "../../lib/platform/identity.js";
import type { HistoryPage, HistoryPageKey } from "../../lib/platform/history-loader.js";
import type { KpiReport } from "./kpi-report.entity.js";
import type { EligibilityChange, Escalation, ScoreHistoryEntry } from "./trust-history.entity.js";
import type { TrustView } from "./trust.loader.js";

export interface ReputationContext {
  identity: Identity;
  dataSource: DataSource;
  /** Every agent has a trust: the stored one, or the newcomer prior. */
  trustByAgentId: DataLoader<string, TrustView>;
  /** Every KPI report of each agent, oldest week first. */
  kpiReportsByAgentId: DataLoader<string, KpiReport[]>;
  /** The builder who owns each agent; null for an unknown agent. */
  ownerByAgentId: DataLoader<string, string | null>;
  scoreHistory: DataLoader<HistoryPageKey, HistoryPage<ScoreHistoryEntry>, string>;
  eligibilityHistory: DataLoader<HistoryPageKey, HistoryPage<EligibilityChange>, string>;
  escalations: DataLoader<HistoryPageKey, HistoryPage<Escalation>, string>;
  /** Signed attestations; absent where the host wired none (the subgraph's own tests), which answers attestation with an internal error. */
  attestations?: AttestationOptions;
}

/** What the host wires for `attestation` (runtime/contexts.ts). */
export interface AttestationOptions {
  /** The signer, taken when an attestation is asked for: a missing production key fails that query, not the subgraph's start. */
  signer: () => Signer;
  /** `iss` of every attestation. */
  issuer: string;
  ttlSeconds: number;
  /** The pacts context's active pact versions with their content digests (lib/contracts/pact-digests.ts). */
  activePacts: ActivePactDigests;
  /**
   * Where the agent stands in the transparency log's latest signed head, which an attestation
   * names (runtime/contexts.ts reads it from the transparency context); absent or with no head
   * yet, attestations say `log: null`.
   */
  logPosition?: (agentId: string) => Promise<LogPosition | null>;
}

/** How the host builds the reputation subgraph. */
export interface ReputationOptions {
  attestations?: AttestationOptions;
}
