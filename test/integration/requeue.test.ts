import { beforeEach, describe, expect, it } from "vitest";
import { judgeHandler as judge } from "../../runtime/judge.js";
import { OutboxMessage } from "../../lib/platform/outbox.js";
import { EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import { requeueStaleRuns } from "../../subgraphs/pacts/evaluation/judge-job.process.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";
import { sqsEvent, sqsRecordFactory } from "../support/sqs-record.js";

const MINUTE = 60_000;

describe.each(DATABASE_KINDS)("requeueing runs whose judge job went missing (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });
  beforeEach(async () => {
    await db.dataSource.getRepository(OutboxMessage).clear();
    // Runs left QUEUED by an earlier test would be requeued too and skew the counts.
    await db.dataSource.query("UPDATE evaluation_runs SET status = 'COMPLETED' WHERE status = 'QUEUED'");
  });

  const runOf = (id: string) => db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id });
  const jobsFor = async (id: string) =>
    (await db.dataSource.getRepository(OutboxMessage).find()).filter((row) => JSON.parse(row.body).runId === id).length;
  const policy = { staleAfterMs: 15 * MINUTE, maxRequeues: 2 };

  it("gives a stale run a new job and leaves a fresh one alone", async () => {
    const { pact } = await seedAgentWithPact(db.dataSource);
    const stale = await seedQueuedRun(db.dataSource, pact, undefined, { outbox: false });
    const later = new Date(stale.enqueuedAt.getTime() + 20 * MINUTE);
    const fresh = await seedQueuedRun(db.dataSource, pact, undefined, { outbox: false });
    await db.dataSource.getRepository(EvaluationRun).update({ id: fresh.id }, { enqueuedAt: new Date(later.getTime() - MINUTE) });

    const result = await requeueStaleRuns(db.dataSource, policy, later);

    expect(result).toEqual({ requeued: 1, failed: 0 });
    expect(await jobsFor(stale.id)).toBe(1);
    expect(await jobsFor(fresh.id)).toBe(0);
    expect(await runOf(stale.id)).toMatchObject({ status: "QUEUED", requeues: 1, enqueuedAt: later });
  });

  it("marks a run FAILED, with the reason, once it has been requeued too often; its job then does nothing", async () => {
    const { pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact, undefined, { outbox: false });
    let now = run.enqueuedAt.getTime();
    for (let i = 0; i < 2; i += 1) {
      now += 20 * MINUTE;
      expect(await requeueStaleRuns(db.dataSource, policy, new Date(now))).toEqual({ requeued: 1, failed: 0 });
    }

    now += 20 * MINUTE;
    expect(await requeueStaleRuns(db.dataSource, policy, new Date(now))).toEqual({ requeued: 0, failed: 1 });

    const failed = await runOf(run.id);
    expect(failed).toMatchObject({ status: "FAILED", requeues: 2 });
    expect(failed.failureReason).toMatch(/not judged after 2 requeues/);
    expect((await judge(sqsEvent(sqsRecordFactory(JSON.stringify(judgeJob(run.id)))))).batchItemFailures).toEqual([]);
    expect((await runOf(run.id)).status).toBe("FAILED");
  });

  it("does not count the requeues made at start-up, after the embedded queue lost its messages", async () => {
    const { pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact, undefined, { outbox: false });

    for (let i = 0; i < 5; i += 1) await requeueStaleRuns(db.dataSource, { staleAfterMs: 0 });

    expect(await runOf(run.id)).toMatchObject({ status: "QUEUED", requeues: 0 });
    expect(await jobsFor(run.id)).toBe(5);
  });
});
