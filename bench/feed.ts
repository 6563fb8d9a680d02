/**
 * Bulk reads and the trust change feed (issue 15): `agentsByIds` through the gateway with 1, 20
 * and 100 ids, fields from all four subgraphs; and `trustEvents` paged over a feed of 100,000
 * events, timed at its start, middle and end, which must cost the same (a seek on the position
 * index, not a scan). Also how fast the sequencer positions a backlog.
 */
import { randomUUID } from "node:crypto";
import { inTransaction, StatementCounter } from "../lib/platform/database.js";
import { encodeCursor } from "../lib/platform/pagination.js";
import { appendTrustEvents } from "../subgraphs/reputation/trust-event.append.js";
import { TrustEventType, type TrustEvent } from "../subgraphs/reputation/trust-event.entity.js";
import { sweepTrustEvents } from "../subgraphs/reputation/trust-event.sweep.js";
import { TrustCause } from "../subgraphs/reputation/trust-history.entity.js";
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { bearer, dataOf, postGraphQL } from "../test/support/graphql-client.js";
import { seedAgentWithPact } from "../test/support/seed.js";
import { startTestSystem } from "../test/support/system.js";
import { BENCH_BUDGETS, type BenchSection } from "./scores.js";

const FEED_EVENTS = 100_000;
const FEED_AGENTS = 2_000;
const PAGE = 100;
const BULK = `query Bulk($ids: [ID!]!) {
  agentsByIds(ids: $ids) { id name trust { compositeScore tier eligible } pacts { id version } openDisputeCount }
}`;
const FEED = `query Feed($after: String, $first: Int, $agentIds: [ID!]) {
  trustEvents(after: $after, first: $first, agentIds: $agentIds) {
    edges { cursor node { id type scoreBefore scoreAfter tierBefore tierAfter cause causeId occurredAt agent { id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const TYPES = Object.values(TrustEventType);

/** Milliseconds per call of `task`, `times` times one after another: p50 and p95. */
async function timed(times: number, task: (i: number) => Promise<void>): Promise<{ p50: number; p95: number }> {
  const latencies: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const t0 = performance.now();
    await task(i);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
  return { p50: at(50), p95: at(95) };
}

export async function benchFeed(kind: DatabaseKindUnderTest): Promise<BenchSection> {
  const database = await createTestDatabase(kind);
  const statements = new StatementCounter(/outbox_messages|webhook_/);
  // One partner asks thousands of times: the gateway's cost budget per caller (if any) set high.
  const env = BENCH_BUDGETS;
  const system = await startTestSystem({ databaseUrl: database.url, logger: statements, judge: false, env });
  const rows: string[] = [];
  const notes: string[] = [];
  const ms = (value: number) => value.toFixed(1);
  try {
    const ds = system.dataSource;
    const partner = await bearer("partner", "bench-partner");
    const post = (query: string, variables: Record<string, unknown>) =>
      postGraphQL<Record<string, any>>(system.gatewayUrl, query, variables, partner);
    // SQLite's driver is synchronous: seeding 100,000 rows blocks this one process for seconds, and
    // the keep-alive timers of client and server then fire in any order, so the first request after
    // may go out on a socket the server is closing. Sent again once, on a new socket.
    const call = async (query: string, variables: Record<string, unknown>) =>
      dataOf(await post(query, variables).catch(() => post(query, variables)));

    // agentsByIds: 100 agents, each with a pact; trust at the prior (no row) costs the same query.
    const ids: string[] = [];
    for (let i = 0; i < 100; i += 1) ids.push((await seedAgentWithPact(ds, `bench-bulk-${i % 10}`)).agent.id);
    for (const size of [1, 20, 100]) {
      const variables = { ids: ids.slice(0, size) };
      for (let i = 0; i < 20; i += 1) await call(BULK, variables); // warm-up
      const before = statements.count;
      await call(BULK, variables);
      const perCall = statements.count - before;
      const { p50, p95 } = await timed(200, async () => {
        if ((await call(BULK, variables)).agentsByIds.length !== size) throw new Error("short answer");
      });
      rows.push(
        `| ${kind} | agentsByIds, ${size} id${size > 1 ? "s" : ""}, fields from 4 subgraphs, 1 in flight | ${(1000 / p50).toFixed(0)} | ${ms(p50)} | ${ms(p95)} | | ${perCall} SQL statements |`,
      );
    }

    // The feed: FEED_EVENTS events of FEED_AGENTS agents, written as trust writers write them
    // (unpositioned), then positioned by the scheduled job's sweep.
    const agents = Array.from({ length: FEED_AGENTS }, () => randomUUID());
    const seedStarted = performance.now();
    for (let start = 0; start < FEED_EVENTS; start += 1000) {
      const batch: Omit<TrustEvent, "id">[] = Array.from({ length: 1000 }, (_, k) => {
        const i = start + k;
        return {
          position: null,
          agentId: agents[i % FEED_AGENTS]!,
          type: TYPES[i % 2]!,
          beforeValue: String(500 + (i % 300)),
          afterValue: String(501 + (i % 300)),
          cause: TrustCause.EVALUATION_RUN,
          causeId: randomUUID(),
          occurredAt: new Date(),
        };
      });
      await inTransaction(ds, (manager) => appendTrustEvents(manager, batch));
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const sequenceStarted = performance.now();
    let sequenced = 0;
    for (let done = -1; done !== 0; ) {
      done = await sweepTrustEvents(ds);
      sequenced += done;
    }
    const sequenceSeconds = (performance.now() - sequenceStarted) / 1000;
    if (sequenced !== FEED_EVENTS) throw new Error(`sequenced ${sequenced} of ${FEED_EVENTS}`);
    if (kind === "mysql") await ds.query("ANALYZE TABLE trust_events");
    notes.push(
      `${kind}: ${FEED_EVENTS.toLocaleString("en")} events of ${FEED_AGENTS.toLocaleString("en")} agents written in ${seedSeconds.toFixed(1)} s (1,000 per transaction); the sequencer positioned them in ${sequenceSeconds.toFixed(1)} s (${(FEED_EVENTS / sequenceSeconds).toFixed(0)} events/s, batches of 1,000).`,
    );

    const [{ low }] = await ds.query("SELECT MIN(position) AS low FROM trust_events");
    const first = Number(low);
    const where = [
      ["start", first - 1],
      ["middle", first - 1 + FEED_EVENTS / 2],
      ["end", first - 1 + FEED_EVENTS - PAGE],
    ] as const;
    for (const [label, position] of where) {
      const after = encodeCursor([position]);
      for (let i = 0; i < 10; i += 1) await call(FEED, { after, first: PAGE }); // warm-up
      const before = statements.count;
      await call(FEED, { after, first: PAGE });
      const perPage = statements.count - before;
      const { p50, p95 } = await timed(200, async () => {
        if ((await call(FEED, { after, first: PAGE })).trustEvents.edges.length !== PAGE) throw new Error("short page");
      });
      rows.push(
        `| ${kind} | trustEvents, page of ${PAGE} at the ${label} of ${FEED_EVENTS.toLocaleString("en")} events | ${(1000 / p50).toFixed(0)} | ${ms(p50)} | ${ms(p95)} | | ${perPage} SQL statements per page |`,
      );
    }
    // Filtered to 100 agents (5% of them): one seek per agent on (agent_id, position), merged.
    const some = agents.slice(0, 100);
    const middle = encodeCursor([first - 1 + FEED_EVENTS / 2]);
    const filtered = await timed(100, async () => {
      if ((await call(FEED, { after: middle, first: PAGE, agentIds: some })).trustEvents.edges.length !== PAGE)
        throw new Error("short page");
    });
    rows.push(
      `| ${kind} | trustEvents, page of ${PAGE} at the middle, filtered to 100 of ${FEED_AGENTS.toLocaleString("en")} agents | ${(1000 / filtered.p50).toFixed(0)} | ${ms(filtered.p50)} | ${ms(filtered.p95)} | | |`,
    );
  } finally {
    await system.stop();
    await database.drop();
  }
  return { rows, notes };
}
