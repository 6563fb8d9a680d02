import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { inTransaction } from "../../lib/platform/database.js";
import { allMigrations } from "../../runtime/data-source.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { DualScores1764300000100 } from "../../subgraphs/reputation/migrations/1764300000100-dual-scores.js";
import { TrustCause } from "../../subgraphs/reputation/trust-history.entity.js";
import { TrustProfile } from "../../subgraphs/reputation/trust.entity.js";
import { recordEvaluation, recomputeTrust } from "../../subgraphs/reputation/trust.record.js";
import { DATABASE_KINDS, insertRow, migrationsBefore, undoThrough } from "../support/databases.js";
import { useScratchDatabase } from "../support/migrated-database.js";

const AGENT = "44444444-4444-4444-8444-444444444444";
const RUN = "55555555-5555-4555-8555-555555555555";
const JUDGED = "2026-11-02 10:00:00.000";
/** A profile whose cases were counted but whose last run's time was never kept: the backfill falls back to updated_at. */
const UNDATED = "66666666-6666-4666-8666-666666666666";
const UPDATED = "2026-10-20 08:30:00.000";
/** A profile without any cases: no legacy metric, nothing to date. */
const EMPTY = "77777777-7777-4777-8777-777777777777";

/** A single-score trust profile: no reputation, no scoring state. */
const insertProfile = (dataSource: DataSource, profile: Record<string, unknown>) =>
  insertRow(dataSource, "trust_profiles", {
    reasons: "[]",
    policy_version: "listing-2026.11-1",
    last_run_failed_critical: "[]",
    ...profile,
  });

/** A profile and its one run as the schema before dual scores held them: 39 of 40 cases, 880, BRONZE. */
async function writeSingleScoreData(dataSource: DataSource): Promise<void> {
  await insertRow(dataSource, "agents", {
    id: AGENT,
    name: "Old Triage",
    name_key: "k",
    description: "Triages",
    domains: "ALERT_TRIAGE",
    owner_id: "olga",
    registered_at: JUDGED,
  });
  await insertProfile(dataSource, {
    agent_id: AGENT,
    composite_score: 880,
    composite_confidence: 0.444,
    tier: "BRONZE",
    eligible: 1,
    cases_passed: 39,
    cases_failed: 1,
    evaluation_runs: 1,
    last_run_passed: 1,
    last_run_submitted_at: JUDGED,
    updated_at: JUDGED,
  });
  await insertRow(dataSource, "trust_evaluation_evidence", {
    run_id: RUN,
    agent_id: AGENT,
    pact_id: "pact-old",
    pact_version: 1,
    cases_passed: 39,
    cases_failed: 1,
    run_passed: 1,
    failed_critical: "[]",
    submitted_at: JUDGED,
    judged_at: JUDGED,
  });
  await insertProfile(dataSource, {
    agent_id: UNDATED,
    composite_score: 667,
    composite_confidence: 0.286,
    tier: "BRONZE",
    eligible: 1,
    cases_passed: 15,
    cases_failed: 5,
    evaluation_runs: 1,
    last_run_passed: 1,
    last_run_submitted_at: null,
    updated_at: UPDATED,
  });
  await insertProfile(dataSource, {
    agent_id: EMPTY,
    composite_score: 500,
    composite_confidence: 0,
    tier: "UNRATED",
    eligible: 0,
    cases_passed: 0,
    cases_failed: 0,
    evaluation_runs: 0,
    last_run_passed: null,
    last_run_submitted_at: null,
    updated_at: null,
  });
}

