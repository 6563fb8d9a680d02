import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/** Review cases assigned to an arbiter with a deadline (review-deadline.sweep.ts). Filled by the sweep as cases come. */
export class ReviewAssignments1764400000320 implements MigrationInterface {
  name = "ReviewAssignments1764400000320";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "review_assignments",
        columns: [
          { name: "verdict_id", type: "varchar", length: "36", isPrimary: true },
          { name: "assignee", type: "varchar", length: "128" },
          { name: "assigned_at", type: "datetime", precision: 3 },
          { name: "deadline_at", type: "datetime", precision: 3 },
          { name: "reassignments", type: "int", default: 0 },
          { name: "escalated_at", type: "datetime", precision: 3, isNullable: true },
        ],
      }),
    );
    await runner.createIndex(
      "review_assignments",
      new TableIndex({ name: "idx_review_assignments_deadline", columnNames: ["deadline_at"] }),
    );
    await runner.createIndex(
      "review_assignments",
      new TableIndex({ name: "idx_review_assignments_assigned", columnNames: ["assigned_at"] }),
    );
    await compareTextExactly(runner, "review_assignments");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("review_assignments");
  }
}
