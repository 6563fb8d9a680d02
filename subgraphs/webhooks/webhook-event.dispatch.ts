import { randomUUID } from "node:crypto";
import { Brackets, In, IsNull, type DataSource, type EntityManager } from "typeorm";
import { findAgentOwners } from "../../lib/contracts/agent-directory.js";
import type { WebhookEventType } from "../../lib/contracts/webhook-event.js";
import { inTransaction, insertInChunks, writeLock } from "../../lib/platform/database.js";
import { enqueueMany } from "../../lib/platform/outbox.js";
import { WebhookDelivery } from "./webhook-delivery.entity.js";
import { deliveryMessage } from "./webhook-delivery.message.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { DISPATCHER_ROW, WebhookDispatcher, WebhookEvent } from "./webhook-event.entity.js";
import { WebhookDeliveryState, WebhookEndpointState } from "./webhook.enums.js";

/*
 * The dispatcher: from events committed by acts to deliveries owed to endpoints, with a message
 * for each on its way to the deliverer.
 *
 * Sequencing and fan-out happen in one transaction, with the trust feed's technique
 * (subgraphs/reputation/trust-event.sequence.ts has the reasoning): the dispatcher's row is locked
 * first, then committed unpositioned events are read with a plain read (which never waits for,
 * nor sees, an act still open), in id order, and positioned from the last position handed out.
 * So positions only grow in the order events became visible: a receiver that has processed up to
 * a position is never later handed an event below it. The same transaction writes one delivery per
 * matching endpoint and one outbox message per delivery; a crash anywhere leaves the events
 * unpositioned, to be dispatched again whole, and a second dispatch finds nothing to do.
 *
 * The retry sweep then leases pending deliveries that are due and whose message is not on its way
 * (no lease, or a lapsed one) and sends a message for each. A delivery carries a lease from the
 * moment its message is written until the deliverer records an attempt; a message lost with a
 * process, or with the embedded queue, is sent again once its lease lapses: nothing is lost.
 */

/** Events positioned and fanned out per transaction. */
const DISPATCH_BATCH = 200;
/** Due deliveries leased per sweep. */
export const SWEEP_BATCH = 200;
/**
 * How long a delivery's message is given to reach the deliverer before the sweep sends another,
 * when the caller names no lease (tests): the queue's whole retry of one message with the
 * configuration's defaults, 5 receives × 60 s visibility. The runtimes pass the configured
 * queue's instead (deliveryLeaseMs): on AWS the webhook queue's visibility is 180 s
 * (infra/lambda.ts), so 15 minutes, and a shorter lease would double messages SQS still retries.
 */
export const DEFAULT_LEASE_MS = 5 * 60_000;

/**
 * The lease for a queue with these settings (config.webhooks): every receive, with its visibility
 * timeout. The dispatcher's (runtime/webhooks.ts) and a redelivery's (webhookSettings) both.
 */
export function deliveryLeaseMs(queue: { maxReceiveCount: number; visibilityTimeoutSeconds: number }): number {
  return queue.maxReceiveCount * queue.visibilityTimeoutSeconds * 1000;
}

export interface DispatchOptions {
  leaseMs?: number;
  /** Also lease and re-send due deliveries (default true). After a judge batch only new events matter. */
  sweep?: boolean;
  /** Transactions of each kind per call, bounding one call's work (default 10). */
  maxBatches?: number;
}

export interface DispatchResult {
  /** Events given a position. */
  positioned: number;
  /** Deliveries created for them, each with its message. */
  deliveries: number;
  /** Due deliveries whose message was sent again (retries, and messages lost). */
  resent: number;
}

/** What matching needs of an endpoint. */
type EndpointView = Pick<WebhookEndpoint, "id" | "ownerRole" | "ownerId" | "eventTypes" | "agentIds">;
type EventView = Pick<WebhookEvent, "type" | "agentId" | "audience" | "ownerRole" | "ownerId">;

