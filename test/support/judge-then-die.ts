/**
 * A judge worker that dies mid-batch: it judges the first job of the batch to the end, then
 * SIGKILLs itself inside the second job's transaction, just as it writes its case verdicts.
 * Usage: judge-then-die.ts <database url> <run id>…
 */
import type { Logger } from "typeorm";
import { recordHandler } from "../../runtime/judge.js";
import { openDatabase } from "../../runtime/data-source.js";
import { judgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import { sqsRecordFactory } from "./sqs-record.js";

let armed = false;
const killer: Logger = {
  logQuery: (query) => {
    if (armed && /^INSERT INTO\W+case_verdicts/i.test(query)) process.kill(process.pid, "SIGKILL");
  },
  logQueryError: () => {},
  logQuerySlow: () => {},
  logSchemaBuild: () => {},
  logMigration: () => {},
  log: () => {},
};

const [url, ...runIds] = process.argv.slice(2);
const dataSource = await openDatabase(url!, { migrate: false, logger: killer });
await recordHandler(sqsRecordFactory(JSON.stringify(judgeJob(runIds[0]!))), dataSource);
process.stdout.write("first job committed\n");
armed = true;
for (const runId of runIds.slice(1)) await recordHandler(sqsRecordFactory(JSON.stringify(judgeJob(runId))), dataSource);
process.stdout.write("every job committed\n");
