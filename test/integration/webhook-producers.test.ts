import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EscalationRecipient } from "../../lib/contracts/consequence.js";
import { LogEntryKind } from "../../lib/contracts/transparency-log.js";
import { WebhookEventType } from "../../lib/contracts/webhook-event.js";
import { inTransaction } from "../../lib/platform/database.js";
import { onRunJudged } from "../../runtime/contexts.js";
import { acknowledgeEscalation } from "../../subgraphs/reputation/escalation.acknowledge.js";
import { sweepOverdueEscalations } from "../../subgraphs/reputation/escalation-deadline.sweep.js";
import { Escalation, EscalationDirection } from "../../subgraphs/reputation/trust-history.entity.js";
import { transparencySubgraph } from "../../subgraphs/transparency/index.js";
import { eventTypeOf } from "../../subgraphs/webhooks/webhook-event.announce.js";
import { WebhookEvent } from "../../subgraphs/webhooks/webhook-event.entity.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { judgedRunOf } from "../support/judged-run.js";
import { startSubgraphHarness, type SubgraphHarness } from "../support/subgraph-harness.js";

/*
 * What the other contexts' acts raise for webhooks, with the ports the runtime installs
 * (runtime/contexts.ts): public acts as the transparency log records them, escalations to the
 * builder only, in the act's own transaction.
 */
describe("which log entries are webhook events", () => {
  it.each([
    [LogEntryKind.TRUST_CHANGE, {}, WebhookEventType.TRUST_CHANGED],
    [LogEntryKind.ELIGIBILITY, {}, WebhookEventType.ELIGIBILITY_CHANGED],
    [LogEntryKind.CONSEQUENCE_STEP, {}, WebhookEventType.CONSEQUENCE_TAKEN],
    [LogEntryKind.CONSEQUENCE_LIFTED, {}, WebhookEventType.CONSEQUENCE_LIFTED],
    [LogEntryKind.RUN_VERDICT, {}, WebhookEventType.RUN_JUDGED],
    [LogEntryKind.DISPUTE_TRANSITION, { from: null, to: "OPEN" }, WebhookEventType.DISPUTE_FILED],
    [LogEntryKind.DISPUTE_TRANSITION, { from: "UNDER_REVIEW", to: "RESOLVED" }, WebhookEventType.DISPUTE_DECIDED],
    [LogEntryKind.DISPUTE_TRANSITION, { from: "RESOLVED", to: "RESOLVED" }, WebhookEventType.DISPUTE_DECIDED],
    [LogEntryKind.DISPUTE_TRANSITION, { from: "OPEN", to: "WITHDRAWN" }, WebhookEventType.DISPUTE_DECIDED],
    [LogEntryKind.DISPUTE_TRANSITION, { from: "OPEN", to: "UNDER_REVIEW" }, null],
    [LogEntryKind.DISPUTE_TRANSITION, { from: "OPEN", to: "OPEN" }, null],
    [LogEntryKind.APPEAL_DECISION, {}, null],
    [LogEntryKind.HUMAN_REVIEW, {}, null],
    [LogEntryKind.PACT_ACTIVATED, {}, null],
    [LogEntryKind.API_KEY_ISSUED, {}, null],
  ])("%s %j is %s", (kind, payload, expected) => {
    expect(eventTypeOf({ kind, payload })).toBe(expected);
  });
});

