/**
 * Benchmarks of the dual scores (issue 5), each on a fresh database of its own:
 *
 * - score update cost: recordEvaluation for one agent with 1,000 and one with 100,000 judged runs
 *   (and as many score-history rows) behind it, and for a busy agent, interleaved, timed per
 *   update, statements counted; EXPLAIN and ANALYZE of the ladder's look-ups;
 * - searchAgents over 100,000 agents through the gateway of a running local system: first and deep pages for both sort
 *   keys, listed only or not, with and without a tier filter; EXPLAIN and ANALYZE of the exact
 *   SQL the reputation subgraph sent for each.
 *
 * History and directory are seeded with multi-row INSERTs straight into the tables (values
 * converted by TypeORM's own column metadata), never through the services being measured.
 */
import type { JudgedRun } from "../lib/contracts/judged-run.js";
import { randomUUID } from "node:crypto";
import type { DataSource, EntityTarget, ObjectLiteral, QueryRunner } from "typeorm";
import { AgentDomain } from "../lib/contracts/agent-domain.js";
import { StatementCounter, inTransaction } from "../lib/platform/database.js";
import { encodeCursor } from "../lib/platform/pagination.js";
import { Agent, agentNameKey } from "../subgraphs/agents/agent.entity.js";
import type { Pact } from "../subgraphs/pacts/authoring/pact.entity.js";
import { PACT_TEMPLATES } from "../subgraphs/pacts/authoring/pact.templates.js";
import {
  TrustTier,
  addEvaluation,
  addReputation,
  addRunToDrift,
  breachEvidence,
  compositeOf,
  decideListing,
  emptyDrift,
  emptyState,
  reputationOf,
  tierRank,
  type ClauseEvidence,
  type ScoringState,
} from "../subgraphs/reputation/score.math.js";
import { ScoreHistoryEntry, TrustCause } from "../subgraphs/reputation/trust-history.entity.js";
import type { ConsequenceTerms } from "../lib/contracts/consequence.js";
import { EvaluationEvidence, TrustProfile } from "../subgraphs/reputation/trust.entity.js";
import { recordEvaluation } from "../subgraphs/reputation/trust.record.js";
import { priorProfile } from "../subgraphs/reputation/trust.settle.js";
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { dataOf, postGraphQL } from "../test/support/graphql-client.js";
import { seedAgentWithPact } from "../test/support/seed.js";
import { startTestSystem } from "../test/support/system.js";
import { openDatabase } from "../runtime/data-source.js";

const DAY_MS = 24 * 3600 * 1000;
const MINUTE_MS = 60_000;

/** Budgets no benchmark reaches: they measure the work, and the rate limiter charges it without refusing any. */
export const BENCH_BUDGETS = {
  RATE_LIMIT_POINTS_ANONYMOUS: "10000000",
  RATE_LIMIT_POINTS_TOKEN: "10000000",
  RATE_LIMIT_POINTS_KEY: "10000000",
};

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The middle of `values`, in any order. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}
const ms = (value: number) => value.toFixed(1);

/** A small deterministic PRNG (mulberry32), so every run seeds the same spread. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Counts statements like StatementCounter, also per query runner (so that one transaction's
 * statements can be told from a background poller's), and while `recording` keeps them with
 * their parameters.
 */
export class RecordingCounter extends StatementCounter {
  recording = false;
  recorded: { query: string; parameters: unknown[] }[] = [];
  readonly byRunner = new Map<QueryRunner, string[]>();
  override logQuery(query: string, parameters?: unknown[] | ObjectLiteral, queryRunner?: QueryRunner): void {
    const before = this.count;
    super.logQuery(query);
    if (queryRunner && this.count > before) {
      const sent = this.byRunner.get(queryRunner) ?? [];
      sent.push(query);
      this.byRunner.set(queryRunner, sent);
    }
    if (this.recording) this.recorded.push({ query, parameters: Array.isArray(parameters) ? parameters : [] });
  }
}

/**
 * Multi-row INSERTs of entities, `chunk` rows a statement, each value converted by the driver as
 * TypeORM would (JSON transformers, booleans, DATETIME in UTC).
 */
