/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: "agent-trust",
      home: "aws",
      // Production refuses `sst remove`, and would keep its database cluster and VPC even if
      // removed; other stages are disposable.
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
    // Components may be created only inside run(), so infra/ is imported here, not at the top.
    const { judgeDlq, webhookDlq } = await import("./infra/queues");
    const { migrate, migrations } = await import("./infra/migrations");
    await import("./infra/judge");
    await import("./infra/webhooks");
    const { gateway } = await import("./infra/api");
    const { alarmTopic } = await import("./infra/alarms");
    const capacity = await import("./infra/capacity");
    return {
      gateway: gateway.url,
      migrateFunction: migrate.name,
      // What the deploy's own Migrate run answered (`{ applied: [...] }`), kept until the next run.
      ...(migrations ? { migrations: migrations.result } : {}),
      judgeDlq: judgeDlq.url,
      webhookDlq: webhookDlq.url,
      alarmTopic: alarmTopic.arn,
      connectionBudget: {
        maxConnections: capacity.MAX_CONNECTIONS,
        usable: capacity.USABLE_CONNECTIONS,
        budgeted: capacity.BUDGETED_CONNECTIONS,
        reservedConcurrency: {
          gateway: capacity.API_CONCURRENCY,
          eachSubgraph: capacity.API_CONCURRENCY,
          judge: capacity.JUDGE_CONCURRENCY,
          webhookDeliverer: capacity.WEBHOOK_DELIVERER_CONCURRENCY,
          scheduledJobs: capacity.SCHEDULED_JOBS_CONCURRENCY,
          migrate: capacity.MIGRATE_CONCURRENCY,
        },
      },
    };
  },
});
