import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebhookEventType } from "../../lib/contracts/webhook-event.js";
import { inTransaction } from "../../lib/platform/database.js";
import { OutboxMessage } from "../../lib/platform/outbox.js";
import type { HostResolver } from "../../lib/platform/outbound-address.js";
import { createWebhookHandler } from "../../runtime/webhooks.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { WebhookAttempt, WebhookDelivery } from "../../subgraphs/webhooks/webhook-delivery.entity.js";
import { WebhookEndpoint } from "../../subgraphs/webhooks/webhook-endpoint.entity.js";
import { dispatchWebhooks } from "../../subgraphs/webhooks/webhook-event.dispatch.js";
import { WebhookEvent } from "../../subgraphs/webhooks/webhook-event.entity.js";
import { MAX_ATTEMPTS } from "../../subgraphs/webhooks/webhook-retry.math.js";
import { endpointSecret } from "../../subgraphs/webhooks/webhook-secret.js";
import { GONE_REASON, deliverWebhook } from "../../subgraphs/webhooks/webhook.deliver.js";
import { WebhookAttemptOutcome, WebhookDeliveryState, WebhookEndpointState } from "../../subgraphs/webhooks/webhook.enums.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture } from "../support/seed.js";
import { sqsEvent } from "../support/sqs-record.js";
import {
  TEST_WEBHOOK_KEY,
  deliverOutbox,
  raiseEvent,
  seedEndpoint,
  startReceiver,
  testWebhookSettings,
  verifyDelivery,
  webhookRecords,
  type Received,
  type Receiver,
} from "../support/webhooks.js";

/*
 * The deliverer against receivers on 127.0.0.1: what a receiver gets and verifies with the
 * `standardwebhooks` package, what each failure mode leaves in the delivery log, the address check
 * in production mode, and the retry schedule on a simulated clock (`now` passed to the dispatcher
 * and the deliverer). Every endpoint URL resolves, through a stubbed resolver, to 127.0.0.1 or to
 * an address the check refuses before any connection.
 */

const MINUTE = 60_000;

/** Verifies a delivery as its receiver would have at the moment it was signed (the simulated clock's). */
function verifyAsSent(endpoint: WebhookEndpoint, received: Received, secret?: string): Record<string, unknown> {
  vi.useFakeTimers({ toFake: ["Date"] });
  try {
    vi.setSystemTime(Number(received.headers["webhook-timestamp"]) * 1000);
    return verifyDelivery(endpoint, received, secret);
  } finally {
    vi.useRealTimers();
  }
}

