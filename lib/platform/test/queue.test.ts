import type { Message } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { queueArnFromUrl, toSqsRecord } from "../queue.js";

describe("queueArnFromUrl", () => {
  it("derives the ARN from an AWS queue URL", () => {
    expect(queueArnFromUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/judge-jobs", "eu-west-1")).toBe(
      "arn:aws:sqs:eu-west-1:123456789012:judge-jobs",
    );
  });

  it("derives the ARN from an emulator URL whose host new URL() would reject", () => {
    expect(queueArnFromUrl("http://sqs.us-east-1.127.0.0.1:4566/000000000000/judge-jobs", "us-east-1")).toBe(
      "arn:aws:sqs:us-east-1:000000000000:judge-jobs",
    );
  });

  it("ignores a query string after the queue name", () => {
    expect(queueArnFromUrl("http://localhost:9324/000000000000/judge-jobs-dlq?Action=ReceiveMessage", "us-east-1")).toBe(
      "arn:aws:sqs:us-east-1:000000000000:judge-jobs-dlq",
    );
  });
});

describe("toSqsRecord", () => {
  it("maps a received message to the record Lambda's event source would deliver", () => {
    const message: Message = {
      MessageId: "m-1",
      ReceiptHandle: "r-1",
      Body: '{"kind":"evaluation-run","runId":"run-1"}',
      MD5OfBody: "abc",
      Attributes: {
        ApproximateReceiveCount: "3",
        SentTimestamp: "1700000000000",
        SenderId: "AIDA1",
        ApproximateFirstReceiveTimestamp: "1700000000500",
      },
    };

    const record = toSqsRecord(message, "arn:aws:sqs:us-east-1:000000000000:judge-jobs", "us-east-1");

    expect(record).toEqual({
      messageId: "m-1",
      receiptHandle: "r-1",
      body: '{"kind":"evaluation-run","runId":"run-1"}',
      attributes: {
        ApproximateReceiveCount: "3",
        SentTimestamp: "1700000000000",
        SenderId: "AIDA1",
        ApproximateFirstReceiveTimestamp: "1700000000500",
      },
      messageAttributes: {},
      md5OfBody: "abc",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:judge-jobs",
      awsRegion: "us-east-1",
    });
  });

  it("fills what a bare message lacks, counting it as a first delivery", () => {
    const record = toSqsRecord({}, "arn:aws:sqs:us-east-1:000000000000:judge-jobs", "us-east-1");

    expect(record).toMatchObject({ messageId: "", receiptHandle: "", body: "", md5OfBody: "", messageAttributes: {} });
    expect(record.attributes).toMatchObject({ ApproximateReceiveCount: "1", SenderId: "local" });
    expect(record.attributes.SentTimestamp).toMatch(/^\d+$/);
    expect(record.attributes.ApproximateFirstReceiveTimestamp).toMatch(/^\d+$/);
  });
});
