import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { RaiseWebhookEvent, WebhookEventInput } from "../../lib/contracts/webhook-event.js";
import { WebhookEvent } from "./webhook-event.entity.js";

/** A `webhook-id`: unique, opaque, the same on every attempt of the event to every endpoint. */
export const newMessageId = () => `msg_${randomUUID().replaceAll("-", "")}`;

/**
 * Writes an event in the caller's transaction, with no position: the dispatcher gives it one once
 * it is committed (webhook-event.dispatch.ts). One INSERT, nothing read back.
 */
export const raiseWebhookEvent: RaiseWebhookEvent = async (manager: EntityManager, event: WebhookEventInput) => {
  const row: Omit<WebhookEvent, "id"> = {
    messageId: newMessageId(),
    position: null,
    type: event.type,
    agentId: event.agentId,
    audience: event.audience,
    ownerRole: event.owner?.role ?? null,
    ownerId: event.owner?.subject ?? null,
    data: event.data,
    occurredAt: event.at,
  };
  // The JSON column's object type is too open for TypeORM's deep-partial typing; the row is whole.
  await manager
    .createQueryBuilder()
    .insert()
    .into(WebhookEvent)
    .values(row as never)
    .updateEntity(false)
    .execute();
};
