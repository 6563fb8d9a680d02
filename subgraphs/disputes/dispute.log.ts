import type { EntityManager } from "typeorm";
import { type AppendLogEntry, LogEntryKind } from "../../lib/contracts/transparency-log.js";
import { DisputeKind, DisputeOutcome, type Dispute, type DisputeStatus } from "./dispute.entity.js";

/*
 * The disputes context's port to the transparency log: every step of a dispute's life and every
 * appeal's decision, in the transaction that takes it. The runtime installs the log
 * (runtime/contexts.ts); with none installed (the context's own tests) nothing is logged.
 *
 * An entry holds only what a dispute's public summary shows (DisputeSummary, docs/disputes.md,
 * "Visibility"): id, kind, category, severity, status and outcome. Never the statement, the
 * evidence, the people (filer, respondent, arbiter, a step's actor and note), nor what an appeal
 * contests, which only the parties and arbiters read: the log is public and cannot forget.
 */

let append: AppendLogEntry | null = null;

/** Where the disputes context's acts are logged from now on; null stops logging. */
export function logDisputeActsTo(appendEntry: AppendLogEntry | null): void {
  append = appendEntry;
}

type Logged = Pick<Dispute, "id" | "agentId" | "kind" | "category" | "severity" | "status" | "outcome" | "version">;

/**
 * DISPUTE_TRANSITION: `dispute` (as it is after the step) moved from `from` (null for the filing).
 * A step that keeps the status (an escalation, a reversal on appeal) is logged the same way.
 */
export async function logDisputeTransition(manager: EntityManager, dispute: Logged, from: DisputeStatus | null, at: Date): Promise<void> {
  if (!append) return;
  await append(manager, {
    kind: LogEntryKind.DISPUTE_TRANSITION,
    subject: dispute.agentId,
    payload: {
      disputeId: dispute.id,
      disputeKind: dispute.kind,
      category: dispute.category,
      severity: dispute.severity,
      version: dispute.version,
      from,
      to: dispute.status,
      outcome: dispute.outcome,
    },
    at,
  });
}

/** APPEAL_DECISION: an appeal was resolved; UPHELD grants it (what it contests is reversed), REJECTED or SETTLED deny it. */
export async function logAppealDecision(manager: EntityManager, appeal: Logged, at: Date): Promise<void> {
  if (!append || appeal.kind !== DisputeKind.APPEAL || appeal.outcome === null) return;
  await append(manager, {
    kind: LogEntryKind.APPEAL_DECISION,
    subject: appeal.agentId,
    payload: { appealId: appeal.id, outcome: appeal.outcome, granted: appeal.outcome === DisputeOutcome.UPHELD },
    at,
  });
}
