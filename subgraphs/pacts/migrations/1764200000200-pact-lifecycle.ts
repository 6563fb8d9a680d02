import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

const nullable = (name: string, type: string, extra: Partial<TableColumn> = {}) =>
  new TableColumn({ name, type, isNullable: true, ...extra });
const required = (name: string, type: string, extra: Partial<TableColumn> = {}) => new TableColumn({ name, type, ...extra });
const when = (name: string) => nullable(name, "datetime", { precision: 3 });

/**
 * The alert-triage template's route and ladder as this migration's day defined them, frozen here
 * so that later changes to the templates cannot change what the migration wrote.
 */
const TRIAGE_ROUTE = [
  { action: "WARN", notify: ["ESCALATION_OWNER"] },
  { action: "REQUIRE_HUMAN_REVIEW", notify: ["ESCALATION_OWNER", "BUILDER"] },
  { action: "THROTTLE", notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"] },
  { action: "SUSPEND_LISTING", notify: ["ESCALATION_OWNER", "BUILDER", "ARBITERS", "BUYERS"] },
  { action: "DELIST", notify: ["ESCALATION_OWNER", "BUILDER", "ARBITERS", "BUYERS"] },
];
const trigger = (breachCount: number, scoreDropPoints: number | null = null, driftAlarm = false) => ({
  breachCount,
  breachWindowDays: 30,
  scoreDropPoints,
  scoreDropWindowDays: scoreDropPoints === null ? null : 30,
  driftAlarm,
});
const recovery = (passingRuns: number, quietDays: number | null = null) => ({ passingRuns, minCompositeScore: null, quietDays });
const TRIAGE_LADDER = [
  { action: "WARN", trigger: trigger(1), recovery: recovery(1) },
  { action: "REQUIRE_HUMAN_REVIEW", trigger: trigger(2, 50, true), recovery: recovery(3) },
  { action: "THROTTLE", trigger: trigger(3, 100), recovery: recovery(3, 7) },
  { action: "SUSPEND_LISTING", trigger: trigger(5, 200), recovery: recovery(5, 14) },
  { action: "DELIST", trigger: trigger(8), recovery: null },
];
/** What `down` gives windows that had none: the count window's largest allowed size today. */
const DOWN_WINDOW_CASES = 5000;

/**
 * Pacts become versioned contracts with a lifecycle, a consequence ladder and an escalation route,
 * for all four workflows; evaluation cases carry any workflow's facts and timings. New and renamed
 * columns keep the tables' utf8mb4_bin collation on MySQL (a test checks), so no table is rebuilt
 * for it.
 */
export class PactLifecycle1764200000200 implements MigrationInterface {
  name = "PactLifecycle1764200000200";

  async up(runner: QueryRunner): Promise<void> {
    await runner.renameColumn("pacts", "adopted_at", "created_at");
    await runner.changeColumn("pacts", "template", nullable("template", "varchar", { length: "64" }));
    await runner.addColumns("pacts", [
      nullable("open_status", "varchar", { length: "16" }),
      nullable("amends_pact_id", "varchar", { length: "36" }),
      nullable("escalation_route", "text"),
      nullable("consequence_ladder", "text"),
      when("activated_at"),
      when("closed_at"),
      nullable("retired_reason", "varchar", { length: "500" }),
    ]);
    // Until now every pact was adopted, in force at once, from the alert-triage template; RETIRED
    // then meant replaced, which is SUPERSEDED now.
    await runner.query("UPDATE pacts SET escalation_route = ?, consequence_ladder = ?, activated_at = created_at", [
      JSON.stringify(TRIAGE_ROUTE),
      JSON.stringify(TRIAGE_LADDER),
    ]);
    await runner.query("UPDATE pacts SET status = 'SUPERSEDED' WHERE status = 'RETIRED'");
    await runner.query("UPDATE pacts SET open_status = status WHERE status = 'ACTIVE'");
    await runner.changeColumn("pacts", "escalation_route", required("escalation_route", "text"));
    await runner.changeColumn("pacts", "consequence_ladder", required("consequence_ladder", "text"));
    await runner.createIndex(
      "pacts",
      new TableIndex({ name: "uq_pacts_agent_workflow_open", columnNames: ["agent_id", "workflow", "open_status"], isUnique: true }),
    );

    await runner.changeColumn("pact_clauses", "window_cases", nullable("window_cases", "int"));
    await runner.addColumn("pact_clauses", nullable("window_days", "int"));

    await runner.addColumn("evaluation_runs", nullable("workflow", "varchar", { length: "40" }));
    await runner.query("UPDATE evaluation_runs SET workflow = (SELECT p.workflow FROM pacts p WHERE p.id = evaluation_runs.pact_id)");
    await runner.changeColumn("evaluation_runs", "workflow", required("workflow", "varchar", { length: "40" }));
    await runner.createIndex(
      "evaluation_runs",
      new TableIndex({ name: "idx_runs_window", columnNames: ["agent_id", "workflow", "submitted_at"] }),
    );

    await runner.renameColumn("evaluation_cases", "alert", "input");
    await runner.addColumns("evaluation_cases", [nullable("timings", "text"), nullable("grounded_indicators", "int")]);

    // Old verdicts keep whether the case passed; their per-check detail was triage-specific.
    await runner.addColumn("case_verdicts", nullable("checks", "text"));
    await runner.query("UPDATE case_verdicts SET checks = '{}'");
    await runner.changeColumn("case_verdicts", "checks", required("checks", "text"));
    await runner.dropColumns("case_verdicts", ["severity_correct", "decision_correct"]);

    await runner.changeColumn("clause_results", "window_cases", nullable("window_cases", "int"));
    await runner.addColumns("clause_results", [
      nullable("window_days", "int"),
      required("method", "varchar", { length: "16", default: "'DETERMINISTIC'" }),
    ]);
  }

  /**
   * Back to the skeleton's schema, keeping what it can express: drafts (never in force) go,
   * superseded versions are RETIRED again, day-only windows get a count window, and per-check
   * detail and timings are lost.
   */
  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumns("clause_results", ["window_days", "method"]);
    await runner.query("UPDATE clause_results SET window_cases = ? WHERE window_cases IS NULL", [DOWN_WINDOW_CASES]);
    await runner.changeColumn("clause_results", "window_cases", required("window_cases", "int"));

    await runner.addColumns("case_verdicts", [
      required("severity_correct", "boolean", { default: false }),
      required("decision_correct", "boolean", { default: false }),
    ]);
    await runner.dropColumn("case_verdicts", "checks");
    await runner.dropColumns("evaluation_cases", ["timings", "grounded_indicators"]);
    await runner.renameColumn("evaluation_cases", "input", "alert");
    await runner.dropIndex("evaluation_runs", "idx_runs_window");
    await runner.dropColumn("evaluation_runs", "workflow");

    await runner.query("DELETE FROM pact_clauses WHERE pact_id IN (SELECT id FROM pacts WHERE activated_at IS NULL)");
    await runner.query("DELETE FROM pacts WHERE activated_at IS NULL");
    await runner.query("UPDATE pacts SET status = 'RETIRED' WHERE status = 'SUPERSEDED'");
    await runner.query("UPDATE pacts SET template = 'custom' WHERE template IS NULL");
    await runner.query("UPDATE pact_clauses SET window_cases = ? WHERE window_cases IS NULL", [DOWN_WINDOW_CASES]);
    await runner.dropColumn("pact_clauses", "window_days");
    await runner.changeColumn("pact_clauses", "window_cases", required("window_cases", "int"));
    await runner.dropIndex("pacts", "uq_pacts_agent_workflow_open");
    await runner.dropColumns("pacts", [
      "open_status",
      "amends_pact_id",
      "escalation_route",
      "consequence_ladder",
      "activated_at",
      "closed_at",
      "retired_reason",
    ]);
    await runner.changeColumn("pacts", "template", required("template", "varchar", { length: "64" }));
    await runner.renameColumn("pacts", "created_at", "adopted_at");
  }
}
