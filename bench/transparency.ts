/**
 * The transparency log (issue 16, docs/transparency.md):
 * - what logging adds to a judged run and to each step of a dispute: the same acts with the log's
 *   ports installed and uninstalled (as a context's own tests run), in interleaved rounds;
 * - the sequencer's throughput, on an empty tree and on one of 10^6 leaves;
 * - that acts do not wait on the sequencer: judged runs while a sequencer transaction holds the
 *   log's state lock (MySQL), and while a sequencer works through a backlog, against idle;
 * - inclusion and consistency proofs against signed heads of 10^4, 10^5 and 10^6 leaves: audit
 *   path length, bytes and time, read as `logProof` and `logConsistency` read them.
 * Signing an attestation is measured by bench/attestations.ts. Every loop is bounded.
 */
import { type ChildProcess, fork } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import type { DataSource } from "typeorm";
import { LogEntryKind } from "../lib/contracts/transparency-log.js";
import { canonicalJson } from "../lib/platform/canonical-json.js";
import { config } from "../lib/platform/config.js";
import { inTransaction, writeLock } from "../lib/platform/database.js";
import { appendedNodes, leafHash, perfectNodes, rootOfNodes, verifyConsistency, verifyInclusion } from "../lib/platform/merkle.math.js";
import { disputesWiring } from "../runtime/contexts.js";
import { openDatabase, provideDataSource } from "../runtime/data-source.js";
import { judgeHandler as judge } from "../runtime/judge.js";
import { assignDispute } from "../subgraphs/disputes/dispute.assign.js";
import { DisputeOutcome, DisputeSeverity } from "../subgraphs/disputes/dispute.entity.js";
import { fileComplaint } from "../subgraphs/disputes/dispute.file.js";
import { logDisputeActsTo } from "../subgraphs/disputes/dispute.log.js";
import { resolveDispute } from "../subgraphs/disputes/dispute.resolve.js";
import type { DisputesContext } from "../subgraphs/disputes/disputes.context.js";
import { judgeJob } from "../subgraphs/pacts/evaluation/judge-job.message.js";
import { logPactActsTo } from "../subgraphs/pacts/pact.log.js";
import { logApiKeyActsTo } from "../subgraphs/partners/api-key.log.js";
import { logTrustChangesTo } from "../subgraphs/reputation/trust.log.js";
import { appendLogEntry } from "../subgraphs/transparency/log-entry.append.js";
import { headBytes } from "../subgraphs/transparency/log-leaf.math.js";
import { readConsistencyProof, readInclusionProof } from "../subgraphs/transparency/log-proof.read.js";
import { LOG_STATE_ROW, LogEntry, LogState, TreeHead } from "../subgraphs/transparency/log.entity.js";
import { sequenceLog, sequenceLogBatch } from "../subgraphs/transparency/log.sequence.js";
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { triageCases } from "../test/support/fixtures.js";
import { seedAgentWithPact, seedQueuedRun } from "../test/support/seed.js";
import { sqsEvent, sqsRecordFactory } from "../test/support/sqs-record.js";
import { median, percentile, randomSource, type BenchSection } from "./scores.js";

/** Rounds of the with/without comparison: each round one act with the log, one without, in turn first. */
const ROUNDS = 100;
/** The same for a dispute's three steps, cheaper and noisier than a judged run. */
const DISPUTE_ROUNDS = 200;
/** Judged runs per block of the lock comparison, and blocks per condition. */
const BLOCK_ACTS = 20;
const BLOCKS = 3;
/** The longest a held state lock is kept: a bound, should the acts wait on it after all. */
const HOLD_MAX_MS = 30_000;
/** Entries in the backlog whose sequencing is timed on its own. */
const SEQUENCER_BACKLOG = 20_000;
const TREE_SIZES = [10_000, 100_000, 1_000_000];
/** Older heads per size, for consistency proofs to the size's head. */
const OLDER_HEADS = 10;
const PROOFS = 300;
/** Leaves appended per transaction while the tree is written directly. */
const BUILD_CHUNK = 8_192;
const NODES_PER_STATEMENT = 1_000;

