import { Field, ObjectType } from "type-graphql";
import { PageInfo } from "../../lib/platform/pagination.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";

const SECRET_DESCRIPTION =
  "The signing secret, `whsec_` and the base64 of 32 bytes, as Standard Webhooks libraries take it: every delivery's `webhook-signature` is an HMAC-SHA256 with it. Store it now: it is never shown again, only rotated.";

@ObjectType({ description: "An endpoint just registered, with its signing secret: the only time the secret is shown." })
export class CreatedWebhookEndpoint {
  @Field(() => WebhookEndpoint, { description: "The endpoint, as it will be listed." })
  endpoint: WebhookEndpoint;

  @Field(() => String, { description: SECRET_DESCRIPTION })
  secret: string;
}

@ObjectType({ description: "An endpoint whose secret was just rotated, with the new secret: the only time it is shown." })
export class RotatedWebhookSecret {
  @Field(() => WebhookEndpoint, { description: "The endpoint." })
  endpoint: WebhookEndpoint;

  @Field(() => String, { description: SECRET_DESCRIPTION })
  secret: string;

  @Field(() => Date, {
    nullable: true,
    description:
      "Until when deliveries also carry a signature with the secret this rotation replaced, so receivers can switch without losing any; null when the grace is 0 (WEBHOOK_SECRET_GRACE_HOURS).",
  })
  previousSecretValidUntil: Date | null;
}

@ObjectType("WebhookEndpointEdge", { description: "One webhook endpoint." })
export class WebhookEndpointEdge {
  @Field(() => String, { description: "Opaque cursor of this endpoint; pass as `after` to continue after it." })
  cursor: string;

  @Field(() => WebhookEndpoint, { description: "The endpoint." })
  node: WebhookEndpoint;
}

@ObjectType("WebhookEndpointConnection", { description: "A page of one owner's webhook endpoints, oldest first." })
export class WebhookEndpointConnection {
  @Field(() => [WebhookEndpointEdge], { description: "The endpoints on this page." })
  edges: WebhookEndpointEdge[];

  @Field(() => PageInfo, { description: "Whether another page follows." })
  pageInfo: PageInfo;
}
