import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { ConsequenceStep, EscalationRouteStep } from "./consequence.types.js";
import { metricDefinition } from "../evaluation/judging/metric.catalogue.js";
import type { ClauseSpec } from "../evaluation/judging/run-verdict.math.js";
import { ClauseSeverity, Comparator, ConsequenceAction, EscalationRecipient, EvaluationMethod, PactMetric } from "../pact.enums.js";

export interface ClauseTemplate extends ClauseSpec {
  method: EvaluationMethod;
}

export interface PactTemplate {
  name: string;
  workflow: AgentDomain;
  description: string;
  passThreshold: number;
  ackDeadlineMinutes: number;
  clauses: ClauseTemplate[];
  consequenceLadder: ConsequenceStep[];
  escalationRoute: EscalationRouteStep[];
}

/**
 * The ladder every template starts from; docs/pacts.md explains each number. Breaches are failed
 * runs. Drift makes humans look before anything is throttled, and only an arbiter lifts a delisting.
 */
export const DEFAULT_LADDER: ConsequenceStep[] = [
  { action: ConsequenceAction.WARN, trigger: { breachCount: 1, breachWindowDays: 30 }, recovery: { passingRuns: 1 } },
  {
    action: ConsequenceAction.REQUIRE_HUMAN_REVIEW,
    trigger: { breachCount: 2, breachWindowDays: 30, scoreDropPoints: 50, scoreDropWindowDays: 30, driftAlarm: true },
    recovery: { passingRuns: 3 },
  },
  {
    action: ConsequenceAction.THROTTLE,
    trigger: { breachCount: 3, breachWindowDays: 30, scoreDropPoints: 100, scoreDropWindowDays: 30 },
    recovery: { passingRuns: 3, quietDays: 7 },
  },
  {
    action: ConsequenceAction.SUSPEND_LISTING,
    trigger: { breachCount: 5, breachWindowDays: 30, scoreDropPoints: 200, scoreDropWindowDays: 30 },
    recovery: { passingRuns: 5, quietDays: 14 },
  },
  { action: ConsequenceAction.DELIST, trigger: { breachCount: 8, breachWindowDays: 30 }, recovery: null },
];

const { ESCALATION_OWNER, BUILDER, ARBITERS, BUYERS } = EscalationRecipient;
export const DEFAULT_ROUTE: EscalationRouteStep[] = [
  { action: ConsequenceAction.WARN, notify: [ESCALATION_OWNER] },
  { action: ConsequenceAction.REQUIRE_HUMAN_REVIEW, notify: [ESCALATION_OWNER, BUILDER] },
  { action: ConsequenceAction.THROTTLE, notify: [ESCALATION_OWNER, BUILDER, BUYERS] },
  { action: ConsequenceAction.SUSPEND_LISTING, notify: [ESCALATION_OWNER, BUILDER, ARBITERS, BUYERS] },
  { action: ConsequenceAction.DELIST, notify: [ESCALATION_OWNER, BUILDER, ARBITERS, BUYERS] },
];

function clause(
  key: string,
  metric: PactMetric,
  threshold: number,
  severity: ClauseSeverity,
  weight: number,
  window: { cases?: number; days?: number } = { cases: 500 },
): ClauseTemplate {
  const comparator = metricDefinition(metric).direction === "HIGHER_IS_BETTER" ? Comparator.GTE : Comparator.LTE;
  return {
    key,
    metric,
    comparator,
    threshold,
    windowCases: window.cases ?? null,
    windowDays: window.days ?? null,
    method: EvaluationMethod.DETERMINISTIC,
    weight,
    severity,
  };
}

const { CRITICAL, MAJOR, MINOR } = ClauseSeverity;
const common = { passThreshold: 0.8, consequenceLadder: DEFAULT_LADDER, escalationRoute: DEFAULT_ROUTE };

/**
 * Starting points a builder can adopt, one per workflow. No public benchmark exists for most of
 * these numbers: each is a documented judgement call (docs/pacts.md), and every one can be amended.
 */
