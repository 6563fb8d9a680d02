/// <reference path="../.sst/platform/config.d.ts" />
import { externalDatabaseMaxConnections, ownsDatabase, production } from "./deploy-settings";

// The connection budget: every warm Lambda instance keeps its own pool, so the database's
// connection limit caps how many instances may run at once. Reserved concurrency per function
// (and the judge's event source mapping) enforces the cap; the figures below derive it, and
// docs/deployment.md ("Capacity") tabulates them. RDS Proxy would pool instead, but it costs at
// least 8 ACU-hours an hour (more than the production cluster's own minimum) and cannot front
// a cluster that pauses, which every other stage's does.

/**
 * The Aurora cluster's capacity range (database.ts). Production never pauses: resuming takes about
 * 15 s, longer than the subgraphs' timeouts. Other stages pause when idle and absorb a slow first request.
 */
export const AURORA_SCALING = production ? ({ min: "0.5 ACU", max: "4 ACU" } as const) : ({ min: "0 ACU", max: "2 ACU" } as const);

/**
 * Aurora MySQL Serverless v2 fixes `max_connections` from its maximum capacity, never its current
 * one (AWS, "Maximum connections for Aurora Serverless v2": 1 ACU 90, 4 ACU 135, 8 ACU 1,000,
 * 16 ACU 2,000). At 4 ACU that is 135; at 2 ACU (4 GiB, as a db.t4g.medium, whose default is 90)
 * we count 90, the 1-ACU figure, so as never to count on more than the formula gives.
 */
const AURORA_MAX_CONNECTIONS = production ? 135 : 90;

/** The limit the budget is drawn from: Aurora's, or what the deploy says an external server allows. */
export const MAX_CONNECTIONS = ownsDatabase ? AURORA_MAX_CONNECTIONS : externalDatabaseMaxConnections;

/**
 * Kept free: an operator's session, Aurora's own (`rdsadmin`) and monitoring, and the connections of
 * instances Lambda has just reclaimed, which the server drops only when it notices them gone.
 */
const HEADROOM_SHARE = 0.25;
export const USABLE_CONNECTIONS = Math.floor(MAX_CONNECTIONS * (1 - HEADROOM_SHARE));

/**
 * DATABASE_POOL_SIZE of the functions with application data: an instance serves one request or job
 * at a time, which may hold a transaction while a query runs beside it.
 */
export const BACKEND_POOL_SIZE = 2;
/** DATABASE_POOL_SIZE of the gateway, whose pool serves only the rate-limit counters: one upsert per request. */
export const GATEWAY_POOL_SIZE = 1;

/** The deploy's run and one started by hand; the database lock (GET_LOCK) makes the second wait. */
export const MIGRATE_CONCURRENCY = 2;
/** A minute's run and, should it overrun, the next one. */
export const SCHEDULED_JOBS_CONCURRENCY = 2;
/**
 * Judges at once, as reserved concurrency and as the event source mapping's `maximumConcurrency`
 * (SQS then holds the rest back rather than Lambda throttling them): about a tenth of the usable
 * connections, and at least 2, the least `maximumConcurrency` AWS accepts.
 */
export const JUDGE_CONCURRENCY = Math.max(2, Math.floor(USABLE_CONNECTIONS / 20));
/**
 * Webhook deliverers at once, the same way (infra/webhooks.ts): each works a batch of ten
 * deliveries side by side, mostly waiting on receivers, so a few instances carry a lot.
 */
export const WEBHOOK_DELIVERER_CONCURRENCY = Math.max(2, Math.floor(USABLE_CONNECTIONS / 40));

const SUBGRAPHS = 7;
/**
 * The rest is the API's: the gateway and each of the seven subgraphs get the same concurrency, since
 * a gateway instance serves one request at a time and its query plan calls each subgraph once per
 * step (the planner groups a step's fetches by subgraph). Each unit of it costs one gateway
 * connection and two per subgraph.
 */
export const API_CONCURRENCY = Math.floor(
  (USABLE_CONNECTIONS -
    (MIGRATE_CONCURRENCY + SCHEDULED_JOBS_CONCURRENCY + JUDGE_CONCURRENCY + WEBHOOK_DELIVERER_CONCURRENCY) * BACKEND_POOL_SIZE) /
    (GATEWAY_POOL_SIZE + SUBGRAPHS * BACKEND_POOL_SIZE),
);

/** Connections the functions may hold together at their reserved concurrency: at most USABLE_CONNECTIONS. */
export const BUDGETED_CONNECTIONS =
  (MIGRATE_CONCURRENCY + SCHEDULED_JOBS_CONCURRENCY + JUDGE_CONCURRENCY + WEBHOOK_DELIVERER_CONCURRENCY + SUBGRAPHS * API_CONCURRENCY) *
    BACKEND_POOL_SIZE +
  API_CONCURRENCY * GATEWAY_POOL_SIZE;

if (!Number.isInteger(MAX_CONNECTIONS) || API_CONCURRENCY < 1) {
  throw new Error(
    `A database allowing ${MAX_CONNECTIONS} connections cannot hold one instance of every function: ` +
      "set AGENT_TRUST_DATABASE_MAX_CONNECTIONS to the server's max_connections, if it allows more.",
  );
}
