import type { AppConfig } from "../../lib/platform/config.js";
import { type HostResolver, systemResolver } from "../../lib/platform/outbound-address.js";
import { webhookSecretKey } from "../../lib/platform/secrets.js";
import { deliveryLeaseMs } from "./webhook-event.dispatch.js";

/** What the webhooks context needs from configuration, read once (runtime/contexts.ts, runtime/webhooks.ts). */
export interface WebhookSettings {
  /** What endpoints' signing secrets are derived from (webhook-secret.ts). */
  secretKey: string;
  /** Accept loopback addresses, and http to them (development). */
  allowLoopback: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
  secretGraceHours: number;
  /**
   * How long a delivery's message is given to reach the deliverer before the retry sweep sends
   * another: the configured queue's whole retry of one message (deliveryLeaseMs), the lease the
   * dispatcher gives too, so that a redelivery's message SQS is still retrying is not doubled.
   */
  leaseMs: number;
  /** How endpoint hosts are resolved, at registration and again at every delivery; tests stub it. */
  resolveHost: HostResolver;
}

export function webhookSettings(config: AppConfig, resolveHost: HostResolver = systemResolver): WebhookSettings {
  const { allowLoopback, timeoutMs, maxResponseBytes, secretGraceHours } = config.webhooks;
  return {
    secretKey: webhookSecretKey(config),
    allowLoopback,
    timeoutMs,
    maxResponseBytes,
    secretGraceHours,
    leaseMs: deliveryLeaseMs(config.webhooks),
    resolveHost,
  };
}
