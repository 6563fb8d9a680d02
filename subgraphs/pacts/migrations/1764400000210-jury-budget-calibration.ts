import { Table, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/**
 * A spend row per builder and period: what the jury's model calls have reserved and spent against
 * the cap; and a calibration row per juror and metric: its agreement with human reviewers.
 */
export class JuryBudgetCalibration1764400000210 implements MigrationInterface {
  name = "JuryBudgetCalibration1764400000210";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "jury_spend",
        columns: [
          { name: "builder", type: "varchar", length: "128", isPrimary: true },
          { name: "period", type: "varchar", length: "7", isPrimary: true },
          { name: "reserved_micros", type: "bigint", default: 0 },
          { name: "spent_micros", type: "bigint", default: 0 },
          { name: "calls", type: "int", default: 0 },
          { name: "refused", type: "int", default: 0 },
        ],
      }),
    );
    await runner.createTable(
      new Table({
        name: "juror_calibrations",
        columns: [
          { name: "juror", type: "varchar", length: "200", isPrimary: true },
          { name: "metric", type: "varchar", length: "40", isPrimary: true },
          { name: "pass_pass", type: "int", default: 0 },
          { name: "pass_fail", type: "int", default: 0 },
          { name: "fail_pass", type: "int", default: 0 },
          { name: "fail_fail", type: "int", default: 0 },
          { name: "recent_agreed", type: "double", default: 0 },
          { name: "recent_total", type: "double", default: 0 },
        ],
      }),
    );
    await compareTextExactly(runner, "jury_spend", "juror_calibrations");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("juror_calibrations");
    await runner.dropTable("jury_spend");
  }
}
