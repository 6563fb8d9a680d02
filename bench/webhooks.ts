/**
 * Webhooks (docs/webhooks.md):
 * - the dispatcher's rate: committed events positioned and fanned out, with one delivery and one
 *   outbox message each;
 * - deliveries per second of one deliverer worker: the Lambda handler given SQS batches of 10, one
 *   batch at a time, POSTing to a receiver on loopback that answers 204 at once;
 * - the same through the whole local pipeline as `npm start` runs it (dispatcher loop, outbox relay,
 *   embedded SQS, one poller feeding the handler), with the default intervals;
 * - the latency a trust change adds before its receiver has it: from the commit of an act's
 *   event (raiseWebhookEvent in its own transaction) to the receipt, one at a time; and from the
 *   events of real judged runs (the judge poller, the judge's transaction) to their receipt.
 * Every loop is bounded; every request goes to 127.0.0.1.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { DataSource } from "typeorm";
import { WebhookEventType } from "../lib/contracts/webhook-event.js";
import { loadConfig } from "../lib/platform/config.js";
import { inTransaction } from "../lib/platform/database.js";
import { openDatabase, provideDataSource } from "../runtime/data-source.js";
import { startLocalSystem } from "../runtime/local.js";
import { createWebhookHandler } from "../runtime/webhooks.js";
import { dispatchWebhooks } from "../subgraphs/webhooks/webhook-event.dispatch.js";
import { raiseWebhookEvent } from "../subgraphs/webhooks/webhook-event.raise.js";
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { SUBMIT_RUN, triageCases } from "../test/support/fixtures.js";
import { ANY_PORTS } from "../test/support/free-port.js";
import { TEST_SECRETS, bearer, dataOf, postGraphQL } from "../test/support/graphql-client.js";
import { seedAgentWithPact } from "../test/support/seed.js";
import { sqsEvent } from "../test/support/sqs-record.js";
import { type Receiver, seedEndpoint, startReceiver, testWebhookSettings, webhookRecords } from "../test/support/webhooks.js";
import { type BenchSection, percentile } from "./scores.js";

/** Events for the handler's throughput and the dispatcher's rate. */
const HANDLER_EVENTS = 2_000;
/** Events pushed through the whole local pipeline at once. */
const PIPELINE_EVENTS = 1_000;
/** Single events timed from commit to receipt, one at a time. */
const LATENCY_SAMPLES = 200;
/** Judged runs whose events are timed to receipt. */
const JUDGED_RUNS = 20;
/** The longest any one wait may take: a bound, should deliveries stop. */
const WAIT_MAX_MS = 120_000;

const ms = (value: number) => value.toFixed(1);

/** Raises `total` TRUST_CHANGED events of one agent, 200 per transaction, each with its sample number. */
async function raiseMany(dataSource: DataSource, agentId: string, total: number, first = 0): Promise<void> {
  for (let start = 0; start < total; start += 200)
    await inTransaction(dataSource, async (manager) => {
      for (let i = start; i < Math.min(total, start + 200); i += 1)
        await raiseWebhookEvent(manager, {
          type: WebhookEventType.TRUST_CHANGED,
          agentId,
          audience: "PUBLIC",
          data: { sample: first + i },
          at: new Date(),
        });
    });
}

/** Waits until `done` holds, polling every few milliseconds, for at most WAIT_MAX_MS. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + WAIT_MAX_MS;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** The dispatcher, then one worker's handler in batches of 10, on a bare migrated database. */
async function handlerThroughput(kind: DatabaseKindUnderTest, rows: string[]): Promise<void> {
  const database = await createTestDatabase(kind);
  const dataSource = await openDatabase(database.url);
  provideDataSource(dataSource);
  const receiver = await startReceiver({ answer: () => ({ status: 204 }) });
  try {
    await seedEndpoint(dataSource, { url: receiver.url });
    const { agent } = await seedAgentWithPact(dataSource, "bench-webhooks");
    await raiseMany(dataSource, agent.id, HANDLER_EVENTS);

    const dispatchStarted = performance.now();
    const dispatched = await dispatchWebhooks(dataSource, new Date(), { maxBatches: 1_000 });
    const dispatchSeconds = (performance.now() - dispatchStarted) / 1000;
    if (dispatched.deliveries !== HANDLER_EVENTS) throw new Error(`dispatched ${dispatched.deliveries} deliveries`);
    rows.push(
      `| ${kind} | dispatcher: position and fan out ${HANDLER_EVENTS} events to 1 endpoint | ${(HANDLER_EVENTS / dispatchSeconds).toFixed(0)} events/s | | | | 200 events a transaction: positions, deliveries, outbox messages |`,
    );

    const records = await webhookRecords(dataSource);
    const handler = createWebhookHandler(() => testWebhookSettings());
    const batches: number[] = [];
    const started = performance.now();
    for (let i = 0; i < records.length; i += 10) {
      const t0 = performance.now();
      const { batchItemFailures } = await handler(sqsEvent(...records.slice(i, i + 10)));
      batches.push(performance.now() - t0);
      if (batchItemFailures.length) throw new Error("deliverer failed a record");
    }
    const seconds = (performance.now() - started) / 1000;
    if (receiver.received.length !== HANDLER_EVENTS) throw new Error(`received ${receiver.received.length}`);
    batches.sort((a, b) => a - b);
    rows.push(
      `| ${kind} | deliverer handler, batches of 10, 1 worker, receiver on loopback answering 204 | ${(HANDLER_EVENTS / seconds).toFixed(0)} deliveries/s | ${ms(percentile(batches, 50))} | ${ms(percentile(batches, 95))} | ${ms(percentile(batches, 99))} | per batch of 10: claim, address check, signed POST, record |`,
    );
  } finally {
    await receiver.stop();
    provideDataSource(undefined);
    await dataSource.destroy();
    await database.drop();
  }
}

