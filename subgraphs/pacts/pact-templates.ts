import { AgentDomain } from "../../lib/agent-domain.js";
import { ClauseSeverity, Comparator, EvaluationMethod, PactMetric } from "./pact.enums.js";

export interface ClauseTemplate {
  key: string;
  metric: PactMetric;
  comparator: Comparator;
  threshold: number;
  windowCases: number;
  method: EvaluationMethod;
  weight: number;
  severity: ClauseSeverity;
}

export interface PactTemplate {
  name: string;
  workflow: AgentDomain;
  description: string;
  passThreshold: number;
  ackDeadlineMinutes: number;
  clauses: ClauseTemplate[];
}

/**
 * Starting points a builder can adopt. Thresholds are defaults, not industry benchmarks (none
 * exist for severity accuracy): 0.92 accuracy is the figure the domain brief uses as an example;
 * a 10% false-positive rate on benign alerts keeps analyst load well below the 45–83% of alerts
 * that surveys report as false positives.
 */
export const PACT_TEMPLATES: Record<string, PactTemplate> = {
  "alert-triage": {
    name: "alert-triage",
    workflow: AgentDomain.ALERT_TRIAGE,
    description: "Alert triage: classify severity accurately without flooding analysts with false positives.",
    passThreshold: 0.8,
    ackDeadlineMinutes: 60,
    clauses: [
      {
        key: "severity-accuracy",
        metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
        comparator: Comparator.GTE,
        threshold: 0.92,
        windowCases: 500,
        method: EvaluationMethod.DETERMINISTIC,
        weight: 0.6,
        severity: ClauseSeverity.CRITICAL,
      },
      {
        key: "false-positive-rate",
        metric: PactMetric.FALSE_POSITIVE_RATE,
        comparator: Comparator.LTE,
        threshold: 0.1,
        windowCases: 500,
        method: EvaluationMethod.DETERMINISTIC,
        weight: 0.4,
        severity: ClauseSeverity.MAJOR,
      },
    ],
  },
};

const METRIC_PHRASES: Record<PactMetric, string> = {
  [PactMetric.SEVERITY_CLASSIFICATION_ACCURACY]: "severity classification accuracy",
  [PactMetric.FALSE_POSITIVE_RATE]: "false positive rate",
};

/** The human-readable form of a clause, generated from its fields so it can never disagree with them. */
export function clauseStatement(clause: Pick<ClauseTemplate, "metric" | "comparator" | "threshold" | "windowCases" | "severity">): string {
  const comparator = clause.comparator === Comparator.GTE ? "≥" : "≤";
  return `${METRIC_PHRASES[clause.metric]} ${comparator} ${clause.threshold} over the last ${clause.windowCases} cases (${clause.severity.toLowerCase()})`;
}
