import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * A judged run's evidence can be set aside by a granted appeal; the index walks an agent's runs
 * newest first (the run before a set-aside one, the fold of all of them).
 */
export class RunSetAsides1764300000500 implements MigrationInterface {
  name = "RunSetAsides1764300000500";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn("trust_evaluation_evidence", new TableColumn({ name: "set_aside_at", type: "datetime", precision: 3, isNullable: true }));
    await runner.createIndex("trust_evaluation_evidence", new TableIndex({ name: "idx_evidence_agent_submitted", columnNames: ["agent_id", "submitted_at", "run_id"] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex("trust_evaluation_evidence", "idx_evidence_agent_submitted");
    await runner.dropColumn("trust_evaluation_evidence", "set_aside_at");
  }
}