/** The local system as `npm start` runs it (default intervals), on ports of its own. */
async function startDefaultSystem(databaseUrl: string) {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-bench-"));
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    ...ANY_PORTS,
    AUTH_TOKEN_SECRET: TEST_SECRETS.tokenSecret,
    SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret,
    WEBHOOK_SECRET_KEY: TEST_SECRETS.webhookSecretKey,
  });
  const system = await startLocalSystem(config);
  return {
    system,
    config,
    async stop() {
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Latency and throughput through the whole local pipeline. */
async function pipeline(kind: DatabaseKindUnderTest, rows: string[], notes: string[]): Promise<void> {
  const database = await createTestDatabase(kind);
  const { system, config, stop } = await startDefaultSystem(database.url);
  // When each sample arrived (performance.now()), by its sample number; and the wall clock, for judged runs' timestamps.
  const arrivals = new Map<number, number>();
  const wallArrivals: { body: Record<string, any>; at: number }[] = [];
  let receiver: Receiver | undefined;
  try {
    receiver = await startReceiver({
      answer: (request) => {
        const body = JSON.parse(request.body);
        if (typeof body.data?.sample === "number") arrivals.set(body.data.sample, performance.now());
        else wallArrivals.push({ body, at: Date.now() });
        return { status: 204 };
      },
    });
    const ds = system.dataSource;
    await seedEndpoint(ds, { url: receiver.url });
    const { agent, pact } = await seedAgentWithPact(ds, "bench-builder");

    // One committed event at a time, started at a random point of the dispatcher's interval.
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
      await sleep(Math.random() * config.webhooks.dispatchIntervalMs);
      await raiseMany(ds, agent.id, 1, i);
      const committed = performance.now();
      await until(() => arrivals.has(i), `sample ${i}`);
      latencies.push(arrivals.get(i)! - committed);
    }
    latencies.sort((a, b) => a - b);
    rows.push(
      `| ${kind} | committed event to receipt, one at a time (\`npm start\` defaults) | | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(percentile(latencies, 99))} | ${LATENCY_SAMPLES} events; dispatcher every ${config.webhooks.dispatchIntervalMs} ms |`,
    );

    // A burst through dispatcher, relay, queue and one poller.
    const first = LATENCY_SAMPLES;
    const started = performance.now();
    await raiseMany(ds, agent.id, PIPELINE_EVENTS, first);
    await until(() => arrivals.size >= first + PIPELINE_EVENTS, "the burst");
    const seconds = (performance.now() - started) / 1000;
    rows.push(
      `| ${kind} | ${PIPELINE_EVENTS} events committed at once, to the last receipt, 1 local poller | ${(PIPELINE_EVENTS / seconds).toFixed(0)} deliveries/s | | | | dispatcher loop + relay + embedded SQS + poller + handler |`,
    );

    // Real judged runs: each event's timestamp (the act's clock) to its receipt.
    const builder = await bearer("builder", "bench-builder");
    for (let i = 0; i < JUDGED_RUNS; i += 1) {
      const before = wallArrivals.length;
      // As for single events: a run settles at a random point of the dispatcher's interval.
      await sleep(Math.random() * config.webhooks.dispatchIntervalMs);
      const cases = triageCases(40, { wrongSeverity: i % 2 === 0 ? 0 : 8, idPrefix: `bench-${i}` });
      dataOf(await postGraphQL(system.gatewayUrl, SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases } }, builder));
      // The run's verdict is announced with every judged run; trust and listing events when they moved.
      await until(() => wallArrivals.slice(before).some(({ body }) => body.type === "run.judged"), `run ${i}`);
      await sleep(config.webhooks.dispatchIntervalMs * 2);
    }
    const judged = wallArrivals.map(({ body, at }) => ({ type: body.type as string, latency: at - Date.parse(body.timestamp) }));
    const trust = judged.filter((event) => event.type === "trust.changed").map((event) => event.latency);
    const all = judged.map((event) => event.latency);
    for (const [what, values] of [
      ["trust.changed of a judged run, its timestamp to receipt", trust],
      ["every event of the judged runs, timestamp to receipt", all],
    ] as const) {
      const sorted = [...values].sort((a, b) => a - b);
      if (sorted.length === 0) continue;
      rows.push(
        `| ${kind} | ${what} | | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 95))} | ${ms(percentile(sorted, 99))} | ${sorted.length} events of ${JUDGED_RUNS} runs |`,
      );
    }
    const types = [...new Set(judged.map((event) => event.type))].sort();
    notes.push(
      `Judged runs (${kind}): ${judged.length} events received (${types.join(", ")}); the timestamp is the judge's clock when it settled the run, in its transaction, so the figure includes that transaction's commit.`,
    );
  } finally {
    await receiver?.stop();
    await stop();
    await database.drop();
  }
}

export async function benchWebhooks(kind: DatabaseKindUnderTest): Promise<BenchSection> {
  const rows: string[] = [];
  const notes: string[] = [];
  await handlerThroughput(kind, rows);
  await pipeline(kind, rows, notes);
  return { rows, notes };
}
