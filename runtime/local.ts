import type { BaseContext } from "@apollo/server";
import type { DataSource, Logger } from "typeorm";
import { readCommittedSupergraph } from "../gateway/supergraph.js";
import { startGateway, type GatewayOptions } from "../gateway/index.js";
import { SUBGRAPH_NAMES, type AppConfig, type SubgraphName } from "../lib/platform/config.js";
import { startEmbeddedSqs } from "../lib/platform/embedded-sqs.js";
import type { RunningServer } from "../lib/platform/http-server.js";
import { log } from "../lib/platform/logger.js";
import { sqsPublisher, startRelay } from "../lib/platform/outbox.js";
import { createSqsClient, startPoller, type Poller } from "../lib/platform/queue.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { startSubgraphServer, type Subgraph } from "../lib/platform/subgraph-server.js";
import { requeueStaleRuns } from "../subgraphs/pacts/evaluation/judge-job.process.js";
import { releaseDeliveryLeases } from "../subgraphs/webhooks/webhook-event.dispatch.js";
import { webhookSettings } from "../subgraphs/webhooks/webhook.settings.js";
import { subgraphFactories } from "./contexts.js";
import { openDatabase, provideDataSource } from "./data-source.js";
import { SCHEDULED_JOBS_INTERVAL_MS, runScheduledJobs } from "./jobs.js";
import { judgeHandler } from "./judge.js";
import { createWebhookHandler, startWebhookDispatcher } from "./webhooks.js";
import { StartupError, listenFailure, reasonOf, withoutPassword } from "./startup-error.js";
import { startGatewayThread } from "./gateway-thread.js";

export interface LocalSystemOptions {
  /** Run the local judge poller (default true); tests turn it off to hold runs in the queue. */
  judge?: boolean;
  /** Run the webhook dispatcher loop and the deliverer's poller (default true); tests turn them off to drive both themselves. */
  webhooks?: boolean;
  /**
   * Run the gateway on a worker thread of its own (runtime/gateway-thread.ts), the subgraphs, relay,
   * pollers and jobs staying on this one, so that the system uses two cores: `npm start` does. Default
   * false: the gateway on this thread, as the tests and the bench's in-process systems run it.
   */
  gatewayThread?: boolean;
  /** Told when the gateway's thread ends unexpectedly, once the rest of the system has stopped (`npm start` exits 1). */
  onGatewayDeath?: (error: Error) => void;
  logger?: Logger;
}

export interface LocalSystem {
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  dataSource: DataSource;
  stop(): Promise<void>;
}

/**
 * The whole system in one process, as `npm start` runs it: database (migrated), SQS (embedded
 * emulator unless JUDGE_QUEUE_URL is set), the subgraphs, the gateway (on its own thread if asked),
 * the outbox relay, the poller feeding the judge Lambda handler, and the webhook dispatcher with the
 * poller feeding the webhook deliverer.
 */
