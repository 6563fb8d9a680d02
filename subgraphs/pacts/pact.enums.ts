import { registerEnumType } from "type-graphql";

export enum PactStatus {
  ACTIVE = "ACTIVE",
  RETIRED = "RETIRED",
}

export enum PactMetric {
  SEVERITY_CLASSIFICATION_ACCURACY = "SEVERITY_CLASSIFICATION_ACCURACY",
  FALSE_POSITIVE_RATE = "FALSE_POSITIVE_RATE",
}

export enum Comparator {
  GTE = "GTE",
  LTE = "LTE",
}

export enum ClauseSeverity {
  CRITICAL = "CRITICAL",
  MAJOR = "MAJOR",
  MINOR = "MINOR",
}

export enum EvaluationMethod {
  DETERMINISTIC = "DETERMINISTIC",
  JURY = "JURY",
  HYBRID = "HYBRID",
}

export enum EvaluationRunStatus {
  QUEUED = "QUEUED",
  COMPLETED = "COMPLETED",
  FAILED = "FAILED",
}

export enum ClauseOutcome {
  PASSED = "PASSED",
  FAILED = "FAILED",
  INSUFFICIENT_EVIDENCE = "INSUFFICIENT_EVIDENCE",
}

export enum AlertSeverity {
  INFORMATIONAL = "INFORMATIONAL",
  LOW = "LOW",
  MEDIUM = "MEDIUM",
  HIGH = "HIGH",
  CRITICAL = "CRITICAL",
}

registerEnumType(PactStatus, { name: "PactStatus", description: "Lifecycle of a pact version.", valuesConfig: {
  ACTIVE: { description: "In force: new evaluation runs are judged against it." },
  RETIRED: { description: "Superseded; kept so that past verdicts still name it." },
} });
registerEnumType(PactMetric, { name: "PactMetric", description: "A measurable quantity a clause constrains.", valuesConfig: {
  SEVERITY_CLASSIFICATION_ACCURACY: { description: "Share of cases whose severity the agent classified as expected." },
  FALSE_POSITIVE_RATE: { description: "Share of benign alerts the agent called true positives." },
} });
registerEnumType(Comparator, { name: "Comparator", description: "How the observed value is compared with the threshold.", valuesConfig: {
  GTE: { description: "Observed value must be at least the threshold." },
  LTE: { description: "Observed value must be at most the threshold." },
} });
registerEnumType(ClauseSeverity, { name: "ClauseSeverity", description: "How much breaking a clause matters.", valuesConfig: {
  CRITICAL: { description: "A run fails whenever this clause fails." },
  MAJOR: { description: "Counts fully towards the weighted pass share." },
  MINOR: { description: "Counts towards the weighted pass share; rarely decisive." },
} });
registerEnumType(EvaluationMethod, { name: "EvaluationMethod", description: "How a clause is judged.", valuesConfig: {
  DETERMINISTIC: { description: "Checked exactly against the expected results." },
  JURY: { description: "Judged by a jury of models." },
  HYBRID: { description: "Both; disagreement sends the case to a human." },
} });
registerEnumType(EvaluationRunStatus, { name: "EvaluationRunStatus", description: "Where an evaluation run is in judging.", valuesConfig: {
  QUEUED: { description: "Accepted and waiting for a judge." },
  COMPLETED: { description: "Judged; verdicts and clause results are final." },
  FAILED: { description: "Judging gave up after repeated failures; see failureReason. The evidence counts for nothing." },
} });
registerEnumType(ClauseOutcome, { name: "ClauseOutcome", description: "The verdict on one clause for one run.", valuesConfig: {
  PASSED: { description: "The observed value meets the threshold." },
  FAILED: { description: "The observed value misses the threshold." },
  INSUFFICIENT_EVIDENCE: { description: "The run held no case the metric applies to; counts as not passed." },
} });
registerEnumType(AlertSeverity, { name: "AlertSeverity", description: "Severity of a security alert.", valuesConfig: {
  INFORMATIONAL: { description: "No action needed; context only." },
  LOW: { description: "Handle in the normal queue." },
  MEDIUM: { description: "Investigate within the working day." },
  HIGH: { description: "Investigate now." },
  CRITICAL: { description: "Active compromise likely: respond immediately." },
} });
