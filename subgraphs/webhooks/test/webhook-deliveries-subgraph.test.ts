import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../../lib/platform/database.js";
import type { Identity, Scope } from "../../../lib/platform/identity.js";
import { OutboxMessage } from "../../../lib/platform/outbox.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import {
  type Receiver,
  deliverOutbox,
  raiseEvent,
  seedEndpoint,
  startReceiver,
  takeWebhookMessages,
  testWebhookSettings,
} from "../../../test/support/webhooks.js";
import { webhooksSubgraph } from "../index.js";
import { WebhookAttempt, WebhookDelivery } from "../webhook-delivery.entity.js";
import type { WebhookEndpoint } from "../webhook-endpoint.entity.js";
import { DEFAULT_LEASE_MS, dispatchWebhooks } from "../webhook-event.dispatch.js";
import { deliverWebhook } from "../webhook.deliver.js";
import { WebhookAttemptOutcome, WebhookDeliveryState, WebhookEndpointState } from "../webhook.enums.js";

/*
 * The delivery log, the events owed and redelivery, served by the webhooks subgraph alone over
 * HTTP on both engines: what each shows, who may see and resend what, and that a page costs the
 * same number of statements whatever its size.
 */

const ATTEMPTS = `query($e: ID!, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $e, first: $first, after: $after) {
    edges { cursor node { id deliveryId endpointId webhookId eventType position outcome statusCode latencyMs error redelivery attemptedAt deliveryState } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const EVENTS = `query($e: ID!, $first: Int, $after: String) {
  webhookEvents(endpointId: $e, first: $first, after: $after) {
    edges { cursor node { deliveryId endpointId webhookId eventType position agentId occurredAt payload state attempts nextAttemptAt lastStatusCode lastError deliveredAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REDELIVER = `mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { deliveryId webhookId state attempts nextAttemptAt position payload } }`;

const PARTNER = (subject: string): Identity => ({ role: "partner", subject });
const PARTNER_KEY = (subject: string, ...scopes: Scope[]): Identity => ({ role: "partner", subject, scopes });
const OPERATOR: Identity = { role: "operator", subject: "olivia" };

describe.each(DATABASE_KINDS)("webhooks subgraph, deliveries (%s)", (kind) => {
  let harness: SubgraphHarness;
  let receiver: Receiver;
  let nudges = 0;
  // A lease unlike the default, as configured for a queue with longer visibility (AWS's).
  const LEASE_MS = 15 * 60_000;
  const settings = testWebhookSettings({ leaseMs: LEASE_MS });

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) =>
      webhooksSubgraph(dataSource, { ...settings, outboxWritten: () => void (nudges += 1) }),
    );
  });
  afterAll(() => harness.stop());
  afterEach(async () => {
    await receiver?.stop();
    await inTransaction(harness.dataSource, async (manager) => {
      await manager.createQueryBuilder().update("webhook_endpoints").set({ state: WebhookEndpointState.DISABLED }).execute();
      await manager.createQueryBuilder().delete().from(OutboxMessage).execute();
    });
  });

  /** An endpoint of partner acme's that failed its first event once, then took it, and took two more. */
  async function endpointWithHistory(): Promise<{ endpoint: WebhookEndpoint; agentId: string }> {
    const ds = harness.dataSource;
    let failNext = true;
    receiver = await startReceiver({
      answer: () => {
        const fail = failNext;
        failNext = false;
        return fail ? { status: 503, body: "later" } : { status: 200 };
      },
    });
    const agent = await harness.seedAgent("bob", [AgentDomain.ALERT_TRIAGE]);
    const endpoint = await seedEndpoint(ds, { url: receiver.url, ownerRole: "partner", ownerId: "acme" });
    for (let i = 0; i < 3; i += 1) await raiseEvent(ds, { agentId: agent.id, data: { n: i } });
    await dispatchWebhooks(ds);
    await deliverOutbox(ds, settings);
    // The first event's retry, once due.
    const retryAt = new Date(Date.now() + 10_000);
    await dispatchWebhooks(ds, retryAt);
    await deliverOutbox(ds, settings, retryAt);
    return { endpoint, agentId: agent.id };
  }

  it("pages an endpoint's attempts newest first, with status, latency, error, outcome and the event they carried", async () => {
    const { endpoint } = await endpointWithHistory();

    const all = dataOf(await harness.call(ATTEMPTS, { e: endpoint.id }, PARTNER("acme"))).webhookDeliveries;
    const first = dataOf(await harness.call(ATTEMPTS, { e: endpoint.id, first: 2 }, PARTNER("acme"))).webhookDeliveries;
    const rest = dataOf(
      await harness.call(ATTEMPTS, { e: endpoint.id, first: 2, after: first.pageInfo.endCursor }, PARTNER("acme")),
    ).webhookDeliveries;

    const nodes = all.edges.map((edge: Data) => edge.node);
    expect(nodes).toHaveLength(4);
    expect(nodes.map((node: Data) => [node.outcome, node.statusCode])).toEqual([
      ["SUCCEEDED", 200],
      ["SUCCEEDED", 200],
      ["SUCCEEDED", 200],
      ["FAILED", 503],
    ]);
    // The retried event: attempted twice, delivered now, its position the body's.
    expect(nodes[0]).toMatchObject({ deliveryId: nodes[3].deliveryId, webhookId: nodes[3].webhookId, deliveryState: "DELIVERED" });
    expect(nodes[3]).toMatchObject({ eventType: "TRUST_CHANGED", redelivery: false, error: null, endpointId: endpoint.id });
    expect(nodes.every((node: Data) => Number.isInteger(node.latencyMs) && node.latencyMs >= 0)).toBe(true);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect([...first.edges, ...rest.edges].map((edge: Data) => edge.node.id)).toEqual(nodes.map((node: Data) => node.id));
    expect(rest.pageInfo.hasNextPage).toBe(false);
    expect(errorOf(await harness.call(ATTEMPTS, { e: endpoint.id, after: "nope" }, PARTNER("acme")))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "after",
    });
  });

  it("pages the events owed to an endpoint in feed order, each with the exact body the receiver got, resuming from any position", async () => {
    const { endpoint, agentId } = await endpointWithHistory();

    const all = dataOf(await harness.call(EVENTS, { e: endpoint.id }, PARTNER("acme"))).webhookEvents;
    const nodes = all.edges.map((edge: Data) => edge.node);
    const afterFirst = dataOf(
      await harness.call(EVENTS, { e: endpoint.id, after: String(nodes[0].position) }, PARTNER("acme")),
    ).webhookEvents;
    const pastEnd = dataOf(await harness.call(EVENTS, { e: endpoint.id, after: all.pageInfo.endCursor }, PARTNER("acme"))).webhookEvents;

    expect(nodes.map((node: Data) => JSON.parse(node.payload).data.n)).toEqual([0, 1, 2]);
    expect(nodes.map((node: Data) => node.position)).toEqual([...nodes.map((node: Data) => node.position)].sort((a, b) => a - b));
    expect(all.edges.map((edge: Data) => edge.cursor)).toEqual(nodes.map((node: Data) => String(node.position)));
    // Exactly the bytes sent: what the signature covered.
    const sent = new Set(receiver.received.map((delivery) => delivery.body));
    expect(nodes.every((node: Data) => sent.has(node.payload))).toBe(true);
    expect(nodes[0]).toMatchObject({ agentId, state: "DELIVERED", attempts: 2, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(JSON.parse(nodes[0].payload)).toMatchObject({ type: "trust.changed", position: nodes[0].position, agentId });
    expect(afterFirst.edges.map((edge: Data) => edge.node.deliveryId)).toEqual(nodes.slice(1).map((node: Data) => node.deliveryId));
    expect(pastEnd).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: all.pageInfo.endCursor } });
    expect(errorOf(await harness.call(EVENTS, { e: endpoint.id, after: "-1" }, PARTNER("acme")))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "after",
    });
  });

  it("reads a page in the same number of statements whatever its size", async () => {
    const { endpoint } = await endpointWithHistory();
    const cost = async (query: string, first: number) =>
      (await harness.statementsFor(query, { e: endpoint.id, first }, PARTNER("acme"))).statements;

    expect(await cost(ATTEMPTS, 1)).toBe(await cost(ATTEMPTS, 4));
    expect(await cost(EVENTS, 1)).toBe(await cost(EVENTS, 3));
  });

  it("shows an endpoint's log to its owner and to operators only: to anyone else it does not exist", async () => {
    const { endpoint } = await endpointWithHistory();
    const read = (identity: Identity | undefined) => harness.call(ATTEMPTS, { e: endpoint.id }, identity);

    expect(dataOf(await read(OPERATOR)).webhookDeliveries.edges).toHaveLength(4);
    expect(dataOf(await read(PARTNER_KEY("acme", "webhooks:manage"))).webhookDeliveries.edges).toHaveLength(4);
    expect(errorOf(await read(PARTNER("zeta")))).toMatchObject({ code: "NOT_FOUND", field: "endpointId" });
    expect(errorOf(await read({ role: "builder", subject: "acme" }))).toMatchObject({ code: "NOT_FOUND", field: "endpointId" });
    expect(errorOf(await harness.call(EVENTS, { e: endpoint.id }, PARTNER("zeta")))).toMatchObject({
      code: "NOT_FOUND",
      field: "endpointId",
    });
    expect(errorOf(await read(PARTNER_KEY("acme", "feed:read")))).toMatchObject({ code: "FORBIDDEN", scope: "webhooks:manage" });
    expect(errorOf(await read({ role: "buyer", subject: "bo" }))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await read(undefined))).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("redelivers one event now, flagged as a redelivery that does not advance the schedule, for the endpoint's owner only", async () => {
    const { endpoint } = await endpointWithHistory();
    const ds = harness.dataSource;
    const [delivery] = await ds
      .getRepository(WebhookDelivery)
      .find({ where: { endpointId: endpoint.id }, order: { eventPosition: "ASC" } });
    const before = nudges;

    const redelivered = dataOf(await harness.call(REDELIVER, { d: delivery!.id }, PARTNER("acme"))).redeliverWebhook;
    const messages = (await ds.getRepository(OutboxMessage).findBy({ topic: "webhook" })).map((message) => JSON.parse(message.body));
    const leased = await ds.getRepository(WebhookDelivery).findOneByOrFail({ id: delivery!.id });
    await deliverOutbox(ds, settings);
    const attempts = await ds.getRepository(WebhookAttempt).find({ where: { deliveryId: delivery!.id }, order: { id: "ASC" } });

    expect(redelivered).toMatchObject({ deliveryId: delivery!.id, state: "PENDING", attempts: 2 });
    expect(messages).toEqual([{ kind: "webhook-delivery", deliveryId: delivery!.id, redelivery: true }]);
    expect(nudges).toBe(before + 1);
    // Leased for the configured queue's whole retry of the message, as the dispatcher leases.
    expect(LEASE_MS).not.toBe(DEFAULT_LEASE_MS);
    expect(leased.leaseUntil!.getTime() - leased.nextAttemptAt!.getTime()).toBe(LEASE_MS);
    expect(attempts.map((attempt) => attempt.redelivery)).toEqual([false, false, true]);
    expect(await ds.getRepository(WebhookDelivery).findOneByOrFail({ id: delivery!.id })).toMatchObject({
      state: WebhookDeliveryState.DELIVERED,
      attempts: 2,
    });
    // The receiver got the same event again: same id, same body.
    const copies = receiver.received.filter((got) => got.headers["webhook-id"] === redelivered.webhookId);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(copies.map((got) => got.body))).toEqual(new Set([redelivered.payload]));

    expect(errorOf(await harness.call(REDELIVER, { d: delivery!.id }, OPERATOR))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await harness.call(REDELIVER, { d: delivery!.id }, PARTNER("zeta")))).toMatchObject({
      code: "NOT_FOUND",
      field: "deliveryId",
    });
    expect(errorOf(await harness.call(REDELIVER, { d: delivery!.id }, PARTNER_KEY("acme", "feed:read")))).toMatchObject({
      code: "FORBIDDEN",
      scope: "webhooks:manage",
    });
    expect(errorOf(await harness.call(REDELIVER, { d: "00000000-0000-4000-8000-000000000000" }, PARTNER("acme")))).toMatchObject({
      code: "NOT_FOUND",
      field: "deliveryId",
    });
    expect(await takeWebhookMessages(ds)).toEqual([]);
  });

  it("redelivers a dead delivery, and refuses while the endpoint is disabled, naming the delivery", async () => {
    const { endpoint } = await endpointWithHistory();
    const ds = harness.dataSource;
    const [delivery] = await ds
      .getRepository(WebhookDelivery)
      .find({ where: { endpointId: endpoint.id }, order: { eventPosition: "ASC" } });
    await inTransaction(ds, async (manager) => {
      await manager.update(WebhookDelivery, { id: delivery!.id }, { state: WebhookDeliveryState.DEAD, attempts: 8, nextAttemptAt: null });
      await manager.update("webhook_endpoints", { id: endpoint.id }, { state: WebhookEndpointState.DISABLED });
    });

    const refused = await harness.call(REDELIVER, { d: delivery!.id }, PARTNER("acme"));
    await inTransaction(ds, (manager) => manager.update("webhook_endpoints", { id: endpoint.id }, { state: WebhookEndpointState.ACTIVE }));
    const redelivered = dataOf(await harness.call(REDELIVER, { d: delivery!.id }, PARTNER("acme"))).redeliverWebhook;
    await deliverOutbox(ds, settings);

    expect(errorOf(refused)).toMatchObject({ code: "CONFLICT", field: "deliveryId" });
    expect(errorOf(refused).message).toContain(delivery!.id);
    expect(redelivered).toMatchObject({ state: "PENDING", attempts: 8 });
    expect(await ds.getRepository(WebhookDelivery).findOneByOrFail({ id: delivery!.id })).toMatchObject({
      state: WebhookDeliveryState.DELIVERED,
      attempts: 8,
    });
  });
  it("refuses to redeliver while an attempt of the delivery is under way (CONFLICT), and redelivers it once that attempt is recorded", async () => {
    const ds = harness.dataSource;
    const hanging = await startReceiver({ answer: () => "hang" });
    receiver = hanging;
    const agent = await harness.seedAgent("cleo", [AgentDomain.ALERT_TRIAGE]);
    const endpoint = await seedEndpoint(ds, { url: hanging.url, ownerRole: "partner", ownerId: "acme" });
    await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);
    await takeWebhookMessages(ds);
    const { id } = await ds.getRepository(WebhookDelivery).findOneByOrFail({ endpointId: endpoint.id });

    // An attempt whose POST is on its way: the receiver has it, and answers nothing.
    const attempt = deliverWebhook(ds, id, testWebhookSettings({ timeoutMs: 30_000 }));
    await vi.waitFor(() => expect(hanging.received).toHaveLength(1), { timeout: 10_000 });
    const refused = await harness.call(REDELIVER, { d: id }, PARTNER("acme"));
    const messagesWhileRefused = await takeWebhookMessages(ds);
    // The receiver goes away mid-request: the attempt fails, and is recorded.
    await hanging.stop();
    const first = await attempt;
    receiver = await startReceiver({ port: hanging.port });
    const redelivered = dataOf(await harness.call(REDELIVER, { d: id }, PARTNER("acme"))).redeliverWebhook;
    const [second] = await deliverOutbox(ds, settings);

    expect(errorOf(refused)).toMatchObject({ code: "CONFLICT", field: "deliveryId" });
    expect(errorOf(refused).message).toContain(`delivery ${id} is being attempted now`);
    expect(messagesWhileRefused).toEqual([]);
    expect(first).toMatchObject({ attempted: true, outcome: WebhookAttemptOutcome.FAILED, state: WebhookDeliveryState.PENDING });
    expect(redelivered).toMatchObject({ deliveryId: id, state: "PENDING", attempts: 1 });
    expect(second).toMatchObject({ attempted: true, outcome: WebhookAttemptOutcome.SUCCEEDED, state: WebhookDeliveryState.DELIVERED });
    const attempts = await ds.getRepository(WebhookAttempt).find({ where: { deliveryId: id }, order: { id: "ASC" } });
    expect(attempts.map((row) => [row.outcome, row.redelivery])).toEqual([
      [WebhookAttemptOutcome.FAILED, false],
      [WebhookAttemptOutcome.SUCCEEDED, true],
    ]);
    expect(receiver.received).toHaveLength(1);
  });
});