export const PACT_TEMPLATES: Record<string, PactTemplate> = {
  "alert-triage": {
    name: "alert-triage",
    workflow: AgentDomain.ALERT_TRIAGE,
    description: "Alert triage: classify severity accurately without flooding analysts with false positives.",
    ackDeadlineMinutes: 60,
    ...common,
    clauses: [
      clause("severity-accuracy", PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, 0.92, CRITICAL, 0.6),
      clause("false-positive-rate", PactMetric.FALSE_POSITIVE_RATE, 0.1, MAJOR, 0.4),
    ],
  },
  "incident-escalation": {
    name: "incident-escalation",
    workflow: AgentDomain.INCIDENT_ESCALATION,
    description: "Incident escalation: never miss an incident that needs people, escalate to the right team, and do it fast.",
    ackDeadlineMinutes: 30,
    ...common,
    clauses: [
      clause("escalation-recall", PactMetric.ESCALATION_RECALL, 0.95, CRITICAL, 0.4),
      clause("escalation-precision", PactMetric.ESCALATION_PRECISION, 0.8, MAJOR, 0.3),
      clause("severity-accuracy", PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, 0.9, MAJOR, 0.15),
      clause("time-to-escalate-p90", PactMetric.TIME_TO_ESCALATE_P90, 900, MINOR, 0.15, { cases: 500, days: 30 }),
    ],
  },
  "playbook-routing": {
    name: "playbook-routing",
    workflow: AgentDomain.PLAYBOOK_ROUTING,
    description: "Playbook routing: pick the right response playbook so that incidents are contained within hours.",
    ackDeadlineMinutes: 60,
    ...common,
    clauses: [
      clause("routing-accuracy", PactMetric.PLAYBOOK_ROUTING_ACCURACY, 0.9, CRITICAL, 0.6),
      clause("containment-p50", PactMetric.TIME_TO_CONTAINMENT_P50, 3600, MAJOR, 0.2, { cases: 500, days: 30 }),
      clause("containment-p90", PactMetric.TIME_TO_CONTAINMENT_P90, 14_400, MAJOR, 0.2, { cases: 500, days: 30 }),
    ],
  },
  "threat-intel-synthesis": {
    name: "threat-intel-synthesis",
    workflow: AgentDomain.THREAT_INTEL_SYNTHESIS,
    description: "Threat intelligence synthesis: extract the right ATT&CK techniques and only real, sourced indicators.",
    ackDeadlineMinutes: 240,
    ...common,
    clauses: [
      clause("indicator-precision", PactMetric.INDICATOR_PRECISION, 0.95, CRITICAL, 0.3, { cases: 200, days: 90 }),
      clause("grounding-rate", PactMetric.GROUNDING_RATE, 0.98, CRITICAL, 0.2, { cases: 200, days: 90 }),
      clause("indicator-recall", PactMetric.INDICATOR_RECALL, 0.8, MAJOR, 0.25, { cases: 200, days: 90 }),
      clause("technique-f1", PactMetric.ATTACK_TECHNIQUE_F1, 0.7, MAJOR, 0.25, { cases: 200, days: 90 }),
    ],
  },
};

/** The human-readable form of a clause, generated from its fields so it can never disagree with them. */
export function clauseStatement(
  clause: Pick<ClauseSpec, "metric" | "comparator" | "threshold" | "windowCases" | "windowDays" | "severity">,
): string {
  const comparator = clause.comparator === Comparator.GTE ? "≥" : "≤";
  const window = [
    clause.windowCases === null ? null : `the last ${clause.windowCases} cases`,
    clause.windowDays === null ? null : `${clause.windowDays === 1 ? "the last day" : `the last ${clause.windowDays} days`}`,
  ]
    .filter(Boolean)
    .join(" within ");
  return `${metricDefinition(clause.metric).phrase} ${comparator} ${clause.threshold} over ${window} (${clause.severity.toLowerCase()})`;
}
