import { registerEnumType } from "type-graphql";
import { WebhookEventType } from "../../lib/contracts/webhook-event.js";

/** Whether an endpoint receives events. */
export enum WebhookEndpointState {
  ACTIVE = "ACTIVE",
  DISABLED = "DISABLED",
}

/** Where one event stands with one endpoint. */
export enum WebhookDeliveryState {
  /** Waiting for its next attempt (the first, or a retry after a failure). */
  PENDING = "PENDING",
  DELIVERED = "DELIVERED",
  /** Every attempt of the schedule failed, or the endpoint was disabled: only `redeliverWebhook` sends it again. */
  DEAD = "DEAD",
}

/** How one attempt ended. */
export enum WebhookAttemptOutcome {
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  /** Refused before any connection: the host resolved to an address endpoints may not have. */
  REFUSED = "REFUSED",
}

registerEnumType(WebhookEventType, {
  name: "WebhookEventType",
  description: "What a webhook event announces; the payload's `type` is its dotted name (docs/webhooks.md).",
  valuesConfig: {
    TRUST_CHANGED: { description: "`trust.changed`: an agent's composite or reputation score (or their confidence) moved." },
    ELIGIBILITY_CHANGED: {
      description: "`eligibility.changed`: an agent's listing decision (eligibility, tier or standing consequence) changed.",
    },
    CONSEQUENCE_TAKEN: { description: "`consequence.taken`: a step of a pact's consequence ladder was taken." },
    CONSEQUENCE_LIFTED: {
      description: "`consequence.lifted`: a standing consequence step was lifted (by the ladder, an arbiter or an appeal).",
    },
    ESCALATION_RAISED: {
      description:
        "`escalation.raised`: the pact's escalation owner must acknowledge a step or a lost listing by the pact's deadline. Builders' endpoints only.",
    },
    ESCALATION_OVERDUE: {
      description:
        "`escalation.overdue`: an escalation passed its deadline unacknowledged and goes on to the builder. Builders' endpoints only.",
    },
    DISPUTE_FILED: { description: "`dispute.filed`: a dispute about an agent was filed." },
    DISPUTE_DECIDED: { description: "`dispute.decided`: a dispute or an appeal about an agent was decided." },
    RUN_JUDGED: { description: "`run.judged`: an evaluation run of an agent was judged." },
    ENDPOINT_DISABLED: {
      description: "`endpoint.disabled`: one of the owner's endpoints was disabled after failing throughout, or by a 410.",
    },
  },
});
registerEnumType(WebhookEndpointState, {
  name: "WebhookEndpointState",
  description: "Whether an endpoint receives events.",
  valuesConfig: {
    ACTIVE: { description: "Receives the events it subscribes to." },
    DISABLED: { description: "Receives nothing until its owner enables it again (`disabledReason` says why)." },
  },
});
registerEnumType(WebhookDeliveryState, {
  name: "WebhookDeliveryState",
  description: "Where one event stands with one endpoint.",
  valuesConfig: {
    PENDING: { description: "Waiting for its next attempt." },
    DELIVERED: { description: "The endpoint answered 2xx." },
    DEAD: { description: "Every scheduled attempt failed, or the endpoint was disabled; only a redelivery sends it again." },
  },
});
registerEnumType(WebhookAttemptOutcome, {
  name: "WebhookAttemptOutcome",
  description: "How one delivery attempt ended.",
  valuesConfig: {
    SUCCEEDED: { description: "The endpoint answered 2xx." },
    FAILED: { description: "A non-2xx answer, a redirect (never followed), a timeout or a connection error." },
    REFUSED: { description: "Refused before connecting: the URL's host resolved to an address endpoints may not have." },
  },
});

export { WebhookEventType };
