import type { AppConfig } from "../../lib/platform/config.js";
import { type HostResolver, systemResolver } from "../../lib/platform/outbound-address.js";
import { webhookSecretKey } from "../../lib/platform/secrets.js";

/** What the webhooks context needs from configuration, read once (runtime/contexts.ts, runtime/webhooks.ts). */
export interface WebhookSettings {
  /** What endpoints' signing secrets are derived from (webhook-secret.ts). */
  secretKey: string;
  /** Accept loopback addresses, and http to them (development). */
  allowLoopback: boolean;
  timeoutMs: number;
  maxResponseBytes: number;
  secretGraceHours: number;
  /** How endpoint hosts are resolved, at registration and again at every delivery; tests stub it. */
  resolveHost: HostResolver;
}

export function webhookSettings(config: AppConfig, resolveHost: HostResolver = systemResolver): WebhookSettings {
  const { allowLoopback, timeoutMs, maxResponseBytes, secretGraceHours } = config.webhooks;
  return { secretKey: webhookSecretKey(config), allowLoopback, timeoutMs, maxResponseBytes, secretGraceHours, resolveHost };
}
