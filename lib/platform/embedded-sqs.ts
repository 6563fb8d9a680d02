import type { RunningServer } from "./http-server.js";

export interface EmbeddedSqs extends RunningServer {
  judgeQueueUrl: string;
  judgeDeadLetterQueueUrl: string;
  webhookQueueUrl: string;
  webhookDeadLetterQueueUrl: string;
}

/** How a queue hands out and dead-letters its messages. */
export interface QueueSettings {
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

/** The webhook queue's settings when a caller names none: lib/platform/config.ts's defaults. */
const WEBHOOK_QUEUE_DEFAULTS: QueueSettings = { maxReceiveCount: 5, visibilityTimeoutSeconds: 60 };

/**
 * Starts the in-process SQS emulator with the judge queue and the webhook delivery queue, each
 * with its dead-letter queue. It keeps messages in memory only; the outbox (and, for webhooks,
 * the deliveries' leases) is the durable record (see runtime/local.ts).
 */
export async function startEmbeddedSqs(
  options: QueueSettings & {
    host?: string;
    port?: number;
    /** The webhook queue's (config.webhooks); the judge's are the top-level ones. */
    webhooks?: QueueSettings;
  },
): Promise<EmbeddedSqs> {
  const { startFauxqs } = await import("fauxqs");
  const server = await startFauxqs({ host: options.host ?? "127.0.0.1", port: options.port ?? 0, logger: false });
  const withDeadLetters = (name: string, settings: QueueSettings) => {
    const dlq = server.createQueue(`${name}-dlq`, { attributes: { MessageRetentionPeriod: "1209600" } });
    const queue = server.createQueue(name, {
      attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: settings.maxReceiveCount }),
      },
    });
    return { queueUrl: queue.queueUrl, deadLetterQueueUrl: dlq.queueUrl };
  };
  const judge = withDeadLetters("judge-jobs", options);
  const webhooks = withDeadLetters("webhook-deliveries", options.webhooks ?? WEBHOOK_QUEUE_DEFAULTS);
  return {
    url: server.address,
    judgeQueueUrl: judge.queueUrl,
    judgeDeadLetterQueueUrl: judge.deadLetterQueueUrl,
    webhookQueueUrl: webhooks.queueUrl,
    webhookDeadLetterQueueUrl: webhooks.deadLetterQueueUrl,
    stop: () => server.stop(),
  };
}
