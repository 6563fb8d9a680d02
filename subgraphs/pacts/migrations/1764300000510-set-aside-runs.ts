import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * A run's status can be SET_ASIDE (a granted appeal; the varchar column takes the value as it is,
 * so there is nothing to add). Undone, the earlier code knows no such status: a set-aside run
 * stays out of every score and window as a run whose judging failed.
 */
export class SetAsideRuns1764300000510 implements MigrationInterface {
  name = "SetAsideRuns1764300000510";

  async up(): Promise<void> {}

  async down(runner: QueryRunner): Promise<void> {
    await runner.query("UPDATE evaluation_runs SET status = 'FAILED', failure_reason = 'set aside on appeal' WHERE status = 'SET_ASIDE'");
  }
}
