import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import type { Logger } from "../../lib/platform/logger.js";
import type { WebhookSettings } from "./webhook.settings.js";

export type WebhooksOptions = WebhookSettings & {
  /** Publishes just-written outbox messages (a redelivery's) at once; without it the relay's next run does. */
  outboxWritten?: () => Promise<void> | void;
};

export interface WebhooksContext {
  identity: Identity;
  dataSource: DataSource;
  log: Logger;
  options: WebhooksOptions;
}