export async function bulkInsert<T extends ObjectLiteral>(
  ds: DataSource,
  entity: EntityTarget<T>,
  rows: readonly T[],
  chunk = 500,
): Promise<void> {
  const metadata = ds.getMetadata(entity);
  const driver = ds.driver;
  const columns = metadata.columns;
  const names = columns.map((column) => driver.escape(column.databaseName)).join(", ");
  const tuple = `(${columns.map(() => "?").join(", ")})`;
  for (let start = 0; start < rows.length; start += chunk) {
    const slice = rows.slice(start, start + chunk);
    const values = slice.flatMap((row) => columns.map((column) => driver.preparePersistentValue(column.getEntityValue(row), column)));
    await ds.query(`INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES ${slice.map(() => tuple).join(", ")}`, values);
  }
}

// ---------------------------------------------------------------------------------------------
// Realistic evidence: alert-triage runs of 100 cases under the template's clauses.

const TRIAGE = PACT_TEMPLATES["alert-triage"]!;
const SEVERITY = TRIAGE.clauses.find((clause) => clause.key === "severity-accuracy")!;
const FALSE_POSITIVES = TRIAGE.clauses.find((clause) => clause.key === "false-positive-rate")!;

/** One 100-case run: passing, failing the critical severity clause, or failing the major false-positive clause. */
function triageRun(kind: "pass" | "critical" | "major", random: () => number) {
  const severityMisses = kind === "critical" ? 12 + Math.floor(random() * 8) : Math.floor(random() * 6);
  const falsePositives = kind === "major" ? 12 + Math.floor(random() * 8) : Math.floor(random() * 6);
  const clauses: ClauseEvidence[] = [
    { metric: SEVERITY.metric, weight: SEVERITY.weight, passed: 100 - severityMisses, failed: severityMisses },
    { metric: FALSE_POSITIVES.metric, weight: FALSE_POSITIVES.weight, passed: 100 - falsePositives, failed: falsePositives },
  ];
  // A case fails when it misses either check; the two kinds of miss fall independently.
  const casesFailed = severityMisses + falsePositives - Math.round((severityMisses * falsePositives) / 100);
  return {
    casesPassed: 100 - casesFailed,
    casesFailed,
    runPassed: kind === "pass",
    failedCriticalClauses: kind === "critical" ? [SEVERITY.key] : [],
    clauses,
  };
}

function termsOf(pact: Pact): ConsequenceTerms {
  return {
    pactId: pact.id,
    pactVersion: pact.version,
    ladder: pact.consequenceLadder,
    route: pact.escalationRoute,
    owner: { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes },
  };
}

function withRun(state: ScoringState, at: number, run: ReturnType<typeof triageRun>): ScoringState {
  const evaluated = addEvaluation(state, at, run.clauses);
  const breach = breachEvidence(run.runPassed, run.failedCriticalClauses);
  return breach > 0 ? addReputation(evaluated, at, 0, breach) : evaluated;
}

/** Production evidence folded into the seeded state: 20 buyers' weekly KPI reports of quality 0.95. */
const WEEKLY_GOOD = 20 * 10 * 0.95;
const WEEKLY_BAD = 20 * 10 * 0.05;

/**
 * A busy agent's history: `total` judged runs, one every 15 minutes (96 a day), ending at `end`;
 * one run in 200 fails (critical and major in turn), and 20 buyers report weekly. Writes the last
 * `kept` runs' evidence and one score-history row per run, as settleTrust would, and the profile
 * folded from all `total` runs, as recordEvaluation would have left it. The ladder has nothing
 * standing. Multi-row inserts; nothing goes through the services under test.
 */
