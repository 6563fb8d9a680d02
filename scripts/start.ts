import { config } from "../lib/platform/config.js";
import { databaseKind } from "../lib/platform/database.js";
import { startLocalSystem } from "../runtime/local.js";

// Last line of defence: log, never die silently with the whole system.
process.on("unhandledRejection", (reason) => console.error("[unhandled rejection]", reason));

const settings = config();
const system = await startLocalSystem(settings);
const where = databaseKind(settings.databaseUrl) === "sqlite" ? settings.databaseUrl : "MySQL (DATABASE_URL)";
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
    console.log(`\n${signal}: stopping…`);
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