describe.each(DATABASE_KINDS)("delivering webhooks (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const started = await startReceiver(...args);
    receivers.push(started);
    return started;
  };
  afterEach(async () => {
    for (const started of receivers.splice(0)) await started.stop();
    // Endpoints of earlier tests hear no more, and nothing of theirs is left to send.
    await inTransaction(db.dataSource, async (manager) => {
      await manager.createQueryBuilder().update(WebhookEndpoint).set({ state: WebhookEndpointState.DISABLED }).execute();
      await manager.update(WebhookDelivery, { state: WebhookDeliveryState.PENDING }, { state: WebhookDeliveryState.DEAD });
      await manager.createQueryBuilder().delete().from(OutboxMessage).execute();
    });
  });

  const seedAgent = async (owner: string) => {
    const agent = agentFixture(owner);
    await inTransaction(db.dataSource, (manager) => manager.insert(Agent, agent));
    return agent;
  };
  const deliveryOf = (endpoint: WebhookEndpoint) =>
    db.dataSource.getRepository(WebhookDelivery).findOneByOrFail({ endpointId: endpoint.id });
  const attemptsOf = (endpoint: WebhookEndpoint) =>
    db.dataSource.getRepository(WebhookAttempt).find({ where: { endpointId: endpoint.id }, order: { id: "ASC" } });
  const endpointNow = (endpoint: WebhookEndpoint) => db.dataSource.getRepository(WebhookEndpoint).findOneByOrFail({ id: endpoint.id });

  describe("signatures, as the standardwebhooks package checks them", () => {
    it("signs every delivery so that the receiver's library verifies it, with the event's id, type, position and data", async () => {
      const ds = db.dataSource;
      const agent = await seedAgent("gail");
      const got = await receiver();
      const endpoint = await seedEndpoint(ds, { url: got.url });
      await raiseEvent(ds, { agentId: agent.id, data: { before: { compositeScore: 700 }, after: { compositeScore: 640 } } });
      await dispatchWebhooks(ds);

      const handled = await createWebhookHandler(() => testWebhookSettings())(sqsEvent(...(await webhookRecords(ds))));

      expect(handled.batchItemFailures).toEqual([]);
      expect(got.received).toHaveLength(1);
      const [delivery] = got.received as [Received];
      const event = await ds.getRepository(WebhookEvent).findOneByOrFail({ agentId: agent.id });
      expect(verifyDelivery(endpoint, delivery)).toEqual({
        type: "trust.changed",
        timestamp: event.occurredAt.toISOString(),
        position: Number(event.position),
        agentId: agent.id,
        data: { before: { compositeScore: 700 }, after: { compositeScore: 640 } },
      });
      expect(delivery.headers).toMatchObject({
        "webhook-id": event.messageId,
        "content-type": "application/json",
        "user-agent": "agent-trust-webhooks/1",
      });
      expect((await deliveryOf(endpoint)).state).toBe(WebhookDeliveryState.DELIVERED);
    });

    it("is refused by the receiver when the body is altered, when signed with another secret, or when replayed later", async () => {
      const ds = db.dataSource;
      const agent = await seedAgent("hana");
      const got = await receiver();
      const endpoint = await seedEndpoint(ds, { url: got.url });
      await raiseEvent(ds, { agentId: agent.id });
      // A delivery captured ten minutes ago and sent again now: its signed timestamp gives it away.
      const tenMinutesAgo = new Date(Date.now() - 10 * MINUTE);
      await dispatchWebhooks(ds, tenMinutesAgo);
      await deliverOutbox(ds, testWebhookSettings(), tenMinutesAgo);

      const [replayed] = got.received as [Received];
      const altered = { ...replayed, body: replayed.body.replace('"trust.changed"', '"trust.changed" ') };

      expect(() => verifyDelivery(endpoint, replayed)).toThrow("Message timestamp too old");
      expect(verifyAsSent(endpoint, replayed)).toMatchObject({ type: "trust.changed" });
      expect(() => verifyAsSent(endpoint, altered)).toThrow("No matching signature found");
      expect(() => verifyAsSent(endpoint, replayed, endpointSecret("another-installation-key-0123456789", endpoint.id, 1))).toThrow(
        "No matching signature found",
      );
    });

    it("signs with both secrets during a rotation's grace, so that either verifies, and with the new one alone after it", async () => {
      const ds = db.dataSource;
      const agent = await seedAgent("ines");
      const got = await receiver();
      const graceEnds = new Date(Date.now() + 60 * MINUTE);
      const endpoint = await seedEndpoint(ds, {
        url: got.url,
        secretGeneration: 2,
        previousSecretGeneration: 1,
        previousSecretUntil: graceEnds,
      });
      const [oldSecret, newSecret] = [endpointSecret(TEST_WEBHOOK_KEY, endpoint.id, 1), endpointSecret(TEST_WEBHOOK_KEY, endpoint.id, 2)];
      await raiseEvent(ds, { agentId: agent.id });
      await dispatchWebhooks(ds);
      await deliverOutbox(ds, testWebhookSettings());
      // After the grace: the old secret no longer signs.
      await inTransaction(ds, (manager) =>
        manager.update(WebhookEndpoint, { id: endpoint.id }, { previousSecretUntil: new Date(Date.now() - 1) }),
      );
      await raiseEvent(ds, { agentId: agent.id });
      await dispatchWebhooks(ds);
      await deliverOutbox(ds, testWebhookSettings());

      const [during, after] = got.received as [Received, Received];
      expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
      expect(new Webhook(oldSecret).verify(during.body, during.headers)).toBeTruthy();
      expect(new Webhook(newSecret).verify(during.body, during.headers)).toBeTruthy();
      expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
      expect(new Webhook(newSecret).verify(after.body, after.headers)).toBeTruthy();
      expect(() => new Webhook(oldSecret).verify(after.body, after.headers)).toThrow("No matching signature found");
    });
  });

  it("handles receivers that time out, fail, are gone, redirect or answer 10 MB, while a healthy endpoint in the same batch gets its event", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent("jude");
    const elsewhere = await receiver();
    const [silent, failing, gone, redirecting, huge, healthy] = await Promise.all([
      receiver({ answer: () => "hang" }),
      receiver({ answer: () => ({ status: 500, body: "boom" }) }),
      receiver({ answer: () => ({ status: 410 }) }),
      receiver({ answer: () => ({ status: 302, headers: { location: elsewhere.url } }) }),
      receiver({ answer: () => ({ status: 200, bodyBytes: 10 * 1024 * 1024 }) }),
      receiver(),
    ]);
    const endpointOf = (got: Receiver, ownerId: string) => seedEndpoint(ds, { url: got.url, ownerRole: "partner", ownerId });
    const endpoints = {
      silent: await endpointOf(silent, "p-silent"),
      failing: await endpointOf(failing, "p-failing"),
      gone: await endpointOf(gone, "p-gone"),
      redirecting: await endpointOf(redirecting, "p-redirect"),
      huge: await endpointOf(huge, "p-huge"),
      healthy: await endpointOf(healthy, "p-healthy"),
    };
    // The gone endpoint's owner has another endpoint, which hears of its disabling.
    const notices = await receiver();
    const noticeEndpoint = await seedEndpoint(ds, {
      url: notices.url,
      ownerRole: "partner",
      ownerId: "p-gone",
      eventTypes: [WebhookEventType.ENDPOINT_DISABLED],
    });
    await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);

    const handled = await createWebhookHandler(() => testWebhookSettings({ timeoutMs: 1_000 }))(sqsEvent(...(await webhookRecords(ds))));

    const rows = Object.fromEntries(
      await Promise.all(Object.entries(endpoints).map(async ([name, endpoint]) => [name, (await attemptsOf(endpoint))[0]!] as const)),
    );
    expect(handled.batchItemFailures).toEqual([]);
    expect(rows.silent).toMatchObject({ outcome: WebhookAttemptOutcome.FAILED, statusCode: null, error: "timed out after 1000 ms" });
    expect(rows.failing).toMatchObject({ outcome: WebhookAttemptOutcome.FAILED, statusCode: 500, error: null });
    expect(rows.gone).toMatchObject({ outcome: WebhookAttemptOutcome.FAILED, statusCode: 410 });
    expect(rows.redirecting).toMatchObject({ outcome: WebhookAttemptOutcome.FAILED, statusCode: 302, error: "redirect not followed" });
    expect(rows.huge).toMatchObject({ outcome: WebhookAttemptOutcome.SUCCEEDED, statusCode: 200, error: null });
    expect(rows.healthy).toMatchObject({ outcome: WebhookAttemptOutcome.SUCCEEDED, statusCode: 200, error: null });
    expect(Object.values(rows).every((row) => row.redelivery === false && row.latencyMs >= 0)).toBe(true);
    // The 10 MB answer was cut off where the deliverer stopped reading: most of it was never even sent.
    expect(huge.bytesWritten()).toBeLessThan(10 * 1024 * 1024);
    expect(elsewhere.received).toHaveLength(0);
    expect(verifyDelivery(endpoints.healthy, healthy.received[0]!)).toMatchObject({ type: "trust.changed", agentId: agent.id });

    // Failures are retried after the schedule's first delay (5 s ± 20 %); the endpoint is failing since then.
    for (const name of ["silent", "failing", "redirecting"] as const) {
      const delivery = await deliveryOf(endpoints[name]);
      expect(delivery).toMatchObject({ state: WebhookDeliveryState.PENDING, attempts: 1, leaseUntil: null });
      const wait = delivery.nextAttemptAt!.getTime() - rows[name]!.attemptedAt.getTime();
      expect(wait).toBeGreaterThanOrEqual(4_000);
      expect(wait).toBeLessThanOrEqual(6_000);
      expect((await endpointNow(endpoints[name])).failingSince).not.toBeNull();
    }
    for (const name of ["huge", "healthy"] as const) expect((await deliveryOf(endpoints[name])).state).toBe(WebhookDeliveryState.DELIVERED);

    // 410: disabled at once, its delivery dead, its owner told through its other endpoint.
    expect(await endpointNow(endpoints.gone)).toMatchObject({ state: WebhookEndpointState.DISABLED, disabledReason: GONE_REASON });
    expect((await deliveryOf(endpoints.gone)).state).toBe(WebhookDeliveryState.DEAD);
    await dispatchWebhooks(ds);
    await deliverOutbox(ds, testWebhookSettings());
    expect(notices.received).toHaveLength(1);
    expect(verifyDelivery(noticeEndpoint, notices.received[0]!)).toMatchObject({
      type: "endpoint.disabled",
      agentId: null,
      data: { endpointId: endpoints.gone.id, url: gone.url, reason: GONE_REASON, disabledAt: expect.any(String) },
    });
    // Nobody else hears of it: the notice is the owner's.
    for (const got of [silent, failing, redirecting, huge, healthy]) expect(got.received).toHaveLength(1);
  });

  it("in production mode refuses, before any connection, endpoints whose host now resolves to a loopback, private, link-local or metadata address", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent("kai");
    // Listens where a loopback endpoint would connect: the proof that nothing did.
    const trap = await receiver();
    // Each host's address, and what the refusal calls it.
    const hosts: Record<string, [address: string, kind: string]> = {
      "loopback.example": ["127.0.0.1", "a loopback address"],
      "private.example": ["10.0.0.7", "a private address"],
      "cgnat.example": ["100.64.1.1", "a private address"],
      "link-local.example": ["169.254.10.10", "a link-local address"],
      "metadata.example": ["169.254.169.254", "a cloud metadata service's address"],
      "mapped.example": ["::ffff:10.0.0.1", "a private address"],
      "ipv6-loopback.example": ["::1", "a loopback address"],
    };
    const resolveHost: HostResolver = async (host) => {
      const [address] = hosts[host]!;
      return [{ address, family: address.includes(":") ? 6 : 4 }];
    };
    const endpoints = await Promise.all(
      Object.keys(hosts).map((host) => seedEndpoint(ds, { url: `https://${host}:${trap.port}/hooks`, ownerId: `p-${host}` })),
    );
    await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);

    const results = await deliverOutbox(ds, testWebhookSettings({ allowLoopback: false, resolveHost }));

    expect(results).toHaveLength(endpoints.length);
    for (const [i, endpoint] of endpoints.entries()) {
      const [attempt] = await attemptsOf(endpoint);
      const [address, kind] = Object.values(hosts)[i]!;
      // The log says what kind of address, not which: its reader may be whoever registered the name.
      expect(attempt).toMatchObject({ outcome: WebhookAttemptOutcome.REFUSED, statusCode: null, error: `resolves to ${kind}` });
      expect(attempt!.error).not.toContain(address);
      // A refusal counts as a failure: retried on the schedule, in case the name resolves publicly again.
      expect(await deliveryOf(endpoint)).toMatchObject({ state: WebhookDeliveryState.PENDING, attempts: 1 });
    }
    expect(trap.connections()).toBe(0);
    expect(trap.received).toEqual([]);
  });

  it("delivers every event to a receiver that was down for an hour, once it is back", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent("lena");
    let down = true;
    const got = await receiver({ answer: () => (down ? { status: 503 } : { status: 204 }) });
    const endpoint = await seedEndpoint(ds, { url: got.url });
    const t0 = Date.now();
    for (let i = 0; i < 3; i += 1) await raiseEvent(ds, { agentId: agent.id, data: { n: i }, at: new Date(t0 + i * MINUTE) });
    const settings = testWebhookSettings();
    /** The dispatcher and the deliverer at a moment of the simulated clock. */
    const tick = async (at: number) => {
      await dispatchWebhooks(ds, new Date(at));
      await deliverOutbox(ds, settings, new Date(at));
    };

    // Down for an hour: every attempt in it fails, and is retried on the schedule.
    for (let at = t0; at <= t0 + 60 * MINUTE; at += MINUTE) await tick(at);
    const whileDown = got.received.length;
    down = false;
    // Back: the dispatcher keeps running; each pending delivery goes out when its retry is due.
    for (let at = t0 + 61 * MINUTE; at <= t0 + 6 * 60 * MINUTE; at += 5 * MINUTE) await tick(at);

    const deliveries = await ds.getRepository(WebhookDelivery).findBy({ endpointId: endpoint.id });
    const afterBack = got.received.slice(whileDown);
    expect(whileDown).toBeGreaterThanOrEqual(3 * 3);
    expect(deliveries.map((d) => d.state)).toEqual(Array(3).fill(WebhookDeliveryState.DELIVERED));
    // Every event, verified, arrived after the receiver came back; duplicates only with one id each.
    const bodies = afterBack.map((delivery) => verifyAsSent(endpoint, delivery));
    expect(bodies.map((body) => (body.data as { n: number }).n).sort()).toEqual([0, 1, 2]);
    expect(new Set(afterBack.map((delivery) => delivery.headers["webhook-id"])).size).toBe(3);
    expect(await endpointNow(endpoint)).toMatchObject({ state: WebhookEndpointState.ACTIVE, failingSince: null });
  });

  it("after a whole schedule failing throughout, kills the delivery, disables the endpoint and tells its owner's other endpoint", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent("mona");
    const failing = await receiver({ answer: () => ({ status: 500 }) });
    const notices = await receiver();
    const endpoint = await seedEndpoint(ds, { url: failing.url, ownerRole: "builder", ownerId: "mona" });
    const other = await seedEndpoint(ds, {
      url: notices.url,
      ownerRole: "builder",
      ownerId: "mona",
      eventTypes: [WebhookEventType.ENDPOINT_DISABLED],
    });
    const settings = testWebhookSettings();
    let at = Date.now() - 30 * 60 * MINUTE;
    await raiseEvent(ds, { agentId: agent.id, at: new Date(at) });
    await dispatchWebhooks(ds, new Date(at));

    // Each attempt when it falls due, until the schedule is spent.
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      await deliverOutbox(ds, settings, new Date(at));
      const delivery = await deliveryOf(endpoint);
      if (delivery.nextAttemptAt === null) break;
      at = delivery.nextAttemptAt.getTime();
      await dispatchWebhooks(ds, new Date(at));
    }

    const delivery = await deliveryOf(endpoint);
    const attempts = await attemptsOf(endpoint);
    expect(delivery).toMatchObject({ state: WebhookDeliveryState.DEAD, attempts: MAX_ATTEMPTS, nextAttemptAt: null, lastStatus: 500 });
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    expect(failing.received).toHaveLength(MAX_ATTEMPTS);
    // About a day from the first attempt to the last.
    const span = attempts.at(-1)!.attemptedAt.getTime() - attempts[0]!.attemptedAt.getTime();
    expect(span / (60 * MINUTE)).toBeGreaterThan(23.6 * 0.8);
    expect(span / (60 * MINUTE)).toBeLessThan(23.6 * 1.2);
    const disabled = await endpointNow(endpoint);
    expect(disabled.state).toBe(WebhookEndpointState.DISABLED);
    expect(disabled.disabledReason).toMatch(/^failing since /);

    await dispatchWebhooks(ds, new Date(at));
    await deliverOutbox(ds, settings);
    expect(notices.received).toHaveLength(1);
    expect(verifyDelivery(other, notices.received[0]!)).toMatchObject({
      type: "endpoint.disabled",
      data: { endpointId: endpoint.id, url: failing.url, reason: disabled.disabledReason },
    });
    // A disabled endpoint hears nothing more.
    await raiseEvent(ds, { agentId: agent.id });
    const after = await dispatchWebhooks(ds);
    expect(after.deliveries).toBe(0);
  });

  it("does not disable an endpoint that succeeded during a delivery's failing schedule", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent("nils");
    // Refuses the first event forever, takes every other.
    let refused: string | undefined;
    const got = await receiver({
      answer: (request) => {
        refused ??= request.headers["webhook-id"];
        return request.headers["webhook-id"] === refused ? { status: 500 } : { status: 200 };
      },
    });
    const endpoint = await seedEndpoint(ds, { url: got.url });
    const settings = testWebhookSettings();
    let at = Date.now() - 30 * 60 * MINUTE;
    await raiseEvent(ds, { agentId: agent.id, at: new Date(at) });
    await dispatchWebhooks(ds, new Date(at));
    await deliverOutbox(ds, settings, new Date(at));
    // A second event, delivered at once, between the first one's attempts.
    await raiseEvent(ds, { agentId: agent.id, at: new Date(at + MINUTE) });
    await dispatchWebhooks(ds, new Date(at + MINUTE));
    await deliverOutbox(ds, settings, new Date(at + MINUTE));
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const [first] = await ds.getRepository(WebhookDelivery).find({ where: { endpointId: endpoint.id }, order: { eventPosition: "ASC" } });
      if (first!.nextAttemptAt === null) break;
      at = first!.nextAttemptAt.getTime();
      await dispatchWebhooks(ds, new Date(at));
      await deliverOutbox(ds, settings, new Date(at));
    }

    const deliveries = await ds
      .getRepository(WebhookDelivery)
      .find({ where: { endpointId: endpoint.id }, order: { eventPosition: "ASC" } });
    expect(deliveries.map((d) => d.state)).toEqual([WebhookDeliveryState.DEAD, WebhookDeliveryState.DELIVERED]);
    expect((await endpointNow(endpoint)).state).toBe(WebhookEndpointState.ACTIVE);
  });

  it("leaves alone a message for a delivery already delivered, not yet due, or unknown, and fails a malformed one", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent("olga");
    const got = await receiver();
    const endpoint = await seedEndpoint(ds, { url: got.url });
    await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);
    const [message] = await webhookRecords(ds);
    const handler = createWebhookHandler(() => testWebhookSettings());

    await handler(sqsEvent(message!));
    const duplicate = await handler(sqsEvent({ ...message!, messageId: "duplicate" }));
    const { id } = await deliveryOf(endpoint);
    const delivered = await deliverWebhook(ds, id, testWebhookSettings());
    const unknown = await deliverWebhook(ds, "00000000-0000-4000-8000-000000000000", testWebhookSettings());
    // A retry scheduled for later, whose message came early (SQS delivered it twice).
    const later = new Date(Date.now() + 60_000);
    await inTransaction(ds, (manager) =>
      manager.update(WebhookDelivery, { id }, { state: WebhookDeliveryState.PENDING, attempts: 1, nextAttemptAt: later }),
    );
    const early = await deliverWebhook(ds, id, testWebhookSettings());
    const poison = await handler(sqsEvent({ ...message!, messageId: "poison", body: "{ not a message" }));

    expect(duplicate.batchItemFailures).toEqual([]);
    expect(got.received).toHaveLength(1);
    expect(delivered).toEqual({ attempted: false, reason: "not pending" });
    expect(early).toEqual({ attempted: false, reason: "not due" });
    expect(unknown).toEqual({ attempted: false, reason: "unknown delivery" });
    // A message that is no delivery's is the deliverer's failure: SQS retries it, then dead-letters it.
    expect(poison.batchItemFailures).toEqual([{ itemIdentifier: "poison" }]);
  });

  it("lets the pending delivery of an endpoint disabled or deleted since the dispatch die without sending it", async () => {
    const ds = db.dataSource;
    const agent = await seedAgent("pia");
    const got = await receiver();
    const disabled = await seedEndpoint(ds, { url: got.url, ownerId: "p-disabled" });
    const deleted = await seedEndpoint(ds, { url: got.url, ownerId: "p-deleted" });
    await raiseEvent(ds, { agentId: agent.id });
    await dispatchWebhooks(ds);
    // Changed under the dispatch's feet, as a dispatch that read them still active would leave them.
    await inTransaction(ds, async (manager) => {
      await manager.update(WebhookEndpoint, { id: disabled.id }, { state: WebhookEndpointState.DISABLED });
      await manager.delete(WebhookEndpoint, { id: deleted.id });
    });

    const results = await deliverOutbox(ds, testWebhookSettings());

    expect(results).toEqual([
      { attempted: false, reason: "endpoint disabled" },
      { attempted: false, reason: "endpoint disabled" },
    ]);
    expect(await deliveryOf(disabled)).toMatchObject({ state: WebhookDeliveryState.DEAD, lastError: "endpoint disabled" });
    expect(await deliveryOf(deleted)).toMatchObject({ state: WebhookDeliveryState.DEAD, lastError: "endpoint deleted" });
    expect(got.connections()).toBe(0);
  });
});
