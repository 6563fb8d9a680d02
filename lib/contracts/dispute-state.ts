import type { EntityManager } from "typeorm";

/** How serious a disputed misbehaviour is: the disputes context's severities, by name. */
export type DisputeSeverityName = "MINOR" | "MAJOR" | "CRITICAL";

/**
 * A dispute's state after one of its transitions, as the disputes context reports it and the
 * reputation context takes it (`recordDisputeState`). Shared vocabulary, so neither context
 * imports the other.
 */
export interface DisputeStateReport {
  agentId: string;
  disputeId: string;
  /** Grows with every transition: a report with a version not above the stored one is stale. */
  version: number;
  severity: DisputeSeverityName;
  /** Still open (filed, or under review). */
  open: boolean;
  /** Resolved as upheld and not since reversed. */
  upheld: boolean;
  /** The filer's other disputes decided so far: what their credibility, and this dispute's weight, comes from. */
  filerRecord: { upheld: number; rejected: number };
  /** When the disputed behaviour happened: what an upheld dispute decays from. */
  occurredAt: Date;
  /** When the transition happened. */
  at: Date;
}

/** Told of each dispute's new state in the disputes transaction: the reputation context's intake. */
export type DisputeStateListener = (manager: EntityManager, report: DisputeStateReport) => Promise<unknown>;
