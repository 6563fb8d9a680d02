import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/**
 * The trust change feed: one row per change of a score, tier, eligibility or consequence, and the
 * sequencer's one row. Events start with this migration: the histories before it hold no before
 * values to replay.
 */
export class TrustEvents1764500000430 implements MigrationInterface {
  name = "TrustEvents1764500000430";

  async up(runner: QueryRunner): Promise<void> {
    // SQLite allows AUTOINCREMENT only on an INTEGER primary key (64-bit there anyway).
    const idType = runner.connection.driver.options.type === "mysql" ? "bigint" : "integer";
    await runner.createTable(
      new Table({
        name: "trust_events",
        columns: [
          { name: "id", type: idType, isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "position", type: "bigint", isNullable: true },
          { name: "agent_id", type: "varchar", length: "36" },
          { name: "type", type: "varchar", length: "24" },
          { name: "before_value", type: "varchar", length: "24", isNullable: true },
          { name: "after_value", type: "varchar", length: "24", isNullable: true },
          { name: "cause", type: "varchar", length: "24" },
          { name: "cause_id", type: "varchar", length: "128" },
          { name: "occurred_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    // Not unique: the sequencer makes positions unique, and a unique index's duplicate check
    // would take gap locks next to the unpositioned rows that trust writers insert.
    // Both indexes end in the primary key on both engines, so the first also walks the
    // unpositioned rows (position NULL) in id order for the sequencer.
    await runner.createIndex("trust_events", new TableIndex({ name: "idx_trust_events_position", columnNames: ["position"] }));
    await runner.createIndex("trust_events", new TableIndex({ name: "idx_trust_events_agent", columnNames: ["agent_id", "position"] }));

    await runner.createTable(
      new Table({
        name: "trust_event_sequencer",
        columns: [
          { name: "id", type: "int", isPrimary: true },
          { name: "last_position", type: "bigint" },
        ],
      }),
    );
    await runner.query("INSERT INTO trust_event_sequencer (id, last_position) VALUES (1, 0)");
    await compareTextExactly(runner, "trust_events");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("trust_event_sequencer");
    await runner.dropTable("trust_events");
  }
}
