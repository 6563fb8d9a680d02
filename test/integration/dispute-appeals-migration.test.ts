import { describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import type { DisputeStateReport } from "../../lib/contracts/dispute-state.js";
import { inTransaction } from "../../lib/platform/database.js";
import { createHistoryLoader } from "../../lib/platform/history-loader.js";
import { allMigrations } from "../../runtime/data-source.js";
import { DisputeTransition } from "../../subgraphs/disputes/dispute-transition.entity.js";
import {
  ContestedKind,
  Dispute,
  DisputeCategory,
  DisputeKind,
  DisputeOutcome,
  DisputeSeverity,
  DisputeStatus,
} from "../../subgraphs/disputes/dispute.entity.js";
import { report } from "../../subgraphs/disputes/dispute.lifecycle.js";
import { DisputeAppeals1764300000400 } from "../../subgraphs/disputes/migrations/1764300000400-dispute-appeals.js";
import { FilerCredibility1764300000300 } from "../../subgraphs/reputation/migrations/1764300000300-filer-credibility.js";
import { DisputeState } from "../../subgraphs/reputation/trust-history.entity.js";
import {
  DATABASE_KINDS,
  appliedMigrations,
  columnsOf,
  indicesOf,
  insertRow,
  looselyCollatedColumns,
  migrationsBefore,
  undoThrough,
} from "../support/databases.js";
import { useScratchDatabase } from "../support/migrated-database.js";

/*
 * The filer-credibility (reputation) and dispute-appeals (disputes) migrations over data written
 * before them, on both engines: what existing rows become, what undoing each removes, and that
 * they can be redone.
 */

const AGENT = "44444444-4444-4444-8444-444444444444";
const OTHER_AGENT = "44444444-4444-4444-8444-444444444445";
const OPEN_ID = "55555555-5555-4555-8555-555555555551";
const UPHELD_ID = "55555555-5555-4555-8555-555555555552";
const REJECTED_ID = "55555555-5555-4555-8555-555555555553";
const REVERSED_ID = "55555555-5555-4555-8555-555555555554";
const LATER_ID = "55555555-5555-4555-8555-555555555555";
const APPEAL_GRANTED_ID = "66666666-6666-4666-8666-666666666661";
const APPEAL_OPEN_ID = "66666666-6666-4666-8666-666666666662";
const STEP_ID = "77777777-7777-4777-8777-777777777777";

const CREDIBILITY = FilerCredibility1764300000300.name;
const APPEALS = DisputeAppeals1764300000400.name;

/** The disputes table as the dispute-lifecycle migration left it. */
const LIFECYCLE_COLUMNS = [
  "agent_id",
  "assigned_to",
  "category",
  "closed_at",
  "escalated_at",
  "evidence",
  "filed_at",
  "filed_by",
  "id",
  "occurred_at",
  "outcome",
  "reason",
  "resolution_due_at",
  "response_due_at",
  "severity",
  "status",
  "version",
];
const APPEAL_COLUMNS = ["contested_id", "contested_kind", "kind", "respondent"];
const APPEAL_INDEXES = [
  "idx_disputes_agent_filed",
  "idx_disputes_contested",
  "idx_disputes_filed",
  "idx_disputes_filer",
  "idx_disputes_respondent",
  "idx_disputes_status_filed",
];
const EARLIER_INDEXES = ["idx_disputes_agent_status", "idx_disputes_due"];
const STATE_COLUMNS = ["agent_id", "critical_open", "dispute_id", "occurred_at", "severity", "upheld", "version"];
const EMPTY_EVIDENCE = { caseIds: [], runIds: [], kpiReportIds: [], external: [] };

/** A dispute-state row as plain values, engine differences (booleans, numbers as text) ironed out. */
async function statesOf(dataSource: DataSource, withWeight: boolean) {
  const rows: Record<string, unknown>[] = await dataSource.query(
    `SELECT dispute_id, agent_id, version, severity, critical_open, upheld${withWeight ? ", weight" : ""} FROM trust_dispute_states ORDER BY dispute_id`,
  );
  return rows.map((row) => ({
    disputeId: row.dispute_id,
    agentId: row.agent_id,
    version: Number(row.version),
    severity: row.severity,
    criticalOpen: Number(row.critical_open) === 1,
    upheld: Number(row.upheld) === 1,
    ...(withWeight ? { weight: Number(row.weight) } : {}),
  }));
}

/** A complaint row in the lifecycle schema (no kind yet), inserted with plain SQL. */
async function insertLifecycleDispute(
  dataSource: DataSource,
  row: {
    id: string;
    agentId: string;
    severity: string;
    status: string;
    outcome: string | null;
    filedBy: string;
    filedAt: string;
    assignedTo: string | null;
    closedAt: string | null;
    version: number;
  },
): Promise<void> {
  await insertRow(dataSource, "disputes", {
    id: row.id,
    agent_id: row.agentId,
    reason: `Statement of ${row.id}`,
    severity: row.severity,
    status: row.status,
    filed_by: row.filedBy,
    filed_at: row.filedAt,
    category: "PACT_BREACH",
    evidence: JSON.stringify({ ...EMPTY_EVIDENCE, caseIds: [`case-${row.id.slice(-1)}`] }),
    outcome: row.outcome,
    occurred_at: row.filedAt,
    assigned_to: row.assignedTo,
    response_due_at: row.filedAt,
    resolution_due_at: row.filedAt,
    escalated_at: null,
    closed_at: row.closedAt,
    version: row.version,
  });
  for (let version = 1; version <= row.version; version += 1) {
    await insertRow(dataSource, "dispute_transitions", {
      id: `t${version}-${row.id.slice(-12)}`,
      dispute_id: row.id,
      version,
      from_status: null,
      to_status: "OPEN",
      outcome: null,
      actor: `buyer:${row.filedBy}`,
      note: "step",
      at: row.filedAt,
    });
  }
}

async function insertState(
  dataSource: DataSource,
  disputeId: string,
  agentId: string,
  fields: { version: number; severity: string; criticalOpen: boolean; upheld: boolean },
): Promise<void> {
  await insertRow(dataSource, "trust_dispute_states", {
    dispute_id: disputeId,
    agent_id: agentId,
    version: fields.version,
    severity: fields.severity,
    critical_open: fields.criticalOpen ? 1 : 0,
    upheld: fields.upheld ? 1 : 0,
    occurred_at: "2026-11-01 10:00:00.000",
  });
}

describe.each(DATABASE_KINDS)("the filer-credibility and dispute-appeals migrations (%s)", (kind) => {
  const db = useScratchDatabase(kind);

  it("over data written before them: every dispute becomes a complaint with no contested verdict or respondent, every dispute state weighs 1, nothing else changes", async () => {
    let disputesBefore: Record<string, unknown>[] = [];
    let transitionsBefore: unknown[] = [];
    let statesBefore: Awaited<ReturnType<typeof statesOf>> = [];
    await db.createAtSchema(migrationsBefore(allMigrations, FilerCredibility1764300000300), async (old) => {
      const before = await appliedMigrations(old);
      expect(before).not.toContain(CREDIBILITY);
      expect(before).not.toContain(APPEALS);
      expect(before).toContain("DisputeLifecycle1764300000200");
      expect(await columnsOf(old, "disputes")).toEqual(LIFECYCLE_COLUMNS);
      expect(await columnsOf(old, "trust_dispute_states")).toEqual(STATE_COLUMNS);
      await insertLifecycleDispute(old, {
        id: OPEN_ID,
        agentId: AGENT,
        severity: "CRITICAL",
        status: "OPEN",
        outcome: null,
        filedBy: "carol",
        filedAt: "2026-11-01 10:00:00.000",
        assignedTo: null,
        closedAt: null,
        version: 1,
      });
      await insertLifecycleDispute(old, {
        id: UPHELD_ID,
        agentId: AGENT,
        severity: "MAJOR",
        status: "RESOLVED",
        outcome: "UPHELD",
        filedBy: "carol",
        filedAt: "2026-11-02 11:00:00.250",
        assignedTo: "ada",
        closedAt: "2026-11-05 09:00:00.000",
        version: 3,
      });
      await insertLifecycleDispute(old, {
        id: REJECTED_ID,
        agentId: OTHER_AGENT,
        severity: "MINOR",
        status: "RESOLVED",
        outcome: "REJECTED",
        filedBy: "carol",
        filedAt: "2026-11-03 12:00:00.000",
        assignedTo: "bea",
        closedAt: "2026-11-06 09:00:00.000",
        version: 3,
      });
      await insertState(old, OPEN_ID, AGENT, { version: 1, severity: "CRITICAL", criticalOpen: true, upheld: false });
      await insertState(old, UPHELD_ID, AGENT, { version: 3, severity: "MAJOR", criticalOpen: false, upheld: true });
      await insertState(old, REJECTED_ID, OTHER_AGENT, { version: 3, severity: "MINOR", criticalOpen: false, upheld: false });
      disputesBefore = await old.query("SELECT * FROM disputes ORDER BY id");
      transitionsBefore = await old.query("SELECT id, dispute_id, version, to_status, actor FROM dispute_transitions ORDER BY id");
      statesBefore = await statesOf(old, false);
    });

    const ds = await db.open();
    expect(await appliedMigrations(ds)).toEqual(expect.arrayContaining([CREDIBILITY, APPEALS]));

    // The new columns, filled as documented; every column that was there keeps its value.
    expect(await columnsOf(ds, "disputes")).toEqual([...LIFECYCLE_COLUMNS, ...APPEAL_COLUMNS].sort());
    const disputesAfter: Record<string, unknown>[] = await ds.query("SELECT * FROM disputes ORDER BY id");
    expect(
      disputesAfter.map((row) => ({
        kind: row.kind,
        contested_kind: row.contested_kind,
        contested_id: row.contested_id,
        respondent: row.respondent,
      })),
    ).toEqual(Array.from({ length: 3 }, () => ({ kind: "COMPLAINT", contested_kind: null, contested_id: null, respondent: null })));
    expect(disputesAfter.map((row) => Object.fromEntries(LIFECYCLE_COLUMNS.map((column) => [column, row[column]])))).toEqual(
      disputesBefore,
    );
    expect(await ds.query("SELECT id, dispute_id, version, to_status, actor FROM dispute_transitions ORDER BY id")).toEqual(
      transitionsBefore,
    );
    expect(await indicesOf(ds, "disputes")).toEqual(expect.arrayContaining([...EARLIER_INDEXES, ...APPEAL_INDEXES]));

    expect(await columnsOf(ds, "trust_dispute_states")).toEqual([...STATE_COLUMNS, "weight"].sort());
    expect(await statesOf(ds, true)).toEqual(statesBefore.map((state) => ({ ...state, weight: 1 })));
    const states = await ds.getRepository(DisputeState).find({ order: { disputeId: "ASC" } });
    expect(
      states.map(({ disputeId, weight, upheld, criticalOpen }) => ({
        disputeId,
        weight,
        upheld: Boolean(upheld),
        criticalOpen: Boolean(criticalOpen),
      })),
    ).toEqual([
      { disputeId: OPEN_ID, weight: 1, upheld: false, criticalOpen: true },
      { disputeId: UPHELD_ID, weight: 1, upheld: true, criticalOpen: false },
      { disputeId: REJECTED_ID, weight: 1, upheld: false, criticalOpen: false },
    ]);

    // Read through the entities: complaints, with the lifecycle's values.
    const upheld = await ds.getRepository(Dispute).findOneByOrFail({ id: UPHELD_ID });
    expect(upheld).toMatchObject({
      kind: DisputeKind.COMPLAINT,
      contestedKind: null,
      contestedId: null,
      respondent: null,
      contested: null,
      status: "RESOLVED",
      outcome: "UPHELD",
      assignedTo: "ada",
      version: 3,
      filedBy: "carol",
    });
    expect(upheld.evidence).toEqual({ ...EMPTY_EVIDENCE, caseIds: ["case-2"] });
    expect(upheld.closedAt?.toISOString()).toBe("2026-11-05T09:00:00.000Z");

    if (kind === "mysql") {
      // The new text columns compare byte for byte, like the rest of the table.
      const loose = await looselyCollatedColumns(ds, ["disputes"]);
      expect(loose).toEqual([]);
    }

    // The old complaints count in their filer's record like new ones: the kind they were given matters.
    const told: DisputeStateReport[] = [];
    const open = await ds.getRepository(Dispute).findOneByOrFail({ id: OPEN_ID });
    await inTransaction(ds, (manager) => report(manager, open, new Date(), async (_manager, state) => told.push(state)));
    expect(told).toEqual([
      expect.objectContaining({ disputeId: OPEN_ID, version: 1, open: true, upheld: false, filerRecord: { upheld: 1, rejected: 1 } }),
    ]);

    // The agent's dispute page walks the new index over the old rows.
    const page = await createHistoryLoader(ds, Dispute, { column: "filed_at", of: (d) => d.filedAt }).load({
      agentId: AGENT,
      first: 10,
      after: null,
    });
    expect(page.edges.map((edge) => edge.node.id)).toEqual([UPHELD_ID, OPEN_ID]);

    // An appeal is written and read through the entity over the migrated table.
    await inTransaction(ds, (manager) =>
      manager.insert(
        Dispute,
        Object.assign(new Dispute(), upheld, {
          id: APPEAL_GRANTED_ID,
          kind: DisputeKind.APPEAL,
          contestedKind: ContestedKind.DISPUTE,
          contestedId: UPHELD_ID,
          respondent: "carol",
          filedBy: "olga",
          status: DisputeStatus.OPEN,
          outcome: null,
          assignedTo: null,
          closedAt: null,
          version: 1,
        }),
      ),
    );
    expect((await ds.getRepository(Dispute).findOneByOrFail({ id: APPEAL_GRANTED_ID })).contested).toEqual({
      kind: "DISPUTE",
      id: UPHELD_ID,
    });
  });

  it("undoes each: appeals and their steps go, complaints stay (a reversed one REJECTED), the columns and indexes go; and both can be redone", async () => {
    const ds = await db.open();
    const at = (text: string) => new Date(text);
    const base = {
      agentId: AGENT,
      contestedKind: null,
      contestedId: null,
      respondent: null,
      category: DisputeCategory.MISSED_ESCALATION,
      statement: "Never escalated the domain admin logon",
      severity: DisputeSeverity.MAJOR,
      evidence: EMPTY_EVIDENCE,
      filedBy: "dora",
      occurredAt: at("2026-11-09T23:00:00.000Z"),
      responseDueAt: at("2026-11-13T12:00:00.000Z"),
      resolutionDueAt: at("2026-11-24T12:00:00.000Z"),
      escalatedAt: null,
    };
    const complaints: Partial<Dispute>[] = [
      {
        id: OPEN_ID,
        kind: DisputeKind.COMPLAINT,
        status: DisputeStatus.OPEN,
        outcome: null,
        assignedTo: null,
        closedAt: null,
        version: 1,
        filedAt: at("2026-11-10T12:00:00.000Z"),
      },
      {
        id: REVERSED_ID,
        kind: DisputeKind.COMPLAINT,
        status: DisputeStatus.RESOLVED,
        outcome: DisputeOutcome.REJECTED,
        assignedTo: "ada",
        closedAt: at("2026-11-12T00:00:00.000Z"),
        version: 4,
        filedAt: at("2026-11-10T12:00:01.000Z"),
      },
    ];
    const appeals: Partial<Dispute>[] = [
      {
        id: APPEAL_GRANTED_ID,
        kind: DisputeKind.APPEAL,
        contestedKind: ContestedKind.DISPUTE,
        contestedId: REVERSED_ID,
        respondent: "dora",
        filedBy: "olga",
        status: DisputeStatus.RESOLVED,
        outcome: DisputeOutcome.UPHELD,
        assignedTo: "bea",
        closedAt: at("2026-11-14T00:00:00.000Z"),
        version: 3,
        filedAt: at("2026-11-13T00:00:00.000Z"),
      },
      {
        id: APPEAL_OPEN_ID,
        kind: DisputeKind.APPEAL,
        contestedKind: ContestedKind.CONSEQUENCE,
        contestedId: STEP_ID,
        filedBy: "olga",
        status: DisputeStatus.OPEN,
        outcome: null,
        assignedTo: null,
        closedAt: null,
        version: 1,
        filedAt: at("2026-11-15T00:00:00.000Z"),
      },
    ];
    await inTransaction(ds, async (manager) => {
      for (const row of [...complaints, ...appeals]) {
        await manager.insert(Dispute, Object.assign(new Dispute(), base, row));
        for (let version = 1; version <= row.version!; version += 1) {
          await manager.insert(DisputeTransition, {
            id: `t${version}-${row.id!.slice(-12)}`,
            disputeId: row.id!,
            version,
            from: version === 1 ? null : DisputeStatus.OPEN,
            to: DisputeStatus.OPEN,
            outcome: null,
            actor: row.kind === DisputeKind.APPEAL ? "builder:olga" : "buyer:dora",
            note: version === 4 ? `reversed on appeal ${APPEAL_GRANTED_ID}: granted` : "step",
            at: row.filedAt!,
          });
        }
      }
      await manager.insert(DisputeState, [
        {
          disputeId: OPEN_ID,
          agentId: AGENT,
          version: 1,
          severity: "MAJOR",
          criticalOpen: false,
          weight: 0.5,
          upheld: false,
          occurredAt: base.occurredAt,
        },
        {
          disputeId: REVERSED_ID,
          agentId: AGENT,
          version: 4,
          severity: "MAJOR",
          criticalOpen: false,
          weight: 0.25,
          upheld: false,
          occurredAt: base.occurredAt,
        },
      ]);
    });
    const complaintTransitions = async () => (await ds.getRepository(DisputeTransition).find()).map((t) => t.id).sort();
    const allTransitionsBefore = await complaintTransitions();
    expect(allTransitionsBefore).toHaveLength(1 + 4 + 3 + 1);

    // Undo the appeals alone (the newest migration).
    await undoThrough(ds, APPEALS);
    expect(await appliedMigrations(ds)).toContain(CREDIBILITY);
    expect(await appliedMigrations(ds)).not.toContain(APPEALS);
    expect(await columnsOf(ds, "disputes")).toEqual(LIFECYCLE_COLUMNS);
    const indices = await indicesOf(ds, "disputes");
    expect(indices).toEqual(expect.arrayContaining(EARLIER_INDEXES));
    for (const index of APPEAL_INDEXES) expect(indices).not.toContain(index);
    const kept: { id: string; status: string; outcome: string | null; version: number | string; filed_by: string }[] = await ds.query(
      "SELECT id, status, outcome, version, filed_by FROM disputes ORDER BY id",
    );
    expect(kept.map((row) => [row.id, row.status, row.outcome, Number(row.version), row.filed_by])).toEqual([
      [OPEN_ID, "OPEN", null, 1, "dora"],
      [REVERSED_ID, "RESOLVED", "REJECTED", 4, "dora"],
    ]);
    const stepsLeft: { id: string; dispute_id: string }[] = await ds.query("SELECT id, dispute_id FROM dispute_transitions ORDER BY id");
    expect(new Set(stepsLeft.map((row) => row.dispute_id))).toEqual(new Set([OPEN_ID, REVERSED_ID]));
    expect(stepsLeft).toHaveLength(1 + 4);
    // Credibility is still there: the weights stand.
    expect((await statesOf(ds, true)).map((state) => [state.disputeId, state.weight])).toEqual([
      [OPEN_ID, 0.5],
      [REVERSED_ID, 0.25],
    ]);
    // The lifecycle schema takes a row without a kind.
    await insertLifecycleDispute(ds, {
      id: LATER_ID,
      agentId: AGENT,
      severity: "MINOR",
      status: "OPEN",
      outcome: null,
      filedBy: "erin",
      filedAt: "2026-11-16 06:00:00.000",
      assignedTo: null,
      closedAt: null,
      version: 1,
    });

    // Then credibility.
    await undoThrough(ds, CREDIBILITY);
    expect(await appliedMigrations(ds)).not.toContain(CREDIBILITY);
    expect(await appliedMigrations(ds)).toContain("DualScores1764300000100");
    expect(await columnsOf(ds, "trust_dispute_states")).toEqual(STATE_COLUMNS);
    expect(await indicesOf(ds, "trust_dispute_states")).toContain("idx_dispute_states_agent");
    expect(await statesOf(ds, false)).toEqual([
      { disputeId: OPEN_ID, agentId: AGENT, version: 1, severity: "MAJOR", criticalOpen: false, upheld: false },
      { disputeId: REVERSED_ID, agentId: AGENT, version: 4, severity: "MAJOR", criticalOpen: false, upheld: false },
    ]);
    await insertState(ds, LATER_ID, AGENT, { version: 1, severity: "MINOR", criticalOpen: false, upheld: false });

    // Redo both.
    await ds.runMigrations({ transaction: "each" });
    expect(await appliedMigrations(ds)).toEqual(expect.arrayContaining([CREDIBILITY, APPEALS]));
    expect(await columnsOf(ds, "disputes")).toEqual([...LIFECYCLE_COLUMNS, ...APPEAL_COLUMNS].sort());
    expect(await indicesOf(ds, "disputes")).toEqual(expect.arrayContaining([...EARLIER_INDEXES, ...APPEAL_INDEXES]));
    const redone = await ds.getRepository(Dispute).find({ order: { id: "ASC" } });
    expect(
      redone.map(({ id, kind, contestedKind, contestedId, respondent, status, outcome, version }) => ({
        id,
        kind,
        contestedKind,
        contestedId,
        respondent,
        status,
        outcome,
        version,
      })),
    ).toEqual([
      {
        id: OPEN_ID,
        kind: "COMPLAINT",
        contestedKind: null,
        contestedId: null,
        respondent: null,
        status: "OPEN",
        outcome: null,
        version: 1,
      },
      {
        id: REVERSED_ID,
        kind: "COMPLAINT",
        contestedKind: null,
        contestedId: null,
        respondent: null,
        status: "RESOLVED",
        outcome: "REJECTED",
        version: 4,
      },
      {
        id: LATER_ID,
        kind: "COMPLAINT",
        contestedKind: null,
        contestedId: null,
        respondent: null,
        status: "OPEN",
        outcome: null,
        version: 1,
      },
    ]);
    // States stored while credibility was undone weigh fully.
    expect((await statesOf(ds, true)).map((state) => [state.disputeId, state.weight])).toEqual([
      [OPEN_ID, 1],
      [REVERSED_ID, 1],
      [LATER_ID, 1],
    ]);

    // Appeals can be filed again.
    await inTransaction(ds, (manager) => manager.insert(Dispute, Object.assign(new Dispute(), base, appeals[1])));
    expect(await ds.getRepository(Dispute).findOneByOrFail({ id: APPEAL_OPEN_ID })).toMatchObject({
      kind: "APPEAL",
      contestedKind: "CONSEQUENCE",
      contestedId: STEP_ID,
    });
    expect(await ds.getRepository(Dispute).countBy({ kind: DisputeKind.APPEAL })).toBe(1);
  });
});
