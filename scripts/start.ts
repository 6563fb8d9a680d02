import { config } from "../lib/platform/config.js";
import { databaseKind } from "../lib/platform/database.js";
import { log } from "../lib/platform/logger.js";
import { startLocalSystem } from "../runtime/local.js";

// Last line of defence: log, never die silently with the whole system.
process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
// Node prints process warnings (a deprecation, the AWS SDK's notice about Node 20) as plain text
// on stderr: here they become JSON lines like every other log line.
process.removeAllListeners("warning");
process.on("warning", (warning) => log.warn({ err: warning }, "process warning"));

const settings = config();
const system = await startLocalSystem(settings);
const where = databaseKind(settings.databaseUrl) === "sqlite" ? settings.databaseUrl : "MySQL (DATABASE_URL)";
// For the person who typed `npm start`; everything the system logs after this is JSON lines.
console.log(`Agent Trust is up.
  database: ${where}
  queue:    ${settings.sqs.judgeQueueUrl ? settings.sqs.judgeQueueUrl : "embedded SQS emulator"}
  tokens:   npm run token -- --role builder --sub alice
Gateway ready at ${system.gatewayUrl}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // For the person who pressed Ctrl-C, like the greeting above.
    console.log(`\n${signal}: stopping…`);
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "could not stop cleanly");
        process.exit(1);
      },
    );
  });
}
