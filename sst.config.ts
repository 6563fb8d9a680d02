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
    const { judgeDlq } = await import("./infra/queues");
    const { migrate } = await import("./infra/judge");
    const { gateway } = await import("./infra/api");
    return {
      gateway: gateway.url,
      migrateFunction: migrate.name,
      judgeDlq: judgeDlq.url,
    };
  },
});
