import { TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * The log's entries by subject and kind, in log order: an attestation names the agent's latest
 * TRUST_CHANGE and ELIGIBILITY entries within the signed head (log-position.read.ts), a seek to
 * the end of each run rather than a scan of the whole log. Appends still take no lock beyond their
 * own row: a secondary index on an insert-only table.
 */
export class LogEntriesBySubject1764600000200 implements MigrationInterface {
  name = "LogEntriesBySubject1764600000200";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createIndex(
      "transparency_log_entries",
      new TableIndex({ name: "ix_transparency_log_entries_subject", columnNames: ["subject", "kind", "log_index"] }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex("transparency_log_entries", "ix_transparency_log_entries_subject");
  }
}
