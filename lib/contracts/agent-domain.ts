import { registerEnumType } from "type-graphql";

/**
 * The security-operations workflows an agent can serve. Shared vocabulary: every subgraph that
 * mentions a workflow must expose the identical enum, or the supergraph will not compose.
 */
export enum AgentDomain {
  ALERT_TRIAGE = "ALERT_TRIAGE",
  INCIDENT_ESCALATION = "INCIDENT_ESCALATION",
  PLAYBOOK_ROUTING = "PLAYBOOK_ROUTING",
  THREAT_INTEL_SYNTHESIS = "THREAT_INTEL_SYNTHESIS",
}

registerEnumType(AgentDomain, {
  name: "AgentDomain",
  description: "A security-operations workflow an agent serves.",
  valuesConfig: {
    ALERT_TRIAGE: { description: "Classify an alert's severity and decide true or false positive." },
    INCIDENT_ESCALATION: { description: "Decide whether and to whom an incident is escalated, and how fast." },
    PLAYBOOK_ROUTING: { description: "Pick the response playbook for an incident." },
    THREAT_INTEL_SYNTHESIS: { description: "Summarise threat reports into ATT&CK techniques and indicators." },
  },
});
