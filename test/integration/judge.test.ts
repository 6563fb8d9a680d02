import { describe, expect, it } from "vitest";
import { handler } from "../../functions/judge.js";
import { CaseVerdict, ClauseResult, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import { JudgeFailure } from "../../subgraphs/pacts/evaluation/jury-verdict.entity.js";
import { EvaluationEvidence, TrustProfile } from "../../subgraphs/reputation/trust.entity.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { triageCases } from "../support/fixtures.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";
import { sqsEvent, sqsRecordFactory } from "../support/sqs-record.js";

describe.each(DATABASE_KINDS)("judge Lambda handler (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });

  const jobFor = (runId: string) => sqsRecordFactory(JSON.stringify(judgeJob(runId)));
  const profileOf = (agentId: string) => db.dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId });
  const countOf = (entity: typeof CaseVerdict | typeof ClauseResult | typeof EvaluationEvidence, runId: string) =>
    db.dataSource.getRepository(entity).countBy({ runId });

  it("judges a run: verdicts, clause results, completion and trust in one go", async () => {
    const { agent, pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact, triageCases(30, { wrongSeverity: 3 }));

    const response = await handler(sqsEvent(jobFor(run.id)));

    expect(response.batchItemFailures).toEqual([]);
    const judged = await db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: run.id });
    // 27/30 = 0.9 accuracy misses the critical 0.92 clause: the run fails its pact.
    expect(judged).toMatchObject({ status: "COMPLETED", passedCount: 27, failedCount: 3, passed: false });
    expect(await countOf(CaseVerdict, run.id)).toBe(30);
    expect(await countOf(ClauseResult, run.id)).toBe(2);
    expect(await profileOf(agent.id)).toMatchObject({ casesPassed: 27, casesFailed: 3, evaluationRuns: 1, eligible: false });
  });

  it("changes nothing when the same message is delivered again, one after another or at once", async () => {
    const { agent, pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact);
    const record = jobFor(run.id);

    await handler(sqsEvent(record));
    const once = await profileOf(agent.id);
    await handler(sqsEvent(record));
    const results = await Promise.all([handler(sqsEvent(record)), handler(sqsEvent(record)), handler(sqsEvent(record))]);

    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await profileOf(agent.id)).toEqual(once);
    expect(await countOf(CaseVerdict, run.id)).toBe(30);
    expect(await countOf(EvaluationEvidence, run.id)).toBe(1);
  });

  it("counts concurrent first deliveries once", async () => {
    const { agent, pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact);
    const record = jobFor(run.id);

    const results = await Promise.all([handler(sqsEvent(record)), handler(sqsEvent({ ...record, messageId: "copy" }))]);

    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await profileOf(agent.id)).toMatchObject({ casesPassed: 29, casesFailed: 1, evaluationRuns: 1 });
    expect(await countOf(EvaluationEvidence, run.id)).toBe(1);
  });

  it("judges many runs of one agent at once without losing or double-counting any", async () => {
    const { agent, pact } = await seedAgentWithPact(db.dataSource);
    const runs = [];
    for (let i = 0; i < 8; i += 1) runs.push(await seedQueuedRun(db.dataSource, pact, triageCases(20, { wrongSeverity: i % 2 })));

    // Separate invocations, as concurrent Lambda workers would be.
    const results = await Promise.all(runs.map((run) => handler(sqsEvent(jobFor(run.id)))));

    expect(results.flatMap((r) => r.batchItemFailures)).toEqual([]);
    expect(await profileOf(agent.id)).toMatchObject({ casesPassed: 8 * 20 - 4, casesFailed: 4, evaluationRuns: 8 });
  });

  it("judges each clause over the pact's most recent cases across runs, not the run alone", async () => {
    const { pact } = await seedAgentWithPact(db.dataSource);
    const first = await seedQueuedRun(db.dataSource, pact, triageCases(30, { wrongSeverity: 3 }));
    await handler(sqsEvent(jobFor(first.id)));
    const second = await seedQueuedRun(db.dataSource, pact, triageCases(10));

    await handler(sqsEvent(jobFor(second.id)));

    const results = await db.dataSource.getRepository(ClauseResult).find({ where: { runId: second.id }, order: { position: "ASC" } });
    // 37 of the 40 most recent cases right: 0.925 clears the 0.92 that 27 of 30 alone missed.
    expect(results[0]).toMatchObject({ clauseKey: "severity-accuracy", sampleSize: 40, outcome: "PASSED" });
    expect(results[0]!.observed).toBeCloseTo(37 / 40, 10);
    expect(await db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: second.id })).toMatchObject({
      passedCount: 10,
      failedCount: 0,
      passed: true,
    });
  });

  it("reports only the poison records of a batch as failed and judges the rest", async () => {
    const { pact } = await seedAgentWithPact(db.dataSource);
    const good = await seedQueuedRun(db.dataSource, pact);
    const malformed = sqsRecordFactory("{not json");
    const unknownRun = jobFor("00000000-0000-0000-0000-000000000000");
    const wrongShape = sqsRecordFactory(JSON.stringify({ kind: "something-else" }));

    const response = await handler(sqsEvent(malformed, jobFor(good.id), unknownRun, wrongShape));

    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [malformed.messageId, unknownRun.messageId, wrongShape.messageId].sort(),
    );
    expect((await db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: good.id })).status).toBe("COMPLETED");
  });

  it("commits nothing when judging fails part-way, and judges fully on redelivery", async () => {
    const { agent, pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact);
    const record = jobFor(run.id);
    // Take reputation's evidence table away so the judge fails after writing verdicts.
    await db.dataSource.query("ALTER TABLE trust_evaluation_evidence RENAME TO trust_evaluation_evidence_away");
    let failed: Awaited<ReturnType<typeof handler>>;
    try {
      failed = await handler(sqsEvent(record));
    } finally {
      await db.dataSource.query("ALTER TABLE trust_evaluation_evidence_away RENAME TO trust_evaluation_evidence");
    }

    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect((await db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: run.id })).status).toBe("QUEUED");
    expect(await countOf(CaseVerdict, run.id)).toBe(0);
    expect(await countOf(ClauseResult, run.id)).toBe(0);

    expect((await handler(sqsEvent(record))).batchItemFailures).toEqual([]);
    expect(await profileOf(agent.id)).toMatchObject({ casesPassed: 29, casesFailed: 1, evaluationRuns: 1 });
  });
});

describe.each(DATABASE_KINDS)("judge Lambda handler near its deadline (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });

  it("fails the jobs it has no time left for, with the reason recorded, instead of dying with them", async () => {
    const { pact } = await seedAgentWithPact(db.dataSource);
    const run = await seedQueuedRun(db.dataSource, pact);
    const record = sqsRecordFactory(JSON.stringify(judgeJob(run.id)));

    // Less time left than the handler keeps back to record what it could not do.
    const response = await handler(sqsEvent(record), { getRemainingTimeInMillis: () => 5_000 });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(await db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: run.id })).toMatchObject({ status: "QUEUED" });
    expect(await db.dataSource.getRepository(JudgeFailure).findOneByOrFail({ messageId: record.messageId })).toMatchObject({
      reason: expect.stringMatching(/deadline/),
    });

    // With time enough, the same delivery is judged.
    expect((await handler(sqsEvent(record), { getRemainingTimeInMillis: () => 60_000 })).batchItemFailures).toEqual([]);
    expect(await db.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: run.id })).toMatchObject({ status: "COMPLETED" });
  });
});
