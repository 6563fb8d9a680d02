import { createHmac } from "node:crypto";
import { SECRET_PREFIX } from "../../lib/platform/standard-webhooks.js";
import type { WebhookEndpoint } from "./webhook-endpoint.entity.js";

/*
 * An endpoint's signing secret is never stored: it is derived from the installation's webhook
 * key (WEBHOOK_SECRET_KEY), the endpoint's id and its secret generation, so the same secret comes
 * back whenever it is needed (to sign a delivery) and nowhere else, and a copy of the database
 * signs nothing. Rotating moves the generation on; the previous one still signs until its grace
 * ends (Standard Webhooks receivers accept any of the signatures sent).
 */

/** `whsec_` + base64(HMAC-SHA256(secretKey, "<endpointId>:<generation>")): 32 bytes of key. */
export function endpointSecret(secretKey: string, endpointId: string, generation: number): string {
  return SECRET_PREFIX + createHmac("sha256", secretKey).update(`${endpointId}:${generation}`).digest("base64");
}

/**
 * The secrets a delivery made at `now` is signed with: the current generation's, then the
 * previous one's while its grace lasts (`now` before `previousSecretUntil`).
 */
export function signingSecrets(
  endpoint: Pick<WebhookEndpoint, "id" | "secretGeneration" | "previousSecretGeneration" | "previousSecretUntil">,
  secretKey: string,
  now: Date,
): string[] {
  const secrets = [endpointSecret(secretKey, endpoint.id, endpoint.secretGeneration)];
  const { previousSecretGeneration, previousSecretUntil } = endpoint;
  if (previousSecretGeneration !== null && previousSecretUntil !== null && now.getTime() < previousSecretUntil.getTime())
    secrets.push(endpointSecret(secretKey, endpoint.id, previousSecretGeneration));
  return secrets;
}
