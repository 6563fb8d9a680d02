import { afterEach, describe, expect, it, vi } from "vitest";
import { WebhookEventType } from "../../lib/contracts/webhook-event.js";
import { inTransaction } from "../../lib/platform/database.js";
import { OutboxMessage } from "../../lib/platform/outbox.js";
import { judgeHandler } from "../../runtime/judge.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { WebhookDelivery } from "../../subgraphs/webhooks/webhook-delivery.entity.js";
import { DEFAULT_LEASE_MS, dispatchWebhooks, endpointsFor } from "../../subgraphs/webhooks/webhook-event.dispatch.js";
import { WebhookEvent } from "../../subgraphs/webhooks/webhook-event.entity.js";
import { WebhookDeliveryState, WebhookEndpointState } from "../../subgraphs/webhooks/webhook.enums.js";
import { IsNull, type DataSource } from "typeorm";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture } from "../support/seed.js";
import { sqsEvent } from "../support/sqs-record.js";
import { raiseEvent, seedEndpoint, takeWebhookMessages } from "../support/webhooks.js";

/** Endpoints of earlier tests hear no more, and nothing of theirs is left to send. */
async function quiet(dataSource: DataSource): Promise<void> {
  await inTransaction(dataSource, async (manager) => {
    await manager.createQueryBuilder().update("webhook_endpoints").set({ state: WebhookEndpointState.DISABLED }).execute();
    await manager.update(WebhookDelivery, { state: WebhookDeliveryState.PENDING }, { state: WebhookDeliveryState.DEAD });
    await manager.createQueryBuilder().delete().from(OutboxMessage).execute();
  });
}

async function seedAgent(dataSource: DataSource, owner: string): Promise<Agent> {
  const agent = agentFixture(owner);
  await inTransaction(dataSource, (manager) => manager.insert(Agent, agent));
  return agent;
}

describe("endpointsFor", () => {
  const partner = { id: "p", ownerRole: "partner" as const, ownerId: "acme", eventTypes: [WebhookEventType.TRUST_CHANGED], agentIds: null };
  const builder = { id: "b", ownerRole: "builder" as const, ownerId: "bob", eventTypes: [WebhookEventType.TRUST_CHANGED], agentIds: null };
  const owners = new Map([["agent-1", "bob"]]);
  const event = { type: WebhookEventType.TRUST_CHANGED, agentId: "agent-1", audience: "PUBLIC" as const, ownerRole: null, ownerId: null };

  it("sends a public event to partners and the agent's builder, a builder's to the builder only, an owner's to its owner", () => {
    expect(endpointsFor(event, [partner, builder], owners).map((e) => e.id)).toEqual(["p", "b"]);
    expect(endpointsFor({ ...event, audience: "BUILDER" }, [partner, builder], owners).map((e) => e.id)).toEqual(["b"]);
    expect(endpointsFor({ ...event, agentId: "agent-2" }, [partner, builder], owners).map((e) => e.id)).toEqual(["p"]);
    const notice = { ...event, audience: "OWNER" as const, agentId: null, ownerRole: "partner" as const, ownerId: "acme" };
    expect(endpointsFor(notice, [partner, builder], owners).map((e) => e.id)).toEqual(["p"]);
    expect(endpointsFor({ ...event, type: WebhookEventType.RUN_JUDGED }, [partner, builder], owners)).toEqual([]);
  });
});

