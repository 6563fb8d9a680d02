import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { pino, type DestinationStream, type Logger } from "pino";

/**
 * What a log line is about: the HTTP request (`requestId`, forwarded from the gateway to the
 * subgraphs in `x-request-id`) or the job (`jobId`: an SQS message id, a scheduled job's run).
 */
export type LogScope = { requestId: string } | { jobId: string };

const scopes = new AsyncLocalStorage<LogScope>();

/** Lines written outside any request or job (start-up, shutdown) carry the process's own id. */
const processScope = { processId: randomUUID() };

/** A JSON logger whose every line carries `level`, `time`, and the id of the request or job in scope. */
export function createLogger(destination?: DestinationStream): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL ?? "info",
      base: undefined,
      // Levels by name: CloudWatch filters and people read `"level":"error"` more easily than 50.
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => scopes.getStore() ?? processScope,
      // Bodies, tokens and contacts never belong in logs; errors keep message, type and stack.
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/** The process's logger: the one place the system writes logs. */
export const log: Logger = createLogger();

/** Runs `work` with every line it logs, however deep, tagged with `scope`. */
export function withLogScope<T>(scope: LogScope, work: () => T): T {
  return scopes.run(scope, work);
}

/** A new job id, prefixed with what kind of job it is (`decay-sweep:…`). */
export const newJobId = (kind: string): string => `${kind}:${randomUUID()}`;

/** The header a request's id travels in: a caller may set it, the gateway passes it on to subgraphs. */
export const REQUEST_ID_HEADER = "x-request-id";

/** The caller's request id when it is a sensible token (a header is caller-controlled text), else `fallback` or a new one. */
export function requestIdOf(header: string | string[] | undefined, fallback: string = randomUUID()): string {
  return typeof header === "string" && /^[\w.:-]{1,128}$/.test(header) ? header : fallback;
}

/** The id of the request being served, if any: what the gateway forwards to subgraphs. */
export function currentRequestId(): string | undefined {
  const scope = scopes.getStore();
  return scope && "requestId" in scope ? scope.requestId : undefined;
}
