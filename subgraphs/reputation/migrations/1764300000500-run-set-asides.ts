import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * A judged run's evidence can be set aside by a granted appeal; the index walks an agent's runs
 * newest first (the run before a set-aside one, the fold of all of them).
 */
export class RunSetAsides1764300000500 implements MigrationInterface {
  name = "RunSetAsides1764300000500";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn(
      "trust_evaluation_evidence",
      new TableColumn({ name: "set_aside_at", type: "datetime", precision: 3, isNullable: true }),
    );
    await runner.createIndex(
      "trust_evaluation_evidence",
      new TableIndex({ name: "idx_evidence_agent_submitted", columnNames: ["agent_id", "submitted_at", "run_id"] }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    // The earlier schema knows no set-aside run: its evidence goes, so no fold counts it again.
    // (The pacts and disputes contexts undo their part in their own migrations, 510 and 520.)
    await runner.query("DELETE FROM trust_evaluation_evidence WHERE set_aside_at IS NOT NULL");
    await runner.dropIndex("trust_evaluation_evidence", "idx_evidence_agent_submitted");
    await runner.dropColumn("trust_evaluation_evidence", "set_aside_at");
  }
}