describe.each(DATABASE_KINDS)("the dual-scores migration over single-score data (%s)", (kind) => {
  const db = useScratchDatabase(kind);

  it("keeps every score as it was, counts old runs as one legacy metric, and can be undone and redone", async () => {
    await db.createAtSchema(migrationsBefore(allMigrations, DualScores1764300000100), writeSingleScoreData);

    const dataSource = await db.open();
    const migrated = await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: AGENT });
    expect(migrated).toMatchObject({
      compositeScore: 880,
      compositeConfidence: 0.444,
      tier: "BRONZE",
      tierRank: 1,
      reputationScore: 500,
      reputationConfidence: 0,
      consequence: null,
      driftAlarm: false,
      driftRaisedAt: null,
      unlistedAt: null,
      openCriticalDisputes: 0,
      passingStreak: 0,
    });
    const asOf = new Date(`${JUDGED.replace(" ", "T")}Z`).getTime();
    // The legacy metric carries weight 1 per case: weightMass = 39 + 1 = 40, so its weight is 40 / (40 + 10) = .8
    // and the score stays (39 + 5) / (40 + 10) = 880.
    expect(migrated.scoringState).toEqual({ asOf, metrics: { RUN_CASES: { passed: 39, failed: 1, weightMass: 40 } }, good: 0, bad: 0 });
    expect(migrated.evaluationDrift).toEqual({ runs: 0, baselineSum: 0, statistic: 0, alarm: false });

    // Without a last run's time, the cases are dated by the profile's last update.
    const undated = await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: UNDATED });
    const updatedAt = new Date(`${UPDATED.replace(" ", "T")}Z`).getTime();
    expect(undated.scoringState).toEqual({
      asOf: updatedAt,
      metrics: { RUN_CASES: { passed: 15, failed: 5, weightMass: 20 } },
      good: 0,
      bad: 0,
    });
    // Its old score, (15 + 5) / (20 + 10) = 667 at 20 / 70 = .286, stays until new evidence arrives.
    expect(undated).toMatchObject({ compositeScore: 667, compositeConfidence: 0.286, tier: "BRONZE", tierRank: 1 });
    // Nothing to count, nothing to date.
    const empty = await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: EMPTY });
    expect(empty.scoringState).toEqual({ asOf: 0, metrics: {}, good: 0, bad: 0 });
    expect(empty).toMatchObject({ compositeScore: 500, tier: "UNRATED", tierRank: 0 });

    // The recompute reads the old run as the same legacy metric: (39 + 5) / 50 = 880.
    const recomputed = await inTransaction(dataSource, (manager) =>
      recomputeTrust(manager, AGENT, { cause: TrustCause.RECOMPUTE, causeId: "arbiter", at: new Date(asOf) }),
    );
    expect(recomputed).toMatchObject({ compositeScore: 880, compositeConfidence: 0.444 });

    // New evidence joins the old under the new policy.
    const next = await inTransaction(dataSource, (manager) =>
      recordEvaluation(manager, {
        runId: randomUUID(),
        agentId: AGENT,
        pactId: "pact-new",
        pactVersion: 2,
        casesPassed: 10,
        casesFailed: 0,
        runPassed: true,
        failedCriticalClauses: [],
        clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed: 10, failed: 0 }],
        terms: {
          pactId: "pact-new",
          pactVersion: 2,
          ladder: DEFAULT_LADDER,
          route: DEFAULT_ROUTE,
          owner: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
        },
        submittedAt: new Date(asOf),
        judgedAt: new Date(asOf),
      }),
    );
    // Two metrics, each weighing weightMass / (n + 10), at the same instant (no decay):
    //   RUN_CASES 40 / (40 + 10) = .8, mean (39 + 5) / (40 + 10) = .88
    //   severity  1 · 10 / (10 + 10) = .5, mean (10 + 5) / (10 + 10) = .75
    //   composite (.8 · .88 + .5 · .75) / 1.3 = (.704 + .375) / 1.3 = .83 → 830
    //   cases (.8 · 40 + .5 · 10) / 1.3 = 37 / 1.3 = 28.46 → confidence 28.46 / 78.46 = .363
    expect(next).toMatchObject({ compositeScore: 830, compositeConfidence: 0.363, policyVersion: "listing-2026.12-1" });

    // Dated by updated_at, the undated cases decay from then: a run 90 days later finds them halved.
    //   RUN_CASES 7.5 / 2.5, weightMass 10 → weight 10 / (10 + 10) = .5, mean (7.5 + 5) / (10 + 10) = .625
    //   severity 20 / 0, weightMass 20 → weight 20 / (20 + 10) = .6667, mean (20 + 5) / (20 + 10) = .8333
    //   composite (.5 · .625 + .6667 · .8333) / 1.1667 = .7440 → 744
    //   cases (.5 · 10 + .6667 · 20) / 1.1667 = 15.714 → confidence 15.714 / 65.714 = .239
    // (Dated at 0, the old cases would have decayed to nothing and left the run alone: 833.)
    const ninetyDaysOn = new Date(updatedAt + 90 * 24 * 3600 * 1000);
    const undatedNext = await inTransaction(dataSource, (manager) =>
      recordEvaluation(manager, {
        runId: randomUUID(),
        agentId: UNDATED,
        pactId: "pact-new",
        pactVersion: 2,
        casesPassed: 20,
        casesFailed: 0,
        runPassed: true,
        failedCriticalClauses: [],
        clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed: 20, failed: 0 }],
        terms: {
          pactId: "pact-new",
          pactVersion: 2,
          ladder: DEFAULT_LADDER,
          route: DEFAULT_ROUTE,
          owner: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
        },
        submittedAt: ninetyDaysOn,
        judgedAt: ninetyDaysOn,
      }),
    );
    expect(undatedNext).toMatchObject({ compositeScore: 744, compositeConfidence: 0.239 });
    expect(undatedNext!.scoringState.metrics.RUN_CASES!.weightMass).toBeCloseTo(10, 9);

    await undoThrough(dataSource, DualScores1764300000100.name);
    const [row] = await dataSource.query("SELECT * FROM trust_profiles WHERE agent_id = ?", [AGENT]);
    expect(row).not.toHaveProperty("reputation_score");
    expect(row).not.toHaveProperty("scoring_state");
    expect(row).not.toHaveProperty("unlisted_at");
    expect(row).not.toHaveProperty("drift_raised_at");
    for (const table of ["trust_score_history", "trust_eligibility_history", "trust_escalations", "trust_dispute_states"]) {
      await expect(dataSource.query(`SELECT COUNT(*) FROM ${table}`)).rejects.toThrow();
    }
    await dataSource.runMigrations({ transaction: "each" });
    expect((await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: AGENT })).tierRank).toBeGreaterThanOrEqual(0);
  });
});
