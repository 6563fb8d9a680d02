import { config } from "../lib/platform/config.js";
import { sqsPublisher, type Publisher } from "../lib/platform/outbox.js";
import { createSqsClient } from "../lib/platform/queue.js";

let publisher: Publisher | undefined;

/**
 * Publishes the outbox on Lambda: judge jobs to JUDGE_QUEUE_URL, webhook deliveries to
 * WEBHOOK_QUEUE_URL. Every function that writes outbox messages and relays them needs both
 * (infra/lambda.ts gives them to every backend function); without WEBHOOK_QUEUE_URL the webhook
 * messages stay in the outbox, their `last_error` saying so.
 */
export function outboxPublisher(): Publisher {
  const settings = config();
  if (!settings.sqs.judgeQueueUrl) throw new Error("JUDGE_QUEUE_URL is required on Lambda");
  publisher ??= sqsPublisher(createSqsClient(settings.sqs), { judge: settings.sqs.judgeQueueUrl, webhook: settings.webhooks.queueUrl });
  return publisher;
}