const ms = (value: number) => value.toFixed(2);
const count = (value: number) => Math.round(value).toLocaleString("en");

/** The median of the rounds' differences with − without (ms): the shift, robust to drift between rounds. */
const pairedShift = (on: number[], off: number[]) => median(on.map((time, i) => time - off[i]!));

/** InnoDB's count of row lock waits, server-wide (MySQL only): whether anything waited on a lock meanwhile. */
async function rowLockWaits(dataSource: DataSource): Promise<number> {
  const [status] = await dataSource.query("SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_waits'");
  return Number(status.Value);
}

/** A table row from latencies (ms): per second is calls over their summed time. */
function row(kind: string, what: string, latencies: number[], notes: string): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const perSecond = (sorted.length / sorted.reduce((sum, l) => sum + l, 0)) * 1000;
  return `| ${kind} | ${what} | ${perSecond.toFixed(perSecond < 100 ? 1 : 0)} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 95))} | ${ms(percentile(sorted, 99))} | ${notes} |`;
}

/** Installs the log's ports (as runtime/contexts.ts does at load) or removes them (nothing is logged). */
function logging(on: boolean): void {
  const port = on ? appendLogEntry : null;
  logTrustChangesTo(port);
  logPactActsTo(port);
  logDisputeActsTo(port);
  logApiKeyActsTo(port);
}

async function entryCount(dataSource: DataSource): Promise<number> {
  return dataSource.manager.count(LogEntry);
}

/** Entries the timed acts wrote, with the log and without (which must stay 0). */
type Written = { on: number; off: number };

/** Times `act` with the log or without; counts the entries it wrote, outside the time. */
async function timedWith<T>(
  dataSource: DataSource,
  written: Written,
  on: boolean,
  act: () => Promise<T>,
): Promise<{ elapsed: number; value: T }> {
  const before = await entryCount(dataSource);
  logging(on);
  let timed: { elapsed: number; value: T };
  try {
    const t0 = performance.now();
    const value = await act();
    timed = { elapsed: performance.now() - t0, value };
  } finally {
    logging(true);
  }
  written[on ? "on" : "off"] += (await entryCount(dataSource)) - before;
  return timed;
}

/** A typical RUN_VERDICT payload (four clauses), for backlogs of entries written straight to the table. */
const VERDICT_PAYLOAD = canonicalJson({
  runId: "00000000-0000-4000-8000-000000000001",
  workflow: "ALERT_TRIAGE",
  pactId: "00000000-0000-4000-8000-000000000002",
  pactVersion: 1,
  casesPassed: 98,
  casesFailed: 2,
  passed: true,
  weightedPassShare: 0.98,
  failedCriticalClauses: [],
  clauses: ["severity-accuracy", "false-positive-rate", "mean-time-to-triage", "escalation-recall"].map((key) => ({
    key,
    outcome: "PASS",
    observed: 0.98,
    sampleSize: 100,
  })),
});

/** `total` unsequenced entries, as acts write them, 500 a statement. */
async function insertBacklog(dataSource: DataSource, total: number): Promise<void> {
  for (let start = 0; start < total; start += 500) {
    const values = Array.from({ length: Math.min(500, total - start) }, () => ({
      logIndex: null,
      kind: LogEntryKind.RUN_VERDICT,
      subject: "00000000-0000-4000-8000-000000000003",
      payload: VERDICT_PAYLOAD,
      leafHash: null,
      recordedAt: new Date(),
    }));
    await inTransaction(dataSource, (manager) =>
      manager.createQueryBuilder().insert().into(LogEntry).values(values).updateEntity(false).execute(),
    );
  }
}

/** Times sequencing everything committed; returns entries per second. */
async function sequencerRate(dataSource: DataSource): Promise<{ sequenced: number; perSecond: number }> {
  const t0 = performance.now();
  const sequenced = await sequenceLog(dataSource);
  return { sequenced, perSecond: sequenced / ((performance.now() - t0) / 1000) };
}