describe.each(DATABASE_KINDS)("webhook events raised by acts (%s)", (kind) => {
  let harness: SubgraphHarness;
  const HOUR_MS = 3600 * 1000;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, transparencySubgraph);
  });
  afterAll(() => harness.stop());

  const eventsOf = (agentId: string) => harness.dataSource.manager.find(WebhookEvent, { where: { agentId }, order: { id: "ASC" } });

  it("raises a breach's trust, listing and consequence events publicly, and its escalation to the builder with the pact's deadline", async () => {
    const agentId = randomUUID();
    const run = judgedRunOf({ agentId, runPassed: false, passed: 30, failed: 10 });
    await inTransaction(harness.dataSource, (manager) => onRunJudged(manager, run));

    const events = await eventsOf(agentId);
    const types = events.map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        WebhookEventType.TRUST_CHANGED,
        WebhookEventType.ELIGIBILITY_CHANGED,
        WebhookEventType.CONSEQUENCE_TAKEN,
        WebhookEventType.ESCALATION_RAISED,
      ]),
    );
    // Unpositioned until the dispatcher sees them committed; one id for de-duplication each.
    expect(events.every((event) => event.position === null)).toBe(true);
    expect(new Set(events.map((event) => event.messageId)).size).toBe(events.length);
    expect(events.every((event) => /^msg_[0-9a-f]{32}$/.test(event.messageId))).toBe(true);

    const escalation = await harness.dataSource.manager.findOneByOrFail(Escalation, { agentId, direction: EscalationDirection.FIRED });
    const raised = events.find((event) => event.type === WebhookEventType.ESCALATION_RAISED)!;
    expect(raised.audience).toBe("BUILDER");
    // The deadline is the pact's: 60 minutes after the step (judgedRunOf's terms).
    expect(raised.data).toMatchObject({
      escalationId: escalation.id,
      action: "WARN",
      owner: { team: "t", contact: "c@example.test" },
      ackDueAt: new Date(run.judgedAt.getTime() + 60 * 60_000).toISOString(),
      recipients: escalation.notify,
    });
    // The public events hold what the log holds, never the owner's contact.
    const publicEvents = events.filter((event) => event.type !== WebhookEventType.ESCALATION_RAISED);
    expect(publicEvents.every((event) => event.audience === "PUBLIC")).toBe(true);
    expect(JSON.stringify(publicEvents.map((event) => event.data))).not.toContain("c@example.test");
    const taken = events.find((event) => event.type === WebhookEventType.CONSEQUENCE_TAKEN)!;
    expect(taken.data).toMatchObject({ escalationId: escalation.id, action: "WARN", causeId: run.runId });
  });

  it("sends an escalation unacknowledged past its deadline on to the builder, once; an acknowledged one never", async () => {
    const late = randomUUID();
    const answered = randomUUID();
    for (const agentId of [late, answered])
      await inTransaction(harness.dataSource, (manager) =>
        onRunJudged(manager, judgedRunOf({ agentId, runPassed: false, passed: 30, failed: 10 })),
      );
    const fired = (agentId: string) =>
      harness.dataSource.manager.findOneByOrFail(Escalation, { agentId, direction: EscalationDirection.FIRED });
    await acknowledgeEscalation(harness.dataSource, { role: "arbiter", subject: "arbiter-1" }, (await fired(answered)).id);

    // Just before its deadline it is not overdue (escalations of the other tests may be).
    const lateStep = await fired(late);
    await sweepOverdueEscalations(harness.dataSource, new Date(lateStep.ackDueAt!.getTime() - 1));
    expect((await fired(late)).overdueAt).toBeNull();
    const after = new Date(Date.now() + 2 * HOUR_MS);
    const first = await sweepOverdueEscalations(harness.dataSource, after);
    expect(first).toBeGreaterThanOrEqual(1);
    expect(await sweepOverdueEscalations(harness.dataSource, after)).toBe(0);

    const overdue = (await eventsOf(late)).filter((event) => event.type === WebhookEventType.ESCALATION_OVERDUE);
    expect(overdue).toHaveLength(1);
    expect(overdue[0]!.audience).toBe("BUILDER");
    expect(overdue[0]!.data).toMatchObject({
      escalationId: lateStep.id,
      ackDueAt: lateStep.ackDueAt!.toISOString(),
      overdueAt: after.toISOString(),
    });
    expect(overdue[0]!.data.recipients).toContain(EscalationRecipient.BUILDER);
    expect(overdue[0]!.data.recipients).not.toContain(EscalationRecipient.ESCALATION_OWNER);
    expect((await fired(late)).overdueAt?.getTime()).toBe(after.getTime());
    expect((await eventsOf(answered)).some((event) => event.type === WebhookEventType.ESCALATION_OVERDUE)).toBe(false);
    expect((await fired(answered)).overdueAt).toBeNull();
  });

  it("raises nothing for an act that rolls back", async () => {
    const agentId = randomUUID();
    await expect(
      inTransaction(harness.dataSource, async (manager) => {
        await onRunJudged(manager, judgedRunOf({ agentId, runPassed: false, passed: 30, failed: 10 }));
        throw new Error("the act fails after settling");
      }),
    ).rejects.toThrow("the act fails");
    expect(await eventsOf(agentId)).toEqual([]);
  });
});
