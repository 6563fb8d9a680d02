import { defineConfig } from "vitest/config";

export default defineConfig({
  // Legacy decorators with metadata, as type-graphql and TypeORM expect.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // One copy of graphql: Vite would otherwise load its ESM build next to the CJS one that
    // type-graphql and Apollo require, and graphql refuses to mix them.
    alias: { graphql: "graphql/index.js" },
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**", ".data/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: more workers than that only adds contention on MariaDB and the CPU.
    maxWorkers: 2,
    globalSetup: ["./test/support/global-setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // Production runs Node 22; the SDK's notice about Node 20 is noise in test output.
    // Info lines (a gateway loading its schema, a scheduled job done) would drown the report;
    // warnings and errors still show, as JSON lines like everywhere else.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", LOG_LEVEL: "warn" },
  },
});
