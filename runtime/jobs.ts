import type { DataSource } from "typeorm";
import type { AppConfig } from "../lib/platform/config.js";
import { jobLog, newJobId } from "../lib/platform/logger.js";
import { relayOnce, type Publisher } from "../lib/platform/outbox.js";
import { escalateOverdueDisputes } from "../subgraphs/disputes/dispute-deadline.sweep.js";
import { requeueStaleRuns, type RequeuePolicy } from "../subgraphs/pacts/evaluation/judge-job.process.js";
import { sweepReviewDeadlines } from "../subgraphs/pacts/evaluation/review-deadline.sweep.js";
import { sweepDecay } from "../subgraphs/reputation/decay.sweep.js";
import { sweepOverdueEscalations } from "../subgraphs/reputation/escalation-deadline.sweep.js";
import { sweepTrustEvents } from "../subgraphs/reputation/trust-event.sweep.js";
import { publishTreeHead } from "../subgraphs/transparency/tree-head.publish.js";
import { attestationSigner } from "../lib/platform/signing-keys.js";
import { disputesWiring } from "./contexts.js";
import { pruneWebhookHistory } from "../subgraphs/webhooks/webhook-history.sweep.js";
import { dispatchWithConfig } from "./webhooks.js";

/** What one run of the scheduled jobs did, by count. */
export interface ScheduledJobsResult {
  requeued: number;
  failed: number;
  decayed: number;
  escalated: number;
  /** Escalations gone overdue, announced to the builder. */
  overdue: number;
  /** Webhook deliveries whose message was written: new ones, and retries due. */
  webhooks: number;
  /** Webhook events, deliveries and attempts past their retention period, deleted. */
  pruned: number;
  sequenced: number;
  /** Transparency log entries appended to the tree. */
  logged: number;
  published: number;
}

type Counts = Partial<ScheduledJobsResult>;

interface ScheduledJob {
  name: string;
  run(dataSource: DataSource, settings: AppConfig): Promise<Counts>;
}

/**
 * The periodic jobs, listed once: the scheduled Lambda (functions/scheduled-jobs.ts) runs them
 * every minute, `npm start` on the same interval. The outbox relay comes after them (it publishes
 * what a requeue wrote); locally it also runs continuously and is nudged after every commit.
 */
export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  // Runs whose judge job vanished get a new one (see judge-job.process.ts).
  { name: "requeue-stale-runs", run: (dataSource, settings) => requeueStaleRuns(dataSource, requeuePolicy(settings)) },
  // Trust of agents without new evidence ages towards the prior.
  { name: "decay-sweep", run: async (dataSource) => ({ decayed: await sweepDecay(dataSource) }) },
  // Committed trust events get their feed positions even when no partner reads the feed (trust-event.sequence.ts).
  { name: "trust-feed-sequencer", run: async (dataSource) => ({ sequenced: await sweepTrustEvents(dataSource) }) },
  // Committed log entries join the Merkle tree; a signed tree head when it grew (docs/transparency.md).
  {
    name: "transparency-log",
    run: async (dataSource, settings) => {
      const signer = attestationSigner(settings);
      const { sequenced, treeSize } = await publishTreeHead(dataSource, (bytes) => signer.sign(bytes));
      if (treeSize !== null) jobLog(newJobId("transparency-log")).info({ treeSize }, "signed a tree head");
      return { logged: sequenced };
    },
  },
  // Disputes past a deadline are escalated, and reputation hears of it.
  {
    name: "dispute-deadlines",
    run: async (dataSource) => ({ escalated: await escalateOverdueDisputes(dataSource, disputesWiring.onDisputeChanged) }),
  },
  // Escalations past their acknowledgement deadline go on to the builder (escalation-deadline.sweep.ts).
  { name: "escalation-deadlines", run: async (dataSource) => ({ overdue: await sweepOverdueEscalations(dataSource) }) },
  // Uncertain jury cases get an arbiter round robin; past their deadline, the next one, escalated (logs its own counts).
  {
    name: "review-deadlines",
    run: async (dataSource, settings) => {
      await sweepReviewDeadlines(dataSource, {
        deadlineHours: settings.evaluation.reviewDeadlineHours,
        arbiters: settings.evaluation.reviewArbiters,
      });
      return {};
    },
  },
  // Webhook history past its retention period goes (webhook-history.sweep.ts).
  { name: "webhook-history", run: async (dataSource) => ({ pruned: await pruneWebhookHistory(dataSource) }) },
  // Last, so that the events the jobs above raised go out in this run: committed webhook events
  // fan out to their endpoints, and due retries are sent again (webhook-event.dispatch.ts).
  {
    name: "webhook-dispatch",
    run: async (dataSource, settings) => {
      const { deliveries, resent } = await dispatchWithConfig(dataSource, settings);
      return { webhooks: deliveries + resent };
    },
  },
];

/** The interval of the scheduled jobs locally; infra/judge.ts schedules the Lambda at the same rate(1 minute). */
export const SCHEDULED_JOBS_INTERVAL_MS = 60_000;

/** How stale QUEUED runs are handled, from configuration. */
function requeuePolicy(settings: AppConfig): RequeuePolicy {
  return { staleAfterMs: settings.sqs.staleAfterSeconds * 1000, maxRequeues: settings.sqs.maxRequeues };
}

/**
 * Runs every scheduled job once, each logged under its own job id. A job that fails is logged and
 * returned among `failures`; the others still run.
 */
export async function runScheduledJobs(
  dataSource: DataSource,
  settings: AppConfig,
): Promise<{ counts: Omit<ScheduledJobsResult, "published">; failures: unknown[] }> {
  const counts = { requeued: 0, failed: 0, decayed: 0, escalated: 0, overdue: 0, sequenced: 0, logged: 0, webhooks: 0, pruned: 0 };
  const failures: unknown[] = [];
  for (const job of SCHEDULED_JOBS) {
    const logger = jobLog(newJobId(job.name));
    try {
      const done = await job.run(dataSource, settings);
      Object.assign(counts, done);
      logger.info({ job: job.name, ...done }, "scheduled job done");
    } catch (error) {
      failures.push(error);
      logger.error({ err: error, job: job.name }, "scheduled job failed");
    }
  }
  return { counts, failures };
}

/** Publishes due outbox messages, batch by batch, until none is left or `timeLeftMs` says stop. */
export async function drainOutbox(
  dataSource: DataSource,
  publish: Publisher,
  timeLeftMs: () => number,
  reserveMs: number,
): Promise<number> {
  let published = 0;
  for (;;) {
    const sent = await relayOnce(dataSource, publish);
    published += sent;
    if (sent === 0 || timeLeftMs() < reserveMs) break;
  }
  if (published > 0) jobLog(newJobId("outbox-relay")).info({ job: "outbox-relay", published }, "outbox drained");
  return published;
}