export async function startLocalSystem(config: AppConfig, options: LocalSystemOptions = {}): Promise<LocalSystem> {
  const stops: (() => Promise<void>)[] = [];
  // Once: a signal and the gateway thread's death may both ask for it.
  let stopped: Promise<void> | undefined;
  const stopAll = () =>
    (stopped ??= (async () => {
      for (const stop of stops.reverse())
        await stop().catch((error: unknown) => log.error({ err: error }, "could not stop a part of the system"));
      stops.length = 0;
    })());
  const gatewayDied = (error: Error) => {
    log.error({ err: error }, "the gateway's thread ended unexpectedly: stopping the system");
    stopAll().then(() => options.onGatewayDeath?.(error));
  };
  // Started first, so that it loads the gateway's code on the other core while this thread opens
  // the database and builds the subgraphs; ended last, should the start-up fail before it serves.
  const gatewayThread = options.gatewayThread ? startGatewayThread(gatewayDied) : undefined;
  if (gatewayThread) stops.push(() => gatewayThread.terminate());
  try {
    const secrets = resolveSecrets(config);
    // Opened without migrating first, so that only a failure to connect is reported as one: a
    // failing migration is a bug, and keeps its stack.
    const dataSource = await openDatabase(config.databaseUrl, {
      migrate: false,
      logger: options.logger,
      poolSize: config.databasePoolSize,
    }).catch((error: unknown) => {
      throw new StartupError(`Cannot open the database ${withoutPassword(config.databaseUrl)} (DATABASE_URL): ${reasonOf(error)}`, {
        cause: error,
      });
    });
    stops.push(async () => {
      provideDataSource(undefined);
      await dataSource.destroy();
    });
    await dataSource.runMigrations({ transaction: "each" });
    provideDataSource(dataSource);

    let endpoint = config.sqs.endpoint;
    let judgeQueueUrl = config.sqs.judgeQueueUrl;
    let webhookQueueUrl = config.webhooks.queueUrl;
    if (!judgeQueueUrl) {
      const embedded = await startEmbeddedSqs({
        maxReceiveCount: config.sqs.maxReceiveCount,
        visibilityTimeoutSeconds: config.sqs.visibilityTimeoutSeconds,
        webhooks: { maxReceiveCount: config.webhooks.maxReceiveCount, visibilityTimeoutSeconds: config.webhooks.visibilityTimeoutSeconds },
      });
      stops.push(() => embedded.stop());
      endpoint = embedded.url;
      judgeQueueUrl = embedded.judgeQueueUrl;
      webhookQueueUrl = embedded.webhookQueueUrl;
      // The emulator starts empty: put back, uncounted, the jobs of every run a previous process
      // left unjudged, and let the dispatcher send every pending webhook delivery again at once.
      await requeueStaleRuns(dataSource, { staleAfterMs: 0 });
      await releaseDeliveryLeases(dataSource);
    }
    const client = createSqsClient({ region: config.sqs.region, endpoint });
    stops.push(async () => client.destroy());

    const queueUrl = judgeQueueUrl;
    const relay = startRelay(dataSource, sqsPublisher(client, { judge: queueUrl, webhook: webhookQueueUrl }), config.outbox.pollIntervalMs);
    stops.push(() => relay.stop());
    // The scheduled jobs, as the scheduled Lambda runs them; each logs its own failures.
    const reconciler = setInterval(() => {
      runScheduledJobs(dataSource, config).then(({ counts }) => (counts.requeued > 0 || counts.webhooks > 0) && relay.nudge());
    }, SCHEDULED_JOBS_INTERVAL_MS);
    stops.push(async () => clearInterval(reconciler));

    const subgraphs = {} as Record<SubgraphName, Subgraph<BaseContext>>;
    for (const name of SUBGRAPH_NAMES)
      subgraphs[name] = await subgraphFactories[name](dataSource, config, { outboxWritten: () => relay.nudge() });
    const subgraphUrls = {} as Record<SubgraphName, string>;
    for (const name of SUBGRAPH_NAMES) {
      const server: RunningServer = await startSubgraphServer(subgraphs[name], {
        host: config.subgraphs.host,
        port: config.subgraphs.ports[name],
        secret: secrets.subgraphSecret,
      }).catch((error: unknown) => {
        throw listenFailure(error, `the ${name} subgraph`, `${name.toUpperCase()}_PORT`, "SUBGRAPH_HOST");
      });
      stops.push(() => server.stop());
      subgraphUrls[name] = server.url;
    }

    const gatewayOptions: GatewayOptions = {
      config,
      // Resolved here and handed over, so both threads sign with the same secrets.
      secrets,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { ...subgraphUrls, ...config.subgraphs.urls },
    };
    const gateway = await (gatewayThread ? gatewayThread.serve(gatewayOptions) : startGateway(gatewayOptions)).catch((error: unknown) => {
      throw listenFailure(error, "the gateway", "PORT", "HOST");
    });
    stops.push(() => gateway.stop());

    if (options.judge ?? true) {
      const poller: Poller = startPoller({
        client,
        queueUrl,
        region: config.sqs.region,
        handler: judgeHandler,
        batchSize: config.sqs.batchSize,
        waitTimeSeconds: config.sqs.waitTimeSeconds,
        visibilityTimeoutSeconds: config.sqs.visibilityTimeoutSeconds,
      });
      // Stopped before the gateway and the database: no job starts against a closing system.
      stops.push(() => poller.stop());
    }

    if ((options.webhooks ?? true) && webhookQueueUrl) {
      // The dispatcher, then the deliverer on the webhook queue: the same handler as the Lambda,
      // with this system's settings (its secret key, its address policy).
      const dispatcher = startWebhookDispatcher(dataSource, config, () => relay.nudge());
      stops.push(() => dispatcher.stop());
      const settings = webhookSettings(config);
      const deliverer: Poller = startPoller({
        client,
        queueUrl: webhookQueueUrl,
        region: config.sqs.region,
        handler: createWebhookHandler(() => settings),
        batchSize: config.sqs.batchSize,
        waitTimeSeconds: config.sqs.waitTimeSeconds,
        visibilityTimeoutSeconds: config.webhooks.visibilityTimeoutSeconds,
      });
      stops.push(() => deliverer.stop());
    } else if (options.webhooks ?? true) {
      log.warn("webhooks are not delivered: JUDGE_QUEUE_URL names an external queue, and WEBHOOK_QUEUE_URL is unset");
    }

    return { gatewayUrl: gateway.url, subgraphUrls, dataSource, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
