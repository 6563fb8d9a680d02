import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * The fewest cases each clause result needed to count (docs/pacts.md, "Enough evidence"). Null for
 * results judged before the minimum existed: they were decided on whatever their window held.
 */
export class EvidenceMinimum1764400000310 implements MigrationInterface {
  name = "EvidenceMinimum1764400000310";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn("clause_results", new TableColumn({ name: "min_sample_size", type: "int", isNullable: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn("clause_results", "min_sample_size");
  }
}
