import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { createDataSource, inTransaction } from "../../lib/database.js";
import { allMigrations, openDatabase } from "../../runtime/data-source.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../subgraphs/pacts/pact-templates.js";
import { DualScores1764300000100 } from "../../subgraphs/reputation/migrations/1764300000100-dual-scores.js";
import { TrustCause } from "../../subgraphs/reputation/trust-history.entity.js";
import { TrustProfile } from "../../subgraphs/reputation/trust.entity.js";
import { recordEvaluation, recomputeTrust } from "../../subgraphs/reputation/trust.service.js";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../support/databases.js";

const AGENT = "44444444-4444-4444-8444-444444444444";
const RUN = "55555555-5555-4555-8555-555555555555";
const JUDGED = "2026-11-02 10:00:00.000";

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
    const before = createDataSource({ url: database.url, entities: [], migrations: allMigrations.filter((m) => m !== DualScores1764300000100) });
    await before.initialize();
    await before.runMigrations({ transaction: "each" });
    await writeSingleScoreData(before);
    await before.destroy();

    dataSource = await openDatabase(database.url);
    const migrated = await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: AGENT });
    expect(migrated).toMatchObject({ compositeScore: 880, compositeConfidence: 0.444, tier: "BRONZE", tierRank: 1, reputationScore: 500, reputationConfidence: 0, consequence: null, driftAlarm: false, passingStreak: 0 });
    const asOf = new Date(`${JUDGED.replace(" ", "T")}Z`).getTime();
    expect(migrated.scoringState).toEqual({ asOf, metrics: { RUN_CASES: { passed: 39, failed: 1, weight: 1, weightAt: asOf } }, good: 0, bad: 0 });

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
    // Two metrics of weight 1: (880 + 15/20 × 1000) / 2 = 815; cases (40 + 10) / 2 = 25, 25 / 75.
    expect(next).toMatchObject({ compositeScore: 815, compositeConfidence: 0.333, policyVersion: "listing-2026.11-2" });

    await dataSource.undoLastMigration({ transaction: "each" });
    const [row] = await dataSource.query("SELECT * FROM trust_profiles WHERE agent_id = ?", [AGENT]);
    expect(row).not.toHaveProperty("reputation_score");
    expect(row).not.toHaveProperty("scoring_state");
    for (const table of ["trust_score_history", "trust_eligibility_history", "trust_escalations", "trust_reputation_events"]) {
      await expect(dataSource.query(`SELECT COUNT(*) FROM ${table}`)).rejects.toThrow();
    }
    await dataSource.runMigrations({ transaction: "each" });
    expect((await dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId: AGENT })).tierRank).toBeGreaterThanOrEqual(0);
  });
});