async function seedHistory(
  ds: DataSource,
  agentId: string,
  terms: ConsequenceTerms,
  kept: number,
  total: number,
  end: number,
): Promise<void> {
  const random = randomSource(7);
  let state = emptyState();
  let drift = emptyDrift();
  let passed = 0;
  let failed = 0;
  let streak = 0;
  let reportedAt = end - total * 15 * MINUTE_MS;
  const evidence: EvaluationEvidence[] = [];
  const history: ScoreHistoryEntry[] = [];
  let last: ReturnType<typeof triageRun> | null = null;
  let lastAt = 0;
  for (let k = 0; k < total; k += 1) {
    const submittedAt = end - (total - 1 - k) * 15 * MINUTE_MS;
    const judgedAt = submittedAt + 30_000;
    while (reportedAt + 7 * DAY_MS <= submittedAt) {
      reportedAt += 7 * DAY_MS;
      state = addReputation(state, reportedAt, WEEKLY_GOOD, WEEKLY_BAD);
    }
    const run = triageRun(k % 200 === 100 ? (k % 400 === 100 ? "critical" : "major") : "pass", random);
    state = withRun(state, submittedAt, run);
    drift = addRunToDrift(drift, run.casesPassed / 100);
    passed += run.casesPassed;
    failed += run.casesFailed;
    streak = run.runPassed ? streak + 1 : 0;
    last = run;
    lastAt = submittedAt;
    if (k < total - kept) continue;
    const runId = randomUUID();
    evidence.push(
      Object.assign(new EvaluationEvidence(), {
        runId,
        agentId,
        pactId: terms.pactId,
        pactVersion: terms.pactVersion,
        casesPassed: run.casesPassed,
        casesFailed: run.casesFailed,
        runPassed: run.runPassed,
        failedCriticalClauses: run.failedCriticalClauses,
        clauses: run.clauses,
        submittedAt: new Date(submittedAt),
        judgedAt: new Date(judgedAt),
      }),
    );
    const composite = compositeOf(state);
    const reputation = reputationOf(state);
    history.push(
      Object.assign(new ScoreHistoryEntry(), {
        id: randomUUID(),
        agentId,
        compositeScore: composite.score,
        compositeConfidence: composite.confidence,
        reputationScore: reputation.score,
        reputationConfidence: reputation.confidence,
        cause: TrustCause.EVALUATION_RUN,
        causeId: runId,
        recordedAt: new Date(judgedAt),
      }),
    );
  }
  await bulkInsert(ds, EvaluationEvidence, evidence);
  await bulkInsert(ds, ScoreHistoryEntry, history);

  const composite = compositeOf(state);
  const reputation = reputationOf(state);
  const decision = decideListing({
    composite,
    reputation,
    evaluationRuns: total,
    lastRunPassed: last!.runPassed,
    lastRunFailedCriticalClauses: last!.failedCriticalClauses,
    openCriticalDisputes: 0,
    consequence: null,
  });
  const profile = Object.assign(priorProfile(agentId), {
    compositeScore: composite.score,
    compositeConfidence: composite.confidence,
    reputationScore: reputation.score,
    reputationConfidence: reputation.confidence,
    tier: decision.tier,
    tierRank: tierRank(decision.tier),
    eligible: decision.eligible,
    reasons: decision.reasons,
    policyVersion: decision.policyVersion,
    casesPassed: passed,
    casesFailed: failed,
    evaluationRuns: total,
    lastRunPassed: last!.runPassed,
    lastRunFailedCriticalClauses: last!.failedCriticalClauses,
    lastRunSubmittedAt: new Date(lastAt),
    passingStreak: streak,
    scoringState: state,
    evaluationDrift: drift,
    consequenceTerms: terms,
    updatedAt: new Date(lastAt + 30_000),
  });
  await bulkInsert(ds, TrustProfile, [profile]);
}

export interface BenchSection {
  rows: string[];
  notes: string[];
}

/**
 * Runs `sql` under EXPLAIN (the plan, one line per table) and ANALYZE FORMAT=JSON (MariaDB: the
 * rows actually read per table, loops times rows, and whether a filesort or temporary table ran).
 */
async function explain(
  ds: DataSource,
  sql: string,
  parameters: unknown[],
): Promise<{ lines: string[]; filesort: boolean; examined: number }> {
  const plan: Record<string, unknown>[] = await ds.query(`EXPLAIN ${sql}`, parameters);
  const [analyzed] = await ds.query(`ANALYZE FORMAT=JSON ${sql}`, parameters);
  const json = JSON.parse(String(Object.values(analyzed as object)[0]));
  const read = new Map<string, number>();
  let filesort = false;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "filesort" || key === "temporary_table") filesort = true;
      if (key === "table" && value && typeof value === "object" && "table_name" in value) {
        const table = value as { table_name: string; r_loops?: number; r_rows?: number };
        read.set(table.table_name, (read.get(table.table_name) ?? 0) + Math.round((table.r_loops ?? 0) * (table.r_rows ?? 0)));
      }
      walk(value);
    }
  };
  walk(json);
  const lines = plan.map(
    (row) =>
      `${row.id} ${row.select_type} ${row.table}: type=${row.type} key=${row.key ?? "—"} est.rows=${row.rows} read=${read.get(String(row.table)) ?? "?"} | ${row.Extra ?? ""}`,
  );
  if (plan.some((row) => /filesort|temporary/i.test(String(row.Extra ?? "")))) filesort = true;
  return { lines, filesort, examined: [...read.values()].reduce((sum, n) => sum + n, 0) };
}

