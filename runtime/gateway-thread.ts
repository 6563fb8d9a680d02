import { Worker } from "node:worker_threads";
import type { GatewayOptions } from "../gateway/index.js";
import type { RunningServer } from "../lib/platform/http-server.js";
import { workerThreadData } from "../lib/platform/logger.js";

/**
 * The gateway's thread, in TypeScript: tsx's loader registered on that thread first. `--import tsx`
 * (what `npm start` runs with, and workers inherit) does not reach a worker's own modules on Node 20.
 */
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => {
  register();
  return import(${JSON.stringify(new URL("./gateway-worker.ts", import.meta.url).href)});
});`;

/** A worker thread for the gateway (runtime/gateway-worker.ts), so that it and the subgraphs use two cores. */
export interface GatewayThread {
  /**
   * Serves the supergraph with `options` (configuration, resolved secrets, the supergraph, the
   * subgraphs' URLs: nothing else of this thread's, as it reaches the subgraphs over HTTP). Resolves
   * once it listens; rejects with the thread's error if it cannot (a busy port keeps its `code` and
   * `port` across threads, for listenFailure).
   */
  serve(options: GatewayOptions): Promise<RunningServer>;
  /** Ends the thread whatever it is doing: for a start-up that failed before it served. */
  terminate(): Promise<void>;
}

/**
 * Starts the thread at once, so that it loads the gateway's code on the other core while this one
 * starts the rest; it waits for `serve`. `onDeath` is told if the thread ends, once serving,
 * other than by its server's `stop()`.
 */
export function startGatewayThread(onDeath: (error: Error) => void): GatewayThread {
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: workerThreadData() });
  let failure: Error | undefined;
  worker.on("error", (error) => (failure = error));
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const ended = exited.then((code) => failure ?? new Error(`The gateway's thread ended with exit code ${code}`));
  let serving = false;
  let stopping = false;
  ended.then((error) => {
    const died = serving && !stopping;
    // Not serving any more before anyone is told: a stop that follows has nothing left to stop.
    serving = false;
    if (died) onDeath(error);
  });
  const stop = async () => {
    // Ended on its own already: onDeath has been told, there is nothing left to stop.
    if (!serving) return;
    stopping = true;
    worker.postMessage("stop");
    const code = await exited;
    if (code !== 0) throw failure ?? new Error(`The gateway's thread stopped with exit code ${code}`);
  };
  return {
    serve(options) {
      worker.postMessage(options);
      return new Promise((resolve, reject) => {
        worker.once("message", (url: string) => {
          serving = true;
          resolve({ url, stop });
        });
        // Before it listens, any end is a failure to start; after, this settles nothing.
        ended.then(reject);
      });
    },
    async terminate() {
      stopping = true;
      await worker.terminate();
    },
  };
}