describe.each(DATABASE_KINDS)("the webhook dispatcher (%s)", (kind) => {
  const db = useMigratedDatabase(kind);
  afterEach(() => quiet(db.dataSource));

  it("fans each event out to the endpoints its audience and their filters allow, one delivery and one message each", async () => {
    const ds = db.dataSource;
    const [bobs, carols] = [await seedAgent(ds, "bob"), await seedAgent(ds, "carol")];
    const all = await seedEndpoint(ds, { url: "https://a.example/", ownerRole: "partner", ownerId: "acme" });
    const carolsOnly = await seedEndpoint(ds, { url: "https://b.example/", ownerRole: "partner", ownerId: "acme", agentIds: [carols.id] });
    const runsOnly = await seedEndpoint(ds, {
      url: "https://c.example/",
      ownerRole: "partner",
      ownerId: "zeta",
      eventTypes: [WebhookEventType.RUN_JUDGED],
    });
    const bob = await seedEndpoint(ds, { url: "https://d.example/", ownerRole: "builder", ownerId: "bob" });
    const carol = await seedEndpoint(ds, { url: "https://e.example/", ownerRole: "builder", ownerId: "carol", agentIds: [carols.id] });
    // Disabled endpoints hear nothing; a builder's endpoint never hears of another builder's agent.
    await seedEndpoint(ds, { url: "https://f.example/", ownerRole: "builder", ownerId: "bob", state: WebhookEndpointState.DISABLED });

    await raiseEvent(ds, { type: WebhookEventType.TRUST_CHANGED, agentId: bobs.id });
    await raiseEvent(ds, { type: WebhookEventType.ESCALATION_RAISED, audience: "BUILDER", agentId: carols.id });
    await raiseEvent(ds, { type: WebhookEventType.RUN_JUDGED, agentId: carols.id });
    await raiseEvent(ds, {
      type: WebhookEventType.ENDPOINT_DISABLED,
      audience: "OWNER",
      agentId: null,
      owner: { role: "partner", subject: "acme" },
      data: { endpointId: "x" },
    });

    const result = await dispatchWebhooks(ds);
    const events = await ds.getRepository(WebhookEvent).find({ order: { id: "ASC" } });
    const deliveries = await ds.getRepository(WebhookDelivery).find();
    const to = (type: WebhookEventType) => {
      const event = events.find((e) => e.type === type)!;
      return deliveries
        .filter((d) => Number(d.eventId) === Number(event.id))
        .map((d) => d.endpointId)
        .sort();
    };

    expect(to(WebhookEventType.TRUST_CHANGED)).toEqual([all.id, bob.id].sort());
    expect(to(WebhookEventType.ESCALATION_RAISED)).toEqual([carol.id]);
    expect(to(WebhookEventType.RUN_JUDGED)).toEqual([all.id, carolsOnly.id, runsOnly.id, carol.id].sort());
    expect(to(WebhookEventType.ENDPOINT_DISABLED)).toEqual([all.id, carolsOnly.id].sort());
    expect(result).toEqual({ positioned: 4, deliveries: 9, resent: 0 });
    expect(deliveries.every((d) => d.state === WebhookDeliveryState.PENDING && d.attempts === 0 && d.leaseUntil !== null)).toBe(true);
    // Each delivery carries its event's position, and a message of its own is in the outbox.
    for (const delivery of deliveries)
      expect(Number(delivery.eventPosition)).toBe(Number(events.find((e) => Number(e.id) === Number(delivery.eventId))!.position));
    const messages = (await takeWebhookMessages(ds)).map((body) => JSON.parse(body));
    expect(messages.map((m) => m.deliveryId).sort()).toEqual(deliveries.map((d) => d.id).sort());
    expect(messages.every((m) => m.kind === "webhook-delivery" && m.redelivery === false)).toBe(true);
  });

  it("gives positions that only grow, in commit order, and writes nothing on a second dispatch", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent(ds, "dana");
    await seedEndpoint(ds, { url: "https://g.example/" });
    for (let i = 0; i < 3; i += 1) await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);
    const first = await ds.getRepository(WebhookEvent).find({ where: { agentId: agent.id }, order: { id: "ASC" } });
    const counts = async () => ({
      deliveries: await ds.getRepository(WebhookDelivery).count(),
      messages: await ds.getRepository(OutboxMessage).count(),
    });
    const before = await counts();

    const again = await dispatchWebhooks(ds);
    const after = await counts();
    await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);
    const later = await ds.getRepository(WebhookEvent).find({ where: { agentId: agent.id }, order: { id: "ASC" } });

    const positions = first.map((e) => Number(e.position));
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
    expect(again).toEqual({ positioned: 0, deliveries: 0, resent: 0 });
    expect(after).toEqual(before);
    expect(Number(later.at(-1)!.position)).toBeGreaterThan(Math.max(...positions));
  });

  it("sends a delivery's message again once its lease lapses (the message was lost), and not before", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent(ds, "erin");
    const endpoint = await seedEndpoint(ds, { url: "https://h.example/" });
    const t0 = new Date();
    await raiseEvent(ds, { agentId: agent.id, at: t0 });
    await dispatchWebhooks(ds, t0);
    // The message dies with the process (or the embedded queue) before any deliverer saw it.
    expect(await takeWebhookMessages(ds)).toHaveLength(1);

    const early = await dispatchWebhooks(ds, new Date(t0.getTime() + DEFAULT_LEASE_MS - 1000));
    const lapsed = new Date(t0.getTime() + DEFAULT_LEASE_MS + 1000);
    const late = await dispatchWebhooks(ds, lapsed);
    const messages = (await takeWebhookMessages(ds)).map((body) => JSON.parse(body));
    const delivery = await ds.getRepository(WebhookDelivery).findOneByOrFail({ endpointId: endpoint.id });
    const twice = await dispatchWebhooks(ds, lapsed);

    expect(early.resent).toBe(0);
    expect(late).toEqual({ positioned: 0, deliveries: 0, resent: 1 });
    expect(messages).toEqual([{ kind: "webhook-delivery", deliveryId: delivery.id, redelivery: false }]);
    expect(delivery.leaseUntil!.getTime()).toBe(lapsed.getTime() + DEFAULT_LEASE_MS);
    expect(twice.resent).toBe(0);
  });

  it("leaves a retry alone until it is due", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent(ds, "fay");
    const endpoint = await seedEndpoint(ds, { url: "https://i.example/" });
    await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);
    await takeWebhookMessages(ds);
    const due = new Date(Date.now() + 5 * 60_000);
    await inTransaction(ds, (manager) =>
      manager.update(WebhookDelivery, { endpointId: endpoint.id }, { attempts: 2, nextAttemptAt: due, leaseUntil: null }),
    );

    const before = await dispatchWebhooks(ds, new Date(due.getTime() - 1));
    const at = await dispatchWebhooks(ds, due);

    expect(before.resent).toBe(0);
    expect(at.resent).toBe(1);
  });
});

describe.each(DATABASE_KINDS)("the dispatch after a judge batch (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("runs when the judge runs on Lambda (given the invocation's context), and not behind the local poller, even with an external judge queue", async () => {
    // `npm start` with an external judge queue: set before the configuration is first read.
    vi.stubEnv("JUDGE_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/000000000000/judge-jobs");
    const ds = db.dataSource;
    const agent = await seedAgent(ds, "gus");
    await raiseEvent(ds, { agentId: agent.id });
    const unpositioned = () => ds.getRepository(WebhookEvent).countBy({ position: IsNull() });

    // An empty batch: what a batch judged changes nothing here; what matters is what follows it.
    await judgeHandler(sqsEvent());
    const afterPoller = await unpositioned();
    await judgeHandler(sqsEvent(), { getRemainingTimeInMillis: () => 60_000 });

    expect(afterPoller).toBe(1);
    expect(await unpositioned()).toBe(0);
  });
});
