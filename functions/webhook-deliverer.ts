/** The webhook deliverer: SQS batches of webhook deliveries (infra/webhooks.ts, docs/webhooks.md). */
export { webhookHandler as handler } from "../runtime/webhooks.js";
