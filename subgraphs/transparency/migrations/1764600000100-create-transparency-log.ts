import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/** The transparency log: entries, the tree's stored subtrees, signed tree heads and the sequencer's row. */
export class CreateTransparencyLog1764600000100 implements MigrationInterface {
  name = "CreateTransparencyLog1764600000100";

  async up(runner: QueryRunner): Promise<void> {
    // SQLite allows AUTOINCREMENT only on an INTEGER primary key (64-bit there anyway).
    const idType = runner.connection.driver.options.type === "mysql" ? "bigint" : "integer";
    await runner.createTable(
      new Table({
        name: "transparency_log_entries",
        columns: [
          { name: "id", type: idType, isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "log_index", type: "bigint", isNullable: true },
          { name: "kind", type: "varchar", length: "32" },
          { name: "subject", type: "varchar", length: "128" },
          { name: "payload", type: "text" },
          { name: "leaf_hash", type: "varchar", length: "64", isNullable: true },
          { name: "recorded_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    // Unique once set; NULLs (not yet sequenced) never collide on either engine. The index ends in
    // the primary key, so it also walks the unsequenced rows in id order for the sequencer.
    await runner.createIndex(
      "transparency_log_entries",
      new TableIndex({ name: "uq_transparency_log_entries_index", columnNames: ["log_index"], isUnique: true }),
    );
    await runner.createTable(
      new Table({
        name: "transparency_tree_nodes",
        columns: [
          { name: "level", type: "int", isPrimary: true },
          { name: "node_index", type: "bigint", isPrimary: true },
          { name: "hash", type: "varchar", length: "64" },
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: "transparency_tree_heads",
        columns: [
          { name: "tree_size", type: "bigint", isPrimary: true },
          { name: "root_hash", type: "varchar", length: "64" },
          { name: "created_at", type: "datetime", precision: 3 },
          { name: "signature", type: "varchar", length: "512" },
          { name: "key_id", type: "varchar", length: "128" },
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: "transparency_log_state",
        columns: [
          { name: "id", type: "int", isPrimary: true },
          { name: "tree_size", type: "bigint" },
        ],
      }),
    );
    await runner.query("INSERT INTO transparency_log_state (id, tree_size) VALUES (1, 0)");
    await compareTextExactly(runner, "transparency_log_entries", "transparency_tree_nodes", "transparency_tree_heads");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("transparency_log_state");
    await runner.dropTable("transparency_tree_heads");
    await runner.dropTable("transparency_tree_nodes");
    await runner.dropTable("transparency_log_entries");
  }
}
