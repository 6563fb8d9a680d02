import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handler } from "../../functions/judge.js";
import { startEmbeddedSqs, type EmbeddedSqs } from "../../lib/platform/embedded-sqs.js";
import { createSqsClient, startPoller } from "../../lib/platform/queue.js";
import { EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import { JudgeFailure } from "../../subgraphs/pacts/evaluation/jury-verdict.entity.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";
import { eventually } from "../support/system.js";

describe.each(DATABASE_KINDS)("poison judge jobs through the SQS emulator (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });
  let sqs: EmbeddedSqs;

  beforeEach(async () => {
    sqs = await startEmbeddedSqs({ maxReceiveCount: 2, visibilityTimeoutSeconds: 1 });
  });
  afterEach(async () => {
    await sqs?.stop();
  });

  it("moves a poison job to the dead-letter queue after its last delivery, its reason recorded, while its batch-mates are judged", async () => {
    const client = createSqsClient({ region: "us-east-1", endpoint: sqs.url });
    const { pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact, undefined, { outbox: false });
    const poller = startPoller({
      client,
      queueUrl: sqs.judgeQueueUrl,
      region: "us-east-1",
      handler,
      batchSize: 10,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 1,
    });
    try {
      for (const body of [JSON.stringify(judgeJob(run.id)), JSON.stringify(judgeJob("00000000-0000-4000-8000-000000000000"))]) {
        await client.send(new SendMessageCommand({ QueueUrl: sqs.judgeQueueUrl, MessageBody: body }));
      }

      const dead = await eventually(
        async () => {
          const received = await client.send(new ReceiveMessageCommand({ QueueUrl: sqs.judgeDeadLetterQueueUrl, WaitTimeSeconds: 1 }));
          return received.Messages?.length ? received.Messages : undefined;
        },
        20_000,
        "the poison job to reach the DLQ",
      );

      expect(dead.map((m) => JSON.parse(m.Body!).runId)).toEqual(["00000000-0000-4000-8000-000000000000"]);
      const failures = await db.dataSource.getRepository(JudgeFailure).find();
      expect(failures).toEqual([
        expect.objectContaining({
          messageId: dead[0]!.MessageId,
          reason: "Error: evaluation run 00000000-0000-4000-8000-000000000000 does not exist",
          receiveCount: 2,
        }),
      ]);
      expect(failures[0]!.lastFailedAt.getTime()).toBeGreaterThan(failures[0]!.firstFailedAt.getTime());
      expect(await db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: run.id })).toMatchObject({ status: "COMPLETED" });
    } finally {
      await poller.stop();
      client.destroy();
    }
  });
});
