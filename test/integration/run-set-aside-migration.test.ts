import { describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { RunSetAsides1764300000500 } from "../../subgraphs/reputation/migrations/1764300000500-run-set-asides.js";
import { DATABASE_KINDS, appliedMigrations, columnsOf, insertRow, undoThrough } from "../support/databases.js";
import { useScratchDatabase } from "../support/migrated-database.js";

const AGENT = "66666666-6666-4666-8666-666666666666";
const KEPT = "77777777-7777-4777-8777-777777777771";
const SET_ASIDE = "77777777-7777-4777-8777-777777777772";
const APPEAL = "88888888-8888-4888-8888-888888888881";
const COMPLAINT = "88888888-8888-4888-8888-888888888882";

/** A judged run and its evidence, written as the stores hold them. */
async function judgedRun(dataSource: DataSource, id: string, status: string, setAsideAt: string | null): Promise<void> {
  await insertRow(dataSource, "evaluation_runs", {
    id,
    agent_id: AGENT,
    pact_id: "pact-1",
    pact_version: 1,
    workflow: "ALERT_TRIAGE",
    status,
    case_count: 40,
    submitted_by: "rita",
    submitted_at: "2026-11-20 10:00:00.000",
    enqueued_at: "2026-11-20 10:00:00.000",
    completed_at: "2026-11-20 10:01:00.000",
  });
  await insertRow(dataSource, "trust_evaluation_evidence", {
    run_id: id,
    agent_id: AGENT,
    pact_id: "pact-1",
    pact_version: 1,
    cases_passed: 30,
    cases_failed: 10,
    run_passed: 0,
    failed_critical: "[]",
    submitted_at: "2026-11-20 10:00:00.000",
    judged_at: "2026-11-20 10:01:00.000",
    set_aside_at: setAsideAt,
  });
}

describe.each(DATABASE_KINDS)("the run set-aside migration (%s)", (kind) => {
  const db = useScratchDatabase(kind);

  it("undoes itself without letting a set-aside run count again: the run reads as failed judging, its evidence and its appeal go; redone, it takes set-asides again", async () => {
    const dataSource = await db.open();
    await judgedRun(dataSource, KEPT, "COMPLETED", null);
    await judgedRun(dataSource, SET_ASIDE, "SET_ASIDE", "2026-11-25 12:00:00.000");
    // The appeal that set it aside, and a complaint beside it.
    for (const [id, kind, contestedKind] of [
      [APPEAL, "APPEAL", "RUN"],
      [COMPLAINT, "COMPLAINT", null],
    ] as const) {
      await insertRow(dataSource, "disputes", {
        id,
        agent_id: AGENT,
        reason: "The review was wrong on case 3",
        severity: "MAJOR",
        status: "RESOLVED",
        filed_by: "rita",
        filed_at: "2026-11-24 09:00:00.000",
        kind,
        contested_kind: contestedKind,
        contested_id: contestedKind ? SET_ASIDE : null,
      });
      await insertRow(dataSource, "dispute_transitions", {
        id: `t-${id.slice(-4)}`,
        dispute_id: id,
        version: 1,
        from_status: null,
        to_status: "OPEN",
        actor: "builder:rita",
        note: "filed",
        at: "2026-11-24 09:00:00.000",
      });
    }

    await undoThrough(dataSource, RunSetAsides1764300000500.name);
    expect(await appliedMigrations(dataSource)).not.toContain(RunSetAsides1764300000500.name);
    const runs: { id: string; status: string; failure_reason: string | null }[] = await dataSource.query(
      "SELECT id, status, failure_reason FROM evaluation_runs ORDER BY id",
    );
    expect(runs.map((run) => [run.id, run.status, run.failure_reason])).toEqual([
      [KEPT, "COMPLETED", null],
      [SET_ASIDE, "FAILED", "set aside on appeal"],
    ]);
    const evidence: { run_id: string }[] = await dataSource.query("SELECT run_id FROM trust_evaluation_evidence");
    expect(evidence.map((row) => row.run_id)).toEqual([KEPT]);
    expect(await columnsOf(dataSource, "trust_evaluation_evidence")).not.toContain("set_aside_at");
    // Appeals of runs came with set-asides and go with them; complaints stay.
    expect((await dataSource.query("SELECT id FROM disputes")).map((row: { id: string }) => row.id)).toEqual([COMPLAINT]);
    expect(
      (await dataSource.query("SELECT dispute_id FROM dispute_transitions")).map((row: { dispute_id: string }) => row.dispute_id),
    ).toEqual([COMPLAINT]);

    await dataSource.runMigrations({ transaction: "each" });
    expect(await columnsOf(dataSource, "trust_evaluation_evidence")).toContain("set_aside_at");
    await dataSource.query("UPDATE trust_evaluation_evidence SET set_aside_at = '2026-11-26 08:00:00.000' WHERE run_id = ?", [KEPT]);
    const [kept] = await dataSource.query("SELECT set_aside_at FROM trust_evaluation_evidence WHERE run_id = ?", [KEPT]);
    expect(kept.set_aside_at).not.toBeNull();
  });
});