/**
 * The endpoints an event goes to (docs/webhooks.md, "Events"), given the ACTIVE endpoints and the
 * owners of the agents concerned:
 * - PUBLIC: every partner's endpoint, and the agent's builder's;
 * - BUILDER: the agent's builder's only;
 * - OWNER: the endpoints of the owner the event names, whatever the agent;
 * each only if subscribed to the type and, with an agent filter, naming the agent.
 */
export function endpointsFor(event: EventView, endpoints: readonly EndpointView[], owners: ReadonlyMap<string, string>): EndpointView[] {
  const subscribed = endpoints.filter((endpoint) => endpoint.eventTypes.includes(event.type));
  if (event.audience === "OWNER")
    return subscribed.filter((endpoint) => endpoint.ownerRole === event.ownerRole && endpoint.ownerId === event.ownerId);
  const agentId = event.agentId;
  if (agentId === null) return [];
  const builder = owners.get(agentId);
  const hearsOfAgent = (endpoint: EndpointView) => endpoint.agentIds === null || endpoint.agentIds.includes(agentId);
  const isBuilders = (endpoint: EndpointView) => endpoint.ownerRole === "builder" && builder !== undefined && endpoint.ownerId === builder;
  const isPartners = (endpoint: EndpointView) => event.audience === "PUBLIC" && endpoint.ownerRole === "partner";
  return subscribed.filter((endpoint) => (isBuilders(endpoint) || isPartners(endpoint)) && hearsOfAgent(endpoint));
}

/** Whether any committed event awaits a position: one seek along the position index. */
async function anyUnpositioned(manager: EntityManager): Promise<boolean> {
  const row = await manager
    .createQueryBuilder(WebhookEvent, "e")
    .select("e.id", "id")
    .where("e.position IS NULL")
    .orderBy("e.id", "ASC")
    .limit(1)
    .getRawOne();
  return row !== undefined;
}

/** ACTIVE endpoints subscribed to any of `types`, in one statement; the LIKE narrows, endpointsFor decides. */
async function subscribedEndpoints(manager: EntityManager, types: WebhookEventType[]): Promise<WebhookEndpoint[]> {
  return manager
    .getRepository(WebhookEndpoint)
    .createQueryBuilder("w")
    .where("w.state = :active", { active: WebhookEndpointState.ACTIVE })
    .andWhere(
      new Brackets((any) => {
        types.forEach((type, i) => any.orWhere(`w.event_types LIKE :type${i}`, { [`type${i}`]: `%"${type}"%` }));
      }),
    )
    .getMany();
}

/** Positions and fans out one batch; returns what it did, zero when nothing was left. */
async function dispatchBatch(dataSource: DataSource, now: Date, leaseMs: number): Promise<{ positioned: number; deliveries: number }> {
  return inTransaction(dataSource, async (manager) => {
    // The lock before any plain read (see trust-event.sequence.ts).
    const dispatcher = await manager.findOneOrFail(WebhookDispatcher, { where: { id: DISPATCHER_ROW }, lock: writeLock(manager) });
    const events = await manager.find(WebhookEvent, { where: { position: IsNull() }, order: { id: "ASC" }, take: DISPATCH_BATCH });
    if (events.length === 0) return { positioned: 0, deliveries: 0 };

    const offset = Number(dispatcher.lastPosition) + 1 - Number(events[0]!.id);
    await manager
      .createQueryBuilder()
      .update(WebhookEvent)
      .set({ position: () => "id + :offset" })
      .setParameter("offset", offset)
      .where({ id: In(events.map((event) => event.id)) })
      .execute();
    await manager.update(WebhookDispatcher, { id: DISPATCHER_ROW }, { lastPosition: Number(events.at(-1)!.id) + offset });

    const endpoints = await subscribedEndpoints(manager, [...new Set(events.map((event) => event.type))]);
    const agentIds = [...new Set(events.flatMap((event) => (event.audience !== "OWNER" && event.agentId ? [event.agentId] : [])))];
    const owners = endpoints.some((endpoint) => endpoint.ownerRole === "builder") ? await findAgentOwners(manager, agentIds) : new Map();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const deliveries: WebhookDelivery[] = events.flatMap((event) =>
      endpointsFor(event, endpoints, owners).map((endpoint) =>
        Object.assign(new WebhookDelivery(), {
          id: randomUUID(),
          eventId: Number(event.id),
          eventPosition: Number(event.id) + offset,
          endpointId: endpoint.id,
          state: WebhookDeliveryState.PENDING,
          attempts: 0,
          nextAttemptAt: now,
          leaseUntil,
          lastStatus: null,
          lastError: null,
          deliveredAt: null,
          createdAt: now,
        }),
      ),
    );
    await insertInChunks(manager, WebhookDelivery, deliveries);
    await enqueueMany(
      manager,
      "webhook",
      deliveries.map((delivery) => deliveryMessage(delivery.id)),
      now,
    );
    return { positioned: events.length, deliveries: deliveries.length };
  });
}

