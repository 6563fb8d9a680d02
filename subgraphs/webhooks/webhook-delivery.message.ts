import { MAX_ID_LENGTH } from "./webhook-endpoint.read.js";

/**
 * The webhook queue's message: which delivery to attempt. Everything else (the event, the
 * endpoint, whether it is still due) is read from the database when the message arrives, so a
 * message that comes twice, or late, does no harm (webhook.deliver.ts).
 */
export interface WebhookDeliveryMessage {
  kind: "webhook-delivery";
  deliveryId: string;
  /** Sent by `redeliverWebhook`: its attempt does not advance the retry schedule. */
  redelivery: boolean;
}

export function deliveryMessage(deliveryId: string, redelivery = false): WebhookDeliveryMessage {
  return { kind: "webhook-delivery", deliveryId, redelivery };
}

/** Parses a queue body; throws on anything that is not a delivery message (such a message is poison). */
export function parseDeliveryMessage(body: string): WebhookDeliveryMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error("webhook delivery message is not JSON");
  }
  const message = value as Partial<WebhookDeliveryMessage> | null;
  if (
    message?.kind !== "webhook-delivery" ||
    typeof message.deliveryId !== "string" ||
    message.deliveryId.length === 0 ||
    message.deliveryId.length > MAX_ID_LENGTH
  )
    throw new Error("webhook delivery message has no valid kind and deliveryId");
  return { kind: message.kind, deliveryId: message.deliveryId, redelivery: message.redelivery === true };
}
