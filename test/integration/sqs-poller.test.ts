import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startEmbeddedSqs, type EmbeddedSqs } from "../../lib/platform/embedded-sqs.js";
import { createSqsClient, startPoller } from "../../lib/platform/queue.js";
import { eventually } from "../support/system.js";

describe("local poller against the SQS emulator over HTTP", () => {
  // A fresh emulator per test: a stopped poller's abandoned long poll can still take a message,
  // which would count as a receive in the next test.
  let sqs: EmbeddedSqs;
  const client = () => createSqsClient({ region: "us-east-1", endpoint: sqs.url });

  beforeEach(async () => {
    sqs = await startEmbeddedSqs({ maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
  });
  afterEach(async () => {
    await sqs?.stop();
  });

  it("hands batches to the handler as SQS events, deletes successes, and redrives failures to the DLQ", async () => {
    const sqsClient = client();
    const handled = new Map<string, number>();
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      for (const record of event.Records) handled.set(record.body, (handled.get(record.body) ?? 0) + 1);
      expect(event.Records.every((record) => record.eventSource === "aws:sqs" && record.eventSourceARN.endsWith(":judge-jobs"))).toBe(true);
      return { batchItemFailures: event.Records.filter((r) => r.body === "poison").map((r) => ({ itemIdentifier: r.messageId })) };
    };
    const poller = startPoller({
      client: sqsClient,
      queueUrl: sqs.judgeQueueUrl,
      region: "us-east-1",
      handler,
      batchSize: 10,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 1,
    });
    try {
      for (const body of ["one", "poison", "two"])
        await sqsClient.send(new SendMessageCommand({ QueueUrl: sqs.judgeQueueUrl, MessageBody: body }));

      const dead = await eventually(
        async () => {
          const received = await sqsClient.send(new ReceiveMessageCommand({ QueueUrl: sqs.judgeDeadLetterQueueUrl, WaitTimeSeconds: 1 }));
          return received.Messages?.length ? received.Messages : undefined;
        },
        20_000,
        "the poison message to reach the DLQ",
      );

      expect(dead.map((m) => m.Body)).toEqual(["poison"]);
      // Tried maxReceiveCount times, then moved; the good ones were handled once and deleted.
      expect(handled.get("poison")).toBe(2);
      expect(handled.get("one")).toBe(1);
      expect(handled.get("two")).toBe(1);
    } finally {
      await poller.stop();
      sqsClient.destroy();
    }
  });

  it("redelivers a whole batch when the handler throws", async () => {
    const sqsClient = client();
    let calls = 0;
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      calls += 1;
      if (calls === 1) throw new Error("database unavailable");
      expect(event.Records.map((r) => r.body)).toEqual(["retry-me"]);
      return { batchItemFailures: [] };
    };
    const errors: unknown[] = [];
    const poller = startPoller({
      client: sqsClient,
      queueUrl: sqs.judgeQueueUrl,
      region: "us-east-1",
      handler,
      batchSize: 10,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 1,
      onError: (e) => errors.push(e),
    });
    try {
      await sqsClient.send(new SendMessageCommand({ QueueUrl: sqs.judgeQueueUrl, MessageBody: "retry-me" }));
      await eventually(async () => (calls >= 2 ? true : undefined), 20_000, "the batch to be redelivered");
      expect(errors).toHaveLength(1);
    } finally {
      await poller.stop();
      sqsClient.destroy();
    }
  });
});
