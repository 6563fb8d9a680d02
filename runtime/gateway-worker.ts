import { parentPort } from "node:worker_threads";
import { startGateway, type GatewayOptions } from "../gateway/index.js";
import { log } from "../lib/platform/logger.js";
import { logProcessEvents } from "./process-events.js";

/*
 * The gateway's thread (started by runtime/gateway-thread.ts): having loaded the gateway's code, it
 * waits for the options the main thread resolves, serves the supergraph, and stops when told to. A
 * failure to listen is left unhandled, so that it ends the thread with the error itself (its `code`
 * and `port` included), which the main thread reports as it would its own.
 */
const port = parentPort!;
const options = await new Promise<GatewayOptions>((resolve) => port.once("message", resolve));
const server = await startGateway(options);
// Serving from here on: a stray rejection is logged, as on the main thread, rather than ending the gateway.
logProcessEvents();
// Its lines, this one included, carry the process's id and this thread's threadId (lib/platform/logger.ts).
log.info({ url: server.url }, "the gateway serves from its own thread");
port.once("message", () => {
  server.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      log.error({ err: error }, "the gateway could not stop cleanly");
      process.exit(1);
    },
  );
});
port.postMessage(server.url);
