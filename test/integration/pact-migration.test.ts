import { afterEach, describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { createDataSource, inTransaction } from "../../lib/platform/database.js";
import { allMigrations, openDatabase } from "../../runtime/data-source.js";
import { CaseVerdict, ClauseResult, EvaluationCase, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeEvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.judge.js";
import { CreatePacts1764100000200 } from "../../subgraphs/pacts/migrations/1764100000200-create-pacts.js";
import { Pact, PactClause } from "../../subgraphs/pacts/authoring/pact.entity.js";
import { PactStatus } from "../../subgraphs/pacts/pact.enums.js";
import { insertVersion } from "../../subgraphs/pacts/authoring/pact.lifecycle.js";
import { PACT_TEMPLATES } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { checkPactTerms } from "../../subgraphs/pacts/authoring/pact.validation.js";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../support/databases.js";
import { triageCases } from "../support/fixtures.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";

const PACT = "11111111-1111-4111-8111-111111111111";
const RUN = "22222222-2222-4222-8222-222222222222";
const AGENT = "33333333-3333-4333-8333-333333333333";
const ADOPTED = "2026-11-01 10:00:00.000";

/** Rows as the skeleton's schema held them: one adopted alert-triage pact and one judged run. */
async function writeSkeletonData(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    "INSERT INTO agents (id, name, name_key, description, domains, owner_id, registered_at) VALUES (?, 'Old Triage', 'k', 'Triages', 'ALERT_TRIAGE', 'olga', ?)",
    [AGENT, ADOPTED],
  );
  await dataSource.query(
    "INSERT INTO pacts (id, agent_id, workflow, template, version, status, pass_threshold, escalation_team, escalation_contact, ack_deadline_minutes, created_by, adopted_at) VALUES (?, ?, 'ALERT_TRIAGE', 'alert-triage', 1, 'ACTIVE', 0.8, 'soc', 'soc@example.com', 60, 'olga', ?)",
    [PACT, AGENT, ADOPTED],
  );
  for (const [key, metric, comparator, threshold, weight, severity, position] of [
    ["severity-accuracy", "SEVERITY_CLASSIFICATION_ACCURACY", "GTE", 0.92, 0.6, "CRITICAL", 0],
    ["false-positive-rate", "FALSE_POSITIVE_RATE", "LTE", 0.1, 0.4, "MAJOR", 1],
  ] as const) {
    await dataSource.query(
      "INSERT INTO pact_clauses (pact_id, clause_key, metric, comparator, threshold, window_cases, method, weight, severity, position) VALUES (?, ?, ?, ?, ?, 500, 'DETERMINISTIC', ?, ?, ?)",
      [PACT, key, metric, comparator, threshold, weight, severity, position],
    );
    await dataSource.query(
      "INSERT INTO clause_results (run_id, clause_key, metric, comparator, threshold, window_cases, severity, observed, sample_size, outcome, position) VALUES (?, ?, ?, ?, ?, 500, ?, 1, 2, 'PASSED', ?)",
      [RUN, key, metric, comparator, threshold, severity, position],
    );
  }
  await dataSource.query(
    "INSERT INTO evaluation_runs (id, agent_id, pact_id, pact_version, status, case_count, passed_count, failed_count, passed, weighted_pass_share, submitted_by, submitted_at, completed_at, enqueued_at, requeues) VALUES (?, ?, ?, 1, 'COMPLETED', 2, 2, 0, 1, 1, 'olga', ?, ?, ?, 0)",
    [RUN, AGENT, PACT, ADOPTED, ADOPTED, ADOPTED],
  );
  for (const [position, caseId, truePositive] of [[0, "old-0", true], [1, "old-1", false]] as const) {
    const facts = JSON.stringify({ severity: "HIGH", truePositive });
    await dataSource.query(
      "INSERT INTO evaluation_cases (run_id, case_id, agent_id, position, alert, expected, output) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [RUN, caseId, AGENT, position, JSON.stringify({ rule: `rule-${position}` }), facts, facts],
    );
    await dataSource.query("INSERT INTO case_verdicts (run_id, case_id, severity_correct, decision_correct, passed, judged_at) VALUES (?, ?, 1, 1, 1, ?)", [RUN, caseId, ADOPTED]);
  }
}

describe.each(DATABASE_KINDS)("the pact-lifecycle migration over the skeleton's data (%s)", (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource | undefined;

  afterEach(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it("keeps every pact, run and case, fills the new columns, and the old evidence still counts in the window", async () => {
    database = await createTestDatabase(kind);
    const upToSkeleton = allMigrations.slice(0, allMigrations.indexOf(CreatePacts1764100000200) + 1);
    const skeleton = createDataSource({ url: database.url, entities: [], migrations: upToSkeleton });
    await skeleton.initialize();
    await skeleton.runMigrations({ transaction: "each" });
    await writeSkeletonData(skeleton);
    await skeleton.destroy();

    dataSource = await openDatabase(database.url);

    const pact = await dataSource.getRepository(Pact).findOneByOrFail({ id: PACT });
    expect(pact).toMatchObject({ status: "ACTIVE", openStatus: "ACTIVE", template: "alert-triage", amendsPactId: null, closedAt: null, retiredReason: null });
    expect(pact.createdAt.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    expect(pact.activatedAt?.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    expect(pact.consequenceLadder.map((step) => step.action)).toEqual(["WARN", "REQUIRE_HUMAN_REVIEW", "THROTTLE", "SUSPEND_LISTING", "DELIST"]);
    expect(pact.escalationRoute.map((entry) => entry.action)).toEqual(["WARN", "REQUIRE_HUMAN_REVIEW", "THROTTLE", "SUSPEND_LISTING", "DELIST"]);
    expect(await dataSource.getRepository(PactClause).find({ where: { pactId: PACT }, order: { position: "ASC" } })).toMatchObject([
      { key: "severity-accuracy", windowCases: 500, windowDays: null },
      { key: "false-positive-rate", windowCases: 500, windowDays: null },
    ]);
    expect(await dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: RUN })).toMatchObject({ workflow: "ALERT_TRIAGE", status: "COMPLETED" });
    expect(await dataSource.getRepository(EvaluationCase).find({ where: { runId: RUN }, order: { position: "ASC" } })).toMatchObject([
      { caseId: "old-0", input: { rule: "rule-0" }, timings: null, groundedIndicators: null },
      { caseId: "old-1", input: { rule: "rule-1" }, timings: null, groundedIndicators: null },
    ]);
    expect(await dataSource.getRepository(CaseVerdict).find({ where: { runId: RUN } })).toMatchObject([{ passed: true, checks: {} }, { passed: true, checks: {} }]);
    expect(await dataSource.getRepository(ClauseResult).find({ where: { runId: RUN } })).toMatchObject([
      { method: "DETERMINISTIC", windowDays: null },
      { method: "DETERMINISTIC", windowDays: null },
    ]);

    if (kind === "mysql") {
      // Ids, subjects and keys compare byte for byte: no text column may have lost the collation.
      const loose: { t: string; c: string }[] = await dataSource.query(
        "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) AND COLLATION_NAME IS NOT NULL AND COLLATION_NAME <> 'utf8mb4_bin'",
        [["pacts", "pact_clauses", "evaluation_runs", "evaluation_cases", "case_verdicts", "clause_results"]],
      );
      expect(loose).toEqual([]);
    }

    // A run submitted after the migration is judged over a window that includes the old cases.
    const run = await seedQueuedRun(dataSource, pact, triageCases(10), { outbox: false });
    await inTransaction(dataSource, (manager) => judgeEvaluationRun(manager, run.id));
    const results = await dataSource.getRepository(ClauseResult).find({ where: { runId: run.id }, order: { position: "ASC" } });
    expect(results.map((r) => [r.clauseKey, r.sampleSize])).toEqual([
      ["severity-accuracy", 12],
      // Benign alerts only: every third of the ten new cases, plus the old benign one.
      ["false-positive-rate", 5],
    ]);
  });

  it("undoes itself: drafts go, superseded versions are RETIRED again, day-only windows get a count, and it can be redone", async () => {
    database = await createTestDatabase(kind);
    dataSource = await openDatabase(database.url);
    const ds = dataSource;
    const { agent, pact } = await seedAgentWithPact(ds, "olga");
    const clauses = [{ ...PACT_TEMPLATES["alert-triage"]!.clauses[0]!, windowCases: null, windowDays: 7 }];
    const terms = checkPactTerms(AgentDomain.ALERT_TRIAGE, { ...PACT_TEMPLATES["alert-triage"]!, clauses }, "test");
    await inTransaction(ds, async (manager) => {
      await manager.update(Pact, { id: pact.id }, { status: PactStatus.SUPERSEDED, openStatus: null });
      await insertVersion(manager, { agentId: agent.id, workflow: AgentDomain.ALERT_TRIAGE, template: null, status: PactStatus.ACTIVE, amendsPactId: pact.id, terms, escalation: { team: "soc", contact: "soc", ackDeadlineMinutes: 60 }, createdBy: "olga" });
      await insertVersion(manager, { agentId: agent.id, workflow: AgentDomain.ALERT_TRIAGE, template: null, status: PactStatus.DRAFT, amendsPactId: null, terms, escalation: { team: "soc", contact: "soc", ackDeadlineMinutes: 60 }, createdBy: "olga" });
    });

    // Later migrations go first, newest first, down to this one.
    const applied = async () => ((await ds.query("SELECT name FROM schema_migrations")) as { name: string }[]).map((row) => row.name);
    while ((await applied()).includes("PactLifecycle1764200000200")) await ds.undoLastMigration({ transaction: "each" });

    const rows: { version: number | string; status: string; template: string; window_cases: number | string }[] = await ds.query(
      "SELECT p.version, p.status, p.template, c.window_cases FROM pacts p JOIN pact_clauses c ON c.pact_id = p.id WHERE p.agent_id = ? AND c.position = 0 ORDER BY p.version",
      [agent.id],
    );
    expect(rows.map((r) => [Number(r.version), r.status, r.template, Number(r.window_cases)])).toEqual([
      [1, "RETIRED", "alert-triage", 500],
      [2, "ACTIVE", "custom", 5000],
    ]);
    await expect(ds.query("INSERT INTO pact_clauses (pact_id, clause_key, metric, comparator, threshold, method, weight, severity, position) VALUES ('x', 'k', 'M', 'GTE', 1, 'D', 1, 'MAJOR', 0)")).rejects.toThrow();

    await ds.runMigrations({ transaction: "each" });
    expect((await ds.getRepository(Pact).find({ where: { agentId: agent.id }, order: { version: "ASC" } })).map((p) => [p.version, p.status, p.openStatus])).toEqual([
      [1, "SUPERSEDED", null],
      [2, "ACTIVE", "ACTIVE"],
    ]);
  });
});
