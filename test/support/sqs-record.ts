import { randomUUID } from "node:crypto";
import type { SQSEvent, SQSRecord } from "aws-lambda";

/** A realistic SQS record carrying `body`, as Lambda's event source delivers it. */
export function sqsRecordFactory(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: { ApproximateReceiveCount: "1", SentTimestamp: now, SenderId: "AIDAEXAMPLE", ApproximateFirstReceiveTimestamp: now },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:judge-jobs",
    awsRegion: "us-east-1",
    ...overrides,
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
