import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

const id = (name: string, primary = false) => ({ name, type: "varchar", length: "36", isPrimary: primary });
const when = (name: string, nullable = false) => ({ name, type: "datetime", precision: 3, isNullable: nullable });

/** Jury verdicts and the human review queue, runs judged in slices, and judge failures with their reasons. */
export class Jury1764200000300 implements MigrationInterface {
  name = "Jury1764200000300";

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "jury_verdicts",
        columns: [
          id("id", true),
          id("run_id"),
          { name: "case_id", type: "varchar", length: "128" },
          id("agent_id"),
          { name: "metric", type: "varchar", length: "64" },
          { name: "clause_key", type: "varchar", length: "64" },
          { name: "method", type: "varchar", length: "16" },
          { name: "deterministic_outcome", type: "varchar", length: "16", isNullable: true },
          { name: "jury_outcome", type: "varchar", length: "16" },
          { name: "uncertain_because", type: "varchar", length: "300", isNullable: true },
          { name: "votes", type: "text" },
          { name: "majority_share", type: "double" },
          { name: "cost_usd", type: "double" },
          { name: "outcome", type: "varchar", length: "16" },
          { name: "decided_by", type: "varchar", length: "8", isNullable: true },
          { name: "reviewer", type: "varchar", length: "128", isNullable: true },
          { name: "review_note", type: "varchar", length: "1000", isNullable: true },
          when("reviewed_at", true),
          when("created_at"),
        ],
      }),
    );
    await runner.createIndex(
      "jury_verdicts",
      new TableIndex({ name: "uq_jury_run_case_metric", columnNames: ["run_id", "case_id", "metric"], isUnique: true }),
    );
    await runner.createIndex("jury_verdicts", new TableIndex({ name: "idx_jury_queue", columnNames: ["outcome", "created_at"] }));
    // Deciding a run reads the verdicts on its window's cases by agent and case id.
    await runner.createIndex(
      "jury_verdicts",
      new TableIndex({ name: "idx_jury_agent_case", columnNames: ["agent_id", "case_id", "metric"] }),
    );

    await runner.createTable(
      new Table({
        name: "judged_slices",
        columns: [id("run_id", true), { name: "slice", type: "int", isPrimary: true }, when("judged_at")],
      }),
    );

    await runner.createTable(
      new Table({
        name: "judge_failures",
        columns: [
          { name: "message_id", type: "varchar", length: "100", isPrimary: true },
          { name: "body", type: "varchar", length: "500" },
          { name: "reason", type: "varchar", length: "1000" },
          { name: "receive_count", type: "int" },
          when("first_failed_at"),
          when("last_failed_at"),
        ],
      }),
    );

    await runner.addColumns("evaluation_runs", [
      new TableColumn({ name: "slice_count", type: "int", default: 1 }),
      new TableColumn({ name: "jury_agreement", type: "double", isNullable: true }),
      new TableColumn({ name: "jury_cost_usd", type: "double", isNullable: true }),
    ]);
    await compareTextExactly(runner, "jury_verdicts", "judged_slices", "judge_failures");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumns("evaluation_runs", ["slice_count", "jury_agreement", "jury_cost_usd"]);
    for (const table of ["judge_failures", "judged_slices", "jury_verdicts"]) await runner.dropTable(table);
  }
}
