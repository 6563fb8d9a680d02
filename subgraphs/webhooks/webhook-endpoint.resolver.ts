import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { createWebhookEndpoint } from "./webhook-endpoint.create.js";
import { deleteWebhookEndpoint } from "./webhook-endpoint.delete.js";
import { disableWebhookEndpoint } from "./webhook-endpoint.disable.js";
import { enableWebhookEndpoint } from "./webhook-endpoint.enable.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from "./webhook-endpoint.inputs.js";
import { listWebhookEndpoints } from "./webhook-endpoint.list.js";
import { findEndpoint } from "./webhook-endpoint.read.js";
import { rotateWebhookSecret } from "./webhook-endpoint.rotate.js";
import { CreatedWebhookEndpoint, RotatedWebhookSecret, WebhookEndpointConnection } from "./webhook-endpoint.types.js";
import { updateWebhookEndpoint } from "./webhook-endpoint.update.js";
import { disabledReasonOf } from "./webhook-endpoint.validation.js";
import { ownerToList, requireEndpointOwner, requireEndpointReader, visibleEndpoint } from "./webhooks.access.js";
import type { WebhooksContext } from "./webhooks.context.js";

const WHO_MANAGES = "Partners (with a token, or a key holding `webhooks:manage`) and builders (with a token), on their own endpoints.";

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @Query(() => WebhookEndpoint, {
    nullable: true,
    description:
      "One webhook endpoint, without its secret: the owner's own, any for an operator. Null for an id that names none the caller may read.",
  })
  async webhookEndpoint(
    @Arg("id", () => ID, { description: "The endpoint's id." }) id: string,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookEndpoint | null> {
    requireEndpointReader(context.identity);
    return visibleEndpoint(context.identity, await findEndpoint(context.dataSource.manager, id));
  }

  @Query(() => WebhookEndpointConnection, {
    description:
      'An owner\'s webhook endpoints, oldest first, without their secrets. Partners (with a token, or a key holding `webhooks:manage`) and builders list their own; an operator names the owner as "partner:<subject>" or "builder:<subject>".',
  })
  webhookEndpoints(
    @Arg("owner", () => String, {
      nullable: true,
      description:
        'Whose endpoints, as "partner:<subject>" or "builder:<subject>": required of an operator; an owner may only name itself, and lists its own when absent.',
    })
    owner: string | null,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100 (default 20)." }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "The `endCursor` of the previous page." }) after: string | null,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookEndpointConnection> {
    return listWebhookEndpoints(context.dataSource, ownerToList(context.identity, owner, "owner"), { first, after });
  }

  @Mutation(() => CreatedWebhookEndpoint, {
    description: `Registers a webhook endpoint for the caller and returns its signing secret: the only time it is shown. ${WHO_MANAGES} At most 20 per owner (CONFLICT beyond).`,
  })
  createWebhookEndpoint(
    @Arg("input", () => CreateWebhookEndpointInput, { description: "The endpoint's URL, events and optional agent filter." })
    input: CreateWebhookEndpointInput,
    @Ctx() context: WebhooksContext,
  ): Promise<CreatedWebhookEndpoint> {
    return createWebhookEndpoint(context, requireEndpointOwner(context.identity), input);
  }

  @Mutation(() => WebhookEndpoint, {
    description: `Changes an endpoint's URL, description, events or agent filter, each checked as at registration; its secret stays. ${WHO_MANAGES}`,
  })
  updateWebhookEndpoint(
    @Arg("id", () => ID, { description: "The endpoint's id." }) id: string,
    @Arg("input", () => UpdateWebhookEndpointInput, { description: "What to change; what is left out stays." })
    input: UpdateWebhookEndpointInput,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookEndpoint> {
    const owner = requireEndpointOwner(context.identity);
    return updateWebhookEndpoint(context, owner, context.identity, id, input);
  }

  @Mutation(() => RotatedWebhookSecret, {
    description: `Gives an endpoint a new signing secret, returned here only; deliveries are signed with the old one too until \`previousSecretValidUntil\` (WEBHOOK_SECRET_GRACE_HOURS, 24 by default). Rotating again within that grace drops the older one. ${WHO_MANAGES}`,
  })
  rotateWebhookSecret(
    @Arg("id", () => ID, { description: "The endpoint's id." }) id: string,
    @Ctx() context: WebhooksContext,
  ): Promise<RotatedWebhookSecret> {
    requireEndpointOwner(context.identity);
    return rotateWebhookSecret(context, context.identity, id);
  }

  @Mutation(() => WebhookEndpoint, {
    description:
      "Stops deliveries to an endpoint until its owner enables it: the owner its own, an operator any. Deliveries still owed are not sent. Disabling a disabled endpoint is a CONFLICT.",
  })
  disableWebhookEndpoint(
    @Arg("id", () => ID, { description: "The endpoint's id." }) id: string,
    @Arg("reason", () => String, { nullable: true, description: "Why, for the owner to read (1–400 characters)." }) reason: string | null,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookEndpoint> {
    requireEndpointReader(context.identity);
    // Owners are partners and builders, so an operator never disables an endpoint of its own.
    const by = context.identity.role === "operator" ? "operator" : "owner";
    return disableWebhookEndpoint(context, context.identity, id, { reason: disabledReasonOf(by, reason, "reason"), by });
  }

  @Mutation(() => WebhookEndpoint, {
    description: `Enables a disabled endpoint again, after checking its URL as at registration; its run of failures starts afresh, and events raised while it was disabled are not sent (redeliver them). Enabling an active endpoint is a CONFLICT. ${WHO_MANAGES}`,
  })
  enableWebhookEndpoint(
    @Arg("id", () => ID, { description: "The endpoint's id." }) id: string,
    @Ctx() context: WebhooksContext,
  ): Promise<WebhookEndpoint> {
    requireEndpointOwner(context.identity);
    return enableWebhookEndpoint(context, context.identity, id);
  }

  @Mutation(() => ID, {
    description: `Deletes an endpoint and returns its id; deliveries still owed to it are never sent. ${WHO_MANAGES}`,
  })
  deleteWebhookEndpoint(
    @Arg("id", () => ID, { description: "The endpoint's id." }) id: string,
    @Ctx() context: WebhooksContext,
  ): Promise<string> {
    requireEndpointOwner(context.identity);
    return deleteWebhookEndpoint(context, context.identity, id);
  }
}
