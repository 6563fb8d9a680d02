import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { DateUtils } from "typeorm/util/DateUtils.js";

/**
 * When an escalation went past its acknowledgement deadline unanswered and on to the builder;
 * the index is the overdue sweep's seek (not yet overdue, not acknowledged, by deadline).
 */
export class EscalationOverdue1764700000200 implements MigrationInterface {
  name = "EscalationOverdue1764700000200";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn("trust_escalations", new TableColumn({ name: "overdue_at", type: "datetime", precision: 3, isNullable: true }));
    await runner.createIndex(
      "trust_escalations",
      new TableIndex({ name: "idx_escalations_overdue", columnNames: ["overdue_at", "acknowledged_at", "ack_due_at"] }),
    );
    // Escalations already past their deadline went on to nobody: they predate the sweep. Marked
    // overdue as of their deadline, so that the first sweep does not announce a backlog of stale
    // escalations as news. The time as each engine stores a datetime (TypeORM's own conversions).
    const now = new Date();
    const mysql = runner.connection.driver.options.type === "mysql";
    await runner.query(
      "UPDATE trust_escalations SET overdue_at = ack_due_at WHERE acknowledged_at IS NULL AND ack_due_at IS NOT NULL AND ack_due_at <= ?",
      [mysql ? now : DateUtils.mixedDateToUtcDatetimeString(now)],
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex("trust_escalations", "idx_escalations_overdue");
    await runner.dropColumn("trust_escalations", "overdue_at");
  }
}
