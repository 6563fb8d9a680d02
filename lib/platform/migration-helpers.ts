import type { QueryRunner } from "typeorm";

const isMysql = (runner: QueryRunner) => runner.connection.driver.options.type === "mysql";

/**
 * MySQL compares text with the server's collation, case- and accent-insensitive by default, where
 * SQLite compares bytes: subject "Bob" would own "bob"'s agents on one engine and not the other.
 * Our tables use utf8mb4_bin so ids, subjects and keys compare exactly on both.
 */
export async function compareTextExactly(runner: QueryRunner, ...tables: string[]): Promise<void> {
  if (!isMysql(runner)) return;
  for (const table of tables) await runner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
}

/** A column type for text that may exceed MySQL's 64 KiB TEXT: MEDIUMTEXT there, TEXT (unbounded) on SQLite. */
export function largeText(runner: QueryRunner): string {
  return isMysql(runner) ? "mediumtext" : "text";
}
