import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/platform/federation.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { CreateWebhooks1764700000100 } from "./migrations/1764700000100-create-webhooks.js";
import { WebhookAttempt, WebhookDelivery } from "./webhook-delivery.entity.js";
import { WebhookDeliveryResolver } from "./webhook-delivery.resolver.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { WebhookEndpointResolver } from "./webhook-endpoint.resolver.js";
import { WebhookDispatcher, WebhookEvent } from "./webhook-event.entity.js";
import type { WebhooksContext, WebhooksOptions } from "./webhooks.context.js";

export const webhooksEntities = [WebhookEndpoint, WebhookEvent, WebhookDispatcher, WebhookDelivery, WebhookAttempt];
export const webhooksMigrations = [CreateWebhooks1764700000100];

export function buildWebhooksSchema() {
  return buildFederatedSchema({ resolvers: [WebhookEndpointResolver, WebhookDeliveryResolver] });
}

/**
 * The webhooks subgraph: endpoints partners and builders register, and the log of what was
 * delivered to them. Events are raised by the other contexts' acts (lib/contracts/webhook-event.ts)
 * and delivered by the dispatcher and the deliverer (docs/webhooks.md).
 */
export async function webhooksSubgraph(dataSource: DataSource, options: WebhooksOptions): Promise<Subgraph<WebhooksContext>> {
  return {
    name: "webhooks",
    schema: await buildWebhooksSchema(),
    createContext: (identity, log) => ({ identity, dataSource, log, options }),
  };
}
