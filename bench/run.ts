/**
 * Benchmarks on this machine (`npm run bench`, optionally `-- --db mysql|sqlite` and
 * `-- --part core|scores|search100k|feed|partners|attestations|transparency|webhooks|gateway`, repeatable, and
 * `-- --quick` for short measurements while trying a part out): search
 * pages through the gateway, evaluation-run submission through the gateway, and judge throughput through the Lambda handler
 * at batch sizes 1 and 10 (core); the dual scores' update cost against history (scores) and
 * search over 100,000 agents (search100k), see bench/scores.ts; agentsByIds and the trust change feed
 * over 100,000 events (feed), see bench/feed.ts; anonymous, token and API-key requests side by side
 * (partners), see bench/partners.ts; the transparency log's cost per act, sequencer and proofs at
 * 10^4–10^6 leaves (transparency), see bench/transparency.ts; webhook dispatch, deliveries per second
 * per deliverer worker and the latency from a trust change to its receipt (webhooks), see
 * bench/webhooks.ts; buyer search through `npm start` beside Hive Gateway, the reputation subgraph
 * and the page's SQL alone, under autocannon, with the stack's memory and the write path (gateway),
 * see bench/gateway.ts. Everything runs on loopback, every
 * loop is bounded. Prints a Markdown report for docs/benchmarks.md.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { judgeHandler as judge } from "../runtime/judge.js";
import { StatementCounter, inTransaction } from "../lib/platform/database.js";
import { AgentDomain } from "../lib/contracts/agent-domain.js";
import { Agent } from "../subgraphs/agents/agent.entity.js";
import { TrustProfile } from "../subgraphs/reputation/trust.entity.js";
import { judgeJob } from "../subgraphs/pacts/evaluation/judge-job.message.js";
import { EvaluationMethod, PactStatus } from "../subgraphs/pacts/pact.enums.js";
import { insertVersion } from "../subgraphs/pacts/authoring/pact.lifecycle.js";
import { PACT_TEMPLATES } from "../subgraphs/pacts/authoring/pact.templates.js";
import { checkPactTerms } from "../subgraphs/pacts/authoring/pact.validation.js";
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { SEARCH_AGENTS, SUBMIT_RUN, triageCases } from "../test/support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../test/support/graphql-client.js";
import { agentFixture, seedAgentWithPact, seedQueuedRun } from "../test/support/seed.js";
import { sqsEvent, sqsRecordFactory } from "../test/support/sqs-record.js";
import { startTestSystem } from "../test/support/system.js";
import { BENCH_BUDGETS, benchScoreUpdates, benchSearch100k, percentile, randomSource, spreadProfile, type BenchSection } from "./scores.js";
import { benchFeed } from "./feed.js";
import { benchPartnerCredentials } from "./partners.js";
import { benchAttestations } from "./attestations.js";
import { benchTransparency } from "./transparency.js";
import { benchWebhooks } from "./webhooks.js";
import { GATEWAY_TABLE_HEADER, benchGateway } from "./gateway.js";
import { load } from "./load.js";

const PARTS = ["core", "scores", "search100k", "feed", "partners", "attestations", "transparency", "webhooks", "gateway"] as const;
type Part = (typeof PARTS)[number];
const { values } = parseArgs({
  options: { db: { type: "string" }, part: { type: "string", multiple: true }, quick: { type: "boolean", default: false } },
});
const kinds: DatabaseKindUnderTest[] = values.db ? [values.db as DatabaseKindUnderTest] : ["mysql", "sqlite"];
const parts = new Set<Part>((values.part as Part[] | undefined) ?? PARTS);
for (const part of parts) if (!PARTS.includes(part)) throw new Error(`unknown --part ${part}; one of ${PARTS.join(", ")}`);

const AGENTS = 1000;
const PAGE = 20;

const ms = (value: number) => value.toFixed(1);
const rows: string[] = [];

for (const kind of parts.has("core") ? kinds : []) {
  const database = await createTestDatabase(kind);
  const statements = new StatementCounter(/outbox_messages|webhook_/);
  // The judge is invoked directly below, so the local poller stays off.
  const system = await startTestSystem({ databaseUrl: database.url, logger: statements, judge: false, env: BENCH_BUDGETS });
  try {
    const ds = system.dataSource;
    // A marketplace of AGENTS agents with trust spread over the range: scores, confidence, tiers
    // and listing eligibility as the policy decides them (bench/scores.ts spreadProfile).
    await inTransaction(ds, async (manager) => {
      const agents = Array.from({ length: AGENTS }, (_, i) =>
        agentFixture(`builder-${i % 50}`, [i % 2 ? AgentDomain.ALERT_TRIAGE : AgentDomain.PLAYBOOK_ROUTING], `Bench agent ${i}`),
      );
      for (let i = 0; i < agents.length; i += 200) await manager.insert(Agent, agents.slice(i, i + 200));
      const random = randomSource(1);
      const profiles = agents.map((agent) => spreadProfile(agent.id, random, new Date()));
      for (let i = 0; i < profiles.length; i += 200) await manager.insert(TrustProfile, profiles.slice(i, i + 200));
    });

    // Search: a page of 20 with fields from all four subgraphs.
    const variables = { filter: { domain: "ALERT_TRIAGE" }, first: PAGE };
    const page = async () => {
      const response = dataOf(await postGraphQL<Record<string, any>>(system.gatewayUrl, SEARCH_AGENTS, variables));
      if (response.searchAgents.edges.length !== PAGE) throw new Error("short page");
    };
    await load(50, 4, page); // warm-up
    const before = statements.count;
    await page();
    const perPage = statements.count - before;
    const sequential = await load(300, 1, page);
    const concurrent = await load(1000, 8, page);
    rows.push(
      `| ${kind} | searchAgents, page of ${PAGE} of ${AGENTS} agents, 1 in flight | ${sequential.perSecond.toFixed(0)} | ${ms(sequential.p50)} | ${ms(sequential.p95)} | ${ms(sequential.p99)} | ${perPage} SQL statements per page |`,
    );
    rows.push(
      `| ${kind} | searchAgents, page of ${PAGE}, 8 in flight | ${concurrent.perSecond.toFixed(0)} | ${ms(concurrent.p50)} | ${ms(concurrent.p95)} | ${ms(concurrent.p99)} | |`,
    );

    // Submission: 100 cases per run, through the gateway into the run, case and outbox tables.
    const builder = await bearer("builder", "bench-builder");
    const { agent, pact } = await seedAgentWithPact(ds, "bench-builder");
    const cases = triageCases(100, { wrongSeverity: 2 });
    const submit = await load(200, 4, async (i) => {
      const fresh = triageCases(100, { wrongSeverity: 2, idPrefix: `submission-${i}` });
      dataOf(await postGraphQL(system.gatewayUrl, SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases: fresh } }, builder));
    });
    rows.push(
      `| ${kind} | submitEvaluationRun, 100 cases, 4 in flight | ${submit.perSecond.toFixed(0)} | ${ms(submit.p50)} | ${ms(submit.p95)} | ${ms(submit.p99)} | run + cases + outbox in one transaction |`,
    );

    // Judge: 100-case runs through the Lambda handler, one worker, batch sizes 1 and 10.
    for (const batch of [1, 10]) {
      const runs = [];
      for (let i = 0; i < 60; i += 1) runs.push(await seedQueuedRun(ds, pact, cases, { outbox: false }));
      const started = performance.now();
      for (let i = 0; i < runs.length; i += batch) {
        const response = await judge(
          sqsEvent(...runs.slice(i, i + batch).map((run) => sqsRecordFactory(JSON.stringify(judgeJob(run.id))))),
        );
        if (response.batchItemFailures.length) throw new Error("judge failed");
      }
      const seconds = (performance.now() - started) / 1000;
      rows.push(
        `| ${kind} | judge handler, 100-case runs, batch ${batch}, 1 worker | ${((runs.length * 100) / seconds).toFixed(0)} cases/s | | | | ${(runs.length / seconds).toFixed(1)} runs/s |`,
      );
    }

    // The same with the severity clause judged HYBRID by the offline rubric jury (3 jurors): the
    // jury's own overhead, without any model latency.
    {
      const template = PACT_TEMPLATES["alert-triage"]!;
      const clauses = template.clauses.map((clause) =>
        clause.key === "severity-accuracy" ? { ...clause, method: EvaluationMethod.HYBRID } : clause,
      );
      const hybrid = await inTransaction(ds, async (manager) => {
        const owner = agentFixture("bench-jury", [AgentDomain.ALERT_TRIAGE]);
        await manager.insert(Agent, owner);
        const terms = checkPactTerms(AgentDomain.ALERT_TRIAGE, { ...template, clauses }, "bench");
        return insertVersion(manager, {
          agentId: owner.id,
          workflow: AgentDomain.ALERT_TRIAGE,
          template: null,
          status: PactStatus.ACTIVE,
          amendsPactId: null,
          terms,
          escalation: { team: "soc", contact: "soc", ackDeadlineMinutes: 60 },
          createdBy: "bench-jury",
        });
      });
      const runs = [];
      for (let i = 0; i < 30; i += 1) runs.push(await seedQueuedRun(ds, hybrid, cases, { outbox: false }));
      const started = performance.now();
      for (let i = 0; i < runs.length; i += 10) {
        const response = await judge(sqsEvent(...runs.slice(i, i + 10).map((run) => sqsRecordFactory(JSON.stringify(judgeJob(run.id))))));
        if (response.batchItemFailures.length) throw new Error("judge failed");
      }
      const seconds = (performance.now() - started) / 1000;
      rows.push(
        `| ${kind} | judge handler, 100-case runs, HYBRID severity clause, offline jury of 3, batch 10 | ${((runs.length * 100) / seconds).toFixed(0)} cases/s | | | | ${(runs.length / seconds).toFixed(1)} runs/s |`,
      );
    }

    // Judge cost against history: the same 100-case run judged for an agent with 1k and with 50k
    // cases behind it. Clause windows read the last 500 cases, so the cost must not grow.
    for (const depth of [1_000, 50_000]) {
      const deep = await seedAgentWithPact(ds, "bench-history");
      for (let i = 0; i < depth / 100; i += 1) await seedQueuedRun(ds, deep.pact, cases, { outbox: false });
      await ds.query("UPDATE evaluation_runs SET status = 'COMPLETED' WHERE pact_id = ?", [deep.pact.id]);
      const runs = [];
      for (let i = 0; i < 20; i += 1) runs.push(await seedQueuedRun(ds, deep.pact, cases, { outbox: false }));
      const latencies: number[] = [];
      for (const run of runs) {
        const t0 = performance.now();
        const response = await judge(sqsEvent(sqsRecordFactory(JSON.stringify(judgeJob(run.id)))));
        latencies.push(performance.now() - t0);
        if (response.batchItemFailures.length) throw new Error("judge failed");
      }
      latencies.sort((a, b) => a - b);
      const perSecond = (runs.length / latencies.reduce((sum, l) => sum + l, 0)) * 1000;
      rows.push(
        `| ${kind} | judge handler, 100-case run, ${depth.toLocaleString("en")} cases of history | ${perSecond.toFixed(1)} runs/s | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(percentile(latencies, 99))} | windows of the last 500 cases |`,
      );
    }
  } finally {
    await system.stop();
    await database.drop();
  }
}

// The dual scores (issue 5): MariaDB always, SQLite when asked for with --db sqlite.
const sections: { title: string; section: BenchSection; header?: string }[] = [];
for (const kind of kinds.filter((k) => k === "mysql" || values.db === "sqlite")) {
  if (parts.has("scores")) sections.push({ title: `Score update cost (${kind})`, section: await benchScoreUpdates(kind) });
  if (parts.has("search100k")) sections.push({ title: `searchAgents over 100,000 agents (${kind})`, section: await benchSearch100k(kind) });
  if (parts.has("feed")) sections.push({ title: `agentsByIds and the trust change feed (${kind})`, section: await benchFeed(kind) });
  if (parts.has("partners"))
    sections.push({ title: `A partner's credential per request (${kind})`, section: await benchPartnerCredentials(kind) });
  if (parts.has("attestations")) sections.push({ title: `Signed attestations (${kind})`, section: await benchAttestations(kind) });
  if (parts.has("transparency")) sections.push({ title: `The transparency log (${kind})`, section: await benchTransparency(kind) });
}
// Webhooks on the embedded default (SQLite, the embedded SQS, the local loops), and on MariaDB unless --db says otherwise.
for (const kind of ["sqlite", ...kinds.filter((k) => k === "mysql")] as DatabaseKindUnderTest[])
  if (parts.has("webhooks") && (!values.db || values.db === kind))
    sections.push({ title: `Webhooks (${kind})`, section: await benchWebhooks(kind) });
// Buyer search as `npm start` serves it: on its embedded default (SQLite), and on MariaDB unless --db says otherwise.
for (const kind of ["sqlite", ...kinds.filter((k) => k === "mysql")] as DatabaseKindUnderTest[])
  if (parts.has("gateway") && (!values.db || values.db === kind))
    sections.push({
      title: `Buyer search side by side (${kind})`,
      section: await benchGateway(kind, { quick: values.quick }),
      header: GATEWAY_TABLE_HEADER,
    });

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(
  `Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
);
console.log(`Peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
const TABLE_HEADER = "| engine | what | per second | p50 ms | p95 ms | p99 ms | notes |\n|---|---|---|---|---|---|---|";
if (rows.length) console.log(TABLE_HEADER);
for (const row of rows) console.log(row);
for (const { title, section, header } of sections) {
  console.log(`\n### ${title}\n`);
  console.log(header ?? TABLE_HEADER);
  for (const row of section.rows) console.log(row);
  console.log("");
  for (const note of section.notes) console.log(note);
}
process.exit(0);
