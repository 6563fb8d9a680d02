import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { inTransaction } from "../../../lib/platform/database.js";
import { openDatabase } from "../../../runtime/data-source.js";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../../../test/support/databases.js";
import { DisputeTransition } from "../dispute-transition.entity.js";
import { escalateOverdueDisputes, missedDeadline } from "../dispute-deadline.sweep.js";
import { Dispute, DisputeCategory, DisputeKind, DisputeOutcome, DisputeSeverity, DisputeStatus } from "../dispute.entity.js";
import type { DisputeStateReport } from "../../../lib/contracts/dispute-state.js";

/*
 * Missed deadlines: which one a dispute has missed at a given instant, and the sweep that
 * escalates each overdue open dispute once, recorded by `system` and reported to reputation.
 */

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
/**
 * The sweep's clock in the cases below: ahead of the real one, since a step is stamped no earlier
 * than the real clock (a step taken while the sweep ran stays before it).
 */
const NOW = new Date(Date.now() + 90 * DAY);
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);

describe("missedDeadline", () => {
  const response = at(-HOUR);
  const resolution = at(3 * DAY);
  const cases: { what: string; dispute: Pick<Dispute, "status" | "responseDueAt" | "resolutionDueAt">; expected: string | null }[] = [
    {
      what: "an OPEN dispute past its response deadline",
      dispute: { status: DisputeStatus.OPEN, responseDueAt: response, resolutionDueAt: resolution },
      expected: response.toISOString(),
    },
    {
      what: "an OPEN dispute past both deadlines (the resolution one is named)",
      dispute: { status: DisputeStatus.OPEN, responseDueAt: at(-5 * DAY), resolutionDueAt: at(-DAY) },
      expected: at(-DAY).toISOString(),
    },
    {
      what: "an UNDER_REVIEW dispute past its resolution deadline",
      dispute: { status: DisputeStatus.UNDER_REVIEW, responseDueAt: at(-5 * DAY), resolutionDueAt: at(-1) },
      expected: at(-1).toISOString(),
    },
    {
      what: "an UNDER_REVIEW dispute past only its response deadline (taken up already)",
      dispute: { status: DisputeStatus.UNDER_REVIEW, responseDueAt: response, resolutionDueAt: resolution },
      expected: null,
    },
    {
      what: "an OPEN dispute before both deadlines",
      dispute: { status: DisputeStatus.OPEN, responseDueAt: at(1), resolutionDueAt: resolution },
      expected: null,
    },
    {
      what: "an OPEN dispute exactly at its response deadline",
      dispute: { status: DisputeStatus.OPEN, responseDueAt: NOW, resolutionDueAt: resolution },
      expected: null,
    },
    {
      what: "an UNDER_REVIEW dispute exactly at its resolution deadline",
      dispute: { status: DisputeStatus.UNDER_REVIEW, responseDueAt: at(-DAY), resolutionDueAt: NOW },
      expected: null,
    },
    {
      what: "a RESOLVED dispute past both",
      dispute: { status: DisputeStatus.RESOLVED, responseDueAt: at(-5 * DAY), resolutionDueAt: at(-DAY) },
      expected: null,
    },
    {
      what: "a WITHDRAWN dispute past both",
      dispute: { status: DisputeStatus.WITHDRAWN, responseDueAt: at(-5 * DAY), resolutionDueAt: at(-DAY) },
      expected: null,
    },
  ];
  for (const { what, dispute, expected } of cases) {
    it(`${expected ? "names the deadline" : "is null"} for ${what}`, () => {
      const missed = missedDeadline(dispute, NOW);
      if (expected === null) expect(missed).toBeNull();
      else {
        expect(missed).toContain(expected);
        // Only the deadline missed is named.
        for (const other of [dispute.responseDueAt, dispute.resolutionDueAt].map((d) => d.toISOString()).filter((d) => d !== expected))
          expect(missed).not.toContain(other);
      }
    });
  }
});

