import type { EntityManager } from "typeorm";

/*
 * Every context -> webhooks: the events endpoints may subscribe to. Raising one runs in the act's
 * transaction, so the event commits or rolls back with the act (the webhooks context's table of
 * events is its outbox); the dispatcher gives committed events their feed position and fans them
 * out to subscribed endpoints later (subgraphs/webhooks/webhook-event.dispatch.ts, docs/webhooks.md).
 */

/** What an event announces; each has a wire name (`WEBHOOK_EVENT_NAMES`) sent as the payload's `type`. */
export enum WebhookEventType {
  TRUST_CHANGED = "TRUST_CHANGED",
  ELIGIBILITY_CHANGED = "ELIGIBILITY_CHANGED",
  CONSEQUENCE_TAKEN = "CONSEQUENCE_TAKEN",
  CONSEQUENCE_LIFTED = "CONSEQUENCE_LIFTED",
  ESCALATION_RAISED = "ESCALATION_RAISED",
  ESCALATION_OVERDUE = "ESCALATION_OVERDUE",
  DISPUTE_FILED = "DISPUTE_FILED",
  DISPUTE_DECIDED = "DISPUTE_DECIDED",
  RUN_JUDGED = "RUN_JUDGED",
  ENDPOINT_DISABLED = "ENDPOINT_DISABLED",
}

/** The payload's `type`, as the Standard Webhooks specification recommends: dotted, lower case. */
export const WEBHOOK_EVENT_NAMES: Record<WebhookEventType, string> = {
  TRUST_CHANGED: "trust.changed",
  ELIGIBILITY_CHANGED: "eligibility.changed",
  CONSEQUENCE_TAKEN: "consequence.taken",
  CONSEQUENCE_LIFTED: "consequence.lifted",
  ESCALATION_RAISED: "escalation.raised",
  ESCALATION_OVERDUE: "escalation.overdue",
  DISPUTE_FILED: "dispute.filed",
  DISPUTE_DECIDED: "dispute.decided",
  RUN_JUDGED: "run.judged",
  ENDPOINT_DISABLED: "endpoint.disabled",
};

/**
 * Who may receive an event:
 * - `PUBLIC`: facts the transparency log publishes anyway; partners' endpoints and the agent's
 *   builder's endpoints.
 * - `BUILDER`: the agent's builder's endpoints only (an escalation names the owner team's contact).
 * - `OWNER`: the endpoints of the one owner the event names (`owner`), whatever the agent.
 */
export type WebhookAudience = "PUBLIC" | "BUILDER" | "OWNER";

/** Who owns an endpoint: a partner organisation or a builder, by role and subject. */
export interface WebhookOwner {
  role: "partner" | "builder";
  subject: string;
}

/** One event to raise. `data` is plain JSON; `at` is the act's own clock. */
export interface WebhookEventInput {
  type: WebhookEventType;
  /** The agent the event is about; null only for OWNER events about an endpoint. */
  agentId: string | null;
  audience: WebhookAudience;
  /** Set for OWNER events. */
  owner?: WebhookOwner;
  data: Record<string, unknown>;
  at: Date;
}

/** Writes one event in the caller's transaction. */
export type RaiseWebhookEvent = (manager: EntityManager, event: WebhookEventInput) => Promise<void>;
