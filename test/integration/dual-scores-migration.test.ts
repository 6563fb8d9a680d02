import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { createDataSource, inTransaction } from "../../lib/platform/database.js";
import { allMigrations, openDatabase } from "../../runtime/data-source.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { DualScores1764300000100 } from "../../subgraphs/reputation/migrations/1764300000100-dual-scores.js";
import { TrustCause } from "../../subgraphs/reputation/trust-history.entity.js";
import { TrustProfile } from "../../subgraphs/reputation/trust.entity.js";
import { recordEvaluation, recomputeTrust } from "../../subgraphs/reputation/trust.record.js";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase, migrationsBefore, undoThrough } from "../support/databases.js";

const AGENT = "44444444-4444-4444-8444-444444444444";
const RUN = "55555555-5555-4555-8555-555555555555";
const JUDGED = "2026-11-02 10:00:00.000";
/** A profile whose cases were counted but whose last run's time was never kept: the backfill falls back to updated_at. */
const UNDATED = "66666666-6666-4666-8666-666666666666";
const UPDATED = "2026-10-20 08:30:00.000";
/** A profile without any cases: no legacy metric, nothing to date. */
const EMPTY = "77777777-7777-4777-8777-777777777777";

/** A profile and its one run as the schema before dual scores held them: 39 of 40 cases, 880, BRONZE. */
async function writeSingleScoreData(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    "INSERT INTO agents (id, name, name_key, description, domains, owner_id, registered_at) VALUES (?, 'Old Triage', 'k', 'Triages', 'ALERT_TRIAGE', 'olga', ?)",
    [AGENT, JUDGED],
  );
  await dataSource.query(
    "INSERT INTO trust_profiles (agent_id, composite_score, composite_confidence, tier, eligible, reasons, policy_version, cases_passed, cases_failed, evaluation_runs, last_run_passed, last_run_failed_critical, last_run_submitted_at, updated_at) VALUES (?, 880, 0.444, 'BRONZE', 1, '[]', 'listing-2026.11-1', 39, 1, 1, 1, '[]', ?, ?)",
    [AGENT, JUDGED, JUDGED],
  );
  await dataSource.query(
    "INSERT INTO trust_evaluation_evidence (run_id, agent_id, pact_id, pact_version, cases_passed, cases_failed, run_passed, failed_critical, submitted_at, judged_at) VALUES (?, ?, 'pact-old', 1, 39, 1, 1, '[]', ?, ?)",
    [RUN, AGENT, JUDGED, JUDGED],
  );
  await dataSource.query(
    "INSERT INTO trust_profiles (agent_id, composite_score, composite_confidence, tier, eligible, reasons, policy_version, cases_passed, cases_failed, evaluation_runs, last_run_passed, last_run_failed_critical, last_run_submitted_at, updated_at) VALUES (?, 667, 0.286, 'BRONZE', 1, '[]', 'listing-2026.11-1', 15, 5, 1, 1, '[]', NULL, ?)",
    [UNDATED, UPDATED],
  );
  await dataSource.query(
    "INSERT INTO trust_profiles (agent_id, composite_score, composite_confidence, tier, eligible, reasons, policy_version, cases_passed, cases_failed, evaluation_runs, last_run_passed, last_run_failed_critical, last_run_submitted_at, updated_at) VALUES (?, 500, 0, 'UNRATED', 0, '[]', 'listing-2026.11-1', 0, 0, 0, NULL, '[]', NULL, NULL)",
    [EMPTY],
  );
}