describe.each(DATABASE_KINDS)("escalateOverdueDisputes (%s)", (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const reports: DisputeStateReport[] = [];
  const listener = async (_manager: unknown, report: DisputeStateReport) => {
    reports.push(report);
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataSource = await openDatabase(database.url);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });
  beforeEach(async () => {
    reports.length = 0;
    await inTransaction(dataSource, async (manager) => {
      await manager.query("DELETE FROM dispute_transitions");
      await manager.query("DELETE FROM disputes");
    });
  });

  interface Seed {
    status: DisputeStatus;
    filedAt: Date;
    responseDueAt: Date;
    resolutionDueAt: Date;
    version?: number;
    escalatedAt?: Date | null;
    severity?: DisputeSeverity;
  }

  /** A dispute as the lifecycle leaves it, with its filing transition. */
  async function seed(spec: Seed): Promise<Dispute> {
    const closed = spec.status === DisputeStatus.RESOLVED || spec.status === DisputeStatus.WITHDRAWN;
    const dispute = Object.assign(new Dispute(), {
      id: randomUUID(),
      agentId: randomUUID(),
      kind: DisputeKind.COMPLAINT,
      contestedKind: null,
      contestedId: null,
      respondent: null,
      category: DisputeCategory.OTHER,
      statement: "Missed a lateral movement alert",
      severity: spec.severity ?? DisputeSeverity.MAJOR,
      evidence: { caseIds: [], runIds: [], kpiReportIds: [], external: [] },
      status: spec.status,
      outcome: spec.status === DisputeStatus.RESOLVED ? DisputeOutcome.REJECTED : null,
      filedBy: "bob",
      filedAt: spec.filedAt,
      occurredAt: new Date(spec.filedAt.getTime() - DAY),
      assignedTo: spec.status === DisputeStatus.OPEN ? null : "ada",
      responseDueAt: spec.responseDueAt,
      resolutionDueAt: spec.resolutionDueAt,
      escalatedAt: spec.escalatedAt ?? null,
      closedAt: closed ? at(-HOUR) : null,
      version: spec.version ?? 1,
    });
    await inTransaction(dataSource, async (manager) => {
      await manager.insert(Dispute, dispute);
      await manager.insert(DisputeTransition, {
        id: randomUUID(),
        disputeId: dispute.id,
        version: 1,
        from: null,
        to: DisputeStatus.OPEN,
        outcome: null,
        actor: "buyer:bob",
        note: "filed",
        at: spec.filedAt,
      });
    });
    return dispute;
  }

  const row = (id: string) => dataSource.getRepository(Dispute).findOneByOrFail({ id });
  const systemSteps = (id: string) => dataSource.getRepository(DisputeTransition).find({ where: { disputeId: id, actor: "system" } });
  const count = async (table: string) =>
    Number(((await dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: number | string }[])[0]!.n);

  it("escalates an OPEN dispute past its response deadline and one under review past its resolution deadline, once each, recorded by `system` and reported", async () => {
    // Filed 80 hours ago, 72 hours to respond: 8 hours late.
    const unanswered = await seed({
      status: DisputeStatus.OPEN,
      filedAt: at(-80 * HOUR),
      responseDueAt: at(-8 * HOUR),
      resolutionDueAt: at(14 * DAY - 80 * HOUR),
      severity: DisputeSeverity.CRITICAL,
    });
    // Filed 15 days ago, 14 days to resolve: a day late; taken up (version 2).
    const undecided = await seed({
      status: DisputeStatus.UNDER_REVIEW,
      filedAt: at(-15 * DAY),
      responseDueAt: at(-12 * DAY),
      resolutionDueAt: at(-DAY),
      version: 2,
    });

    const escalated = await escalateOverdueDisputes(dataSource, listener, NOW);

    expect(escalated).toBe(2);
    for (const [dispute, deadline, version] of [
      [unanswered, at(-8 * HOUR), 2],
      [undecided, at(-DAY), 3],
    ] as const) {
      const stored = await row(dispute.id);
      expect(stored).toMatchObject({ status: dispute.status, version, assignedTo: dispute.assignedTo, closedAt: null, outcome: null });
      expect(stored.escalatedAt?.toISOString()).toBe(NOW.toISOString());
      const steps = await systemSteps(dispute.id);
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({ from: dispute.status, to: dispute.status, outcome: null, actor: "system" });
      expect(steps[0]!.at.toISOString()).toBe(NOW.toISOString());
      expect(steps[0]!.note).toContain(deadline.toISOString());
      const told = reports.filter((report) => report.disputeId === dispute.id);
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ agentId: dispute.agentId, version, open: true, upheld: false, severity: dispute.severity });
      expect(told[0]!.at.toISOString()).toBe(NOW.toISOString());
      expect(told[0]!.occurredAt.toISOString()).toBe(dispute.occurredAt.toISOString());
    }

    // A second sweep, then and later, finds nothing left to do.
    const transitions = await count("dispute_transitions");
    expect(await escalateOverdueDisputes(dataSource, listener, NOW)).toBe(0);
    // Later still the OPEN one also misses its resolution deadline: it was escalated already.
    expect(await escalateOverdueDisputes(dataSource, listener, at(30 * DAY))).toBe(0);
    expect(await count("dispute_transitions")).toBe(transitions);
    expect(reports).toHaveLength(2);
    expect((await row(unanswered.id)).version).toBe(2);
  });

  it("leaves alone closed disputes, disputes not yet due, and disputes escalated before", async () => {
    const resolved = await seed({
      status: DisputeStatus.RESOLVED,
      filedAt: at(-20 * DAY),
      responseDueAt: at(-17 * DAY),
      resolutionDueAt: at(-6 * DAY),
      version: 3,
    });
    const withdrawn = await seed({
      status: DisputeStatus.WITHDRAWN,
      filedAt: at(-20 * DAY),
      responseDueAt: at(-17 * DAY),
      resolutionDueAt: at(-6 * DAY),
      version: 2,
    });
    const fresh = await seed({
      status: DisputeStatus.OPEN,
      filedAt: at(-HOUR),
      responseDueAt: at(71 * HOUR),
      resolutionDueAt: at(14 * DAY - HOUR),
    });
    // Exactly at its deadline is not past it.
    const onTheDot = await seed({
      status: DisputeStatus.OPEN,
      filedAt: at(-72 * HOUR),
      responseDueAt: NOW,
      resolutionDueAt: at(14 * DAY - 72 * HOUR),
    });
    // Taken up in time and not yet due for resolution, though past the response deadline.
    const takenUp = await seed({
      status: DisputeStatus.UNDER_REVIEW,
      filedAt: at(-5 * DAY),
      responseDueAt: at(-2 * DAY),
      resolutionDueAt: at(9 * DAY),
      version: 2,
    });
    const already = await seed({
      status: DisputeStatus.OPEN,
      filedAt: at(-80 * HOUR),
      responseDueAt: at(-8 * HOUR),
      resolutionDueAt: at(10 * DAY),
      version: 2,
      escalatedAt: at(-HOUR),
    });
    const before = await Promise.all([resolved, withdrawn, fresh, onTheDot, takenUp, already].map((dispute) => row(dispute.id)));
    const transitions = await count("dispute_transitions");

    expect(await escalateOverdueDisputes(dataSource, listener, NOW)).toBe(0);

    expect(await Promise.all([resolved, withdrawn, fresh, onTheDot, takenUp, already].map((dispute) => row(dispute.id)))).toEqual(before);
    expect(await count("dispute_transitions")).toBe(transitions);
    expect(reports).toEqual([]);
  });

  it("escalates a dispute under review only once its resolution deadline has passed", async () => {
    const reviewed = await seed({
      status: DisputeStatus.UNDER_REVIEW,
      filedAt: at(-5 * DAY),
      responseDueAt: at(-2 * DAY),
      resolutionDueAt: at(DAY),
      version: 2,
    });

    expect(await escalateOverdueDisputes(dataSource, listener, NOW)).toBe(0);
    expect(await escalateOverdueDisputes(dataSource, listener, at(DAY + 1))).toBe(1);

    const steps = await systemSteps(reviewed.id);
    expect(steps).toHaveLength(1);
    expect(steps[0]!.note).toContain(at(DAY).toISOString());
    expect((await row(reviewed.id)).escalatedAt?.toISOString()).toBe(at(DAY + 1).toISOString());
  });

  it("escalates each dispute once when two sweeps run at once", async () => {
    const overdue = [];
    for (let i = 0; i < 6; i += 1)
      overdue.push(
        await seed({
          status: i % 2 ? DisputeStatus.UNDER_REVIEW : DisputeStatus.OPEN,
          filedAt: at(-15 * DAY),
          responseDueAt: at(-12 * DAY),
          resolutionDueAt: at(-DAY - i * HOUR),
          version: 1 + (i % 2),
        }),
      );

    const [a, b] = await Promise.all([
      escalateOverdueDisputes(dataSource, listener, NOW),
      escalateOverdueDisputes(dataSource, listener, NOW),
    ]);

    expect(a + b).toBe(6);
    for (const dispute of overdue) {
      expect(await systemSteps(dispute.id)).toHaveLength(1);
      expect((await row(dispute.id)).version).toBe(dispute.version + 1);
    }
    expect(reports.map((report) => report.disputeId).sort()).toEqual(overdue.map((dispute) => dispute.id).sort());
  });

  it("escalates at most 100 per sweep, earliest resolution deadline first, and the rest in the next", async () => {
    const overdue: Dispute[] = [];
    for (let i = 0; i < 101; i += 1)
      overdue.push(
        await seed({
          status: DisputeStatus.OPEN,
          filedAt: at(-20 * DAY),
          responseDueAt: at(-17 * DAY),
          resolutionDueAt: at(-DAY - (101 - i) * 60_000),
        }),
      );
    const latest = overdue[100]!;

    expect(await escalateOverdueDisputes(dataSource, listener, NOW)).toBe(100);
    expect((await row(latest.id)).escalatedAt).toBeNull();
    expect(await escalateOverdueDisputes(dataSource, listener, NOW)).toBe(1);
    expect((await row(latest.id)).escalatedAt?.toISOString()).toBe(NOW.toISOString());
    expect(await count("dispute_transitions")).toBe(101 * 2);
  });

  it("stamps the step no earlier than the real clock when the sweep's clock is behind it", async () => {
    const sweptAt = new Date(Date.now() - DAY);
    const overdue = await seed({
      status: DisputeStatus.OPEN,
      filedAt: new Date(sweptAt.getTime() - 80 * HOUR),
      responseDueAt: new Date(sweptAt.getTime() - 8 * HOUR),
      resolutionDueAt: new Date(sweptAt.getTime() + 10 * DAY),
    });
    const before = Date.now();

    expect(await escalateOverdueDisputes(dataSource, listener, sweptAt)).toBe(1);

    const after = Date.now();
    const stamped = (await row(overdue.id)).escalatedAt!.getTime();
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(after);
    const steps = await systemSteps(overdue.id);
    expect(steps.map((step) => step.at.getTime())).toEqual([stamped]);
    expect(steps[0]!.note).toContain(new Date(sweptAt.getTime() - 8 * HOUR).toISOString());
    expect(reports.map((report) => report.at.getTime())).toEqual([stamped]);
  });

  it("escalates nothing when reputation cannot be told: the dispute stays as it was", async () => {
    const overdue = await seed({
      status: DisputeStatus.OPEN,
      filedAt: at(-80 * HOUR),
      responseDueAt: at(-8 * HOUR),
      resolutionDueAt: at(10 * DAY),
    });
    const before = await row(overdue.id);

    await expect(
      escalateOverdueDisputes(
        dataSource,
        async () => {
          throw new Error("reputation is unavailable");
        },
        NOW,
      ),
    ).rejects.toThrow("reputation is unavailable");

    expect(await row(overdue.id)).toEqual(before);
    expect(await systemSteps(overdue.id)).toEqual([]);
  });
});
