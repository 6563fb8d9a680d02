import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

const column = (name: string, type: string, extra: Partial<TableColumn> = {}) => new TableColumn({ name, type, ...extra });
const when = (name: string, isNullable = false) => ({ name, type: "datetime", precision: 3, isNullable });
const id = (name = "id", length = "36") => ({ name, type: "varchar", length, isPrimary: true });
const text = (name: string, length: string) => ({ name, type: "varchar", length });

/** The tier ranks of the day: UNRATED 0 … PLATINUM 4. */
const TIER_RANKS: Record<string, number> = { UNRATED: 0, BRONZE: 1, SILVER: 2, GOLD: 3, PLATINUM: 4 };
const SEARCH_INDEXES: [string, string[]][] = [
  ["idx_trust_rank", ["eligible", "composite_score", "agent_id", "tier_rank", "reputation_score"]],
  ["idx_trust_reputation", ["eligible", "reputation_score", "agent_id", "tier_rank", "composite_score"]],
  ["idx_trust_composite_all", ["composite_score", "agent_id", "tier_rank", "reputation_score"]],
  ["idx_trust_reputation_all", ["reputation_score", "agent_id", "tier_rank", "composite_score"]],
];
/** Breaches kept per profile: the default ladder's largest count, that of DELIST, as of this migration. */
const LEGACY_BREACHES = 8;
/** SQLite hands back UTC text without a zone, which Date would read as local time. */
const millis = (at: Date | string) => (at instanceof Date ? at.getTime() : new Date(`${at.replace(" ", "T")}Z`).getTime());
/** Evidence recorded before clauses were kept counts as one metric of weight 1 under this name. */
const LEGACY_METRIC = "RUN_CASES";

/**
 * Dual scores: a reputation score beside the composite one, decayed running aggregates, the
 * consequence standing, and the histories and escalations the listing policy writes. Existing
 * profiles keep their cases as undecayed legacy aggregates as of their latest run, so their
 * composite scores do not move until new evidence arrives (an arbiter's recompute decays them).
 */
export class DualScores1764300000100 implements MigrationInterface {
  name = "DualScores1764300000100";

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumns("trust_profiles", [
      column("reputation_score", "int", { default: 500 }),
      column("reputation_confidence", "double", { default: 0 }),
      column("tier_rank", "int", { default: 0 }),
      column("consequence", "varchar", { length: "24", isNullable: true }),
      column("consequence_since", "datetime", { precision: 3, isNullable: true }),
      column("ladder_reset_at", "datetime", { precision: 3, isNullable: true }),
      column("recent_breaches", "text", { isNullable: true }),
      column("unlisted_at", "datetime", { precision: 3, isNullable: true }),
      column("drift_raised_at", "datetime", { precision: 3, isNullable: true }),
      column("drift_alarm", "boolean", { default: false }),
      column("kpi_drift_alarm", "boolean", { default: false }),
      column("open_critical_disputes", "int", { default: 0 }),
      column("passing_streak", "int", { default: 0 }),
      column("scoring_state", "text", { isNullable: true }),
      column("evaluation_drift", "text", { isNullable: true }),
      column("consequence_terms", "text", { isNullable: true }),
    ]);
    const profiles: {
      agent_id: string;
      tier: string;
      cases_passed: number;
      cases_failed: number;
      last_run_submitted_at: Date | string | null;
      updated_at: Date | string | null;
    }[] = await runner.query("SELECT agent_id, tier, cases_passed, cases_failed, last_run_submitted_at, updated_at FROM trust_profiles");
    for (const profile of profiles) {
      const seen = profile.last_run_submitted_at ?? profile.updated_at;
      const asOf = seen === null ? 0 : millis(seen);
      const breaches: { submitted_at: Date | string }[] = await runner.query(
        `SELECT submitted_at FROM trust_evaluation_evidence WHERE agent_id = ? AND run_passed = 0 ORDER BY submitted_at DESC LIMIT ${LEGACY_BREACHES}`,
        [profile.agent_id],
      );
      const [passed, failed] = [Number(profile.cases_passed), Number(profile.cases_failed)];
      const metrics = passed + failed > 0 ? { [LEGACY_METRIC]: { passed, failed, weightMass: passed + failed } } : {};
      await runner.query(
        "UPDATE trust_profiles SET tier_rank = ?, scoring_state = ?, evaluation_drift = ?, recent_breaches = ? WHERE agent_id = ?",
        [
          TIER_RANKS[profile.tier] ?? 0,
          JSON.stringify({ asOf, metrics, good: 0, bad: 0 }),
          JSON.stringify({ runs: 0, baselineSum: 0, statistic: 0, alarm: false }),
          JSON.stringify(breaches.map((breach) => millis(breach.submitted_at))),
          profile.agent_id,
        ],
      );
    }
    // Search walks either score down an index, listed agents only or all of them. The tier and the
    // other score ride at the end so their filters are checked in the index: without them MariaDB
    // reads every listed agent above a deep cursor instead.
    await runner.dropIndex("trust_profiles", "idx_trust_rank");
    for (const [name, columns] of SEARCH_INDEXES)
      await runner.createIndex("trust_profiles", new TableIndex({ name, columnNames: columns }));
    // The decay sweep finds the profiles longest without a change.
    await runner.createIndex("trust_profiles", new TableIndex({ name: "idx_trust_updated", columnNames: ["updated_at"] }));

