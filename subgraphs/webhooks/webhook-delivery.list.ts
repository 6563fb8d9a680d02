import { In, type DataSource } from "typeorm";
import { BadUserInputError } from "../../lib/platform/errors.js";
import { decodeCursor, pageOf, pageSize } from "../../lib/platform/pagination.js";
import { WebhookAttempt, WebhookDelivery } from "./webhook-delivery.entity.js";
import {
  WebhookDeliveryAttempt,
  type WebhookDeliveryAttemptConnection,
  WebhookEventDelivery,
  type WebhookEventDeliveryConnection,
} from "./webhook-delivery.types.js";
import { WebhookEvent } from "./webhook-event.entity.js";
import { webhookBody } from "./webhook-event.payload.js";

/*
 * The delivery log and the events owed, each page in a fixed number of statements whatever its
 * size: the page along the endpoint's index, then the events (and deliveries) it names, by key.
 * Whose endpoint may be read is decided before (webhooks.access.ts).
 */

interface Page {
  first: number | null;
  after: string | null;
}

const isAttemptCursor = (values: unknown[]): values is [number] =>
  values.length === 1 && Number.isSafeInteger(values[0]) && (values[0] as number) > 0;

/** `rows`' events by id, in one statement. */
async function eventsOf(dataSource: DataSource, eventIds: readonly (number | string)[]): Promise<Map<number, WebhookEvent>> {
  if (eventIds.length === 0) return new Map();
  const events = await dataSource.getRepository(WebhookEvent).findBy({ id: In([...new Set(eventIds.map(Number))]) });
  return new Map(events.map((event) => [Number(event.id), event]));
}

/** An endpoint's attempts, newest first: three statements a page. */
export async function listWebhookAttempts(
  dataSource: DataSource,
  endpointId: string,
  page: Page,
): Promise<WebhookDeliveryAttemptConnection> {
  const size = pageSize(page.first);
  const cursor = page.after ? decodeCursor(page.after, "after", isAttemptCursor) : null;
  const query = dataSource.getRepository(WebhookAttempt).createQueryBuilder("a").where("a.endpoint_id = :endpointId", { endpointId });
  if (cursor) query.andWhere("a.id < :before", { before: cursor[0] });
  const rows = await query
    .orderBy("a.id", "DESC")
    .limit(size + 1)
    .getMany();
  const shown = rows.slice(0, size);
  const [events, deliveries] = await Promise.all([
    eventsOf(
      dataSource,
      shown.map((row) => row.eventId),
    ),
    shown.length
      ? dataSource.getRepository(WebhookDelivery).findBy({ id: In([...new Set(shown.map((row) => row.deliveryId))]) })
      : Promise.resolve([]),
  ]);
  const states = new Map(deliveries.map((delivery) => [delivery.id, delivery.state]));
  return pageOf(
    rows,
    size,
    (row) => [Number(row.id)],
    (row) => {
      const event = events.get(Number(row.eventId))!;
      return Object.assign(new WebhookDeliveryAttempt(), {
        id: String(row.id),
        deliveryId: row.deliveryId,
        endpointId: row.endpointId,
        webhookId: event.messageId,
        eventType: event.type,
        position: Number(event.position),
        outcome: row.outcome,
        statusCode: row.statusCode,
        latencyMs: row.latencyMs,
        error: row.error,
        redelivery: Boolean(row.redelivery),
        attemptedAt: row.attemptedAt,
        deliveryState: states.get(row.deliveryId)!,
      });
    },
  );
}

/** A position given as `after`: what a cursor of `webhookEvents` is, and what a body's `position` says. */
function positionAfter(after: string | null): number {
  if (after === null) return 0;
  const position = /^\d{1,15}$/.test(after) ? Number(after) : Number.NaN;
  if (!Number.isSafeInteger(position))
    throw new BadUserInputError("after", "must be an event's position (a cursor of this list, or a body's `position`)");
  return position;
}

/** One delivery with its event, as `webhookEvents` and `redeliverWebhook` show it. */
export function eventDeliveryNode(delivery: WebhookDelivery, event: WebhookEvent): WebhookEventDelivery {
  return Object.assign(new WebhookEventDelivery(), {
    deliveryId: delivery.id,
    endpointId: delivery.endpointId,
    webhookId: event.messageId,
    eventType: event.type,
    position: Number(event.position),
    agentId: event.agentId,
    occurredAt: event.occurredAt,
    payload: webhookBody(event),
    state: delivery.state,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt,
    lastStatusCode: delivery.lastStatus,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt,
  });
}

/** The events owed to an endpoint after a position, in feed order: two statements a page. */
export async function listWebhookEvents(dataSource: DataSource, endpointId: string, page: Page): Promise<WebhookEventDeliveryConnection> {
  const size = pageSize(page.first);
  const after = positionAfter(page.after);
  const rows = await dataSource
    .getRepository(WebhookDelivery)
    .createQueryBuilder("d")
    .where("d.endpoint_id = :endpointId AND d.event_position > :after", { endpointId, after })
    .orderBy("d.event_position", "ASC")
    .limit(size + 1)
    .getMany();
  const shown = rows.slice(0, size);
  const events = await eventsOf(
    dataSource,
    shown.map((row) => row.eventId),
  );
  const edges = shown.map((row) => ({ cursor: String(row.eventPosition), node: eventDeliveryNode(row, events.get(Number(row.eventId))!) }));
  // An empty page hands back the cursor it was given, so a reader can always store endCursor.
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? page.after } };
}
