import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { inTransaction } from "../../lib/platform/database.js";
import { EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { JuryVerdict } from "../../subgraphs/pacts/evaluation/jury-verdict.entity.js";
import { ReviewAssignment } from "../../subgraphs/pacts/evaluation/review-assignment.entity.js";
import { nextArbiter, sweepReviewDeadlines } from "../../subgraphs/pacts/evaluation/review-deadline.sweep.js";
import { listReviewQueue } from "../../subgraphs/pacts/evaluation/review-queue.list.js";
import { CaseOutcome, DecidedBy, EvaluationMethod, EvaluationRunStatus, PactMetric } from "../../subgraphs/pacts/pact.enums.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { triageCases } from "../support/fixtures.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";

const HOUR = 3600 * 1000;
const T0 = new Date("2026-12-01T09:00:00.000Z");
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const POLICY = { deadlineHours: 24, arbiters: ["ada", "bob", "cy"] };

describe("nextArbiter", () => {
  const arbiters = ["ada", "bob", "cy"];
  it("takes the next after the previous one, wrapping around", () => {
    expect(nextArbiter(arbiters, null, null, null)).toBe("ada");
    expect(nextArbiter(arbiters, "ada", null, null)).toBe("bob");
    expect(nextArbiter(arbiters, "cy", null, null)).toBe("ada");
  });
  it("never picks the agent's owner, and avoids the arbiter who let the deadline pass while anyone else can take it", () => {
    expect(nextArbiter(arbiters, "ada", "bob", null)).toBe("cy");
    expect(nextArbiter(arbiters, "bob", null, "cy")).toBe("ada");
    expect(nextArbiter(["ada", "bob"], "ada", "bob", "ada")).toBe("ada");
    expect(nextArbiter(["ada"], null, "ada", null)).toBeNull();
  });
});

describe.each(DATABASE_KINDS)("review assignment and deadlines (%s)", (kind) => {
  const db = useMigratedDatabase(kind);

  beforeEach(async () => {
    await db.dataSource.getRepository(ReviewAssignment).clear();
    await db.dataSource.getRepository(JuryVerdict).clear();
  });

  /** A run AWAITING_REVIEW of an agent owned by `owner`, with `count` uncertain cases created an hour apart from T0. */
  async function uncertainCases(owner: string, count: number, decided: { reviewer: string } | null = null): Promise<string[]> {
    const { pact } = await seedAgentWithPact(db.dataSource, owner);
    const run = await seedQueuedRun(db.dataSource, pact, triageCases(count), { outbox: false });
    return inTransaction(db.dataSource, async (manager) => {
      await manager.update(EvaluationRun, { id: run.id }, { status: EvaluationRunStatus.AWAITING_REVIEW });
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const id = randomUUID();
        ids.push(id);
        await manager.insert(JuryVerdict, {
          id,
          runId: run.id,
          caseId: `case-${i}`,
          agentId: pact.agentId,
          metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
          clauseKey: "severity-accuracy",
          method: EvaluationMethod.JURY,
          deterministicOutcome: null,
          juryOutcome: CaseOutcome.UNCERTAIN,
          uncertainBecause: "split",
          votes: [],
          majorityShare: 0.5,
          costUsd: 0,
          outcome: decided ? CaseOutcome.PASS : CaseOutcome.UNCERTAIN,
          decidedBy: decided ? DecidedBy.HUMAN : null,
          reviewer: decided?.reviewer ?? null,
          reviewNote: decided ? "ok" : null,
          reviewedAt: decided ? T0 : null,
          createdAt: new Date(T0.getTime() + i * HOUR),
        });
      }
      return ids;
    });
  }
  const assignments = async () => new Map((await db.dataSource.getRepository(ReviewAssignment).find()).map((a) => [a.verdictId, a]));

  it("assigns new cases round robin over the configured arbiters, oldest first, and carries on in the next sweep", async () => {
    const first = await uncertainCases("owner-1", 4);

    expect(await sweepReviewDeadlines(db.dataSource, POLICY, at(5))).toEqual({ assigned: 4, reassigned: 0, unassignable: 0 });
    const byCase = await assignments();
    expect(first.map((id) => byCase.get(id)?.assignee)).toEqual(["ada", "bob", "cy", "ada"]);
    expect(byCase.get(first[0]!)?.deadlineAt).toEqual(at(5 + 24));

    // A second sweep with nothing new does nothing; new cases continue from the last assignee.
    expect(await sweepReviewDeadlines(db.dataSource, POLICY, at(6))).toEqual({ assigned: 0, reassigned: 0, unassignable: 0 });
    const later = await uncertainCases("owner-2", 2);
    await sweepReviewDeadlines(db.dataSource, POLICY, at(7));
    const after = await assignments();
    expect(later.map((id) => after.get(id)?.assignee)).toEqual(["bob", "cy"]);
  });

  it("never assigns a case to the agent's owner, even when round robin comes to them", async () => {
    const ids = await uncertainCases("bob", 4);

    await sweepReviewDeadlines(db.dataSource, POLICY, at(5));
    const byCase = await assignments();
    expect(ids.map((id) => byCase.get(id)?.assignee)).toEqual(["ada", "cy", "ada", "cy"]);
  });

  it("leaves a case unassigned when the only arbiter known owns the agent", async () => {
    const [id] = await uncertainCases("ada", 1);

    expect(await sweepReviewDeadlines(db.dataSource, { deadlineHours: 24, arbiters: ["ada"] }, at(1))).toEqual({
      assigned: 0,
      reassigned: 0,
      unassignable: 1,
    });
    expect((await assignments()).has(id!)).toBe(false);
  });

  it("counts arbiters who have reviewed before as available, besides the configured ones", async () => {
    await uncertainCases("owner-3", 1, { reviewer: "dee" });
    const ids = await uncertainCases("owner-3", 2);

    await sweepReviewDeadlines(db.dataSource, { deadlineHours: 24, arbiters: ["ada"] }, at(1));
    const byCase = await assignments();
    expect(ids.map((id) => byCase.get(id)?.assignee)).toEqual(["ada", "dee"]);
  });

  it("reassigns a case to the next arbiter once its deadline passes, escalates it, and not before", async () => {
    const [id] = await uncertainCases("owner-4", 1);
    await sweepReviewDeadlines(db.dataSource, POLICY, at(0));
    expect((await assignments()).get(id!)).toMatchObject({ assignee: "ada", deadlineAt: at(24), reassignments: 0, escalatedAt: null });

    // An hour before the deadline: nothing moves.
    expect(await sweepReviewDeadlines(db.dataSource, POLICY, at(23))).toEqual({ assigned: 0, reassigned: 0, unassignable: 0 });
    expect((await assignments()).get(id!)?.assignee).toBe("ada");

    // At the deadline: the next arbiter, a fresh deadline, escalated.
    expect(await sweepReviewDeadlines(db.dataSource, POLICY, at(24))).toEqual({ assigned: 0, reassigned: 1, unassignable: 0 });
    expect((await assignments()).get(id!)).toMatchObject({ assignee: "bob", deadlineAt: at(48), reassignments: 1, escalatedAt: at(24) });

    // Missed again: on to the next, the first escalation kept.
    await sweepReviewDeadlines(db.dataSource, POLICY, at(49));
    expect((await assignments()).get(id!)).toMatchObject({ assignee: "cy", deadlineAt: at(73), reassignments: 2, escalatedAt: at(24) });
  });

  it("leaves decided cases and cases of runs that failed judging alone", async () => {
    await uncertainCases("owner-5", 1, { reviewer: "ada" });
    const [failedCase] = await uncertainCases("owner-5", 1);
    const failedRun = (await db.dataSource.getRepository(JuryVerdict).findOneByOrFail({ id: failedCase! })).runId;
    await db.dataSource.getRepository(EvaluationRun).update({ id: failedRun }, { status: EvaluationRunStatus.FAILED });

    expect(await sweepReviewDeadlines(db.dataSource, POLICY, at(1))).toEqual({ assigned: 0, reassigned: 0, unassignable: 0 });
  });

  it("shows each queued case's age, assignee, deadline and reassignments", async () => {
    const ids = await uncertainCases("owner-6", 2);
    await sweepReviewDeadlines(db.dataSource, POLICY, at(3));
    await sweepReviewDeadlines(db.dataSource, POLICY, at(27));

    const queue = await listReviewQueue(db.dataSource, "ada", { first: 10, after: null }, at(30));
    expect(queue.edges.map((e) => [e.node.id, e.ageSeconds, e.assignee, e.deadline, e.reassignments])).toEqual([
      // First sweep: ada, bob. Both missed: round robin goes on from bob (the newest case's), skipping each one's own.
      [ids[0], 30 * 3600, "cy", at(27 + 24), 1],
      [ids[1], 29 * 3600, "ada", at(27 + 24), 1],
    ]);
  });
});
