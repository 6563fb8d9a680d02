import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly, largeText } from "../../../lib/platform/migration-helpers.js";

const id = (name: string, primary = false) => ({ name, type: "varchar", length: "36", isPrimary: primary });
const when = (name: string, nullable = false) => ({ name, type: "datetime", precision: 3, isNullable: nullable });

export class CreatePacts1764100000200 implements MigrationInterface {
  name = "CreatePacts1764100000200";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "pacts",
        columns: [
          id("id", true),
          id("agent_id"),
          { name: "workflow", type: "varchar", length: "40" },
          { name: "template", type: "varchar", length: "64" },
          { name: "version", type: "int" },
          { name: "status", type: "varchar", length: "16" },
          { name: "pass_threshold", type: "double" },
          { name: "escalation_team", type: "varchar", length: "120" },
          { name: "escalation_contact", type: "varchar", length: "200" },
          { name: "ack_deadline_minutes", type: "int" },
          { name: "created_by", type: "varchar", length: "128" },
          when("adopted_at"),
        ],
      }),
    );
    await runner.createIndex(
      "pacts",
      new TableIndex({ name: "uq_pacts_agent_workflow_version", columnNames: ["agent_id", "workflow", "version"], isUnique: true }),
    );

    await runner.createTable(
      new Table({
        name: "pact_clauses",
        columns: [
          id("pact_id", true),
          { name: "clause_key", type: "varchar", length: "64", isPrimary: true },
          { name: "metric", type: "varchar", length: "64" },
          { name: "comparator", type: "varchar", length: "8" },
          { name: "threshold", type: "double" },
          { name: "window_cases", type: "int" },
          { name: "method", type: "varchar", length: "16" },
          { name: "weight", type: "double" },
          { name: "severity", type: "varchar", length: "16" },
          { name: "position", type: "int" },
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: "evaluation_runs",
        columns: [
          id("id", true),
          id("agent_id"),
          id("pact_id"),
          { name: "pact_version", type: "int" },
          { name: "status", type: "varchar", length: "16" },
          { name: "case_count", type: "int" },
          { name: "passed_count", type: "int", isNullable: true },
          { name: "failed_count", type: "int", isNullable: true },
          { name: "passed", type: "boolean", isNullable: true },
          { name: "weighted_pass_share", type: "double", isNullable: true },
          { name: "submitted_by", type: "varchar", length: "128" },
          when("submitted_at"),
          when("completed_at", true),
          when("enqueued_at"),
          { name: "requeues", type: "int", default: 0 },
          { name: "failure_reason", type: "varchar", length: "500", isNullable: true },
        ],
      }),
    );
    await runner.createIndex("evaluation_runs", new TableIndex({ name: "idx_runs_agent", columnNames: ["agent_id", "submitted_at"] }));
    await runner.createIndex("evaluation_runs", new TableIndex({ name: "idx_runs_status", columnNames: ["status", "enqueued_at"] }));

    await runner.createTable(
      new Table({
        name: "evaluation_cases",
        columns: [
          id("run_id", true),
          { name: "case_id", type: "varchar", length: "128", isPrimary: true },
          id("agent_id"),
          { name: "position", type: "int" },
          // The API accepts alerts up to 64 KiB, one byte more than MySQL's TEXT holds.
          { name: "alert", type: largeText(runner) },
          { name: "expected", type: "text" },
          { name: "output", type: "text" },
        ],
      }),
    );

    await runner.createIndex(
      "evaluation_cases",
      new TableIndex({ name: "uq_cases_agent_case", columnNames: ["agent_id", "case_id"], isUnique: true }),
    );

    await runner.createTable(
      new Table({
        name: "case_verdicts",
        columns: [
          id("run_id", true),
          { name: "case_id", type: "varchar", length: "128", isPrimary: true },
          { name: "severity_correct", type: "boolean" },
          { name: "decision_correct", type: "boolean" },
          { name: "passed", type: "boolean" },
          when("judged_at"),
        ],
      }),
    );

    await runner.createTable(
      new Table({
        name: "clause_results",
        columns: [
          id("run_id", true),
          { name: "clause_key", type: "varchar", length: "64", isPrimary: true },
          { name: "metric", type: "varchar", length: "64" },
          { name: "comparator", type: "varchar", length: "8" },
          { name: "threshold", type: "double" },
          { name: "window_cases", type: "int" },
          { name: "severity", type: "varchar", length: "16" },
          { name: "observed", type: "double", isNullable: true },
          { name: "sample_size", type: "int" },
          { name: "outcome", type: "varchar", length: "24" },
          { name: "position", type: "int" },
        ],
      }),
    );
    await compareTextExactly(runner, "pacts", "pact_clauses", "evaluation_runs", "evaluation_cases", "case_verdicts", "clause_results");
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ["clause_results", "case_verdicts", "evaluation_cases", "evaluation_runs", "pact_clauses", "pacts"]) {
      await runner.dropTable(table);
    }
  }
}
