import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { handler } from "../../functions/judge.js";
import { EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import { EvaluationEvidence, TrustProfile } from "../../subgraphs/reputation/trust.entity.js";
import { CaseVerdict } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { triageCases } from "../support/fixtures.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";
import { sqsEvent, sqsRecordFactory } from "../support/sqs-record.js";

/** Runs the dying worker; resolves with its output and the signal that ended it. */
function judgeThenDie(url: string, runIds: string[]): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/judge-then-die.ts", url, ...runIds], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve({ output, signal }));
  });
}

describe.each(DATABASE_KINDS)("a judge worker killed mid-batch (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });

  it("loses and double-counts nothing when SQS redelivers the whole batch", async () => {
    const { agent, pact } = await seedAgentWithPact(db.dataSource);
    const sizes = [20, 30, 40];
    const runs = [];
    for (const size of sizes)
      runs.push(await seedQueuedRun(db.dataSource, pact, triageCases(size, { wrongSeverity: 1 }), { outbox: false }));

    const died = await judgeThenDie(
      db.url,
      runs.map((r) => r.id),
    );
    expect(died).toEqual({ output: "first job committed\n", signal: "SIGKILL" });
    const statuses = async () =>
      (await db.dataSource.getRepository(EvaluationRun).findBy({ pactId: pact.id })).map((r) => [r.caseCount, r.status]).sort();
    // The second job died mid-transaction: nothing of it is left behind.
    expect(await statuses()).toEqual([
      [20, "COMPLETED"],
      [30, "QUEUED"],
      [40, "QUEUED"],
    ]);
    expect(await db.dataSource.getRepository(CaseVerdict).countBy({ runId: runs[1]!.id })).toBe(0);

    // The Lambda never answered: SQS makes the whole batch visible again.
    const redelivered = await handler(
      sqsEvent(
        ...runs.map((run) =>
          sqsRecordFactory(JSON.stringify(judgeJob(run.id)), {
            attributes: { ApproximateReceiveCount: "2", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
          }),
        ),
      ),
    );

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(await statuses()).toEqual([
      [20, "COMPLETED"],
      [30, "COMPLETED"],
      [40, "COMPLETED"],
    ]);
    expect(await db.dataSource.getRepository(CaseVerdict).countBy({ runId: runs[0]!.id })).toBe(20);
    expect(await db.dataSource.getRepository(EvaluationEvidence).countBy({ agentId: agent.id })).toBe(3);
    // Each run misclassified one case: 87 passed, 3 failed, each counted once.
    expect(await db.dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: agent.id })).toMatchObject({
      casesPassed: 87,
      casesFailed: 3,
      evaluationRuns: 3,
    });
  });
});