/** What a running sequencer did: entries, seconds inside its batches, and (its own process only) CPU and wall seconds. */
interface SequencerReport {
  sequenced: number;
  busySeconds: number;
  cpuSeconds: number;
  wallSeconds: number;
}

interface RunningSequencer {
  stop(): Promise<SequencerReport>;
}

/**
 * A sequencer working through the backlog until stopped: on MySQL in a process of its own (the
 * scheduled Lambda beside the ones serving acts), on SQLite in this process (`npm start`: one
 * process, whose writes take turns on the one writer connection).
 */
async function startSequencer(kind: DatabaseKindUnderTest, url: string, dataSource: DataSource): Promise<RunningSequencer> {
  const maxBatches = 2_000;
  if (kind === "sqlite") {
    let stopping = false;
    const running = (async () => {
      let sequenced = 0;
      let busySeconds = 0;
      for (let batch = 0; !stopping && batch < maxBatches; batch += 1) {
        const t0 = performance.now();
        const appended = await sequenceLogBatch(dataSource);
        if (appended === 0) await sleep(5);
        else {
          sequenced += appended;
          busySeconds += (performance.now() - t0) / 1000;
        }
      }
      return { sequenced, busySeconds, cpuSeconds: Number.NaN, wallSeconds: Number.NaN };
    })();
    return {
      stop() {
        stopping = true;
        return running;
      },
    };
  }
  const child: ChildProcess = fork(fileURLToPath(new URL("./transparency-sequencer.ts", import.meta.url)), [url, String(maxBatches)]);
  const messages: Record<string, number>[] = [];
  let arrived: (() => void) | undefined;
  child.on("message", (message) => {
    messages.push(message as Record<string, number>);
    arrived?.();
  });
  const next = async (n: number) => {
    const deadline = Date.now() + 60_000;
    while (messages.length < n) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("the sequencer process did not answer");
      await new Promise<void>((resolve) => {
        arrived = resolve;
        setTimeout(resolve, 100);
      });
    }
    return messages[n - 1]!;
  };
  await next(1);
  return {
    async stop() {
      if (child.connected) child.send("stop");
      const report = await next(2);
      return report as unknown as SequencerReport;
    },
  };
}

/**
 * What logging adds to acts, the sequencer's throughput, and whether acts wait on it. One database,
 * acts called in-process as their resolvers and the judge's Lambda handler call them.
 */