describe.each(DATABASE_KINDS)("the dual-scores migration over single-score data (%s)", (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource | undefined;

  afterEach(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it("keeps every score as it was, counts old runs as one legacy metric, and can be undone and redone", async () => {
    database = await createTestDatabase(kind);
    const before = createDataSource({ url: database.url, entities: [], migrations: migrationsBefore(allMigrations, DualScores1764300000100) });
    await before.initialize();
    await before.runMigrations({ transaction: "each" });
    await writeSingleScoreData(before);
    await before.destroy();

    dataSource = await openDatabase(database.url);
    const migrated = await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: AGENT });
    expect(migrated).toMatchObject({
      compositeScore: 880, compositeConfidence: 0.444, tier: "BRONZE", tierRank: 1, reputationScore: 500, reputationConfidence: 0,
      consequence: null, driftAlarm: false, driftRaisedAt: null, unlistedAt: null, openCriticalDisputes: 0, passingStreak: 0,
    });
    const asOf = new Date(`${JUDGED.replace(" ", "T")}Z`).getTime();
    // The legacy metric carries weight 1 per case: weightMass = 39 + 1 = 40, so its weight is 40 / (40 + 10) = .8
    // and the score stays (39 + 5) / (40 + 10) = 880.
    expect(migrated.scoringState).toEqual({ asOf, metrics: { RUN_CASES: { passed: 39, failed: 1, weightMass: 40 } }, good: 0, bad: 0 });
    expect(migrated.evaluationDrift).toEqual({ runs: 0, baselineSum: 0, statistic: 0, alarm: false });

    // Without a last run's time, the cases are dated by the profile's last update.
    const undated = await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: UNDATED });
    const updatedAt = new Date(`${UPDATED.replace(" ", "T")}Z`).getTime();
    expect(undated.scoringState).toEqual({ asOf: updatedAt, metrics: { RUN_CASES: { passed: 15, failed: 5, weightMass: 20 } }, good: 0, bad: 0 });
    // Its old score, (15 + 5) / (20 + 10) = 667 at 20 / 70 = .286, stays until new evidence arrives.
    expect(undated).toMatchObject({ compositeScore: 667, compositeConfidence: 0.286, tier: "BRONZE", tierRank: 1 });
    // Nothing to count, nothing to date.
    const empty = await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: EMPTY });
    expect(empty.scoringState).toEqual({ asOf: 0, metrics: {}, good: 0, bad: 0 });
    expect(empty).toMatchObject({ compositeScore: 500, tier: "UNRATED", tierRank: 0 });

    // The recompute reads the old run as the same legacy metric: (39 + 5) / 50 = 880.
    const recomputed = await inTransaction(dataSource, (manager) => recomputeTrust(manager, AGENT, { cause: TrustCause.RECOMPUTE, causeId: "arbiter", at: new Date(asOf) }));
    expect(recomputed).toMatchObject({ compositeScore: 880, compositeConfidence: 0.444 });

    // New evidence joins the old under the new policy.
    const next = await inTransaction(dataSource, (manager) => recordEvaluation(manager, {
      runId: randomUUID(),
      agentId: AGENT,
      pactId: "pact-new",
      pactVersion: 2,
      casesPassed: 10,
      casesFailed: 0,
      runPassed: true,
      failedCriticalClauses: [],
      clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed: 10, failed: 0 }],
      terms: { pactId: "pact-new", pactVersion: 2, ladder: DEFAULT_LADDER, route: DEFAULT_ROUTE, owner: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 } },
      submittedAt: new Date(asOf),
      judgedAt: new Date(asOf),
    }));
    // Two metrics, each weighing weightMass / (n + 10), at the same instant (no decay):
    //   RUN_CASES 40 / (40 + 10) = .8, mean (39 + 5) / (40 + 10) = .88
    //   severity  1 · 10 / (10 + 10) = .5, mean (10 + 5) / (10 + 10) = .75
    //   composite (.8 · .88 + .5 · .75) / 1.3 = (.704 + .375) / 1.3 = .83 → 830
    //   cases (.8 · 40 + .5 · 10) / 1.3 = 37 / 1.3 = 28.46 → confidence 28.46 / 78.46 = .363
    expect(next).toMatchObject({ compositeScore: 830, compositeConfidence: 0.363, policyVersion: "listing-2026.11-3" });

    // Dated by updated_at, the undated cases decay from then: a run 90 days later finds them halved.
    //   RUN_CASES 7.5 / 2.5, weightMass 10 → weight 10 / (10 + 10) = .5, mean (7.5 + 5) / (10 + 10) = .625
    //   severity 20 / 0, weightMass 20 → weight 20 / (20 + 10) = .6667, mean (20 + 5) / (20 + 10) = .8333
    //   composite (.5 · .625 + .6667 · .8333) / 1.1667 = .7440 → 744
    //   cases (.5 · 10 + .6667 · 20) / 1.1667 = 15.714 → confidence 15.714 / 65.714 = .239
    // (Dated at 0, the old cases would have decayed to nothing and left the run alone: 833.)
    const ninetyDaysOn = new Date(updatedAt + 90 * 24 * 3600 * 1000);
    const undatedNext = await inTransaction(dataSource, (manager) => recordEvaluation(manager, {
      runId: randomUUID(),
      agentId: UNDATED,
      pactId: "pact-new",
      pactVersion: 2,
      casesPassed: 20,
      casesFailed: 0,
      runPassed: true,
      failedCriticalClauses: [],
      clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed: 20, failed: 0 }],
      terms: { pactId: "pact-new", pactVersion: 2, ladder: DEFAULT_LADDER, route: DEFAULT_ROUTE, owner: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 } },
      submittedAt: ninetyDaysOn,
      judgedAt: ninetyDaysOn,
    }));
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
