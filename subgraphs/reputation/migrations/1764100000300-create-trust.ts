import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

export class CreateTrust1764100000300 implements MigrationInterface {
  name = "CreateTrust1764100000300";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "trust_profiles",
        columns: [
          { name: "agent_id", type: "varchar", length: "36", isPrimary: true },
          { name: "composite_score", type: "int" },
          { name: "composite_confidence", type: "double" },
          { name: "tier", type: "varchar", length: "16" },
          { name: "eligible", type: "boolean" },
          { name: "reasons", type: "text" },
          { name: "policy_version", type: "varchar", length: "40" },
          { name: "cases_passed", type: "int" },
          { name: "cases_failed", type: "int" },
          { name: "evaluation_runs", type: "int" },
          { name: "last_run_passed", type: "boolean", isNullable: true },
          { name: "last_run_failed_critical", type: "text" },
          { name: "last_run_submitted_at", type: "datetime", precision: 3, isNullable: true },
          { name: "updated_at", type: "datetime", precision: 3, isNullable: true },
        ],
      }),
    );
    // Search walks listed agents in score order.
    await runner.createIndex(
      "trust_profiles",
      new TableIndex({ name: "idx_trust_rank", columnNames: ["eligible", "composite_score", "agent_id"] }),
    );

    await runner.createTable(
      new Table({
        name: "trust_evaluation_evidence",
        columns: [
          { name: "run_id", type: "varchar", length: "36", isPrimary: true },
          { name: "agent_id", type: "varchar", length: "36" },
          { name: "pact_id", type: "varchar", length: "36" },
          { name: "pact_version", type: "int" },
          { name: "cases_passed", type: "int" },
          { name: "cases_failed", type: "int" },
          { name: "run_passed", type: "boolean" },
          { name: "failed_critical", type: "text" },
          { name: "submitted_at", type: "datetime", precision: 3 },
          { name: "judged_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    await runner.createIndex(
      "trust_evaluation_evidence",
      new TableIndex({ name: "idx_evidence_agent", columnNames: ["agent_id", "judged_at"] }),
    );
    await compareTextExactly(runner, "trust_profiles", "trust_evaluation_evidence");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("trust_evaluation_evidence");
    await runner.dropTable("trust_profiles");
  }
}
