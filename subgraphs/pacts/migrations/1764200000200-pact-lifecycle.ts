import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { AgentDomain } from "../../../lib/agent-domain.js";
import { compareTextExactly } from "../../../lib/migration-helpers.js";
import { PACT_TEMPLATES } from "../pact-templates.js";
import { checkPactTerms } from "../pact-validation.js";

const nullable = (name: string, type: string, extra: Partial<TableColumn> = {}) => new TableColumn({ name, type, isNullable: true, ...extra });
const when = (name: string) => nullable(name, "datetime", { precision: 3 });

/**
 * Pacts become versioned contracts with a lifecycle, a consequence ladder and an escalation route,
 * for all four workflows; evaluation cases carry any workflow's facts and timings.
 */
export class PactLifecycle1764200000200 implements MigrationInterface {
  name = "PactLifecycle1764200000200";

  async up(runner: QueryRunner): Promise<void> {
    await runner.renameColumn("pacts", "adopted_at", "created_at");
    await runner.changeColumn("pacts", "template", nullable("template", "varchar", { length: "64" }));
    await runner.addColumns("pacts", [
      nullable("open_status", "varchar", { length: "16" }),
      nullable("amends_pact_id", "varchar", { length: "36" }),
      // Nullable only so that existing rows can be backfilled below; every write sets them.
      nullable("escalation_route", "text"),
      nullable("consequence_ladder", "text"),
      when("activated_at"),
      when("closed_at"),
      nullable("retired_reason", "varchar", { length: "500" }),
    ]);
    // Until now every pact was adopted, active at once, from the alert-triage template.
    const terms = checkPactTerms(AgentDomain.ALERT_TRIAGE, PACT_TEMPLATES["alert-triage"]!, "template");
    await runner.query("UPDATE pacts SET escalation_route = ?, consequence_ladder = ?", [JSON.stringify(terms.escalationRoute), JSON.stringify(terms.consequenceLadder)]);
    await runner.query("UPDATE pacts SET open_status = status, activated_at = created_at WHERE status = 'ACTIVE'");
    await runner.createIndex("pacts", new TableIndex({ name: "uq_pacts_agent_workflow_open", columnNames: ["agent_id", "workflow", "open_status"], isUnique: true }));

    await runner.changeColumn("pact_clauses", "window_cases", nullable("window_cases", "int"));
    await runner.addColumn("pact_clauses", nullable("window_days", "int"));

    await runner.addColumn("evaluation_runs", nullable("workflow", "varchar", { length: "40" }));
    await runner.query("UPDATE evaluation_runs SET workflow = (SELECT p.workflow FROM pacts p WHERE p.id = evaluation_runs.pact_id)");
    await runner.changeColumn("evaluation_runs", "workflow", new TableColumn({ name: "workflow", type: "varchar", length: "40" }));
    await runner.createIndex("evaluation_runs", new TableIndex({ name: "idx_runs_window", columnNames: ["agent_id", "workflow", "submitted_at"] }));

    await runner.renameColumn("evaluation_cases", "alert", "input");
    await runner.addColumns("evaluation_cases", [nullable("timings", "text"), nullable("grounded_indicators", "int")]);

    // Old verdicts keep whether the case passed; their per-check detail was triage-specific.
    await runner.addColumn("case_verdicts", new TableColumn({ name: "checks", type: "text", isNullable: true }));
    await runner.query("UPDATE case_verdicts SET checks = '{}'");
    await runner.dropColumns("case_verdicts", ["severity_correct", "decision_correct"]);

    await runner.changeColumn("clause_results", "window_cases", nullable("window_cases", "int"));
    await runner.addColumns("clause_results", [
      nullable("window_days", "int"),
      new TableColumn({ name: "method", type: "varchar", length: "16", default: "'DETERMINISTIC'" }),
    ]);
    await compareTextExactly(runner, "pacts", "pact_clauses", "evaluation_runs", "evaluation_cases", "case_verdicts", "clause_results");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumns("clause_results", ["window_days", "method"]);
    await runner.addColumns("case_verdicts", [
      new TableColumn({ name: "severity_correct", type: "boolean", default: false }),
      new TableColumn({ name: "decision_correct", type: "boolean", default: false }),
    ]);
    await runner.dropColumn("case_verdicts", "checks");
    await runner.dropColumns("evaluation_cases", ["timings", "grounded_indicators"]);
    await runner.renameColumn("evaluation_cases", "input", "alert");
    await runner.dropIndex("evaluation_runs", "idx_runs_window");
    await runner.dropColumn("evaluation_runs", "workflow");
    await runner.dropColumn("pact_clauses", "window_days");
    await runner.dropIndex("pacts", "uq_pacts_agent_workflow_open");
    await runner.dropColumns("pacts", ["open_status", "amends_pact_id", "escalation_route", "consequence_ladder", "activated_at", "closed_at", "retired_reason"]);
    await runner.renameColumn("pacts", "created_at", "adopted_at");
  }
}
