import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { listWebhookAttempts, listWebhookEvents } from "./webhook-delivery.list.js";
import { redeliverWebhook } from "./webhook-delivery.redeliver.js";
import { WebhookDeliveryAttemptConnection, WebhookEventDelivery, WebhookEventDeliveryConnection } from "./webhook-delivery.types.js";
import { findEndpoint } from "./webhook-endpoint.read.js";
import { requireEndpointOwner, requireEndpointReader, requireVisibleEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

const WHO_READS =
  "The endpoint's owner (a partner with a token or a key holding `webhooks:manage`, or a builder) and operators; another owner's endpoint is NOT_FOUND.";

@Resolver()
export class WebhookDeliveryResolver {
  @Query(() => WebhookDeliveryAttemptConnection, {
    description: `The delivery log of an endpoint: every attempt, newest first, with its status code, latency, error and outcome. ${WHO_READS}`,
  })
  async webhookDeliveries(
    @Arg("endpointId", () => ID, { description: "The endpoint's id." }) endpointId: string,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100 (default 20)." }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "The `endCursor` of the previous page." }) after: string | null,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookDeliveryAttemptConnection> {
    const endpoint = await readableEndpoint(context, endpointId);
    return listWebhookAttempts(context.dataSource, endpoint.id, { first: first ?? null, after: after ?? null });
  }

  @Query(() => WebhookEventDeliveryConnection, {
    description: `The events owed to an endpoint, in feed order, each with the exact body sent and where its delivery stands: a receiver re-reads from the last \`position\` it processed by passing it as \`after\`. ${WHO_READS}`,
  })
  async webhookEvents(
    @Arg("endpointId", () => ID, { description: "The endpoint's id." }) endpointId: string,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100 (default 20)." }) first: number | null,
    @Arg("after", () => String, {
      nullable: true,
      description:
        "A position, in decimal: the `endCursor` of the previous page, or the last `position` a receiver processed. From the first event when absent.",
    })
    after: string | null,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookEventDeliveryConnection> {
    const endpoint = await readableEndpoint(context, endpointId);
    return listWebhookEvents(context.dataSource, endpoint.id, { first: first ?? null, after: after ?? null });
  }

  @Mutation(() => WebhookEventDelivery, {
    description:
      "Sends one event to its endpoint again, now, whatever its delivery's state (a DEAD one included); the attempt is logged as a redelivery and does not advance the retry schedule. The endpoint's owner only (a partner with a token or a key holding `webhooks:manage`, or a builder); a disabled endpoint is a CONFLICT until enabled.",
  })
  redeliverWebhook(
    @Arg("deliveryId", () => ID, { description: "The delivery, as `webhookDeliveries` and `webhookEvents` name it." }) deliveryId: string,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookEventDelivery> {
    requireEndpointOwner(context.identity);
    return redeliverWebhook(context, context.identity, deliveryId);
  }
}

/** The endpoint whose log the caller asks for: its owner's or, for an operator, any; others NOT_FOUND naming `endpointId`. */
async function readableEndpoint(context: WebhooksContext, endpointId: string) {
  requireEndpointReader(context.identity);
  return requireVisibleEndpoint(context.identity, await findEndpoint(context.dataSource.manager, endpointId), "endpointId", endpointId);
}
