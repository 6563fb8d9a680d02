import type { RunningServer } from "./http-server.js";

export interface EmbeddedSqs extends RunningServer {
  judgeQueueUrl: string;
  judgeDeadLetterQueueUrl: string;
}

/**
 * Starts the in-process SQS emulator with the judge queue and its dead-letter queue. It keeps
 * messages in memory only; the outbox is the durable record (see runtime/local.ts).
 */
export async function startEmbeddedSqs(options: {
  host?: string;
  port?: number;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}): Promise<EmbeddedSqs> {
  const { startFauxqs } = await import("fauxqs");
  const server = await startFauxqs({ host: options.host ?? "127.0.0.1", port: options.port ?? 0, logger: false });
  const dlq = server.createQueue("judge-jobs-dlq", { attributes: { MessageRetentionPeriod: "1209600" } });
  const queue = server.createQueue("judge-jobs", {
    attributes: {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: options.maxReceiveCount }),
    },
  });
  return {
    url: server.address,
    judgeQueueUrl: queue.queueUrl,
    judgeDeadLetterQueueUrl: dlq.queueUrl,
    stop: () => server.stop(),
  };
}
