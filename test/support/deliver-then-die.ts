/**
 * A webhook deliverer that dies mid-batch: it delivers and records the first message of the batch,
 * then POSTs the second and SIGKILLs itself inside the transaction that records it, as it writes
 * the attempt. The receiver has the second event; the database does not know it.
 * Usage: deliver-then-die.ts <database url> <message body>…
 */
import type { Logger } from "typeorm";
import { openDatabase } from "../../runtime/data-source.js";
import { webhookRecordHandler } from "../../runtime/webhooks.js";
import { sqsRecordFactory } from "./sqs-record.js";
import { testWebhookSettings } from "./webhooks.js";

let armed = false;
const killer: Logger = {
  logQuery: (query) => {
    if (armed && /^INSERT INTO\W+webhook_attempts/i.test(query)) process.kill(process.pid, "SIGKILL");
  },
  logQueryError: () => {},
  logQuerySlow: () => {},
  logSchemaBuild: () => {},
  logMigration: () => {},
  log: () => {},
};

const [url, ...bodies] = process.argv.slice(2);
const dataSource = await openDatabase(url!, { migrate: false, logger: killer });
const settings = testWebhookSettings();
await webhookRecordHandler(sqsRecordFactory(bodies[0]!), dataSource, settings);
process.stdout.write("first delivery recorded\n");
armed = true;
for (const body of bodies.slice(1)) await webhookRecordHandler(sqsRecordFactory(body), dataSource, settings);
process.stdout.write("every delivery recorded\n");
