import { registerEnumType } from "type-graphql";

export { ConsequenceAction, EscalationRecipient } from "../../lib/contracts/consequence.js";

export enum PactStatus {
  DRAFT = "DRAFT",
  ACTIVE = "ACTIVE",
  SUPERSEDED = "SUPERSEDED",
  RETIRED = "RETIRED",
}

export enum PactMetric {
  SEVERITY_CLASSIFICATION_ACCURACY = "SEVERITY_CLASSIFICATION_ACCURACY",
  FALSE_POSITIVE_RATE = "FALSE_POSITIVE_RATE",
  ESCALATION_PRECISION = "ESCALATION_PRECISION",
  ESCALATION_RECALL = "ESCALATION_RECALL",
  TIME_TO_ESCALATE_P90 = "TIME_TO_ESCALATE_P90",
  PLAYBOOK_ROUTING_ACCURACY = "PLAYBOOK_ROUTING_ACCURACY",
  TIME_TO_CONTAINMENT_P50 = "TIME_TO_CONTAINMENT_P50",
  TIME_TO_CONTAINMENT_P90 = "TIME_TO_CONTAINMENT_P90",
  ATTACK_TECHNIQUE_F1 = "ATTACK_TECHNIQUE_F1",
  INDICATOR_PRECISION = "INDICATOR_PRECISION",
  INDICATOR_RECALL = "INDICATOR_RECALL",
  GROUNDING_RATE = "GROUNDING_RATE",
}

export enum MetricUnit {
  RATIO = "RATIO",
  SECONDS = "SECONDS",
}

export enum MetricDirection {
  HIGHER_IS_BETTER = "HIGHER_IS_BETTER",
  LOWER_IS_BETTER = "LOWER_IS_BETTER",
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
  AWAITING_REVIEW = "AWAITING_REVIEW",
  COMPLETED = "COMPLETED",
  FAILED = "FAILED",
  SET_ASIDE = "SET_ASIDE",
}

export enum ClauseOutcome {
  PASSED = "PASSED",
  FAILED = "FAILED",
  INSUFFICIENT_EVIDENCE = "INSUFFICIENT_EVIDENCE",
}

/** A case's verdict under one jury-judged clause. */
export enum CaseOutcome {
  PASS = "PASS",
  FAIL = "FAIL",
  UNCERTAIN = "UNCERTAIN",
}

export enum JurorVerdict {
  PASS = "PASS",
  FAIL = "FAIL",
  ABSTAIN = "ABSTAIN",
}

export enum ReviewVerdict {
  PASS = "PASS",
  FAIL = "FAIL",
}

export enum DecidedBy {
  JURY = "JURY",
  HUMAN = "HUMAN",
}

export enum AlertSeverity {
  INFORMATIONAL = "INFORMATIONAL",
  LOW = "LOW",
  MEDIUM = "MEDIUM",
  HIGH = "HIGH",
  CRITICAL = "CRITICAL",
}