async function benchActs(kind: DatabaseKindUnderTest, rows: string[], notes: string[]): Promise<number> {
  const database = await createTestDatabase(kind);
  const dataSource = await openDatabase(database.url);
  provideDataSource(dataSource);
  try {
    const { pact } = await seedAgentWithPact(dataSource, "bench-log-builder");
    const cases = triageCases(100, { wrongSeverity: 2 });
    const runEntries: Written = { on: 0, off: 0 };
    const judgeOne = async (on: boolean) => {
      const run = await seedQueuedRun(dataSource, pact, cases, { outbox: false });
      const { elapsed, value } = await timedWith(dataSource, runEntries, on, () =>
        judge(sqsEvent(sqsRecordFactory(JSON.stringify(judgeJob(run.id))))),
      );
      if (value.batchItemFailures.length) throw new Error("judge failed");
      return elapsed;
    };

    // A judged run: verdicts, the run, trust; with the log, RUN_VERDICT and each trust change and
    // listing decision it settles are inserted in the same transaction.
    for (let i = 0; i < 5; i += 1) await judgeOne(i % 2 === 0); // warm-up
    const judged = { on: [] as number[], off: [] as number[] };
    Object.assign(runEntries, { on: 0, off: 0 });
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const on of round % 2 === 0 ? [true, false] : [false, true]) judged[on ? "on" : "off"].push(await judgeOne(on));
    }
    if (runEntries.off > 0) throw new Error("judged runs logged without the log's ports");
    const runRatio = median(judged.on) / median(judged.off);
    rows.push(
      row(
        kind,
        "judged run (100 cases, judge handler), with the log",
        judged.on,
        `${(runEntries.on / ROUNDS).toFixed(1)} entries per run (none without)`,
      ),
    );
    rows.push(
      row(
        kind,
        "judged run, without the log",
        judged.off,
        `with / without, medians: **${runRatio.toFixed(3)}**; median difference per round ${ms(pairedShift(judged.on, judged.off))} ms`,
      ),
    );

    // A dispute's steps, in-process as the resolvers call them: filing, assignment, resolution
    // (upheld, which moves the agent's trust). Ten agents take turns; each complaint a new buyer.
    const context = { dataSource, options: { ...config().disputes, ...disputesWiring } } as DisputesContext;
    const agents: string[] = [];
    for (let i = 0; i < 10; i += 1) agents.push((await seedAgentWithPact(dataSource, `bench-log-respondent-${i}`)).agent.id);
    let filings = 0;
    const disputeEntries: Written = { on: 0, off: 0 };
    const disputeSteps = async (on: boolean) => {
      filings += 1;
      const agentId = agents[filings % agents.length]!;
      const filed = await timedWith(dataSource, disputeEntries, on, () =>
        fileComplaint(context, `bench-buyer-${filings}`, {
          agentId,
          statement: "Closed a true positive as benign.",
          severity: DisputeSeverity.MAJOR,
        }),
      );
      const assigned = await timedWith(dataSource, disputeEntries, on, () =>
        assignDispute(context, "bench-arbiter", filed.value.id, "bench-arbiter"),
      );
      const resolved = await timedWith(dataSource, disputeEntries, on, () =>
        resolveDispute(context, "bench-arbiter", { disputeId: filed.value.id, outcome: DisputeOutcome.UPHELD, note: "Upheld." }),
      );
      return [filed.elapsed, assigned.elapsed, resolved.elapsed] as const;
    };
    for (let i = 0; i < 6; i += 1) await disputeSteps(i % 2 === 0); // warm-up
    const steps = { on: [[], [], []] as number[][], off: [[], [], []] as number[][] };
    Object.assign(disputeEntries, { on: 0, off: 0 });
    for (let round = 0; round < DISPUTE_ROUNDS; round += 1) {
      for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
        const times = await disputeSteps(on);
        times.forEach((time, step) => steps[on ? "on" : "off"][step]!.push(time));
      }
    }
    if (disputeEntries.off > 0) throw new Error("dispute steps logged without the log's ports");
    ["filing a complaint", "assigning it", "resolving it, upheld"].forEach((step, i) => {
      const ratio = median(steps.on[i]!) / median(steps.off[i]!);
      const entries =
        i === 0
          ? `${(disputeEntries.on / DISPUTE_ROUNDS).toFixed(1)} entries per dispute (3 steps; none without), ${DISPUTE_ROUNDS} rounds`
          : "";
      rows.push(row(kind, `dispute step: ${step}, with the log`, steps.on[i]!, entries));
      rows.push(
        row(
          kind,
          `dispute step: ${step}, without the log`,
          steps.off[i]!,
          `with / without, medians: **${ratio.toFixed(3)}**; median difference per round ${ms(pairedShift(steps.on[i]!, steps.off[i]!))} ms`,
        ),
      );
    });

    // The sequencer on its own: everything the rounds logged, and a backlog of entries.
    await insertBacklog(dataSource, SEQUENCER_BACKLOG);
    const rate = await sequencerRate(dataSource);
    rows.push(
      `| ${kind} | sequencer, empty tree to ${count(rate.sequenced)} entries | ${count(rate.perSecond)} entries/s | | | | ${Math.ceil(rate.sequenced / 500)} transactions of ≤ 500 |`,
    );

    // Do acts wait on the sequencer? Judged runs (with the log) in blocks: idle; while a sequencer
    // works through a backlog; while a sequencer transaction holds the state lock (MySQL: on
    // SQLite every write transaction, a sequencer's too, holds the one writer, by design).
    const block = async () => {
      const latencies: number[] = [];
      for (let i = 0; i < BLOCK_ACTS; i += 1) latencies.push(await judgeOne(true));
      return latencies;
    };
    const judgeMs = median(judged.on);
    // Enough for the sequencer never to run dry while the busy blocks last.
    const backlog = Math.min(200_000, Math.ceil(((BLOCKS * BLOCK_ACTS * judgeMs * 10) / 1000) * rate.perSecond));
    await insertBacklog(dataSource, backlog);
    const idle: number[] = [];
    const busy: number[] = [];
    const held: number[] = [];
    const meanwhile: SequencerReport = { sequenced: 0, busySeconds: 0, cpuSeconds: 0, wallSeconds: 0 };
    const lockWaits = { busy: 0, held: 0 };
    let heldThroughout = true;
    const conditions: Record<string, () => Promise<void>> = {
      async idle() {
        idle.push(...(await block()));
      },
      async busy() {
        const sequencer = await startSequencer(kind, database.url, dataSource);
        const waitsBefore = kind === "mysql" ? await rowLockWaits(dataSource) : 0;
        try {
          busy.push(...(await block()));
          if (kind === "mysql") lockWaits.busy += (await rowLockWaits(dataSource)) - waitsBefore;
        } finally {
          const done = await sequencer.stop();
          for (const key of Object.keys(meanwhile) as (keyof SequencerReport)[]) meanwhile[key] += done[key];
        }
      },
      async held() {
        let release = () => {};
        let locked = () => {};
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        const lockTaken = new Promise<void>((resolve) => {
          locked = resolve;
        });
        // A sequencer's transaction stopped right after taking its lock (log.sequence.ts).
        const holder = inTransaction(dataSource, async (manager) => {
          await manager.findOneOrFail(LogState, { where: { id: LOG_STATE_ROW }, lock: writeLock(manager) });
          locked();
          const timedOut = await Promise.race([released.then(() => false), sleep(HOLD_MAX_MS).then(() => true)]);
          if (timedOut) heldThroughout = false;
        });
        await lockTaken;
        const waitsBefore = await rowLockWaits(dataSource);
        try {
          held.push(...(await block()));
          lockWaits.held += (await rowLockWaits(dataSource)) - waitsBefore;
        } finally {
          release();
          await holder;
        }
      },
    };
    // Each condition comes first, second and last once: what one leaves behind (MariaDB flushing
    // a sequencer's writes) weighs on each the same.
    const order = kind === "mysql" ? ["idle", "busy", "held"] : ["idle", "busy"];
    for (let b = 0; b < BLOCKS; b += 1) for (let i = 0; i < order.length; i += 1) await conditions[order[(b + i) % order.length]!]!();
    const idleMedian = median(idle);
    rows.push(row(kind, "judged run with the log, sequencer idle", idle, `${BLOCKS} blocks of ${BLOCK_ACTS}, in turn with the others`));
    rows.push(
      row(
        kind,
        `judged run with the log, a sequencer working through a backlog ${kind === "mysql" ? "(its own process)" : "(same process)"}`,
        busy,
        `to idle, medians: **${(median(busy) / idleMedian).toFixed(3)}**; meanwhile ${count(meanwhile.sequenced)} of a backlog of ${count(backlog)} entries sequenced, ${count(meanwhile.sequenced / meanwhile.busySeconds)}/s${
          kind === "mysql"
            ? `, the sequencer process using ${(meanwhile.cpuSeconds / meanwhile.wallSeconds).toFixed(2)} of the 2 cores; InnoDB row lock waits meanwhile (server-wide): ${lockWaits.busy}`
            : ""
        }`,
      ),
    );
    if (kind === "mysql")
      rows.push(
        row(
          kind,
          "judged run with the log, a sequencer transaction holding the state lock",
          held,
          `to idle, medians: **${(median(held) / idleMedian).toFixed(3)}**; ${heldThroughout ? "the lock was held until every run had committed" : `the lock was let go after ${HOLD_MAX_MS / 1000} s: runs waited on it`}; InnoDB row lock waits meanwhile (server-wide): ${lockWaits.held}`,
        ),
      );
    notes.push(
      `With the log, a judged run takes ${ms(pairedShift(judged.on, judged.off))} ms more (median of the rounds' differences; medians ×${runRatio.toFixed(3)}), ${ROUNDS} interleaved rounds; the ports are installed and removed as runtime/contexts.ts and the contexts' own tests do. An entry is one INSERT in the act's transaction.`,
    );
    return rate.perSecond;
  } finally {
    logging(true);
    provideDataSource(undefined);
    await dataSource.destroy();
    await database.drop();
  }
}

