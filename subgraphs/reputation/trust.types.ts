import { historyPage } from "../../lib/platform/pagination.js";
import { EligibilityChange, Escalation, ScoreHistoryEntry } from "./trust-history.entity.js";

/** A page of an agent's score history, newest first. */
export const ScoreHistoryConnection = historyPage(
  ScoreHistoryEntry,
  { edge: "ScoreHistoryEdge", connection: "ScoreHistoryConnection" },
  { item: "change of an agent's scores", items: "an agent's score history" },
);
export type ScoreHistoryConnection = InstanceType<typeof ScoreHistoryConnection>;

/** A page of an agent's eligibility history, newest first. */
export const EligibilityHistoryConnection = historyPage(
  EligibilityChange,
  { edge: "EligibilityChangeEdge", connection: "EligibilityHistoryConnection" },
  { item: "change of an agent's listing", items: "an agent's eligibility history" },
);
export type EligibilityHistoryConnection = InstanceType<typeof EligibilityHistoryConnection>;

/** A page of an agent's escalations, newest first. */
export const EscalationConnection = historyPage(
  Escalation,
  { edge: "EscalationEdge", connection: "EscalationConnection" },
  { item: "escalation", items: "an agent's escalations" },
);
export type EscalationConnection = InstanceType<typeof EscalationConnection>;
