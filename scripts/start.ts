import { type AppConfig, ConfigError, config } from "../lib/platform/config.js";
import { log } from "../lib/platform/logger.js";
import { startLocalSystem, type LocalSystem } from "../runtime/local.js";
import { logProcessEvents } from "../runtime/process-events.js";
import { StartupError, withoutPassword } from "../runtime/startup-error.js";

logProcessEvents();

let settings: AppConfig;
let system: LocalSystem;
try {
  settings = config();
  // The gateway on its own thread, so that it and the subgraphs use both cores; should that thread
  // die, the rest has stopped by the time we are told, and a half system does not linger.
  system = await startLocalSystem(settings, { gatewayThread: true, onGatewayDeath: () => process.exit(1) });
} catch (error) {
  // What the person starting the system can fix is said in plain text, without a stack: the
  // variable to set (StartupError), or every invalid one (ConfigError). Anything else is a bug,
  // and Node prints it with its stack.
  if (!(error instanceof StartupError || error instanceof ConfigError)) throw error;
  console.error(`Agent Trust could not start: ${error.message}`);
  process.exit(1);
}
// For the person who typed `npm start`; everything the system logs after this is JSON lines.
console.log(`Agent Trust is up.
  database: ${withoutPassword(settings.databaseUrl)}
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
