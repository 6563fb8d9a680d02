import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Appeals may contest a run's verdict (contested kind RUN, a value the varchar column takes as it
 * is). Undone, the earlier code cannot hear them: they go, with their transitions.
 */
export class RunAppeals1764300000520 implements MigrationInterface {
  name = "RunAppeals1764300000520";

  async up(): Promise<void> {}

  async down(runner: QueryRunner): Promise<void> {
    await runner.query("DELETE FROM dispute_transitions WHERE dispute_id IN (SELECT id FROM disputes WHERE contested_kind = 'RUN')");
    await runner.query("DELETE FROM disputes WHERE contested_kind = 'RUN'");
  }
}