    await runner.addColumn("trust_evaluation_evidence", column("clauses", "text", { isNullable: true }));
    await runner.addColumn("kpi_reports", column("human_overrides", "int", { default: 0 }));

    await runner.createTable(
      new Table({
        name: "trust_dispute_states",
        columns: [
          id("dispute_id"),
          text("agent_id", "36"),
          { name: "version", type: "int" },
          text("severity", "16"),
          { name: "critical_open", type: "boolean" },
          { name: "upheld", type: "boolean" },
          when("occurred_at"),
        ],
        indices: [{ name: "idx_dispute_states_agent", columnNames: ["agent_id"] }],
      }),
    );
    const scores = [
      { name: "composite_score", type: "int" },
      { name: "composite_confidence", type: "double" },
      { name: "reputation_score", type: "int" },
      { name: "reputation_confidence", type: "double" },
    ];
    const cause = [text("cause", "24"), text("cause_id", "128")];
    await runner.createTable(
      new Table({
        name: "trust_score_history",
        columns: [id(), text("agent_id", "36"), ...scores, ...cause, when("recorded_at")],
        // The score ends the index, so the ladder reads "the score n days ago" from the index alone.
        indices: [{ name: "idx_score_history_agent", columnNames: ["agent_id", "recorded_at", "id", "composite_score"] }],
      }),
    );
    await runner.createTable(
      new Table({
        name: "trust_eligibility_history",
        columns: [
          id(),
          text("agent_id", "36"),
          { name: "eligible", type: "boolean" },
          text("tier", "16"),
          { name: "consequence", type: "varchar", length: "24", isNullable: true },
          { name: "reasons", type: "text" },
          text("policy_version", "40"),
          ...cause,
          when("decided_at"),
        ],
        indices: [{ name: "idx_eligibility_history_agent", columnNames: ["agent_id", "decided_at", "id"] }],
      }),
    );
    await runner.createTable(
      new Table({
        name: "trust_escalations",
        columns: [
          id(),
          text("agent_id", "36"),
          { name: "pact_id", type: "varchar", length: "36", isNullable: true },
          { name: "action", type: "varchar", length: "24", isNullable: true },
          text("direction", "8"),
          { name: "notify", type: "text" },
          text("owner_team", "120"),
          text("owner_contact", "200"),
          text("reason", "500"),
          ...cause,
          when("created_at"),
          when("ack_due_at", true),
          when("acknowledged_at", true),
        ],
        indices: [{ name: "idx_escalations_agent", columnNames: ["agent_id", "created_at", "id"] }],
      }),
    );
    await compareTextExactly(runner, "trust_dispute_states", "trust_score_history", "trust_eligibility_history", "trust_escalations");
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ["trust_escalations", "trust_eligibility_history", "trust_score_history", "trust_dispute_states"])
      await runner.dropTable(table);
    await runner.dropColumn("kpi_reports", "human_overrides");
    await runner.dropColumn("trust_evaluation_evidence", "clauses");
    await runner.dropIndex("trust_profiles", "idx_trust_updated");
    for (const [name] of SEARCH_INDEXES) await runner.dropIndex("trust_profiles", name);
    await runner.createIndex(
      "trust_profiles",
      new TableIndex({ name: "idx_trust_rank", columnNames: ["eligible", "composite_score", "agent_id"] }),
    );
    await runner.dropColumns("trust_profiles", [
      "reputation_score",
      "reputation_confidence",
      "tier_rank",
      "consequence",
      "consequence_since",
      "ladder_reset_at",
      "recent_breaches",
      "unlisted_at",
      "drift_raised_at",
      "drift_alarm",
      "kpi_drift_alarm",
      "open_critical_disputes",
      "passing_streak",
      "scoring_state",
      "evaluation_drift",
      "consequence_terms",
    ]);
  }
}