/** The older sizes whose heads a head of `size` is proven consistent with: spread below it, few powers of two. */
const olderSizes = (size: number) =>
  Array.from({ length: OLDER_HEADS }, (_, k) => Math.floor((size * (k + 1)) / (OLDER_HEADS + 1)) + k + 1);

/**
 * Proofs at 10^4, 10^5 and 10^6 leaves. The tree is written straight to its table with the
 * sequencer's own node computation (merkle.math appendedNodes), a chunk a transaction, and signed
 * heads stored at every size a proof is asked against; then proofs are read as the log's queries
 * read them and checked with merkle.math's verifiers.
 */
async function benchProofs(kind: DatabaseKindUnderTest, emptyTreeRate: number, rows: string[], notes: string[]): Promise<void> {
  const database = await createTestDatabase(kind);
  const dataSource = await openDatabase(database.url);
  try {
    const { privateKey } = generateKeyPairSync("ed25519");
    const roots = new Map<number, Buffer>();
    const signHead = async (size: number, root: Buffer) => {
      const createdAt = new Date();
      const rootHash = root.toString("hex");
      const signature = sign(null, headBytes({ treeSize: size, rootHash, timestamp: createdAt.getTime() }), privateKey).toString(
        "base64url",
      );
      await dataSource.manager.insert(TreeHead, { treeSize: size, rootHash, createdAt, signature, keyId: "bench" });
      roots.set(size, root);
    };

    let size = 0;
    let frontier: Buffer[] = [];
    const refKey = (level: number, index: number) => `${level}:${index}`;
    const checkpoints = [...new Set(TREE_SIZES.flatMap((n) => [...olderSizes(n), n]))].sort((a, b) => a - b);
    let buildSeconds = 0;
    const extendTo = async (target: number) => {
      const t0 = performance.now();
      while (size < target) {
        const n = Math.min(BUILD_CHUNK, target - size);
        const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`bench entry ${size + i}`)));
        const written = appendedNodes(size, frontier, leaves);
        await inTransaction(dataSource, async (manager) => {
          for (let start = 0; start < written.length; start += NODES_PER_STATEMENT) {
            const slice = written.slice(start, start + NODES_PER_STATEMENT);
            await manager.query(
              `INSERT INTO transparency_tree_nodes (level, node_index, hash) VALUES ${slice.map(() => "(?, ?, ?)").join(", ")}`,
              slice.flatMap(({ node, hash }) => [node.level, node.index, hash.toString("hex")]),
            );
          }
        });
        const known = new Map(perfectNodes(0, size).map((ref, i) => [refKey(ref.level, ref.index), frontier[i]!]));
        for (const { node, hash } of written) known.set(refKey(node.level, node.index), hash);
        size += n;
        frontier = perfectNodes(0, size).map((ref) => known.get(refKey(ref.level, ref.index))!);
      }
      buildSeconds += (performance.now() - t0) / 1000;
    };

    const random = randomSource(16);
    const hex = (value: string) => Buffer.from(value, "hex");
    const measured: Record<number, { inclusion: number; consistency: number; path: number }> = {};
    for (const target of checkpoints) {
      await extendTo(target);
      await signHead(size, rootOfNodes(frontier));
      if (!TREE_SIZES.includes(size)) continue;

      // Inclusion: entries spread over the whole tree, against the head of this size.
      const indexes = Array.from({ length: PROOFS }, () => Math.floor(random() * size));
      for (const index of indexes.slice(0, 20)) await readInclusionProof(dataSource, index, size); // warm-up
      const inclusion: number[] = [];
      const lengths: number[] = [];
      let jsonBytes = 0;
      for (const index of indexes) {
        const t0 = performance.now();
        const proof = await readInclusionProof(dataSource, index, size);
        inclusion.push(performance.now() - t0);
        if (!verifyInclusion(hex(proof.leafHash), index, size, proof.auditPath.map(hex), roots.get(size)!))
          throw new Error(`inclusion proof of ${index} in ${size} does not verify`);
        lengths.push(proof.auditPath.length);
        jsonBytes = Math.max(jsonBytes, Buffer.byteLength(JSON.stringify(proof)));
      }
      const shortest = Math.min(...lengths);
      const longest = Math.max(...lengths);
      rows.push(
        row(
          kind,
          `inclusion proof, ${count(size)} leaves`,
          inclusion,
          `audit path ${shortest === longest ? longest : `${shortest}–${longest}`} hashes (≤ ${longest * 32} B), ≤ ${count(jsonBytes)} B as JSON with its signed head`,
        ),
      );

      // Consistency: from each older head to this one.
      const consistency: number[] = [];
      let longestProof = 0;
      for (const from of olderSizes(size)) await readConsistencyProof(dataSource, from, size); // warm-up
      for (let i = 0; i < PROOFS; i += 1) {
        const from = olderSizes(size)[i % OLDER_HEADS]!;
        const t0 = performance.now();
        const proof = await readConsistencyProof(dataSource, from, size);
        consistency.push(performance.now() - t0);
        if (!verifyConsistency(from, size, proof.proof.map(hex), roots.get(from)!, roots.get(size)!))
          throw new Error(`consistency proof from ${from} to ${size} does not verify`);
        longestProof = Math.max(longestProof, proof.proof.length);
      }
      rows.push(
        row(
          kind,
          `consistency proof, ${OLDER_HEADS} older heads to ${count(size)} leaves`,
          consistency,
          `≤ ${longestProof} hashes (≤ ${longestProof * 32} B)`,
        ),
      );
      measured[size] = { inclusion: median(inclusion), consistency: median(consistency), path: longest };
    }

    const [small, , large] = TREE_SIZES.map((n) => measured[n]!);
    notes.push(
      `From 10^4 to 10^6 leaves (100×): the audit path grows ${small!.path} → ${large!.path} hashes (×${(large!.path / small!.path).toFixed(2)}), the median inclusion proof ×${(large!.inclusion / small!.inclusion).toFixed(2)}, the median consistency proof ×${(large!.consistency / small!.consistency).toFixed(2)}.`,
    );

    // The sequencer appending to the 10^6-leaf tree: it reads the frontier (log n nodes), never the tree.
    await dataSource.manager.update(LogState, { id: LOG_STATE_ROW }, { treeSize: size });
    await insertBacklog(dataSource, SEQUENCER_BACKLOG);
    const rate = await sequencerRate(dataSource);
    rows.push(
      `| ${kind} | sequencer, ${count(size)} leaves to ${count(size + rate.sequenced)} | ${count(rate.perSecond)} entries/s | | | | ${(rate.perSecond / emptyTreeRate).toFixed(2)} × its rate on an empty tree |`,
    );
    notes.push(
      `The ${count(size)}-leaf tree (${count(2 * size)} nodes less a few) was written straight to its table in ${buildSeconds.toFixed(0)} s, ${BUILD_CHUNK} leaves a transaction; its heads are signed with Ed25519, and every proof timed was also verified against them.`,
    );
  } finally {
    await dataSource.destroy();
    await database.drop();
  }
}

export async function benchTransparency(kind: DatabaseKindUnderTest): Promise<BenchSection> {
  const rows: string[] = [];
  const notes: string[] = [];
  const emptyTreeRate = await benchActs(kind, rows, notes);
  await benchProofs(kind, emptyTreeRate, rows, notes);
  notes.push("Signing an attestation: part `attestations` (bench/attestations.ts).");
  return { rows, notes };
}
