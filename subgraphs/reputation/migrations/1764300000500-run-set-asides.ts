import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * A judged run's evidence can be set aside by a granted appeal (its run's status becomes
 * SET_ASIDE, a value the pacts context's varchar column takes as it is); the index walks an
 * agent's runs newest first (the run before a set-aside one, the fold of all of them).
 */
export class RunSetAsides1764300000500 implements MigrationInterface {
  name = "RunSetAsides1764300000500";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn("trust_evaluation_evidence", new TableColumn({ name: "set_aside_at", type: "datetime", precision: 3, isNullable: true }));
    await runner.createIndex("trust_evaluation_evidence", new TableIndex({ name: "idx_evidence_agent_submitted", columnNames: ["agent_id", "submitted_at", "run_id"] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    // The earlier schema knows no set-aside run. Such a run stays out of every score and window
    // as a run whose judging failed, and its evidence goes, so no fold counts it again.
    await runner.query("UPDATE evaluation_runs SET status = 'FAILED', failure_reason = 'set aside on appeal' WHERE status = 'SET_ASIDE'");
    await runner.query("DELETE FROM trust_evaluation_evidence WHERE set_aside_at IS NOT NULL");
    // Appeals of run verdicts came with set-asides: they go, with their transitions.
    await runner.query("DELETE FROM dispute_transitions WHERE dispute_id IN (SELECT id FROM disputes WHERE contested_kind = 'RUN')");
    await runner.query("DELETE FROM disputes WHERE contested_kind = 'RUN'");
    await runner.dropIndex("trust_evaluation_evidence", "idx_evidence_agent_submitted");
    await runner.dropColumn("trust_evaluation_evidence", "set_aside_at");
  }
}
