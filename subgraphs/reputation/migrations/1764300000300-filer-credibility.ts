import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Dispute states carry their filer's credibility, which scales what an upheld dispute weighs.
 * States stored before weighed fully: they keep weight 1 until their dispute moves again.
 */
export class FilerCredibility1764300000300 implements MigrationInterface {
  name = "FilerCredibility1764300000300";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn("trust_dispute_states", new TableColumn({ name: "weight", type: "double", default: 1 }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn("trust_dispute_states", "weight");
  }
}
