import { Table, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/** A lock row per agent and workflow, taken by judges and by appeals that set a run aside. Filled as they come. */
export class RunWindows1764300000600 implements MigrationInterface {
  name = "RunWindows1764300000600";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "run_windows",
        columns: [
          { name: "agent_id", type: "varchar", length: "36", isPrimary: true },
          { name: "workflow", type: "varchar", length: "40", isPrimary: true },
        ],
      }),
    );
    await compareTextExactly(runner, "run_windows");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("run_windows");
  }
}
