import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/** The partners context's tables: API keys (digests, never secrets) and partner suspensions, kept after they are lifted. */
export class CreatePartners1764500000510 implements MigrationInterface {
  name = "CreatePartners1764500000510";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "api_keys",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "partner", type: "varchar", length: "128" },
          { name: "name", type: "varchar", length: "100" },
          { name: "scopes", type: "varchar", length: "255" },
          { name: "prefix", type: "varchar", length: "12" },
          { name: "digest", type: "varchar", length: "64" },
          { name: "created_at", type: "datetime", precision: 3 },
          { name: "created_by", type: "varchar", length: "128" },
          { name: "last_used_at", type: "datetime", precision: 3, isNullable: true },
          { name: "expires_at", type: "datetime", precision: 3, isNullable: true },
          { name: "revoked_at", type: "datetime", precision: 3, isNullable: true },
          { name: "revoked_by", type: "varchar", length: "128", isNullable: true },
          { name: "replaced_by", type: "varchar", length: "36", isNullable: true },
          { name: "grace_until", type: "datetime", precision: 3, isNullable: true },
        ],
      }),
    );
    // The gateway's lookup: one key per digest, found by it.
    await runner.createIndex("api_keys", new TableIndex({ name: "uq_api_keys_digest", columnNames: ["digest"], isUnique: true }));
    // A partner's keys, newest first (apiKeys).
    await runner.createIndex(
      "api_keys",
      new TableIndex({ name: "idx_api_keys_partner_created", columnNames: ["partner", "created_at", "id"] }),
    );
    await runner.createTable(
      new Table({
        name: "partner_suspensions",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "partner", type: "varchar", length: "128" },
          { name: "active_partner", type: "varchar", length: "128", isNullable: true },
          { name: "reason", type: "varchar", length: "2000" },
          { name: "suspended_at", type: "datetime", precision: 3 },
          { name: "suspended_by", type: "varchar", length: "128" },
          { name: "reinstated_at", type: "datetime", precision: 3, isNullable: true },
          { name: "reinstated_by", type: "varchar", length: "128", isNullable: true },
        ],
      }),
    );
    // One standing suspension per partner: NULL (lifted) rows never collide, on either engine.
    await runner.createIndex(
      "partner_suspensions",
      new TableIndex({ name: "uq_partner_suspensions_active", columnNames: ["active_partner"], isUnique: true }),
    );
    await runner.createIndex(
      "partner_suspensions",
      new TableIndex({ name: "idx_partner_suspensions_partner", columnNames: ["partner", "suspended_at", "id"] }),
    );
    // Subjects and digests compare byte for byte, as they do on SQLite.
    await compareTextExactly(runner, "api_keys", "partner_suspensions");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("partner_suspensions");
    await runner.dropTable("api_keys");
  }
}
