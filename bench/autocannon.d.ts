/** The part of autocannon's programmatic API bench/gateway.ts uses (the package ships no types). */
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Requests each connection sends in turn; `setupRequest` may change one before it goes. */
    requests?: { setupRequest?: (request: { body?: string }) => { body?: string } }[];
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Counts a response whose body fails it as a mismatch. */
    verifyBody?: (body: string) => boolean;
  }

  interface Result {
    /** Seconds. */
    duration: number;
    errors: number;
    timeouts: number;
    mismatches: number;
    non2xx: number;
  }

  /** Emits `response` (client, statusCode, bytes, responseTime in ms) for every response; resolves when done. */
  interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
  }

  export default function autocannon(options: Options): Instance;
}
