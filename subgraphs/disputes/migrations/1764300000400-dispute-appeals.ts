import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

const INDEXES: [string, string[]][] = [
  ["idx_disputes_agent_filed", ["agent_id", "filed_at", "id"]],
  ["idx_disputes_filer", ["filed_by", "filed_at", "id"]],
  ["idx_disputes_respondent", ["respondent", "filed_at", "id"]],
  ["idx_disputes_status_filed", ["status", "filed_at", "id"]],
  ["idx_disputes_filed", ["filed_at", "id"]],
  ["idx_disputes_contested", ["contested_kind", "contested_id"]],
];

/**
 * Disputes become complaints or appeals: an appeal names the verdict it contests and, for an
 * upheld complaint, the buyer who filed it. Every existing dispute is a complaint. The indexes
 * serve the dispute lists, each a walk newest first.
 */
export class DisputeAppeals1764300000400 implements MigrationInterface {
  name = "DisputeAppeals1764300000400";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns("disputes", [
      new TableColumn({ name: "kind", type: "varchar", length: "16", default: "'COMPLAINT'" }),
      new TableColumn({ name: "contested_kind", type: "varchar", length: "16", isNullable: true }),
      new TableColumn({ name: "contested_id", type: "varchar", length: "36", isNullable: true }),
      new TableColumn({ name: "respondent", type: "varchar", length: "128", isNullable: true }),
    ]);
    for (const [name, columnNames] of INDEXES) await runner.createIndex("disputes", new TableIndex({ name, columnNames }));
  }

  async down(runner: QueryRunner): Promise<void> {
    // The earlier schema has no appeals: they go, with their transitions. Complaints reversed on
    // appeal stay REJECTED, as their transitions say.
    await runner.query("DELETE FROM dispute_transitions WHERE dispute_id IN (SELECT id FROM disputes WHERE kind = 'APPEAL')");
    await runner.query("DELETE FROM disputes WHERE kind = 'APPEAL'");
    for (const [name] of INDEXES) await runner.dropIndex("disputes", name);
    await runner.dropColumns("disputes", ["kind", "contested_kind", "contested_id", "respondent"]);
  }
}
