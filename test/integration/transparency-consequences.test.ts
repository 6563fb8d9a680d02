import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogEntryKind } from "../../lib/contracts/transparency-log.js";
import { inTransaction } from "../../lib/platform/database.js";
import { onRunJudged } from "../../runtime/contexts.js";
import { TrustCause } from "../../subgraphs/reputation/trust-history.entity.js";
import { liftConsequence } from "../../subgraphs/reputation/trust.settle.js";
import { transparencySubgraph } from "../../subgraphs/transparency/index.js";
import { LogEntry } from "../../subgraphs/transparency/log.entity.js";
import { judgedRunOf } from "../support/judged-run.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { startSubgraphHarness, type SubgraphHarness } from "../support/subgraph-harness.js";

/*
 * Reputation's consequence ladder as the transparency log records it, with the ports the runtime
 * installs (runtime/contexts.ts): each step taken and each lift, in the settling transaction.
 */
describe.each(DATABASE_KINDS)("consequence steps in the transparency log (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, transparencySubgraph);
  });
  afterAll(() => harness.stop());

  it("logs each consequence step taken and lifted, by the ladder and by an arbiter, without the lift's reason", async () => {
    const agentId = randomUUID();
    const pactId = randomUUID();
    const DAY_MS = 24 * 3600 * 1000;
    const judged = (runPassed: boolean, daysAgo: number) =>
      judgedRunOf({
        agentId,
        pactId,
        runPassed,
        passed: runPassed ? 40 : 30,
        failed: runPassed ? 0 : 10,
        at: new Date(Date.now() - daysAgo * DAY_MS),
      });
    const steps = async () =>
      (
        await harness.dataSource.manager.find(LogEntry, {
          where: [
            { subject: agentId, kind: LogEntryKind.CONSEQUENCE_STEP },
            { subject: agentId, kind: LogEntryKind.CONSEQUENCE_LIFTED },
          ],
          order: { id: "ASC" },
        })
      ).map((entry) => ({ kind: entry.kind, ...JSON.parse(entry.payload) }));

    // A breach fires WARN; a passing run once the breach left its 30-day window opens the way
    // back (passingRuns: 1); a new breach fires WARN again, which an arbiter lifts.
    const failed = judged(false, 40);
    await inTransaction(harness.dataSource, (manager) => onRunJudged(manager, failed));
    await inTransaction(harness.dataSource, (manager) => onRunJudged(manager, judged(true, 5)));
    await inTransaction(harness.dataSource, (manager) => onRunJudged(manager, judged(false, 0)));
    const lift = { cause: TrustCause.ARBITER, causeId: randomUUID(), at: new Date(), reason: "zoe: fixed upstream" };
    await inTransaction(harness.dataSource, (manager) => liftConsequence(manager, agentId, lift));

    const logged = await steps();
    expect(logged.map(({ kind, action, cause, liftedBy }) => [kind, action, cause, liftedBy ?? null])).toEqual([
      ["CONSEQUENCE_STEP", "WARN", "EVALUATION_RUN", null],
      ["CONSEQUENCE_LIFTED", "WARN", "EVALUATION_RUN", "LADDER"],
      ["CONSEQUENCE_STEP", "WARN", "EVALUATION_RUN", null],
      ["CONSEQUENCE_LIFTED", "WARN", "ARBITER", "ARBITER"],
    ]);
    expect(logged[0]).toMatchObject({ pactId, causeId: failed.runId, reason: expect.stringContaining("breach") });
    expect(logged[3]).toMatchObject({ causeId: lift.causeId });
    // Each entry names the escalation it records, and never the arbiter or the owner's contact.
    const escalations = await harness.dataSource.query("SELECT id FROM trust_escalations WHERE agent_id = ? AND action IS NOT NULL", [
      agentId,
    ]);
    expect(new Set(logged.map((entry) => entry.escalationId))).toEqual(new Set(escalations.map((row: { id: string }) => row.id)));
    expect(JSON.stringify(logged)).not.toMatch(/zoe|fixed upstream|c@example/);
  });
});
