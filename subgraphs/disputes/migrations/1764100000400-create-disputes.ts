import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

export class CreateDisputes1764100000400 implements MigrationInterface {
  name = "CreateDisputes1764100000400";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "disputes",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "agent_id", type: "varchar", length: "36" },
          { name: "reason", type: "text" },
          { name: "severity", type: "varchar", length: "16" },
          { name: "status", type: "varchar", length: "16" },
          { name: "filed_by", type: "varchar", length: "128" },
          { name: "filed_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    await runner.createIndex("disputes", new TableIndex({ name: "idx_disputes_agent_status", columnNames: ["agent_id", "status"] }));
    await compareTextExactly(runner, "disputes");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("disputes");
  }
}