registerEnumType(PactStatus, {
  name: "PactStatus",
  description: "Lifecycle of a pact version: DRAFT → ACTIVE → SUPERSEDED or RETIRED.",
  valuesConfig: {
    DRAFT: { description: "Being prepared and not yet binding; visible to its author and arbiters only." },
    ACTIVE: { description: "In force and immutable: new evaluation runs are judged against it. At most one per agent and workflow." },
    SUPERSEDED: { description: "Replaced by a later version; kept so that past verdicts still name it." },
    RETIRED: { description: "Withdrawn without a successor (or a draft discarded); kept so that past verdicts still name it." },
  },
});
registerEnumType(PactMetric, {
  name: "PactMetric",
  description: "A measurable quantity a clause constrains; `pactMetrics` gives each one's definition.",
  valuesConfig: {
    SEVERITY_CLASSIFICATION_ACCURACY: { description: "Share of cases whose severity the agent classified as expected." },
    FALSE_POSITIVE_RATE: { description: "Share of benign alerts the agent called true positives." },
    ESCALATION_PRECISION: { description: "Share of the agent's escalations that were warranted (and went to the expected team)." },
    ESCALATION_RECALL: { description: "Share of warranted escalations the agent made (to the expected team)." },
    TIME_TO_ESCALATE_P90: { description: "90th percentile of seconds from incident to escalation, over escalated cases." },
    PLAYBOOK_ROUTING_ACCURACY: { description: "Share of incidents routed to the expected playbook." },
    TIME_TO_CONTAINMENT_P50: { description: "Median seconds from incident to containment." },
    TIME_TO_CONTAINMENT_P90: { description: "90th percentile of seconds from incident to containment." },
    ATTACK_TECHNIQUE_F1: { description: "Micro-averaged F1 of the ATT&CK technique ids extracted against the expected ones." },
    INDICATOR_PRECISION: { description: "Share of reported indicators of compromise that are among the expected ones." },
    INDICATOR_RECALL: { description: "Share of the expected indicators of compromise that the agent reported." },
    GROUNDING_RATE: { description: "Share of reported indicators that appear in the source material the agent was given." },
  },
});
registerEnumType(MetricUnit, {
  name: "MetricUnit",
  description: "The unit a metric is measured in.",
  valuesConfig: {
    RATIO: { description: "A share between 0 and 1." },
    SECONDS: { description: "A duration in seconds." },
  },
});
registerEnumType(MetricDirection, {
  name: "MetricDirection",
  description: "Which way a metric improves; it fixes the comparator a clause may use.",
  valuesConfig: {
    HIGHER_IS_BETTER: { description: "Promises are lower bounds (GTE)." },
    LOWER_IS_BETTER: { description: "Promises are upper bounds (LTE)." },
  },
});
registerEnumType(Comparator, {
  name: "Comparator",
  description: "How the observed value is compared with the threshold.",
  valuesConfig: {
    GTE: { description: "Observed value must be at least the threshold." },
    LTE: { description: "Observed value must be at most the threshold." },
  },
});
registerEnumType(ClauseSeverity, {
  name: "ClauseSeverity",
  description: "How much breaking a clause matters.",
  valuesConfig: {
    CRITICAL: { description: "A run fails whenever this clause fails." },
    MAJOR: { description: "Counts towards the weighted pass share by its weight; a label for clauses that matter." },
    MINOR: { description: "Counts towards the weighted pass share by its weight; a label for clauses that matter less." },
  },
});
registerEnumType(EvaluationMethod, {
  name: "EvaluationMethod",
  description: "How a clause is judged.",
  valuesConfig: {
    DETERMINISTIC: { description: "Checked exactly against the expected results." },
    JURY: { description: "Judged by a jury of models." },
    HYBRID: { description: "Both; disagreement sends the case to a human." },
  },
});
registerEnumType(EvaluationRunStatus, {
  name: "EvaluationRunStatus",
  description: "Where an evaluation run is in judging.",
  valuesConfig: {
    QUEUED: { description: "Accepted and waiting for a judge (large runs are judged in slices)." },
    AWAITING_REVIEW: {
      description:
        "Judged, except for cases the jury was uncertain about, which wait in the human review queue; verdicts and scores follow the last review.",
    },
    COMPLETED: { description: "Judged; verdicts and clause results are final." },
    FAILED: { description: "Judging gave up after repeated failures; see failureReason. The evidence counts for nothing." },
    SET_ASIDE: {
      description:
        "Judged, then set aside by a granted appeal of its verdict (disputes): its cases and verdict count for nothing, in scores or in later runs' windows.",
    },
  },
});
registerEnumType(ClauseOutcome, {
  name: "ClauseOutcome",
  description: "The verdict on one clause for one run.",
  valuesConfig: {
    PASSED: { description: "The observed value meets the threshold." },
    FAILED: { description: "The observed value misses the threshold." },
    INSUFFICIENT_EVIDENCE: {
      description:
        "The clause's window holds fewer cases the metric applies to than its minimum (ClauseResult.minSampleSize, from the threshold and the configured confidence): neither passed nor failed, it is left out of the run rule and of the scores.",
    },
  },
});
registerEnumType(CaseOutcome, {
  name: "CaseOutcome",
  description: "A case's verdict under one jury-judged clause.",
  valuesConfig: {
    PASS: { description: "The case meets the clause's promise." },
    FAIL: { description: "The case breaks the clause's promise." },
    UNCERTAIN: {
      description:
        "The jury could not decide with enough agreement or confidence (or contradicted the deterministic check): a human decides.",
    },
  },
});
registerEnumType(JurorVerdict, {
  name: "JurorVerdict",
  description: "One juror's vote.",
  valuesConfig: {
    PASS: { description: "The juror says the case meets the promise." },
    FAIL: { description: "The juror says the case breaks it." },
    ABSTAIN: { description: "The juror gave no usable answer (error, timeout, garbage); never counted as a pass." },
  },
});
registerEnumType(ReviewVerdict, {
  name: "ReviewVerdict",
  description: "A human reviewer's decision on an uncertain case.",
  valuesConfig: {
    PASS: { description: "The case meets the clause's promise." },
    FAIL: { description: "The case breaks it." },
  },
});
registerEnumType(DecidedBy, {
  name: "DecidedBy",
  description: "Who decided a case's verdict.",
  valuesConfig: {
    JURY: { description: "The jury, agreeing clearly enough (and with the deterministic check, for HYBRID clauses)." },
    HUMAN: { description: "An arbiter, from the review queue." },
  },
});
registerEnumType(AlertSeverity, {
  name: "AlertSeverity",
  description: "Severity of a security alert.",
  valuesConfig: {
    INFORMATIONAL: { description: "No action needed; context only." },
    LOW: { description: "Handle in the normal queue." },
    MEDIUM: { description: "Investigate within the working day." },
    HIGH: { description: "Investigate now." },
    CRITICAL: { description: "Active compromise likely: respond immediately." },
  },
});