/**
 * The statement as the service sent it, and rewritten, each run alone against the database 25
 * times: how much of a cost the plan accounts for (a probe for the report, MariaDB only).
 */
async function compareSql(
  ds: DataSource,
  kind: string,
  label: string,
  statement: { query: string; parameters: unknown[] },
  rewrite: { how: string; to: (sql: string) => string },
): Promise<string[]> {
  const rewritten = rewrite.to(statement.query);
  if (rewritten === statement.query)
    return [`| ${kind} | SQL alone: ${label} | | | | | rewrite (${rewrite.how}) did not apply to the statement sent |`];
  const rows: string[] = [];
  for (const [what, sql] of [
    [`as sent`, statement.query],
    [rewrite.how, rewritten],
  ] as const) {
    const { examined, filesort } = await explain(ds, sql, statement.parameters);
    const latencies: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      const t0 = performance.now();
      await ds.query(sql, statement.parameters);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    rows.push(
      `| ${kind} | SQL alone: ${label}, ${what} | ${(1000 / (latencies.reduce((sum, l) => sum + l, 0) / latencies.length)).toFixed(0)} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(percentile(latencies, 99))} | rows read ${examined.toLocaleString("en")}${filesort ? "; FILESORT" : ""} |`,
    );
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 1. Score update cost at 1k and 100k runs of history.

const UPDATES = 200;
const WARM_UP = 40;

export async function benchScoreUpdates(kind: DatabaseKindUnderTest): Promise<BenchSection> {
  const database = await createTestDatabase(kind);
  const statements = new RecordingCounter();
  // The migrated database alone: recordEvaluation is called as the judge calls it, and no
  // poller or decay sweep of the local system runs beside it.
  const ds = await openDatabase(database.url, { logger: statements });
  const rows: string[] = [];
  const notes: string[] = [];
  try {
    // The measured runs start 60 days ago. The 1k and 100k agents' histories end 40 days before
    // that and their measured runs come every 6 hours, so the ladder's 30-day windows start empty
    // at both sizes; both start from the same profile (folded from 100,000 runs), so every listing
    // and ladder decision of the measured runs is the same, and only the size of the history
    // differs. The busy agent's runs go on every 15 minutes, history and measured runs alike, so
    // its 30-day window always holds 2,880 of them.
    const start = Date.now() - 60 * DAY_MS;
    const SIX_HOURS = 6 * 3600 * 1000;
    const scenarios = [
      { label: "1,000 runs of history", kept: 1_000, end: start - 40 * DAY_MS, every: SIX_HOURS },
      { label: "100,000 runs of history", kept: 100_000, end: start - 40 * DAY_MS, every: SIX_HOURS },
      {
        label: "100,000 runs of history, busy: a run every 15 min (2,880 in the ladder's 30-day window)",
        kept: 100_000,
        end: start - 15 * MINUTE_MS,
        every: 15 * MINUTE_MS,
      },
    ];
    const seedStarted = performance.now();
    const warm = await seedAgentWithPact(ds, "bench-scores-warm");
    const agents = [];
    for (const [index, scenario] of scenarios.entries()) {
      const { agent, pact } = await seedAgentWithPact(ds, `bench-scores-${index}`);
      await seedHistory(ds, agent.id, termsOf(pact), scenario.kept, 100_000, scenario.end);
      agents.push({
        ...scenario,
        agentId: agent.id,
        terms: termsOf(pact),
        random: randomSource(11),
        latencies: [] as number[],
        statements: 0,
        shapes: new Map<string, number>(),
      });
    }
    if (kind === "mysql") await ds.query("ANALYZE TABLE trust_evaluation_evidence, trust_score_history");
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    /** Runs recordEvaluation in its own transaction; returns the statements it sent. */
    const record = async (outcome: JudgedRun) => {
      const runners: QueryRunner[] = [];
      await inTransaction(ds, (manager) => {
        runners.push(manager.queryRunner!);
        return recordEvaluation(manager, outcome);
      });
      const sent: string[] = [];
      for (const runner of runners) {
        sent.push(...(statements.byRunner.get(runner) ?? []));
        statements.byRunner.delete(runner);
      }
      return sent;
    };
    /** A statement's verb and table, e.g. "SELECT trust_score_history". */
    const shape = (sql: string) => {
      const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "?";
      const table =
        /(?:FROM|INTO|UPDATE)\s+`(\w+)`/i.exec(
          sql.replace(/^SELECT 1 AS `row_exists` FROM \(SELECT 1 AS dummy_column\) `dummy_table` WHERE EXISTS \(/, "SELECT "),
        )?.[1] ?? "?";
      return `${verb} ${table}`;
    };

    const outcomeFor = (agentId: string, terms: ConsequenceTerms, k: number, random: () => number, every = SIX_HOURS): JudgedRun => {
      const at = start + k * every;
      // Every 25th run fails, critical and major in turn: eight breaches in the 200 runs.
      const run = triageRun(k % 25 === 12 ? (k % 50 === 12 ? "critical" : "major") : "pass", random);
      return {
        runId: randomUUID(),
        agentId,
        pactId: terms.pactId,
        pactVersion: terms.pactVersion,
        ...run,
        terms,
        submittedAt: new Date(at),
        judgedAt: new Date(at + 30_000),
      };
    };

    // Warm-up on a history-less agent: connections, JIT, caches.
    const warmTerms = termsOf(warm.pact);
    const warmRandom = randomSource(3);
    for (let k = 0; k < WARM_UP; k += 1) await record(outcomeFor(warm.agent.id, warmTerms, k - WARM_UP, warmRandom));

    // The same sequence of runs for every agent, interleaved so that drift of the machine or of
    // the tables affects all alike.
    for (let k = 0; k < UPDATES; k += 1) {
      for (const agent of agents) {
        const outcome = outcomeFor(agent.agentId, agent.terms, k, agent.random, agent.every);
        const t0 = performance.now();
        const sent = await record(outcome);
        agent.latencies.push(performance.now() - t0);
        agent.statements += sent.length;
        for (const statement of sent) agent.shapes.set(shape(statement), (agent.shapes.get(shape(statement)) ?? 0) + 1);
      }
    }

    const stats = [];
    for (const agent of agents) {
      const [profile] = await ds.query(
        "SELECT consequence, tier, eligible, composite_score, reputation_score FROM trust_profiles WHERE agent_id = ?",
        [agent.agentId],
      );
      const [escalations] = await ds.query("SELECT COUNT(*) AS n FROM trust_escalations WHERE agent_id = ?", [agent.agentId]);
      const [changes] = await ds.query("SELECT COUNT(*) AS n FROM trust_eligibility_history WHERE agent_id = ?", [agent.agentId]);
      const sorted = [...agent.latencies].sort((a, b) => a - b);
      stats.push({
        ...agent,
        profile,
        escalations: Number(escalations.n),
        changes: Number(changes.n),
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        mean: sorted.reduce((sum, l) => sum + l, 0) / sorted.length,
      });
    }
    for (const s of stats) {
      rows.push(
        `| ${kind} | recordEvaluation, agent with ${s.label} | ${(1000 / s.mean).toFixed(0)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${(s.statements / UPDATES).toFixed(2)} SQL statements per update (${s.statements} for ${UPDATES}) |`,
      );
    }
    const [small, large] = stats as [(typeof stats)[0], (typeof stats)[0]];
    rows.push(
      `| ${kind} | ratio 100,000 / 1,000 runs of history | | ${(large.p50 / small.p50).toFixed(2)} | ${(large.p95 / small.p95).toFixed(2)} | ${(large.p99 / small.p99).toFixed(2)} | statements ${small.statements === large.statements ? "identical" : `DIFFER: ${small.statements} against ${large.statements}`} |`,
    );
    notes.push(`${kind}: seeding the three histories (201,000 runs with as many score-history rows) took ${seedSeconds.toFixed(1)} s.`);
    for (const s of stats) {
      notes.push(
        `${kind}: statements of the ${UPDATES} updates, agent with ${s.label}: ${[...s.shapes].map(([what, n]) => `${what} ×${n}`).join(", ")}.`,
      );
      notes.push(
        `${kind}: after the ${UPDATES} runs, the agent with ${s.label} stands at consequence ${s.profile.consequence ?? "none"}, tier ${s.profile.tier}, eligible ${Boolean(Number(s.profile.eligible))}, composite ${s.profile.composite_score}, reputation ${s.profile.reputation_score}; ${s.escalations} escalations and ${s.changes} eligibility changes written.`,
      );
    }

    // The ladder's look-ups as recordEvaluation sent them (one more run), explained per agent.
    if (kind === "mysql") {
      for (const agent of agents) {
        statements.recorded = [];
        statements.recording = true;
        await record(outcomeFor(agent.agentId, agent.terms, UPDATES, agent.random, agent.every));
        statements.recording = false;
        const lookups = statements.recorded.filter(
          (s) => /^SELECT/i.test(s.query) && /FROM `(trust_evaluation_evidence|trust_score_history)` `[eh]`/.test(s.query),
        );
        for (const lookup of lookups) {
          const { lines, filesort } = await explain(ds, lookup.query, lookup.parameters);
          notes.push(
            `EXPLAIN/ANALYZE, agent with ${agent.label}: \`${lookup.query.replace(/\s+/g, " ")}\` ${JSON.stringify(lookup.parameters)}${filesort ? " — FILESORT" : ""}`,
          );
          for (const line of lines) notes.push(`    ${line}`);
        }
        const history = lookups.find((lookup) => /FROM `trust_score_history` `h`/.test(lookup.query));
        if (agent === agents[2] && history) {
          rows.push(
            ...(await compareSql(ds, kind, "the ladder's score-history look-up, busy agent", history, {
              how: "FORCE INDEX (idx_score_history_agent)",
              to: (sql) =>
                sql.replace("FROM `trust_score_history` `h`", "FROM `trust_score_history` `h` FORCE INDEX (idx_score_history_agent)"),
            })),
          );
        }
      }
    }
  } finally {
    await ds.destroy();
    await database.drop();
  }
  return { rows, notes };
}

// ---------------------------------------------------------------------------------------------
// 2. searchAgents over 100,000 agents.

const DIRECTORY = 100_000;
/** Share of agents with no trust row yet (registered, never judged): ranked at the prior. */
const UNSCORED_SHARE = 0.05;
const PAGE = 20;
const SEARCH_REQUESTS = 40;

const SEARCH_RANKED = `query Search($filter: AgentSearchFilter, $orderBy: AgentSortKey, $first: Int, $after: String) {
  searchAgents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { cursor node { id name domains pacts { id version } trust { compositeScore reputationScore tier eligible reasons } openDisputeCount } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const DOMAINS = Object.values(AgentDomain);

/** An agent's trust after `runs` judged runs and some production evidence, drawn from `random`. */
export function spreadProfile(agentId: string, random: () => number, at: Date): TrustProfile {
  const runs = 1 + Math.floor(random() * 40);
  const cases = runs * (20 + Math.floor(random() * 80));
  // Most agents do well, a tail does badly.
  const share = 1 - 0.5 * random() ** 2.5;
  const severityFailed = Math.round(cases * (1 - share) * (0.5 + random()));
  const fpFailed = Math.round(cases * (1 - share) * (0.5 + random()));
  const clauses = [
    {
      metric: SEVERITY.metric,
      weight: SEVERITY.weight,
      passed: cases - Math.min(cases, severityFailed),
      failed: Math.min(cases, severityFailed),
    },
    {
      metric: FALSE_POSITIVES.metric,
      weight: FALSE_POSITIVES.weight,
      passed: cases - Math.min(cases, fpFailed),
      failed: Math.min(cases, fpFailed),
    },
  ];
  let state = addEvaluation(emptyState(), at.getTime(), clauses);
  // Weekly reports (some agents have none yet) and a few breaches or upheld disputes.
  const reports = Math.floor(random() * 12);
  const quality = 0.55 + 0.45 * random();
  state = addReputation(
    state,
    at.getTime(),
    reports * 10 * quality,
    reports * 10 * (1 - quality) + (random() < 0.2 ? 5 + 35 * random() : 0),
  );
  const composite = compositeOf(state);
  const reputation = reputationOf(state);
  // One agent in eight failed its latest run, half of those on the critical clause; a few face a critical dispute.
  const lastRunPassed = random() > 0.12;
  const lastRunFailedCriticalClauses = !lastRunPassed && random() < 0.5 ? [SEVERITY.key] : [];
  const openCriticalDisputes = random() < 0.01 ? 1 : 0;
  const decision = decideListing({
    composite,
    reputation,
    evaluationRuns: runs,
    lastRunPassed,
    lastRunFailedCriticalClauses,
    openCriticalDisputes,
    consequence: null,
  });
  const failed = Math.max(severityFailed, fpFailed);
  return Object.assign(priorProfile(agentId), {
    compositeScore: composite.score,
    compositeConfidence: composite.confidence,
    reputationScore: reputation.score,
    reputationConfidence: reputation.confidence,
    tier: decision.tier,
    tierRank: tierRank(decision.tier),
    eligible: decision.eligible,
    reasons: decision.reasons,
    policyVersion: decision.policyVersion,
    casesPassed: cases - Math.min(cases, failed),
    casesFailed: Math.min(cases, failed),
    evaluationRuns: runs,
    lastRunPassed,
    lastRunFailedCriticalClauses,
    lastRunSubmittedAt: at,
    openCriticalDisputes,
    scoringState: state,
    updatedAt: at,
  });
}

type Cell = { orderBy: "COMPOSITE_SCORE" | "REPUTATION_SCORE"; eligibleOnly: boolean; minTier: TrustTier | null };

export async function benchSearch100k(kind: DatabaseKindUnderTest): Promise<BenchSection> {
  const database = await createTestDatabase(kind);
  const statements = new RecordingCounter(/outbox_messages/);
  const system = await startTestSystem({ databaseUrl: database.url, logger: statements, judge: false, env: BENCH_BUDGETS });
  const rows: string[] = [];
  const notes: string[] = [];
  try {
    const ds = system.dataSource;
    const random = randomSource(42);
    const at = new Date();
    const seedStarted = performance.now();
    const agents: Agent[] = [];
    const profiles: TrustProfile[] = [];
    for (let i = 0; i < DIRECTORY; i += 1) {
      const name = `Bench agent ${i}`;
      const first = DOMAINS[Math.floor(random() * DOMAINS.length)]!;
      const second = DOMAINS[Math.floor(random() * DOMAINS.length)]!;
      const domains = random() < 0.3 && second !== first ? [first, second] : [first];
      const agent = Object.assign(new Agent(), {
        id: randomUUID(),
        name,
        nameKey: agentNameKey(name),
        description: `${name} works the SOC queue`,
        domains,
        ownerId: `builder-${i % 5000}`,
        registeredAt: at,
      });
      agents.push(agent);
      if (random() >= UNSCORED_SHARE) profiles.push(spreadProfile(agent.id, random, at));
    }
    await bulkInsert(ds, Agent, agents, 1000);
    await bulkInsert(ds, TrustProfile, profiles, 500);
    if (kind === "mysql") await ds.query("ANALYZE TABLE agents, trust_profiles");
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const tiers = await ds.query(
      "SELECT tier, SUM(eligible) AS listed, COUNT(*) AS n FROM trust_profiles GROUP BY tier ORDER BY MIN(tier_rank) DESC",
    );
    notes.push(
      `${kind}: ${DIRECTORY.toLocaleString("en")} agents (${(DIRECTORY - profiles.length).toLocaleString("en")} with no trust row), seeded in ${seedSeconds.toFixed(1)} s; trust rows by tier (listed / all): ${tiers.map((t: { tier: string; listed: number | string; n: number | string }) => `${t.tier} ${Number(t.listed).toLocaleString("en")} / ${Number(t.n).toLocaleString("en")}`).join(", ")}.`,
    );

    const cells: Cell[] = [];
    for (const orderBy of ["COMPOSITE_SCORE", "REPUTATION_SCORE"] as const) {
      for (const eligibleOnly of [true, false]) {
        for (const minTier of [null, TrustTier.GOLD]) cells.push({ orderBy, eligibleOnly, minTier });
      }
    }

    // A cursor halfway down the scored agents a cell matches: the deep page starts there.
    const deepCursor = async (cell: Cell) => {
      const column = cell.orderBy === "COMPOSITE_SCORE" ? "composite_score" : "reputation_score";
      const where = [cell.eligibleOnly ? "eligible = 1" : "1 = 1", cell.minTier ? `tier_rank >= ${tierRank(cell.minTier)}` : "1 = 1"].join(
        " AND ",
      );
      const [{ n }] = await ds.query(`SELECT COUNT(*) AS n FROM trust_profiles WHERE ${where}`);
      const offset = Math.floor(Number(n) / 2);
      const [row] = await ds.query(
        `SELECT agent_id, ${column} AS score FROM trust_profiles WHERE ${where} ORDER BY ${column} DESC, agent_id DESC LIMIT 1 OFFSET ${offset}`,
      );
      return { cursor: encodeCursor([cell.orderBy, Number(row.score), row.agent_id]), offset, matching: Number(n) };
    };

    const search = async (variables: Record<string, unknown>) => {
      const response = dataOf(await postGraphQL<Record<string, any>>(system.gatewayUrl, SEARCH_RANKED, variables));
      if (response.searchAgents.edges.length !== PAGE) throw new Error(`short page for ${JSON.stringify(variables)}`);
      return response;
    };

    for (let warm = 0; warm < 30; warm += 1) await search({ filter: { eligibleOnly: true }, orderBy: "COMPOSITE_SCORE", first: PAGE });

    const plans: string[] = [];
    const captured = new Map<string, { query: string; parameters: unknown[] }[]>();
    for (const cell of cells) {
      const filter = { eligibleOnly: cell.eligibleOnly, ...(cell.minTier ? { minTier: cell.minTier } : {}) };
      const deep = await deepCursor(cell);
      for (const page of ["first", "deep"] as const) {
        const variables = { filter, orderBy: cell.orderBy, first: PAGE, ...(page === "deep" ? { after: deep.cursor } : {}) };
        // One request recorded: its statements counted, the search's own SQL kept for EXPLAIN.
        statements.recorded = [];
        statements.recording = true;
        const before = statements.count;
        await search(variables);
        const perPage = statements.count - before;
        statements.recording = false;
        const searchSql = statements.recorded.filter(
          (s) => /^SELECT/i.test(s.query) && /LIMIT/i.test(s.query) && /agent_directory/.test(s.query) && /ORDER BY/i.test(s.query),
        );
        captured.set(`${cell.orderBy} ${cell.eligibleOnly} ${cell.minTier ?? "-"} ${page}`, searchSql);

        const latencies: number[] = [];
        for (let i = 0; i < SEARCH_REQUESTS; i += 1) {
          const t0 = performance.now();
          await search(variables);
          latencies.push(performance.now() - t0);
        }
        latencies.sort((a, b) => a - b);
        const what = `${cell.orderBy}, eligibleOnly ${cell.eligibleOnly}${cell.minTier ? `, minTier ${cell.minTier}` : ""}, ${page === "first" ? "first page" : `deep page (after #${deep.offset.toLocaleString("en")} of ${deep.matching.toLocaleString("en")})`}`;

        let planNote = "";
        if (kind === "mysql") {
          const explained: Awaited<ReturnType<typeof explain>>[] = [];
          for (const statement of searchSql) explained.push(await explain(ds, statement.query, statement.parameters));
          planNote = `${explained.some((e) => e.filesort) ? "FILESORT; " : "no filesort; "}rows read ${explained.map((e) => e.examined.toLocaleString("en")).join(" + ")}`;
          plans.push(`${what} — ${searchSql.length} search statement(s):`);
          searchSql.forEach((statement, index) => {
            plans.push(`  SQL: ${statement.query.replace(/\s+/g, " ")}`);
            plans.push(`  params: ${JSON.stringify(statement.parameters)}`);
            for (const line of explained[index]!.lines) plans.push(`    ${line}`);
          });
        }
        rows.push(
          `| ${kind} | searchAgents over ${DIRECTORY / 1000}k agents: ${what} | ${(1000 / (latencies.reduce((s, l) => s + l, 0) / latencies.length)).toFixed(0)} | ${ms(percentile(latencies, 50))} | ${ms(percentile(latencies, 95))} | ${ms(percentile(latencies, 99))} | ${perPage} SQL statements per page${planNote ? `; ${planNote}` : ""} |`,
        );
      }
    }
    notes.push(...plans);

    if (kind === "mysql") {
      const deepTier = captured.get(`COMPOSITE_SCORE true ${TrustTier.GOLD} deep`)?.[0];
      if (deepTier) {
        rows.push(
          ...(await compareSql(ds, kind, "listed agents, minTier GOLD, deep page, by composite", deepTier, {
            how: "FORCE INDEX (idx_trust_rank)",
            to: (sql) =>
              sql.replace("FROM `trust_profiles` `t` INNER JOIN", "FROM `trust_profiles` `t` FORCE INDEX (idx_trust_rank) INNER JOIN"),
          })),
        );
      }
    }
  } finally {
    await system.stop();
    await database.drop();
  }
  return { rows, notes };
}
