/// <reference path="../.sst/platform/config.d.ts" />
import { WEBHOOK_DELIVERER_CONCURRENCY } from "./capacity";
import { lambda } from "./lambda";
import { afterMigrations } from "./migrations";
import { webhookQueue } from "./queues";
import { webhookSecretKey } from "./secrets";

// Created here and handed to the queue by reference, for the reason infra/judge.ts gives: inside
// a Pulumi `apply` the secrets in its environment would lose their secret marking.

/**
 * Delivers webhooks (docs/webhooks.md): SQS batches of deliveries, each POSTed to its endpoint on
 * the internet, through the VPC's NAT when the stage owns its database (deploy-settings.ts). What
 * keeps it from the VPC's own addresses is the check before each connection
 * (lib/platform/outbound-address.ts). Exported for its alarm (alarms.ts).
 */
export const webhookDeliverer = new sst.aws.Function(
  "WebhookDeliverer",
  lambda(
    {
      handler: "functions/webhook-deliverer.handler",
      // A batch's ten deliveries run side by side, each bounded by WEBHOOK_TIMEOUT_MS (10 s) plus a
      // few short transactions; WebhookQueue's visibility is 6x this.
      timeout: "30 seconds",
      memory: "256 MB",
      // It signs every delivery; besides the webhooks subgraph, no other function holds the key.
      environment: { WEBHOOK_SECRET_KEY: webhookSecretKey.value },
      permissions: [
        {
          actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
          resources: [webhookQueue.arn],
        },
      ],
      concurrency: { reserved: WEBHOOK_DELIVERER_CONCURRENCY },
    },
    { after: afterMigrations },
  ),
);

webhookQueue.subscribe(webhookDeliverer.arn, {
  // Only the records listed in `batchItemFailures` return to the queue (runtime/webhooks.ts).
  batch: { size: 10, partialResponses: true },
  transform: { eventSourceMapping: { scalingConfig: { maximumConcurrency: WEBHOOK_DELIVERER_CONCURRENCY } } },
});