/** Pending deliveries due at `now` whose message is not on its way. */
const dueAndUnleased = "d.state = :pending AND d.next_attempt_at <= :now AND (d.lease_until IS NULL OR d.lease_until < :now)";

/**
 * Leases up to SWEEP_BATCH due deliveries and writes a message for each; returns how many. Each
 * is leased by a conditional update of its own row, so two sweeps at once never both send one.
 */
async function sweepBatch(dataSource: DataSource, now: Date, leaseMs: number): Promise<number> {
  const conditions = { pending: WebhookDeliveryState.PENDING, now };
  const due = await dataSource
    .createQueryBuilder(WebhookDelivery, "d")
    .select("d.id", "id")
    .where(dueAndUnleased, conditions)
    .orderBy("d.next_attempt_at", "ASC")
    .limit(SWEEP_BATCH)
    .getRawMany<{ id: string }>();
  if (due.length === 0) return 0;
  return inTransaction(dataSource, async (manager) => {
    const leased: string[] = [];
    for (const { id } of due) {
      const { affected } = await manager
        .createQueryBuilder(WebhookDelivery, "d")
        .update()
        .set({ leaseUntil: new Date(now.getTime() + leaseMs) })
        .where("id = :id", { id })
        .andWhere(dueAndUnleased.replaceAll("d.", ""), conditions)
        .execute();
      if (affected === 1) leased.push(id);
    }
    await enqueueMany(
      manager,
      "webhook",
      leased.map((id) => deliveryMessage(id)),
      now,
    );
    return leased.length;
  });
}

/**
 * Dispatches committed events, then (unless told not to) re-sends due deliveries. Cheap when
 * there is nothing to do: one seek for unpositioned events, and one for due deliveries.
 */
export async function dispatchWebhooks(dataSource: DataSource, now = new Date(), options: DispatchOptions = {}): Promise<DispatchResult> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const maxBatches = options.maxBatches ?? 10;
  const result: DispatchResult = { positioned: 0, deliveries: 0, resent: 0 };
  for (let batch = 0; batch < maxBatches && (await anyUnpositioned(dataSource.manager)); batch += 1) {
    const done = await dispatchBatch(dataSource, now, leaseMs);
    result.positioned += done.positioned;
    result.deliveries += done.deliveries;
    if (done.positioned < DISPATCH_BATCH) break;
  }
  if (options.sweep ?? true) {
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const resent = await sweepBatch(dataSource, now, leaseMs);
      result.resent += resent;
      if (resent < SWEEP_BATCH) break;
    }
  }
  return result;
}

/**
 * Lets every pending delivery's message be sent again at the next sweep: for a process that
 * starts an empty embedded queue, where the messages of the previous one were lost with it.
 */
export async function releaseDeliveryLeases(dataSource: DataSource): Promise<number> {
  return inTransaction(dataSource, async (manager) => {
    const { affected } = await manager
      .createQueryBuilder()
      .update(WebhookDelivery)
      .set({ leaseUntil: null })
      .where("state = :pending AND lease_until IS NOT NULL", { pending: WebhookDeliveryState.PENDING })
      .execute();
    return affected ?? 0;
  });
}
