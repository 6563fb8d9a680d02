import { WEBHOOK_EVENT_NAMES } from "../../lib/contracts/webhook-event.js";
import type { WebhookEvent } from "./webhook-event.entity.js";

/**
 * The request body of an event, the same bytes on every attempt to every endpoint (so that
 * `webhookEvents` shows exactly what was sent): the dotted type, when the act happened, the
 * event's feed position, the agent, and the producer's data. Only a positioned event has one.
 */
export function webhookBody(event: Pick<WebhookEvent, "type" | "occurredAt" | "position" | "agentId" | "data">): string {
  if (event.position === null) throw new Error("an event is sent only once the dispatcher has given it a position");
  return JSON.stringify({
    type: WEBHOOK_EVENT_NAMES[event.type],
    timestamp: event.occurredAt.toISOString(),
    position: Number(event.position),
    agentId: event.agentId,
    data: event.data,
  });
}
