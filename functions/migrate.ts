import { config } from "../lib/platform/config.js";
import { openDatabase } from "../runtime/data-source.js";

/** Invoked once per deploy: brings the database schema up to date, then disconnects. */
export async function handler(): Promise<{ applied: string[] }> {
  const dataSource = await openDatabase(config().databaseUrl, { migrate: false });
  try {
    const applied = await dataSource.runMigrations({ transaction: "each" });
    return { applied: applied.map((migration) => migration.name) };
  } finally {
    await dataSource.destroy();
  }
}
