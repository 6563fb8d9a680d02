import { randomUUID } from "node:crypto";
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

const column = (name: string, type: string, extra: Partial<TableColumn> = {}) => new TableColumn({ name, type, ...extra });
const when = (name: string, isNullable = true) => column(name, "datetime", { precision: 3, isNullable });

/** The deadlines of the day, frozen here: disputes filed before have the defaults' deadlines. */
const RESPONSE_MS = 72 * 3600 * 1000;
const RESOLUTION_MS = 14 * 24 * 3600 * 1000;
/** UTC as both engines store DATETIME(3) text: what a raw statement can bind on SQLite too. */
const stamp = (at: Date) => at.toISOString().replace("T", " ").replace("Z", "");

/**
 * Disputes get an arbitration lifecycle: a category, evidence, assignment, deadlines, an outcome,
 * a version for the reputation context, and a record of every transition. Existing disputes keep
 * their status (OPEN or RESOLVED, the latter without an outcome), become category OTHER with no
 * evidence, are dated from their filing, and get a filing transition by their filer.
 */
export class DisputeLifecycle1764300000200 implements MigrationInterface {
  name = "DisputeLifecycle1764300000200";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns("disputes", [
      column("category", "varchar", { length: "24", default: "'OTHER'" }),
      column("evidence", "text", { isNullable: true }),
      column("outcome", "varchar", { length: "16", isNullable: true }),
      when("occurred_at"),
      column("assigned_to", "varchar", { length: "128", isNullable: true }),
      when("response_due_at"),
      when("resolution_due_at"),
      when("escalated_at"),
      when("closed_at"),
      column("version", "int", { default: 1 }),
    ]);
    const disputes: { id: string; status: string; filed_by: string; filed_at: Date | string }[] = await runner.query(
      "SELECT id, status, filed_by, filed_at FROM disputes",
    );
    const empty = JSON.stringify({ caseIds: [], runIds: [], kpiReportIds: [], external: [] });
    await runner.createTable(
      new Table({
        name: "dispute_transitions",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "dispute_id", type: "varchar", length: "36" },
          { name: "version", type: "int" },
          { name: "from_status", type: "varchar", length: "16", isNullable: true },
          { name: "to_status", type: "varchar", length: "16" },
          { name: "outcome", type: "varchar", length: "16", isNullable: true },
          { name: "actor", type: "varchar", length: "150" },
          { name: "note", type: "varchar", length: "2000" },
          { name: "at", type: "datetime", precision: 3 },
        ],
        indices: [{ name: "uq_dispute_transitions_version", columnNames: ["dispute_id", "version"], isUnique: true }],
      }),
    );
    for (const dispute of disputes) {
      // SQLite hands back UTC text without a zone, which Date would read as local time.
      const filed = dispute.filed_at instanceof Date ? dispute.filed_at : new Date(`${dispute.filed_at.replace(" ", "T")}Z`);
      await runner.query(
        "UPDATE disputes SET evidence = ?, occurred_at = ?, response_due_at = ?, resolution_due_at = ?, closed_at = ? WHERE id = ?",
        [
          empty,
          stamp(filed),
          stamp(new Date(filed.getTime() + RESPONSE_MS)),
          stamp(new Date(filed.getTime() + RESOLUTION_MS)),
          dispute.status === "OPEN" ? null : stamp(filed),
          dispute.id,
        ],
      );
      await runner.query(
        "INSERT INTO dispute_transitions (id, dispute_id, version, from_status, to_status, outcome, actor, note, at) VALUES (?, ?, 1, NULL, 'OPEN', NULL, ?, 'filed', ?)",
        [randomUUID(), dispute.id, `buyer:${dispute.filed_by}`, stamp(filed)],
      );
    }
    await runner.createIndex("disputes", new TableIndex({ name: "idx_disputes_due", columnNames: ["status", "resolution_due_at"] }));
    await runner.createTable(
      new Table({
        name: "dispute_filers",
        columns: [
          { name: "agent_id", type: "varchar", length: "36", isPrimary: true },
          { name: "filed_by", type: "varchar", length: "128", isPrimary: true },
        ],
      }),
    );
    await compareTextExactly(runner, "dispute_transitions", "dispute_filers");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("dispute_filers");
    await runner.dropIndex("disputes", "idx_disputes_due");
    await runner.dropTable("dispute_transitions");
    // The old lifecycle knew only OPEN and RESOLVED.
    await runner.query("UPDATE disputes SET status = 'OPEN' WHERE status = 'UNDER_REVIEW'");
    await runner.query("UPDATE disputes SET status = 'RESOLVED' WHERE status = 'WITHDRAWN'");
    await runner.dropColumns("disputes", [
      "category",
      "evidence",
      "outcome",
      "occurred_at",
      "assigned_to",
      "response_due_at",
      "resolution_due_at",
      "escalated_at",
      "closed_at",
      "version",
    ]);
  }
}
