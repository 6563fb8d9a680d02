import { randomUUID } from "node:crypto";
import { isMainThread, threadId, workerData } from "node:worker_threads";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/*
 * Ids travel explicitly (child loggers, the request header), not in an AsyncLocalStorage: on
 * Node 20 and 22 that turns on promise hooks for every promise in the process, which cost about
 * a tenth of the gateway's search throughput at 8 requests in flight (docs/benchmarks.md).
 */

/**
 * Every line carries the process's id; lines about a request or a job carry its id too. A worker
 * thread started with `workerThreadData()` shares its process's id, and its lines add `threadId`.
 */
const PROCESS_ID: string = !isMainThread && typeof workerData?.processId === "string" ? workerData.processId : randomUUID();

/** What a worker thread is started with, so that its lines carry this process's id. */
export function workerThreadData(): { processId: string } {
  return { processId: PROCESS_ID };
}

/**
 * LOG_LEVEL, or `info` when it is unset or names no level. Read here, not in config.ts: the logger
 * exists before configuration is loaded, and must not fail to start over a typo.
 */
function logLevel(value: string | undefined): string {
  const level = value?.trim().toLowerCase();
  return level && (level === "silent" || level in pino.levels.values) ? level : "info";
}

/** The request headers holding credentials (`x-api-key`: a partner's API key). */
const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "x-agent-trust-identity"];
const REDACTED_PATHS = CREDENTIAL_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]);

/** A JSON logger: every line has `level`, `time`, `processId` (and `threadId` off the main thread), and whatever ids its child adds. */
export function createLogger(destination?: DestinationStream): Logger {
  return pino(
    {
      level: logLevel(process.env.LOG_LEVEL),
      base: isMainThread ? { processId: PROCESS_ID } : { processId: PROCESS_ID, threadId },
      // Levels by name: CloudWatch filters and people read `"level":"error"` more easily than 50.
      formatters: { level: (label) => ({ level: label }) },
      // Errors keep message, type and stack; nothing else is serialised specially.
      serializers: { err: pino.stdSerializers.err },
      // Credentials never reach a log line, should a request's headers ever be logged, at the top
      // level or one object down (`{ req: { headers } }`): a bearer token, an API key, the gateway's
      // identity assertion.
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}

/** The process's logger: the one place the system writes logs. */
export const log: Logger = createLogger();

/** The logger for one GraphQL request: its lines carry `requestId`. */
export const requestLog = (requestId: string): Logger => log.child({ requestId });

/** The logger for one job (an SQS message, a scheduled job's run): its lines carry `jobId`. */
export const jobLog = (jobId: string): Logger => log.child({ jobId });

/** A new job id, prefixed with what kind of job it is (`decay-sweep:…`). */
export const newJobId = (kind: string): string => `${kind}:${randomUUID()}`;

/**
 * The header a request's id travels in: a caller may set it, the HTTP edge replaces a missing or
 * odd one, the gateway passes it on to subgraphs, and the response echoes it.
 */
export const REQUEST_ID_HEADER = "x-request-id";

/** The caller's request id when it is a sensible token (a header is caller-controlled text), else `fallback` or a new one. */
export function requestIdOf(header: string | string[] | undefined, fallback: string = randomUUID()): string {
  return typeof header === "string" && /^[\w.:-]{1,128}$/.test(header) ? header : fallback;
}
