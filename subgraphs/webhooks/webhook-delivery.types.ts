import { Field, ID, Int, ObjectType } from "type-graphql";
import { PageInfo, historyPage } from "../../lib/platform/pagination.js";
import { WebhookAttemptOutcome, WebhookDeliveryState, WebhookEventType } from "./webhook.enums.js";

@ObjectType({ description: "One attempt to deliver one event to an endpoint: a line of the delivery log." })
export class WebhookDeliveryAttempt {
  @Field(() => ID, { description: "Identifier of the attempt." })
  id: string;

  @Field(() => ID, { description: "The delivery it was made for: pass it to `redeliverWebhook` to send the event again." })
  deliveryId: string;

  @Field(() => ID, { description: "The endpoint it was made to." })
  endpointId: string;

  @Field(() => String, { description: "The event's `webhook-id` header: the same on every attempt, for de-duplication." })
  webhookId: string;

  @Field(() => WebhookEventType, { description: "What the event announces." })
  eventType: WebhookEventType;

  @Field(() => Int, { description: "The event's feed position, as its body's `position`." })
  position: number;

  @Field(() => WebhookAttemptOutcome, { description: "How the attempt ended." })
  outcome: WebhookAttemptOutcome;

  @Field(() => Int, {
    nullable: true,
    description: "The HTTP status the endpoint answered; null when it answered none (timeout, refused, connection error).",
  })
  statusCode: number | null;

  @Field(() => Int, { description: "Milliseconds from the request's start to the end of what was read of the answer." })
  latencyMs: number;

  @Field(() => String, {
    nullable: true,
    description:
      "What went wrong, when a status does not say it all: a timeout, a connection error, a refused address, a redirect not followed.",
  })
  error: string | null;

  @Field(() => Boolean, { description: "Sent by `redeliverWebhook` rather than by the retry schedule (it did not advance the schedule)." })
  redelivery: boolean;

  @Field(() => Date, { description: "When the attempt was made." })
  attemptedAt: Date;

  @Field(() => WebhookDeliveryState, { description: "Where the delivery stands now (not when this attempt was made)." })
  deliveryState: WebhookDeliveryState;
}

export const WebhookDeliveryAttemptConnection = historyPage(
  WebhookDeliveryAttempt,
  { edge: "WebhookDeliveryAttemptEdge", connection: "WebhookDeliveryAttemptConnection" },
  { item: "delivery attempt", items: "an endpoint's delivery attempts" },
);
export type WebhookDeliveryAttemptConnection = InstanceType<typeof WebhookDeliveryAttemptConnection>;

@ObjectType({
  description:
    "One event owed to an endpoint, with the exact body it is sent with and where its delivery stands: how a receiver re-reads what it missed.",
})
export class WebhookEventDelivery {
  @Field(() => ID, { description: "Identifier of the delivery: pass it to `redeliverWebhook` to send the event again." })
  deliveryId: string;

  @Field(() => ID, { description: "The endpoint the event is owed to." })
  endpointId: string;

  @Field(() => String, { description: "The event's `webhook-id` header." })
  webhookId: string;

  @Field(() => WebhookEventType, { description: "What the event announces." })
  eventType: WebhookEventType;

  @Field(() => Int, { description: "The event's feed position: it only grows in the order events committed. Also this item's cursor." })
  position: number;

  @Field(() => ID, { nullable: true, description: "The agent the event is about; null for an endpoint's own events (ENDPOINT_DISABLED)." })
  agentId: string | null;

  @Field(() => Date, { description: "When the act the event announces happened (the body's `timestamp`)." })
  occurredAt: Date;

  @Field(() => String, { description: "The request body, exactly as sent (JSON): what the signature covers." })
  payload: string;

  @Field(() => WebhookDeliveryState, { description: "Where the delivery stands." })
  state: WebhookDeliveryState;

  @Field(() => Int, { description: "Attempts made under the retry schedule (redeliveries not counted)." })
  attempts: number;

  @Field(() => Date, { nullable: true, description: "When the next attempt is due, while PENDING." })
  nextAttemptAt: Date | null;

  @Field(() => Int, { nullable: true, description: "The status the last attempt got; null before any, or when none was answered." })
  lastStatusCode: number | null;

  @Field(() => String, { nullable: true, description: "What went wrong on the last attempt; null after a success." })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: "When the endpoint answered 2xx; null until it has." })
  deliveredAt: Date | null;
}

@ObjectType({ description: "One event owed to an endpoint." })
export class WebhookEventDeliveryEdge {
  @Field(() => String, {
    description: "The event's position, in decimal: pass it (or any `position` a receiver processed) as `after` to continue after it.",
  })
  cursor: string;

  @Field(() => WebhookEventDelivery, { description: "The event and its delivery." })
  node: WebhookEventDelivery;
}

@ObjectType({ description: "A page of the events owed to an endpoint, in feed order (lowest position first)." })
export class WebhookEventDeliveryConnection {
  @Field(() => [WebhookEventDeliveryEdge], { description: "The events on this page." })
  edges: WebhookEventDeliveryEdge[];

  @Field(() => PageInfo, {
    description:
      "Whether more events follow now; `endCursor` is where to resume: the last event's position, or the `after` given when the page is empty.",
  })
  pageInfo: PageInfo;
}
