import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

export class CreateAgents1764100000100 implements MigrationInterface {
  name = "CreateAgents1764100000100";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "agents",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "name", type: "varchar", length: "120" },
          { name: "name_key", type: "varchar", length: "64" },
          { name: "description", type: "text" },
          { name: "domains", type: "varchar", length: "200" },
          { name: "owner_id", type: "varchar", length: "128" },
          { name: "registered_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    await compareTextExactly(runner, "agents");
    await runner.createIndex(
      "agents",
      new TableIndex({ name: "uq_agents_owner_name_key", columnNames: ["owner_id", "name_key"], isUnique: true }),
    );
    // The agents context's published read model: other contexts read agents only through this
    // view (existence, ownership, workflows), never through the table, so the table can change.
    await runner.query("CREATE VIEW agent_directory AS SELECT id AS agent_id, owner_id, domains, registered_at FROM agents");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query("DROP VIEW agent_directory");
    await runner.dropTable("agents");
  }
}
