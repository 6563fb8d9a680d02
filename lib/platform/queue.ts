import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, SendMessageBatchCommand, type Message } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { log } from "./logger.js";

export interface SqsSettings {
  region: string;
  endpoint?: string;
}

export function createSqsClient(settings: SqsSettings): SQSClient {
  return new SQSClient({
    region: settings.region,
    endpoint: settings.endpoint,
    // An emulator accepts any credentials; against AWS the default provider chain applies.
    ...(settings.endpoint ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
    maxAttempts: 2,
  });
}

/** `arn:aws:sqs:<region>:<account>:<name>` from a queue URL `<scheme>://<host>/<account>/<name>`. */
export function queueArnFromUrl(queueUrl: string, region: string): string {
  // Not `new URL`: emulators hand out hosts like `sqs.us-east-1.127.0.0.1:4566` that it rejects.
  const [, account = "000000000000", name = "queue"] = /^[a-z]+:\/\/[^/]+\/([^/]+)\/([^/?#]+)/.exec(queueUrl) ?? [];
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/** The record Lambda's SQS event source would build from a received message. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

export interface PollerOptions {
  client: SQSClient;
  queueUrl: string;
  region: string;
  handler: SqsHandler;
  batchSize: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  onError?: (error: unknown) => void;
}

export interface Poller {
  stop(): Promise<void>;
}

/**
 * What Lambda's SQS event source mapping does, for running locally: long-poll, hand the batch to
 * the handler as a real SQSEvent, delete only the records it did not report as failed. Failed
 * records become visible again after the visibility timeout and end in the DLQ after the queue's
 * maxReceiveCount.
 */
export function startPoller(options: PollerOptions): Poller {
  const abort = new AbortController();
  const queueArn = queueArnFromUrl(options.queueUrl, options.region);
  const reportError = options.onError ?? ((error: unknown) => log.error({ err: error, queueUrl: options.queueUrl }, "queue poll failed"));

  const pollOnce = async () => {
    const received = await options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize,
        WaitTimeSeconds: options.waitTimeSeconds,
        VisibilityTimeout: options.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ["All"],
      }),
      { abortSignal: abort.signal },
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return;
    const records = messages.map((message) => toSqsRecord(message, queueArn, options.region));
    let failed: Set<string>;
    try {
      const response = await options.handler({ Records: records });
      failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch (error) {
      // A handler that throws fails the whole batch, as on Lambda.
      reportError(error);
      return;
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    if (done.length === 0) return;
    await options.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    );
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        await pollOnce();
      } catch (error) {
        if (abort.signal.aborted) break;
        reportError(error);
        // Queue unreachable: back off instead of spinning.
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

/** Sends up to ten bodies in one call; returns the indexes that SQS accepted. */
export async function sendBatch(client: SQSClient, queueUrl: string, bodies: string[]): Promise<Set<number>> {
  const response = await client.send(
    new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })) }),
  );
  return new Set((response.Successful ?? []).map((entry) => Number(entry.Id)));
}
