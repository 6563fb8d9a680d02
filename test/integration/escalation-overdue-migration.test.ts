import { describe, expect, it } from "vitest";
import { EscalationOverdue1764700000200 } from "../../subgraphs/reputation/migrations/1764700000200-escalation-overdue.js";
import { DATABASE_KINDS, appliedMigrations, insertRow, undoThrough } from "../support/databases.js";
import { useScratchDatabase } from "../support/migrated-database.js";

const AGENT = "66666666-6666-4666-8666-666666666666";
const HOUR_MS = 3600_000;
/** A datetime as both engines store one (UTC, milliseconds). */
const stored = (at: Date) => at.toISOString().replace("T", " ").replace("Z", "");
/** A datetime as the engine reads it back (MySQL: a Date; SQLite: the stored text, UTC). */
const timeOf = (value: Date | string | null) =>
  value === null ? null : value instanceof Date ? value.getTime() : Date.parse(`${value.replace(" ", "T")}Z`);

describe.each(DATABASE_KINDS)("the escalation overdue migration (%s)", (kind) => {
  const db = useScratchDatabase(kind);

  it("marks escalations already past their deadline overdue as of it, so the first sweep announces no backlog; others stay to be swept", async () => {
    const dataSource = await db.open();
    await undoThrough(dataSource, EscalationOverdue1764700000200.name);
    const now = Date.now();
    const escalation = (id: string, ackDueAt: Date, acknowledgedAt: Date | null) =>
      insertRow(dataSource, "trust_escalations", {
        id,
        agent_id: AGENT,
        pact_id: "pact-1",
        action: "WARN",
        direction: "FIRED",
        notify: '["ESCALATION_OWNER"]',
        owner_team: "SOC Tier-2",
        owner_contact: "soc@example.test",
        reason: "1 breach(es) within 30 days (trigger: 1)",
        cause: "EVALUATION_RUN",
        cause_id: "run-1",
        created_at: stored(new Date(ackDueAt.getTime() - HOUR_MS)),
        ack_due_at: stored(ackDueAt),
        acknowledged_at: acknowledgedAt && stored(acknowledgedAt),
      });
    const pastDue = new Date(now - 2 * HOUR_MS);
    await escalation("past-due", pastDue, null);
    await escalation("answered", new Date(now - 2 * HOUR_MS), new Date(now - 3 * HOUR_MS));
    await escalation("not-yet-due", new Date(now + 2 * HOUR_MS), null);

    await dataSource.runMigrations({ transaction: "each" });
    expect(await appliedMigrations(dataSource)).toContain(EscalationOverdue1764700000200.name);
    const rows: { id: string; overdue_at: Date | string | null }[] = await dataSource.query(
      "SELECT id, overdue_at FROM trust_escalations ORDER BY id",
    );
    const overdue = Object.fromEntries(rows.map((row) => [row.id, timeOf(row.overdue_at)]));
    expect(overdue).toEqual({ answered: null, "not-yet-due": null, "past-due": pastDue.getTime() });
  });
});
