import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type { DataSource } from "typeorm";
import { type AppConfig, config } from "../lib/platform/config.js";
import { jobLog, log } from "../lib/platform/logger.js";
import { relayOnce, type Publisher } from "../lib/platform/outbox.js";
import { parseDeliveryMessage } from "../subgraphs/webhooks/webhook-delivery.message.js";
import { type DispatchResult, deliveryLeaseMs, dispatchWebhooks } from "../subgraphs/webhooks/webhook-event.dispatch.js";
import { deliverWebhook, type DeliveryResult } from "../subgraphs/webhooks/webhook.deliver.js";
import { type WebhookSettings, webhookSettings } from "../subgraphs/webhooks/webhook.settings.js";
import { sharedDataSource } from "./data-source.js";

/*
 * The webhook deliverer and dispatcher as the runtimes run them (docs/webhooks.md): the
 * deliverer is functions/webhook-deliverer.ts on AWS, fed by the webhook queue's event source,
 * and the same handler behind a poller with `npm start` (runtime/local.ts); the dispatcher runs in
 * the scheduled jobs (runtime/jobs.ts), after each judge batch on Lambda (runtime/judge.ts), and
 * locally in a loop of its own (startWebhookDispatcher).
 */

/** One record: one attempt of the delivery it names (subgraphs/webhooks/webhook.deliver.ts). */
export async function webhookRecordHandler(record: SQSRecord, dataSource: DataSource, settings: WebhookSettings): Promise<DeliveryResult> {
  const message = parseDeliveryMessage(record.body);
  return deliverWebhook(dataSource, message.deliveryId, settings, new Date(), {
    redelivery: message.redelivery,
    log: jobLog(record.messageId),
  });
}

/**
 * SQS -> deliverer, for the settings `settingsOf` gives (read once). The records of a batch are
 * attempted together, so one slow endpoint holds up none of the others beyond its own timeout. An
 * endpoint's failure is a recorded attempt, not a failed record: a record is reported failed
 * only when the deliverer could not work (the database unreachable, a malformed message), and SQS
 * then retries it, up to WEBHOOK_MAX_RECEIVE_COUNT before its dead-letter queue. Each record's log
 * lines carry its message id as the job id.
 */
export function createWebhookHandler(settingsOf: () => WebhookSettings): (event: SQSEvent) => Promise<SQSBatchResponse> {
  let settings: WebhookSettings | undefined;
  return async (event) => {
    const dataSource = await sharedDataSource();
    settings ??= settingsOf();
    const batchItemFailures: SQSBatchItemFailure[] = [];
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          await webhookRecordHandler(record, dataSource, settings as WebhookSettings);
        } catch (error) {
          const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
          jobLog(record.messageId).error({ err: error, receiveCount }, "webhook delivery could not be worked; SQS delivers it again");
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }),
    );
    return { batchItemFailures };
  };
}

/** The Lambda handler (functions/webhook-deliverer.ts), with the settings of this process's configuration. */
export const webhookHandler = createWebhookHandler(() => webhookSettings(config()));

/** Dispatches with the lease the configured queue calls for (deliveryLeaseMs, as webhookSettings gives redeliveries). */
export function dispatchWithConfig(
  dataSource: DataSource,
  settings: AppConfig,
  options: { sweep?: boolean } = {},
): Promise<DispatchResult> {
  return dispatchWebhooks(dataSource, new Date(), { ...options, leaseMs: deliveryLeaseMs(settings.webhooks) });
}

/** Relay rounds after a dispatch on Lambda: bounds one judge invocation's extra work (10 messages a round). */
const MAX_RELAY_ROUNDS = 20;

/**
 * After a judge batch on Lambda: what it changed goes out at once, not at the next scheduled
 * minute. New events only (the scheduled jobs sweep retries); one indexed look when there is
 * none. The publisher is built only when there is something to publish. A failure is logged and
 * left to the scheduled jobs: the judged run is committed already.
 */
export async function dispatchAndPublish(dataSource: DataSource, settings: AppConfig, publisher: () => Publisher): Promise<void> {
  try {
    const { deliveries } = await dispatchWithConfig(dataSource, settings, { sweep: false });
    if (deliveries === 0) return;
    const publish = publisher();
    for (let round = 0; round < MAX_RELAY_ROUNDS; round += 1) if ((await relayOnce(dataSource, publish)) === 0) break;
  } catch (error) {
    log.error({ err: error }, "webhook dispatch after the judge batch failed; the scheduled jobs dispatch it");
  }
}

export interface WebhookDispatcher {
  stop(): Promise<void>;
}

/**
 * The local dispatcher (`npm start`): every WEBHOOK_DISPATCH_INTERVAL_MS, new events and due
 * retries; `enqueued` runs when it wrote messages (runtime/local.ts nudges the relay). One pass
 * at a time; stop() waits for the pass under way.
 */
export function startWebhookDispatcher(dataSource: DataSource, settings: AppConfig, enqueued: () => void): WebhookDispatcher {
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { deliveries, resent } = await dispatchWithConfig(dataSource, settings);
        if (deliveries + resent > 0) enqueued();
      } catch (error) {
        if (!stopped) log.error({ err: error }, "webhook dispatch failed; retrying on the next tick");
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, settings.webhooks.dispatchIntervalMs);
      });
      clearTimeout(timer);
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
