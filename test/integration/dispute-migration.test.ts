import { describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { inTransaction } from "../../lib/platform/database.js";
import { allMigrations } from "../../runtime/data-source.js";
import { DisputeTransition } from "../../subgraphs/disputes/dispute-transition.entity.js";
import {
  Dispute,
  DisputeCategory,
  DisputeKind,
  DisputeOutcome,
  DisputeSeverity,
  DisputeStatus,
} from "../../subgraphs/disputes/dispute.entity.js";
import { createOpenDisputeCountLoader } from "../../subgraphs/disputes/dispute.loader.js";
import { DisputeLifecycle1764300000200 } from "../../subgraphs/disputes/migrations/1764300000200-dispute-lifecycle.js";
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

const AGENT = "44444444-4444-4444-8444-444444444444";
const OPEN_ID = "55555555-5555-4555-8555-555555555551";
const RESOLVED_ID = "55555555-5555-4555-8555-555555555552";
const REVIEWED_ID = "55555555-5555-4555-8555-555555555553";
const WITHDRAWN_ID = "55555555-5555-4555-8555-555555555554";

const MIGRATION = "DisputeLifecycle1764300000200";
const beforeLifecycle = migrationsBefore(allMigrations, DisputeLifecycle1764300000200);

const OLD_COLUMNS = ["agent_id", "filed_at", "filed_by", "id", "reason", "severity", "status"];
const NEW_COLUMNS = [
  "assigned_to",
  "category",
  "closed_at",
  "escalated_at",
  "evidence",
  "occurred_at",
  "outcome",
  "resolution_due_at",
  "response_due_at",
  "version",
];
/** What later migrations add: redoing runs them too. */
const LATER_COLUMNS = ["contested_id", "contested_kind", "kind", "respondent"];
const EMPTY_EVIDENCE = { caseIds: [], runIds: [], kpiReportIds: [], external: [] };

/** A dispute as the skeleton's schema held it: a reason, no category, outcome or deadlines. */
const insertOldDispute = (
  dataSource: DataSource,
  dispute: { id: string; reason: string; severity: string; status: string; filedBy: string; filedAt: string },
) =>
  insertRow(dataSource, "disputes", {
    id: dispute.id,
    agent_id: AGENT,
    reason: dispute.reason,
    severity: dispute.severity,
    status: dispute.status,
    filed_by: dispute.filedBy,
    filed_at: dispute.filedAt,
  });

/** Disputes as the skeleton's schema held them: one still open, one resolved (no outcome then). */
async function writeOldDisputes(dataSource: DataSource): Promise<void> {
  await insertOldDispute(dataSource, {
    id: OPEN_ID,
    reason: "Closed a live ransomware incident as benign",
    severity: "CRITICAL",
    status: "OPEN",
    filedBy: "bob",
    filedAt: "2026-11-01 10:00:00.000",
  });
  await insertOldDispute(dataSource, {
    id: RESOLVED_ID,
    reason: "Paged the on-call for a test alert",
    severity: "MINOR",
    status: "RESOLVED",
    filedBy: "carol",
    filedAt: "2026-10-20 08:30:15.250",
  });
}

describe.each(DATABASE_KINDS)("the dispute-lifecycle migration over older disputes (%s)", (kind) => {
  const db = useScratchDatabase(kind);

  it("keeps every dispute and fills the new fields: category OTHER, no evidence, deadlines from the filing, closed when resolved, and a filing transition by the filer", async () => {
    await db.createAtSchema(beforeLifecycle, async (old) => {
      expect(await appliedMigrations(old)).not.toContain(MIGRATION);
      expect(await columnsOf(old, "disputes")).toEqual(OLD_COLUMNS);
      await writeOldDisputes(old);
    });

    const ds = await db.open();
    expect(await appliedMigrations(ds)).toContain(MIGRATION);

    const open = await ds.getRepository(Dispute).findOneByOrFail({ id: OPEN_ID });
    expect(open).toMatchObject({
      agentId: AGENT,
      category: DisputeCategory.OTHER,
      statement: "Closed a live ransomware incident as benign",
      severity: DisputeSeverity.CRITICAL,
      evidence: EMPTY_EVIDENCE,
      status: DisputeStatus.OPEN,
      outcome: null,
      filedBy: "bob",
      assignedTo: null,
      escalatedAt: null,
      closedAt: null,
      version: 1,
    });
    expect(open.filedAt.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    expect(open.occurredAt.toISOString()).toBe("2026-11-01T10:00:00.000Z");
    // 72 hours and 14 days after the filing.
    expect(open.responseDueAt.toISOString()).toBe("2026-11-04T10:00:00.000Z");
    expect(open.resolutionDueAt.toISOString()).toBe("2026-11-15T10:00:00.000Z");

    const resolved = await ds.getRepository(Dispute).findOneByOrFail({ id: RESOLVED_ID });
    expect(resolved).toMatchObject({
      category: DisputeCategory.OTHER,
      evidence: EMPTY_EVIDENCE,
      status: DisputeStatus.RESOLVED,
      outcome: null,
      filedBy: "carol",
      assignedTo: null,
      escalatedAt: null,
      version: 1,
    });
    expect(resolved.filedAt.toISOString()).toBe("2026-10-20T08:30:15.250Z");
    expect(resolved.occurredAt.toISOString()).toBe("2026-10-20T08:30:15.250Z");
    expect(resolved.responseDueAt.toISOString()).toBe("2026-10-23T08:30:15.250Z");
    expect(resolved.resolutionDueAt.toISOString()).toBe("2026-11-03T08:30:15.250Z");
    expect(resolved.closedAt?.toISOString()).toBe("2026-10-20T08:30:15.250Z");

    const transitions = await ds.getRepository(DisputeTransition).find({ order: { disputeId: "ASC" } });
    expect(
      transitions.map(({ disputeId, from, to, outcome, actor, note, at }) => ({
        disputeId,
        from,
        to,
        outcome,
        actor,
        note,
        at: at.toISOString(),
      })),
    ).toEqual([
      {
        disputeId: OPEN_ID,
        from: null,
        to: DisputeStatus.OPEN,
        outcome: null,
        actor: "buyer:bob",
        note: "filed",
        at: "2026-11-01T10:00:00.000Z",
      },
      {
        disputeId: RESOLVED_ID,
        from: null,
        to: DisputeStatus.OPEN,
        outcome: null,
        actor: "buyer:carol",
        note: "filed",
        at: "2026-10-20T08:30:15.250Z",
      },
    ]);
    expect(new Set(transitions.map((t) => t.id)).size).toBe(2);
    // The table whose rows filings lock, so the open-dispute cap holds under concurrency.
    expect(await columnsOf(ds, "dispute_filers")).toEqual(["agent_id", "filed_by"]);

    // The old open dispute still counts as open; the resolved one does not.
    expect(await createOpenDisputeCountLoader(ds).load(AGENT)).toBe(1);
    expect(await indicesOf(ds, "disputes")).toEqual(expect.arrayContaining(["idx_disputes_agent_status", "idx_disputes_due"]));

    if (kind === "mysql") {
      // Ids, subjects and statuses compare byte for byte: no text column may have lost the collation.
      const loose = await looselyCollatedColumns(ds, ["disputes", "dispute_transitions", "dispute_filers"]);
      expect(loose).toEqual([]);
    }

    // A new dispute is written and read through the entities over the migrated table.
    await inTransaction(ds, (manager) =>
      manager.insert(
        Dispute,
        Object.assign(new Dispute(), {
          ...open,
          id: "55555555-5555-4555-8555-555555555559",
          category: DisputeCategory.PACT_BREACH,
          evidence: { ...EMPTY_EVIDENCE, caseIds: ["c-1"] },
          version: 1,
        }),
      ),
    );
    expect((await ds.getRepository(Dispute).findOneByOrFail({ id: "55555555-5555-4555-8555-555555555559" })).evidence.caseIds).toEqual([
      "c-1",
    ]);
  });

  it("undoes itself: UNDER_REVIEW goes back to OPEN, WITHDRAWN to RESOLVED, the new columns and the transitions go; and it can be redone", async () => {
    const ds = await db.open();
    const base = {
      agentId: AGENT,
      kind: DisputeKind.COMPLAINT,
      category: DisputeCategory.MISSED_ESCALATION,
      statement: "Never escalated the domain admin logon",
      severity: DisputeSeverity.MAJOR,
      evidence: { caseIds: ["case-1"], runIds: [], kpiReportIds: [], external: [{ url: "https://e.example/x", sha256: "a".repeat(64) }] },
      filedBy: "dora",
      occurredAt: new Date("2026-11-09T23:00:00.000Z"),
      responseDueAt: new Date("2026-11-13T12:00:00.000Z"),
      resolutionDueAt: new Date("2026-11-24T12:00:00.000Z"),
      escalatedAt: null,
    };
    const rows: Partial<Dispute>[] = [
      {
        id: OPEN_ID,
        status: DisputeStatus.OPEN,
        outcome: null,
        assignedTo: null,
        closedAt: null,
        version: 1,
        filedAt: new Date("2026-11-10T12:00:00.000Z"),
      },
      {
        id: REVIEWED_ID,
        status: DisputeStatus.UNDER_REVIEW,
        outcome: null,
        assignedTo: "ada",
        closedAt: null,
        version: 2,
        filedAt: new Date("2026-11-10T12:00:01.500Z"),
        escalatedAt: new Date("2026-11-25T00:00:00.000Z"),
      },
      {
        id: RESOLVED_ID,
        status: DisputeStatus.RESOLVED,
        outcome: DisputeOutcome.UPHELD,
        assignedTo: "ada",
        closedAt: new Date("2026-11-20T00:00:00.000Z"),
        version: 3,
        filedAt: new Date("2026-11-10T12:00:02.000Z"),
      },
      {
        id: WITHDRAWN_ID,
        status: DisputeStatus.WITHDRAWN,
        outcome: null,
        assignedTo: null,
        closedAt: new Date("2026-11-11T00:00:00.000Z"),
        version: 2,
        filedAt: new Date("2026-11-10T12:00:03.000Z"),
      },
    ];
    await inTransaction(ds, async (manager) => {
      for (const row of rows) {
        await manager.insert(Dispute, Object.assign(new Dispute(), base, row));
        await manager.insert(DisputeTransition, {
          id: `t-${row.id!.slice(-4)}`,
          disputeId: row.id!,
          version: 1,
          from: null,
          to: DisputeStatus.OPEN,
          outcome: null,
          actor: "buyer:dora",
          note: "filed",
          at: row.filedAt!,
        });
        if (row.status !== DisputeStatus.OPEN) {
          await manager.insert(DisputeTransition, {
            id: `u-${row.id!.slice(-4)}`,
            disputeId: row.id!,
            version: 2,
            from: DisputeStatus.OPEN,
            to: row.status!,
            outcome: row.outcome ?? null,
            actor: "arbiter:ada",
            note: "moved on",
            at: new Date(row.filedAt!.getTime() + 60_000),
          });
        }
      }
    });

    // Later migrations go first, newest first, down to this one.
    await undoThrough(ds, MIGRATION);

    const old: { id: string; status: string; reason: string; severity: string; filed_by: string }[] = await ds.query(
      "SELECT id, status, reason, severity, filed_by FROM disputes ORDER BY id",
    );
    expect(old.map((r) => [r.id, r.status, r.reason, r.severity, r.filed_by])).toEqual(
      [
        [RESOLVED_ID, "RESOLVED", base.statement, "MAJOR", "dora"],
        [OPEN_ID, "OPEN", base.statement, "MAJOR", "dora"],
        [REVIEWED_ID, "OPEN", base.statement, "MAJOR", "dora"],
        [WITHDRAWN_ID, "RESOLVED", base.statement, "MAJOR", "dora"],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect(await columnsOf(ds, "disputes")).toEqual(OLD_COLUMNS);
    expect(await columnsOf(ds, "dispute_transitions")).toBeNull();
    expect(await columnsOf(ds, "dispute_filers")).toBeNull();
    const indices = await indicesOf(ds, "disputes");
    expect(indices).toContain("idx_disputes_agent_status");
    expect(indices).not.toContain("idx_disputes_due");
    // The old schema takes an old-style row again.
    await insertOldDispute(ds, {
      id: "55555555-5555-4555-8555-555555555555",
      reason: "Old style once more",
      severity: "MINOR",
      status: "OPEN",
      filedBy: "erin",
      filedAt: "2026-11-12 06:00:00.000",
    });

    await ds.runMigrations({ transaction: "each" });
    expect(await appliedMigrations(ds)).toContain(MIGRATION);
    expect((await columnsOf(ds, "disputes"))!).toEqual([...OLD_COLUMNS, ...NEW_COLUMNS, ...LATER_COLUMNS].sort());
    expect(await columnsOf(ds, "dispute_filers")).toEqual(["agent_id", "filed_by"]);

    const redone = await ds.getRepository(Dispute).find({ order: { filedAt: "ASC" } });
    expect(
      redone.map((d) => ({
        id: d.id,
        status: d.status,
        category: d.category,
        outcome: d.outcome,
        assignedTo: d.assignedTo,
        escalatedAt: d.escalatedAt,
        version: d.version,
        evidence: d.evidence,
      })),
    ).toEqual([
      {
        id: OPEN_ID,
        status: "OPEN",
        category: "OTHER",
        outcome: null,
        assignedTo: null,
        escalatedAt: null,
        version: 1,
        evidence: EMPTY_EVIDENCE,
      },
      {
        id: REVIEWED_ID,
        status: "OPEN",
        category: "OTHER",
        outcome: null,
        assignedTo: null,
        escalatedAt: null,
        version: 1,
        evidence: EMPTY_EVIDENCE,
      },
      {
        id: RESOLVED_ID,
        status: "RESOLVED",
        category: "OTHER",
        outcome: null,
        assignedTo: null,
        escalatedAt: null,
        version: 1,
        evidence: EMPTY_EVIDENCE,
      },
      {
        id: WITHDRAWN_ID,
        status: "RESOLVED",
        category: "OTHER",
        outcome: null,
        assignedTo: null,
        escalatedAt: null,
        version: 1,
        evidence: EMPTY_EVIDENCE,
      },
      {
        id: "55555555-5555-4555-8555-555555555555",
        status: "OPEN",
        category: "OTHER",
        outcome: null,
        assignedTo: null,
        escalatedAt: null,
        version: 1,
        evidence: EMPTY_EVIDENCE,
      },
    ]);
    const withdrawnAgain = redone.find((d) => d.id === WITHDRAWN_ID)!;
    expect(withdrawnAgain.closedAt?.toISOString()).toBe("2026-11-10T12:00:03.000Z");
    const reviewedAgain = redone.find((d) => d.id === REVIEWED_ID)!;
    expect(reviewedAgain.closedAt).toBeNull();
    expect(reviewedAgain.responseDueAt.toISOString()).toBe("2026-11-13T12:00:01.500Z");
    expect(reviewedAgain.resolutionDueAt.toISOString()).toBe("2026-11-24T12:00:01.500Z");
    const erin = redone.find((d) => d.filedBy === "erin")!;
    expect(erin.responseDueAt.toISOString()).toBe("2026-11-15T06:00:00.000Z");
    expect(erin.resolutionDueAt.toISOString()).toBe("2026-11-26T06:00:00.000Z");

    const transitions = await ds.getRepository(DisputeTransition).find();
    expect(transitions.map((t) => [t.disputeId, t.from, t.to, t.actor]).sort()).toEqual(
      redone.map((d) => [d.id, null, "OPEN", `buyer:${d.filedBy}`]).sort(),
    );
    expect(await createOpenDisputeCountLoader(ds).load(AGENT)).toBe(3);
  });
});
