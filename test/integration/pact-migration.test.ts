import { describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../lib/platform/database.js";
import { allMigrations } from "../../runtime/data-source.js";
import { CaseVerdict, ClauseResult, EvaluationCase, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeEvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.judge.js";
import { CreatePacts1764100000200 } from "../../subgraphs/pacts/migrations/1764100000200-create-pacts.js";
import { Pact, PactClause } from "../../subgraphs/pacts/authoring/pact.entity.js";
import { PactStatus } from "../../subgraphs/pacts/pact.enums.js";
import { insertVersion } from "../../subgraphs/pacts/authoring/pact.lifecycle.js";
import { PACT_TEMPLATES } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { checkPactTerms } from "../../subgraphs/pacts/authoring/pact.validation.js";
import { DATABASE_KINDS, insertRow, looselyCollatedColumns, undoThrough } from "../support/databases.js";
import { triageCases } from "../support/fixtures.js";
import { useScratchDatabase } from "../support/migrated-database.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";

const PACT = "11111111-1111-4111-8111-111111111111";
const RUN = "22222222-2222-4222-8222-222222222222";
const AGENT = "33333333-3333-4333-8333-333333333333";
const ADOPTED = "2026-11-01 10:00:00.000";

/** Rows as the skeleton's schema held them: one adopted alert-triage pact and one judged run. */
async function writeSkeletonData(dataSource: DataSource): Promise<void> {
  await insertRow(dataSource, "agents", {
    id: AGENT,
    name: "Old Triage",
    name_key: "k",
    description: "Triages",
    domains: "ALERT_TRIAGE",
    owner_id: "olga",
    registered_at: ADOPTED,
  });
  await insertRow(dataSource, "pacts", {
    id: PACT,
    agent_id: AGENT,
    workflow: "ALERT_TRIAGE",
    template: "alert-triage",
    version: 1,
    status: "ACTIVE",
    pass_threshold: 0.8,
    escalation_team: "soc",
    escalation_contact: "soc@example.com",
    ack_deadline_minutes: 60,
    created_by: "olga",
    adopted_at: ADOPTED,
  });
  for (const [key, metric, comparator, threshold, weight, severity, position] of [
    ["severity-accuracy", "SEVERITY_CLASSIFICATION_ACCURACY", "GTE", 0.92, 0.6, "CRITICAL", 0],
    ["false-positive-rate", "FALSE_POSITIVE_RATE", "LTE", 0.1, 0.4, "MAJOR", 1],
  ] as const) {
    await insertRow(dataSource, "pact_clauses", {
      pact_id: PACT,
      clause_key: key,
      metric,
      comparator,
      threshold,
      window_cases: 500,
      method: "DETERMINISTIC",
      weight,
      severity,
      position,
    });
    await insertRow(dataSource, "clause_results", {
      run_id: RUN,
      clause_key: key,
      metric,
      comparator,
      threshold,
      window_cases: 500,
      severity,
      observed: 1,
      sample_size: 2,
      outcome: "PASSED",
      position,
    });
  }
  await insertRow(dataSource, "evaluation_runs", {
    id: RUN,
    agent_id: AGENT,
    pact_id: PACT,
    pact_version: 1,
    status: "COMPLETED",
    case_count: 2,
    passed_count: 2,
    failed_count: 0,
    passed: 1,
    weighted_pass_share: 1,
    submitted_by: "olga",
    submitted_at: ADOPTED,
    completed_at: ADOPTED,
    enqueued_at: ADOPTED,
    requeues: 0,
  });
  for (const [position, caseId, truePositive] of [
    [0, "old-0", true],
    [1, "old-1", false],
  ] as const) {
    const facts = JSON.stringify({ severity: "HIGH", truePositive });
    await insertRow(dataSource, "evaluation_cases", {
      run_id: RUN,
      case_id: caseId,
      agent_id: AGENT,
      position,
      alert: JSON.stringify({ rule: `rule-${position}` }),
      expected: facts,
      output: facts,
    });
    await insertRow(dataSource, "case_verdicts", {
      run_id: RUN,
      case_id: caseId,
      severity_correct: 1,
      decision_correct: 1,
      passed: 1,
      judged_at: ADOPTED,
    });
  }
}

describe.each(DATABASE_KINDS)("the pact-lifecycle migration over the skeleton's data (%s)", (kind) => {
  const db = useScratchDatabase(kind);

  it("keeps every pact, run and case, fills the new columns, and the old evidence still counts in the window", async () => {
    const upToSkeleton = allMigrations.slice(0, allMigrations.indexOf(CreatePacts1764100000200) + 1);
    await db.createAtSchema(upToSkeleton, writeSkeletonData);

    const dataSource = await db.open();

    const pact = await dataSource.getRepository(Pact).findOneByOrFail({ id: PACT });
    expect(pact).toMatchObject({
      status: "ACTIVE",
      openStatus: "ACTIVE",
      template: "alert-triage",
      amendsPactId: null,
      closedAt: null,
      retiredReason: null,
    });
    expect(pact.createdAt.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    expect(pact.activatedAt?.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    expect(pact.consequenceLadder.map((step) => step.action)).toEqual([
      "WARN",
      "REQUIRE_HUMAN_REVIEW",
      "THROTTLE",
      "SUSPEND_LISTING",
      "DELIST",
    ]);
    expect(pact.escalationRoute.map((entry) => entry.action)).toEqual([
      "WARN",
      "REQUIRE_HUMAN_REVIEW",
      "THROTTLE",
      "SUSPEND_LISTING",
      "DELIST",
    ]);
    expect(await dataSource.getRepository(PactClause).find({ where: { pactId: PACT }, order: { position: "ASC" } })).toMatchObject([
      { key: "severity-accuracy", windowCases: 500, windowDays: null },
      { key: "false-positive-rate", windowCases: 500, windowDays: null },
    ]);
    expect(await dataSource.getRepository(EvaluationRun).findOneByOrFail({ id: RUN })).toMatchObject({
      workflow: "ALERT_TRIAGE",
      status: "COMPLETED",
    });
    expect(await dataSource.getRepository(EvaluationCase).find({ where: { runId: RUN }, order: { position: "ASC" } })).toMatchObject([
      { caseId: "old-0", input: { rule: "rule-0" }, timings: null, groundedIndicators: null },
      { caseId: "old-1", input: { rule: "rule-1" }, timings: null, groundedIndicators: null },
    ]);
    expect(await dataSource.getRepository(CaseVerdict).find({ where: { runId: RUN } })).toMatchObject([
      { passed: true, checks: {} },
      { passed: true, checks: {} },
    ]);
    expect(await dataSource.getRepository(ClauseResult).find({ where: { runId: RUN } })).toMatchObject([
      { method: "DETERMINISTIC", windowDays: null },
      { method: "DETERMINISTIC", windowDays: null },
    ]);

    if (kind === "mysql") {
      // Ids, subjects and keys compare byte for byte: no text column may have lost the collation.
      const loose = await looselyCollatedColumns(dataSource, [
        "pacts",
        "pact_clauses",
        "evaluation_runs",
        "evaluation_cases",
        "case_verdicts",
        "clause_results",
      ]);
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
    const ds = await db.open();
    const { agent, pact } = await seedAgentWithPact(ds, "olga");
    const clauses = [{ ...PACT_TEMPLATES["alert-triage"]!.clauses[0]!, windowCases: null, windowDays: 7 }];
    const terms = checkPactTerms(AgentDomain.ALERT_TRIAGE, { ...PACT_TEMPLATES["alert-triage"]!, clauses }, "test");
    await inTransaction(ds, async (manager) => {
      await manager.update(Pact, { id: pact.id }, { status: PactStatus.SUPERSEDED, openStatus: null });
      await insertVersion(manager, {
        agentId: agent.id,
        workflow: AgentDomain.ALERT_TRIAGE,
        template: null,
        status: PactStatus.ACTIVE,
        amendsPactId: pact.id,
        terms,
        escalation: { team: "soc", contact: "soc", ackDeadlineMinutes: 60 },
        createdBy: "olga",
      });
      await insertVersion(manager, {
        agentId: agent.id,
        workflow: AgentDomain.ALERT_TRIAGE,
        template: null,
        status: PactStatus.DRAFT,
        amendsPactId: null,
        terms,
        escalation: { team: "soc", contact: "soc", ackDeadlineMinutes: 60 },
        createdBy: "olga",
      });
    });

    // Later migrations go first, newest first, down to this one.
    await undoThrough(ds, "PactLifecycle1764200000200");

    const rows: { version: number | string; status: string; template: string; window_cases: number | string }[] = await ds.query(
      "SELECT p.version, p.status, p.template, c.window_cases FROM pacts p JOIN pact_clauses c ON c.pact_id = p.id WHERE p.agent_id = ? AND c.position = 0 ORDER BY p.version",
      [agent.id],
    );
    expect(rows.map((r) => [Number(r.version), r.status, r.template, Number(r.window_cases)])).toEqual([
      [1, "RETIRED", "alert-triage", 500],
      [2, "ACTIVE", "custom", 5000],
    ]);
    await expect(
      ds.query(
        "INSERT INTO pact_clauses (pact_id, clause_key, metric, comparator, threshold, method, weight, severity, position) VALUES ('x', 'k', 'M', 'GTE', 1, 'D', 1, 'MAJOR', 0)",
      ),
    ).rejects.toThrow();

    await ds.runMigrations({ transaction: "each" });
    expect(
      (await ds.getRepository(Pact).find({ where: { agentId: agent.id }, order: { version: "ASC" } })).map((p) => [
        p.version,
        p.status,
        p.openStatus,
      ]),
    ).toEqual([
      [1, "SUPERSEDED", null],
      [2, "ACTIVE", "ACTIVE"],
    ]);
  });
});
