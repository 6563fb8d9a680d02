/**
 * The log's sequencer in a process of its own, as the scheduled Lambda runs it beside the ones
 * that serve acts: bench/transparency.ts starts it on a MySQL database with a backlog and measures
 * acts meanwhile. Arguments: the database URL and the most batches to run. It runs batch after
 * batch until told to stop (any IPC message) or the bound is reached, then reports how many
 * entries it appended, in how many seconds of its batches, and the CPU time it used, and exits.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { openDatabase } from "../runtime/data-source.js";
import { sequenceLogBatch } from "../subgraphs/transparency/log.sequence.js";

const [url, bound] = process.argv.slice(2);
if (!url || !process.send) throw new Error("usage: forked with <database url> <most batches>");
const maxBatches = Number(bound ?? 1000);
const dataSource = await openDatabase(url, { migrate: false, poolSize: 2 });
let stopping = false;
process.on("message", () => {
  stopping = true;
});
process.send({ ready: true });

const cpuAtStart = process.cpuUsage();
const startedAt = performance.now();
let sequenced = 0;
let busySeconds = 0;
for (let batch = 0; !stopping && batch < maxBatches; batch += 1) {
  const t0 = performance.now();
  const appended = await sequenceLogBatch(dataSource);
  if (appended === 0) {
    await sleep(5);
    continue;
  }
  sequenced += appended;
  busySeconds += (performance.now() - t0) / 1000;
}
const cpu = process.cpuUsage(cpuAtStart);
const report = { sequenced, busySeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (performance.now() - startedAt) / 1000 };
await dataSource.destroy();
process.send(report, () => process.exit(0));
