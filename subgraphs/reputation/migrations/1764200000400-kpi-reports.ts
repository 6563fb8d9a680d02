import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/** Weekly production KPI reports, the input of the scorecard and of drift detection. */
export class KpiReports1764200000400 implements MigrationInterface {
  name = "KpiReports1764200000400";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "kpi_reports",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "agent_id", type: "varchar", length: "36" },
          { name: "week", type: "varchar", length: "8" },
          { name: "week_start", type: "datetime", precision: 3 },
          { name: "reporter", type: "varchar", length: "128" },
          { name: "reporter_role", type: "varchar", length: "16" },
          { name: "alerts_handled", type: "int" },
          { name: "time_to_containment_minutes", type: "double" },
          { name: "false_positive_load", type: "double" },
          { name: "severity_accuracy", type: "double" },
          { name: "escalation_quality", type: "double" },
          { name: "submitted_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    await runner.createIndex(
      "kpi_reports",
      new TableIndex({ name: "uq_kpi_agent_week_reporter", columnNames: ["agent_id", "week", "reporter"], isUnique: true }),
    );
    await runner.createIndex("kpi_reports", new TableIndex({ name: "idx_kpi_agent_week", columnNames: ["agent_id", "week_start"] }));
    await compareTextExactly(runner, "kpi_reports");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("kpi_reports");
  }
}
