import type { JudgedRun } from "../../../lib/contracts/judged-run.js";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { inTransaction } from "../../../lib/platform/database.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { useMigratedDatabase } from "../../../test/support/migrated-database.js";
import { agentFixture } from "../../../test/support/seed.js";
import { Agent, DEFAULT_LADDER, DEFAULT_ROUTE } from "../../../test/support/contexts.js";
import { ConsequenceAction } from "../../../lib/contracts/consequence.js";
import { TrustTier } from "../score.math.js";
import { Escalation, ScoreHistoryEntry, TrustCause } from "../trust-history.entity.js";
import { TrustProfile } from "../trust.entity.js";
import { sweepDecay } from "../decay.sweep.js";
import { recordEvaluation, recomputeTrust } from "../trust.record.js";
import { liftConsequence } from "../trust.settle.js";

const DAY = 24 * 3600 * 1000;
const T0 = new Date("2026-06-01T00:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);

function run(agentId: string, days: number, passed: boolean, cases: [number, number]): JudgedRun {
  return {
    runId: randomUUID(),
    agentId,
    pactId: "pact-1",
    pactVersion: 1,
    casesPassed: cases[0],
    casesFailed: cases[1],
    runPassed: passed,
    failedCriticalClauses: passed ? [] : ["severity-accuracy"],
    clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed: cases[0], failed: cases[1] }],
    terms: {
      pactId: "pact-1",
      pactVersion: 1,
      ladder: DEFAULT_LADDER,
      route: DEFAULT_ROUTE,
      owner: { team: "soc-platform", contact: "oncall@example.test", ackDeadlineMinutes: 60 },
    },
    submittedAt: at(days),
    judgedAt: at(days),
  };
}

