import type { EntityManager } from "typeorm";
import { writeLock } from "../../lib/platform/database.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";

/** Every id this context issues is a UUID; a longer one names nothing, and is not sent to the database. */
export const MAX_ID_LENGTH = 36;

/** An endpoint by id, a plain read; null for none. */
export async function findEndpoint(manager: EntityManager, id: string): Promise<WebhookEndpoint | null> {
  if (id.length > MAX_ID_LENGTH) return null;
  return manager.findOne(WebhookEndpoint, { where: { id } });
}

/** An endpoint by id, locked for the rest of the transaction (an act on it runs one at a time); null for none. */
export async function lockedEndpoint(manager: EntityManager, id: string): Promise<WebhookEndpoint | null> {
  if (id.length > MAX_ID_LENGTH) return null;
  return manager.findOne(WebhookEndpoint, { where: { id }, lock: writeLock(manager) });
}
