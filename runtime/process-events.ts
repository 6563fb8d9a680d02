import { log } from "../lib/platform/logger.js";

/**
 * Process-level events of this thread as JSON log lines, like every other line: an unhandled
 * rejection is logged rather than left to end the thread silently (the last line of defence), and
 * Node's process warnings (a deprecation, the AWS SDK's notice about Node 20), which it would print
 * as plain text on stderr. Each thread that serves has its own (`npm start`'s main thread, the
 * gateway's thread).
 */
export function logProcessEvents(): void {
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
  process.removeAllListeners("warning");
  process.on("warning", (warning) => log.warn({ err: warning }, "process warning"));
}
