import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isDeepStrictEqual } from "node:util";
import autocannon from "autocannon";
import type { DataSource } from "typeorm";
import { AgentDomain } from "../lib/contracts/agent-domain.js";
import { SUBGRAPH_NAMES, type SubgraphName } from "../lib/platform/config.js";
import { inTransaction } from "../lib/platform/database.js";
import { ANONYMOUS } from "../lib/platform/identity.js";
import { openDatabase } from "../runtime/data-source.js";
import { Agent } from "../subgraphs/agents/agent.entity.js";
import { Pact, PactClause } from "../subgraphs/pacts/authoring/pact.entity.js";
import { TrustProfile } from "../subgraphs/reputation/trust.entity.js";
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { EVALUATION_RUN, SEARCH_AGENTS, SUBMIT_RUN, triageCases } from "../test/support/fixtures.js";
import { freePort } from "../test/support/free-port.js";
import { TEST_SECRETS, asGateway, bearer, dataOf, postGraphQL } from "../test/support/graphql-client.js";
import { type RunningStart, startServer, startSystem } from "../test/support/npm-start.js";
import { agentFixture, insertTemplatePact, seedAgentWithPact } from "../test/support/seed.js";
import { startTestSystem } from "../test/support/system.js";
import { type LoadResult, load, summarise } from "./load.js";
import {
  BENCH_BUDGETS,
  type BenchSection,
  RecordingCounter,
  bulkInsert,
  median,
  percentile,
  randomSource,
  spreadProfile,
} from "./scores.js";

/** The table's two header lines, for bench/run.ts. */
export const GATEWAY_TABLE_HEADER =
  "| target | c=1 req/s | c=20 req/s | c=20 p50 ms | c=20 p95 ms | c=20 p99 ms |\n|---|---|---|---|---|---|";

const AGENTS = 10_000;
const PAGE = 20;
const VARIABLES = { filter: { domain: AgentDomain.ALERT_TRIAGE }, first: PAGE };
const CONCURRENCY = [1, 20] as const;