describe.each(DATABASE_KINDS)("the decay sweep (%s)", (kind) => {
  const db = useMigratedDatabase(kind);
  const seedAgent = async () => {
    const agent = agentFixture("builder-1");
    await db.dataSource.getRepository(Agent).insert(agent);
    return agent.id;
  };
  const profile = (agentId: string) => db.dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId });

  it("ages a profile without new evidence: half the weight after a half-life, the tier it no longer has confidence for lost, recorded as TIME", async () => {
    const agentId = await seedAgent();
    // One metric, so its weight (weightMass / (n + 10)) cancels out of the weighted mean:
    // 60 of 60 cases: (60 + 5) / 70 = 929, confidence 60 / 110 = 0.545: SILVER.
    await inTransaction(db.dataSource, (manager) => recordEvaluation(manager, run(agentId, 0, true, [60, 0])));
    expect(await profile(agentId)).toMatchObject({ compositeScore: 929, compositeConfidence: 0.545, tier: TrustTier.SILVER });

    // A day is not yet stale at day 0.5; nothing moves.
    expect(await sweepDecay(db.dataSource, { staleAfterMs: DAY, limit: 10 }, at(0.5))).toBe(0);
    // 90 days on: 30 of 30 left (weightMass 60 → 30 with them), (30 + 5) / 40 = 875, confidence 30 / 80 = 0.375: BRONZE.
    expect(await sweepDecay(db.dataSource, { staleAfterMs: DAY, limit: 10 }, at(90))).toBeGreaterThanOrEqual(1);
    expect(await profile(agentId)).toMatchObject({
      compositeScore: 875,
      compositeConfidence: 0.375,
      tier: TrustTier.BRONZE,
      updatedAt: at(90),
    });
    const newest = await db.dataSource
      .getRepository(ScoreHistoryEntry)
      .findOneOrFail({ where: { agentId }, order: { recordedAt: "DESC" } });
    expect(newest).toMatchObject({ cause: TrustCause.TIME, causeId: "2026-08-30", compositeScore: 875 });

    // The recompute from the evidence agrees with the swept aggregates.
    const recomputed = await inTransaction(db.dataSource, (manager) =>
      recomputeTrust(manager, agentId, { cause: TrustCause.RECOMPUTE, causeId: "arbiter", at: at(90) }),
    );
    expect(recomputed).toMatchObject({ compositeScore: 875, compositeConfidence: 0.375 });
  });

  it("opens a way back that needs quiet days, without new evidence", async () => {
    const agentId = await seedAgent();
    await inTransaction(db.dataSource, async (manager) => {
      for (let i = 0; i < 3; i += 1) await recordEvaluation(manager, run(agentId, i * 0.1, false, [20, 20]));
      // Three passing runs satisfy THROTTLE's passing runs, not its 7 quiet days.
      for (let i = 0; i < 3; i += 1) await recordEvaluation(manager, run(agentId, 1 + i * 0.1, true, [40, 0]));
    });
    expect((await profile(agentId)).consequence).toBe(ConsequenceAction.THROTTLE);

    // 31 days on, the breaches have left the 30-day windows and the quiet days have passed.
    await sweepDecay(db.dataSource, { staleAfterMs: DAY, limit: 50 }, at(32));
    expect((await profile(agentId)).consequence).toBeNull();
  });

  it("keeps an arbiter's lift: settling later does not fall from a score or count a breach from before the lift", async () => {
    const agentId = await seedAgent();
    const escalations = () => db.dataSource.getRepository(Escalation).find({ where: { agentId }, order: { createdAt: "ASC", id: "ASC" } });
    // Day 0, 40 of 40: (40 + 5) / 50 = 900 at 40 / 90 = .444.
    await inTransaction(db.dataSource, (manager) => recordEvaluation(manager, run(agentId, 0, true, [40, 0])));
    expect(await profile(agentId)).toMatchObject({ compositeScore: 900, compositeConfidence: 0.444 });
    // Day 40, 5 of 40 and a failed critical clause. Day 0's cases decayed by 2^(−40/90) = .7349 → 29.397 passed:
    // (29.397 + 5 + 5) / (69.397 + 10) = .4962 → 496. Thirty days before, the score stood at 900:
    // 404 points lower ≥ 200 takes SUSPEND_LISTING.
    await inTransaction(db.dataSource, (manager) => recordEvaluation(manager, run(agentId, 40, false, [5, 35])));
    expect(await profile(agentId)).toMatchObject({ compositeScore: 496, consequence: ConsequenceAction.SUSPEND_LISTING });
    expect((await escalations()).filter((e) => e.direction === "FIRED").map((e) => e.reason)).toEqual([
      "composite score fell 404 points within 30 days (trigger: 200)",
    ]);

    // Day 41, an arbiter lifts it.
    await inTransaction(db.dataSource, (manager) =>
      liftConsequence(manager, agentId, { cause: TrustCause.ARBITER, causeId: "ada", at: at(41), reason: "benchmark fault" }),
    );
    expect(await profile(agentId)).toMatchObject({ consequence: null, ladderResetAt: at(41) });
    const afterLift = await escalations();

    // Day 45, the sweep settles the agent again. Five more days of decay (2^(−5/90) = .9622): 34.397 passed and
    // 35 failed become 33.097 and 33.678 → (33.097 + 5) / (66.775 + 10) = .4962, still 496; reputation's
    // 15 bad become 15·2^(−5/60) = 14.16 → 5 / 24.16 = 207.
    // Thirty days before day 45 the score stood at 900 (day 0) and the day-40 breach is inside every window,
    // but both are from before the lift: the ladder started afresh, and nothing fires.
    expect(await sweepDecay(db.dataSource, { staleAfterMs: DAY, limit: 50 }, at(45))).toBeGreaterThanOrEqual(1);
    expect(await profile(agentId)).toMatchObject({ compositeScore: 496, reputationScore: 207, consequence: null, updatedAt: at(45) });
    expect(await escalations()).toEqual(afterLift);
  });
});