/** The page's fields that the reputation subgraph owns: the search itself and each agent's trust. */
const SEARCH_REPUTATION_ONLY = `query Search($filter: AgentSearchFilter, $first: Int, $after: String) {
  searchAgents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id trust { compositeScore compositeConfidence tier eligible reasons } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Full: 3 rounds of 5 s per target and concurrency, 20 writes. Quick (`--quick`): for trying the bench out only. */
const SETTINGS = {
  full: { rounds: 3, seconds: 5, warmUpSeconds: 2, writes: 20 },
  quick: { rounds: 1, seconds: 2, warmUpSeconds: 1, writes: 5 },
};

const ms = (value: number) => value.toFixed(1);
const mib = (value: number) => `${value.toFixed(0)} MiB`;

interface Target {
  name: string;
  measure(connections: number, seconds: number): Promise<LoadResult>;
}

/**
 * POSTs `bodies` to `url` for `seconds` over `connections` keep-alive connections, each request the
 * next body in turn across all connections; any error, non-2xx or page without edges fails it.
 */
async function cannon(
  url: string,
  bodies: readonly string[],
  headers: Record<string, string>,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const run = autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: bodies[0],
    requests: bodies.length > 1 ? [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }] : undefined,
    connections,
    duration: seconds,
    // A GraphQL error still answers 200.
    verifyBody: (text) => text.includes('"edges"') && !text.includes('"errors"'),
  });
  run.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await run;
  if (result.errors || result.timeouts || result.non2xx || result.mismatches)
    throw new Error(
      `${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx answers, ${result.mismatches} answers without a page`,
    );
  return summarise(latencies, result.duration);
}

/** The page, or with `varied` twenty pages of different sizes (11 to 30), which neither merging nor a cache can share. */
function httpTarget(name: string, url: string, query: string, headers: () => Promise<Record<string, string>>, varied = false): Target {
  const bodies = (varied ? Array.from({ length: 20 }, (_, i) => PAGE - 9 + i) : [PAGE]).map((first) =>
    JSON.stringify({ query, variables: { ...VARIABLES, first } }),
  );
  return { name, measure: async (connections, seconds) => cannon(url, bodies, await headers(), connections, seconds) };
}

/** What a gateway says about reusing its answer to the page for a caller with `headers`: its cache-control header. */
async function cacheControl(url: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query: SEARCH_AGENTS, variables: VARIABLES }),
  });
  await response.text();
  return response.headers.get("cache-control") ?? "none";
}

/** Resident memory of a process group in MiB: a process with its worker threads, and any process it started. */
function groupRss(pgid: number): number {
  let kib = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // After the command name in parentheses: state, ppid, pgrp.
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) !== pgid) continue;
      kib += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // The process ended while being read.
    }
  }
  return kib / 1024;
}

/**
 * The smallest group RSS over 5 s, sampled every 250 ms: idle memory once the load has stopped.
 * A single reading says mostly when V8 last collected; this one less so. It is no leak test:
 * docs/benchmarks.md has a soak for that.
 */
async function idleRssOf(pgid: number): Promise<number> {
  let least = groupRss(pgid);
  for (let i = 0; i < 20; i += 1) {
    await sleep(250);
    least = Math.min(least, groupRss(pgid));
  }
  return least;
}

/** The highest group RSS seen while `work` runs, sampled every 250 ms. */
async function peakRss<T>(pgid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = groupRss(pgid);
  const sampler = setInterval(() => (peak = Math.max(peak, groupRss(pgid))), 250);
  try {
    return { result: await work(), peak: Math.max(peak, groupRss(pgid)) };
  } finally {
    clearInterval(sampler);
  }
}

/** Children of this bench, killed with it however it ends: each leads a process group of its own. */
const children = new Set<number>();
function killChildren(): void {
  for (const pid of children) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  children.clear();
}
function onSignal(): void {
  killChildren();
  process.exit(130);
}

/** bench/hive-gateway.ts in a process group of its own, resolved once it listens; killed with the bench. */
async function startHiveGateway(subgraphUrls: Record<string, string>, dedupe: boolean): Promise<RunningStart> {
  const hive = await startServer(
    "Hive Gateway",
    ["bench/hive-gateway.ts", "--subgraphs", JSON.stringify(subgraphUrls), "--dedupe", String(dedupe)],
    { ...process.env, SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret },
    /Hive Gateway ready at (\S+)/,
  );
  children.add(hive.process.pid!);
  return hive;
}

/**
 * AGENTS agents with trust spread over the range (bench/scores.ts spreadProfile), the alert-triage
 * half each with an active pact from the template, and one builder's agent to submit runs to.
 */
async function seed(kind: DatabaseKindUnderTest, url: string): Promise<{ agentId: string; pactId: string; listed: number }> {
  const ds = await openDatabase(url, { migrate: true });
  try {
    const random = randomSource(1);
    const at = new Date();
    const agents = Array.from({ length: AGENTS }, (_, i) =>
      agentFixture(`builder-${i % 50}`, [i % 2 ? AgentDomain.ALERT_TRIAGE : AgentDomain.PLAYBOOK_ROUTING], `Bench agent ${i}`),
    );
    await bulkInsert(ds, Agent, agents, 1000);
    await bulkInsert(
      ds,
      TrustProfile,
      agents.map((agent) => spreadProfile(agent.id, random, at)),
      500,
    );
    // One pact written as adopting the template writes it, copied to every other alert-triage agent with multi-row INSERTs.
    const [first, ...rest] = agents.filter((agent) => agent.domains.includes(AgentDomain.ALERT_TRIAGE));
    const model = await inTransaction(ds, (manager) => insertTemplatePact(manager, first!.id, first!.ownerId));
    const clauses = await ds.getRepository(PactClause).findBy({ pactId: model.id });
    const pacts = rest.map((agent) => Object.assign(new Pact(), model, { id: randomUUID(), agentId: agent.id, createdBy: agent.ownerId }));
    await bulkInsert(ds, Pact, pacts, 500);
    await bulkInsert(
      ds,
      PactClause,
      pacts.flatMap((pact) => clauses.map((clause) => Object.assign(new PactClause(), clause, { pactId: pact.id }))),
      500,
    );
    if (kind === "mysql") await ds.query("ANALYZE TABLE agents, trust_profiles, pacts");
    const [{ listed }] = await ds.query("SELECT SUM(eligible) AS listed FROM trust_profiles");
    const { agent, pact } = await seedAgentWithPact(ds, "bench-builder");
    return { agentId: agent.id, pactId: pact.id, listed: Number(listed) };
  } finally {
    await ds.destroy();
  }
}

/** Transaction control and the background loops' statements are no page's. */
const NOT_THE_PAGES = /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)|outbox_messages|webhook_/i;

/**
 * Statements per page for pages of 1, 20 and 100, as an authenticated buyer (never cached), and
 * the page of 20's statements as sent: counted in a local system in this process on the same
 * database, since the statements of `npm start` cannot be seen from outside it.
 */
async function pageStatements(
  url: string,
): Promise<{ perPage: Map<number, number>; statements: { query: string; parameters: unknown[] }[] }> {
  const counter = new RecordingCounter(/outbox_messages|webhook_/);
  const system = await startTestSystem({ databaseUrl: url, logger: counter, judge: false, webhooks: false, env: BENCH_BUDGETS });
  try {
    const buyer = await bearer("buyer", "bench-buyer");
    const page = async (first: number) => {
      const { searchAgents } = dataOf(
        await postGraphQL<Record<string, any>>(system.gatewayUrl, SEARCH_AGENTS, { ...VARIABLES, first }, buyer),
      );
      if (searchAgents.edges.length !== first) throw new Error(`a page of ${first} came back with ${searchAgents.edges.length} agents`);
    };
    for (let i = 0; i < 10; i += 1) await page(PAGE);
    const perPage = new Map<number, number>();
    let statements: { query: string; parameters: unknown[] }[] = [];
    for (const first of [1, PAGE, 100]) {
      const before = counter.count;
      counter.recorded = [];
      counter.recording = true;
      await page(first);
      counter.recording = false;
      perPage.set(first, counter.count - before);
      if (first === PAGE) statements = counter.recorded.filter((statement) => !NOT_THE_PAGES.test(statement.query.trim()));
    }
    if (statements.length !== perPage.get(PAGE)) throw new Error("the page's statements were not recorded alone");
    return { perPage, statements };
  } finally {
    await system.stop();
  }
}

export async function benchGateway(kind: DatabaseKindUnderTest, options: { quick?: boolean } = {}): Promise<BenchSection> {
  const settings = options.quick ? SETTINGS.quick : SETTINGS.full;
  const rows: string[] = [];
  const notes: string[] = [];
  const database = await createTestDatabase(kind);
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-bench-"));
  process.on("exit", killChildren);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let stack: RunningStart | undefined;
  const hives: RunningStart[] = [];
  let sqlSource: DataSource | undefined;
  try {
    const seedStarted = performance.now();
    const seeded = await seed(kind, database.url);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const { perPage, statements } = await pageStatements(database.url);

    // `npm start` as a user runs it, on known ports: the subgraphs' are needed for Hive and the direct calls.
    const ports = {} as Record<SubgraphName, number>;
    for (const name of SUBGRAPH_NAMES) ports[name] = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      LOG_LEVEL: "warn",
      AUTH_TOKEN_SECRET: TEST_SECRETS.tokenSecret,
      SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret,
      ...BENCH_BUDGETS,
      PORT: String(await freePort()),
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_PORT`, String(ports[name])])),
    };
    stack = await startSystem(env);
    const stackPid = stack.process.pid!;
    children.add(stackPid);
    const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, `http://127.0.0.1:${ports[name]}/graphql`]));
    hives.push(await startHiveGateway(subgraphUrls, true), await startHiveGateway(subgraphUrls, false));
    const [hive, hiveUnmerged] = hives as [RunningStart, RunningStart];
    sqlSource = await openDatabase(database.url, { migrate: false });
    const sql = sqlSource;

    // The same page from every gateway, and the same agents from the reputation subgraph, before anything is timed.
    const ours = dataOf(await postGraphQL<Record<string, any>>(stack.url, SEARCH_AGENTS, VARIABLES));
    if (ours.searchAgents.edges.length !== PAGE) throw new Error(`our gateway answered a page of ${ours.searchAgents.edges.length}`);
    for (const other of hives) {
      const theirs = dataOf(await postGraphQL(other.url, SEARCH_AGENTS, VARIABLES));
      if (!isDeepStrictEqual(theirs, ours))
        throw new Error(
          `Hive Gateway answered another page:\n${JSON.stringify(theirs).slice(0, 600)}\nours:\n${JSON.stringify(ours).slice(0, 600)}`,
        );
    }
    const alone = dataOf(
      await postGraphQL<Record<string, any>>(
        subgraphUrls.reputation!,
        SEARCH_REPUTATION_ONLY,
        VARIABLES,
        await asGateway("reputation", ANONYMOUS),
      ),
    );
    const ids = (data: Record<string, any>) => data.searchAgents.edges.map((edge: { node: { id: string } }) => edge.node.id);
    if (!isDeepStrictEqual(ids(alone), ids(ours))) throw new Error("the reputation subgraph alone answered other agents");

    // The uncached row must be: a buyer's answer is never one a cache may keep (decision 2 of the issue).
    const buyer = await bearer("buyer", "bench-buyer");
    const buyerCaching = await cacheControl(stack.url, buyer);
    if (/public/i.test(buyerCaching)) throw new Error(`our gateway marks a buyer's answer reusable (cache-control: ${buyerCaching})`);
    const anonymousCaching = await cacheControl(stack.url, {});
    const anonymous = async () => ({});
    const cached = httpTarget("our gateway (`npm start`), anonymous: response cache", stack.url, SEARCH_AGENTS, anonymous);
    const uncached = httpTarget(
      "our gateway (`npm start`), buyer's token: no cache, in-flight merging",
      stack.url,
      SEARCH_AGENTS,
      async () => buyer,
    );
    const hiveDefaults = httpTarget("Hive Gateway 2.12, defaults, same supergraph", hive.url, SEARCH_AGENTS, anonymous);
    const hiveUnmergedTarget = httpTarget("Hive Gateway, in-flight merging off", hiveUnmerged.url, SEARCH_AGENTS, anonymous);
    const variedOurs = httpTarget(
      "our gateway (`npm start`), buyer's token, 20 different pages",
      stack.url,
      SEARCH_AGENTS,
      async () => buyer,
      true,
    );
    const variedHive = httpTarget("Hive Gateway, defaults, 20 different pages", hive.url, SEARCH_AGENTS, anonymous, true);
    // Signed afresh for every measurement: an assertion lives 60 s.
    const reputation = httpTarget("the reputation subgraph alone", subgraphUrls.reputation!, SEARCH_REPUTATION_ONLY, () =>
      asGateway("reputation", ANONYMOUS),
    );
    const sqlAlone: Target = {
      name: `the page's ${statements.length} SQL statements`,
      measure: (connections, seconds) =>
        load(
          Number.MAX_SAFE_INTEGER,
          connections,
          async () => {
            for (const statement of statements) await sql.query(statement.query, statement.parameters);
          },
          seconds * 1000,
        ),
    };
    const targets = [cached, uncached, hiveDefaults, hiveUnmergedTarget, variedOurs, variedHive, reputation, sqlAlone];

    for (const target of targets) await target.measure(20, settings.warmUpSeconds);
    const [idleRss, hiveIdleRss] = await Promise.all([idleRssOf(stackPid), idleRssOf(hive.process.pid!)]);

    const results = new Map<Target, Record<number, LoadResult[]>>(targets.map((target) => [target, { 1: [], 20: [] }]));
    let peakUnderLoad = 0;
    let hivePeak = 0;
    const idleAfterRound: number[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      // Each round starts one target further on, so that no target always follows the same one.
      for (const target of [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)]) {
        for (const connections of CONCURRENCY) {
          const watched = target === hiveDefaults || target === variedHive ? hive.process.pid! : stackPid;
          const { result, peak } = await peakRss(watched, () => target.measure(connections, settings.seconds));
          results.get(target)![connections]!.push(result);
          if (connections === 20 && watched === stackPid) peakUnderLoad = Math.max(peakUnderLoad, peak);
          if (connections === 20 && (target === hiveDefaults || target === variedHive)) hivePeak = Math.max(hivePeak, peak);
        }
      }
      idleAfterRound.push(await idleRssOf(stackPid));
    }

    const medianOf = (target: Target, connections: number, field: keyof LoadResult) =>
      median(results.get(target)![connections]!.map((result) => result[field]));
    for (const target of targets)
      rows.push(
        `| ${target.name} | ${medianOf(target, 1, "perSecond").toFixed(0)} | ${medianOf(target, 20, "perSecond").toFixed(0)} | ${ms(medianOf(target, 20, "p50"))} | ${ms(medianOf(target, 20, "p95"))} | ${ms(medianOf(target, 20, "p99"))} |`,
      );

    // The write path: one run of 100 cases at a time, from submission until the builder reads it judged.
    const builder = await bearer("builder", "bench-builder");
    const writes: number[] = [];
    const submissions: number[] = [];
    for (let i = 0; i < settings.writes; i += 1) {
      const t0 = performance.now();
      const run = dataOf(
        await postGraphQL<Record<string, any>>(
          stack.url,
          SUBMIT_RUN,
          {
            input: {
              agentId: seeded.agentId,
              pactId: seeded.pactId,
              cases: triageCases(100, { wrongSeverity: 2, idPrefix: `write-${i}` }),
            },
          },
          builder,
        ),
      ).submitEvaluationRun;
      submissions.push(performance.now() - t0);
      for (;;) {
        const current = dataOf(await postGraphQL<Record<string, any>>(stack.url, EVALUATION_RUN, { id: run.id }, builder)).evaluationRun;
        if (current.status === "COMPLETED") break;
        if (performance.now() - t0 > 30_000) throw new Error(`run ${run.id} was not judged within 30 s (${current.status})`);
        await sleep(5);
      }
      writes.push(performance.now() - t0);
    }
    writes.sort((a, b) => a - b);
    submissions.sort((a, b) => a - b);

    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const check = (holds: boolean) => (holds ? "holds" : "MISSED");
    const perSecond20 = (target: Target) => medianOf(target, 20, "perSecond");
    const p50at20 = (target: Target) => medianOf(target, 20, "p50");
    notes.push(
      `${kind}: ${AGENTS.toLocaleString("en")} agents (${seeded.listed.toLocaleString("en")} listed; the ${(AGENTS / 2).toLocaleString("en")} in alert triage each with an active pact), seeded in ${seedSeconds.toFixed(1)} s. A page of ${PAGE} alert-triage agents, fields from all four subgraphs; autocannon with keep-alive connections, ${settings.seconds} s per target and concurrency, ${settings.rounds} interleaved round(s), medians. \`npm start\` and each Hive Gateway run in their own processes; the SQL row runs the page's statements one after another per page, from this process.`,
      `${kind}: our gateway's cache-control for the page: anonymous "${anonymousCaching}", a buyer's token "${buyerCaching}".`,
      `${kind}: Hive Gateway: createGatewayRuntime's defaults on gateway/supergraph.graphql (logging at warn), the HTTP transport as @graphql-mesh/transport-http builds it, each subgraph fetch given the anonymous identity assertion for its subgraph in an onFetch hook; merging off is executor-http's deduplicateInflightRequests: false for every subgraph.`,
      `${kind}: c=20 req/s per round: ${targets
        .map(
          (target) =>
            `${target.name}: ${results
              .get(target)![20]!
              .map((result) => result.perSecond.toFixed(0))
              .join(", ")}`,
        )
        .join("; ")}.`,
      `${kind}: memory of \`npm start\` (resident set of its process group, threads included): idle after warm-up ${mib(idleRss)}; peak under c=20 ${mib(peakUnderLoad)}; idle after each round ${idleAfterRound.map(mib).join(", ")} (idle: the smallest over 5 s). Hive Gateway's own process: idle ${mib(hiveIdleRss)}, peak under c=20 ${mib(hivePeak)}.`,
      `${kind}: SQL statements per page (a buyer with a token, through the gateway): page of 1: ${perPage.get(1)}, of ${PAGE}: ${perPage.get(PAGE)}, of 100: ${perPage.get(100)} — ${new Set(perPage.values()).size === 1 ? "constant" : "NOT constant"} in page size.`,
      `${kind}: the page's statements: ${statements.map((statement) => `\`${statement.query.replace(/\s+/g, " ").slice(0, 120)}…\``).join("; ")}.`,
      `${kind}: write path, submit → verdict visible (a run of 100 cases through the gateway, then evaluationRun read by its builder every 5 ms until COMPLETED), ${writes.length} runs one at a time: p50 ${ms(percentile(writes, 50))} ms, p95 ${ms(percentile(writes, 95))} ms; the submission alone p50 ${ms(percentile(submissions, 50))} ms.`,
      `${kind}: targets at c=20 — cached (anonymous): ours ÷ Hive defaults req/s ${ratio(perSecond20(cached), perSecond20(hiveDefaults))} (≥ 1.2: ${check(perSecond20(cached) >= 1.2 * perSecond20(hiveDefaults))}), ours ÷ reputation subgraph alone p50 ${ratio(p50at20(cached), p50at20(reputation))} (≤ 2: ${check(p50at20(cached) <= 2 * p50at20(reputation))}); uncached (buyer's token): ours ÷ Hive defaults req/s ${ratio(perSecond20(uncached), perSecond20(hiveDefaults))} (≥ 1.2: ${check(perSecond20(uncached) >= 1.2 * perSecond20(hiveDefaults))}), ours ÷ reputation subgraph alone p50 ${ratio(p50at20(uncached), p50at20(reputation))} (≤ 2: ${check(p50at20(uncached) <= 2 * p50at20(reputation))}); 20 different pages, nothing to share: ours ÷ Hive defaults req/s ${ratio(perSecond20(variedOurs), perSecond20(variedHive))} (≥ 1.2: ${check(perSecond20(variedOurs) >= 1.2 * perSecond20(variedHive))}), ours ÷ reputation subgraph alone p50 ${ratio(p50at20(variedOurs), p50at20(reputation))} (≤ 2: ${check(p50at20(variedOurs) <= 2 * p50at20(reputation))}).`,
    );
  } finally {
    await sqlSource?.destroy();
    for (const other of hives) await other.kill();
    if (stack) {
      const running = stack;
      await Promise.race([running.stop(), sleep(15_000, undefined, { ref: false }).then(() => running.kill())]);
      children.delete(running.process.pid!);
    }
    killChildren();
    process.off("exit", killChildren);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  }
  return { rows, notes };
}
