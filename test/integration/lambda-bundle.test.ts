import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { TEST_SECRETS } from "../support/graphql-client.js";

/**
 * Tests run through Vitest, which emits decorator metadata; the Lambda bundles are built by
 * esbuild, which does not. This builds handlers the way SST does and runs them, so a decorator
 * that relies on inferred types, or a dependency esbuild cannot bundle, fails here and not on AWS.
 */
describe("Lambda bundles built like SST builds them", () => {
  const outdir = mkdtempSync(path.join(tmpdir(), "agent-trust-bundles-"));
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("mysql");
    await build({
      entryPoints: ["migrate", "judge", "pacts-subgraph"].map((name) => `functions/${name}.ts`),
      outdir,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      external: ["better-sqlite3"],
      banner: {
        js: "import { createRequire as topLevelCreateRequire } from 'module'; const require = topLevelCreateRequire(import.meta.url);",
      },
      logLevel: "silent",
    });
  });
  afterAll(async () => {
    rmSync(outdir, { recursive: true, force: true });
    await database?.drop();
  });

  it("migrate, judge and a subgraph load and work without decorator metadata", () => {
    const output = execFileSync(process.execPath, [path.resolve("test/support/bundle-probe.mjs"), outdir], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "production",
        DATABASE_URL: database.url,
        AUTH_TOKEN_SECRET: TEST_SECRETS.tokenSecret,
        SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret,
        // Never reached: the probe submits nothing.
        JUDGE_QUEUE_URL: "http://127.0.0.1:9/000000000000/judge-jobs",
        SQS_ENDPOINT: "http://127.0.0.1:9",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const result = JSON.parse(output.trim().split("\n").at(-1)!);

    expect(result.migrated.applied).toEqual([
      "CreateOutbox1764100000000",
      "CreateAgents1764100000100",
      "CreatePacts1764100000200",
      "CreateTrust1764100000300",
      "CreateDisputes1764100000400",
      "PactLifecycle1764200000200",
      "Jury1764200000300",
      "KpiReports1764200000400",
      "DualScores1764300000100",
      "DisputeLifecycle1764300000200",
      "FilerCredibility1764300000300",
      "DisputeAppeals1764300000400",
      "RunSetAsides1764300000500",
      "SetAsideRuns1764300000510",
      "RunAppeals1764300000520",
      "RunWindows1764300000600",
      "AgentNameSkeletons1764400000110",
      "JuryBudgetCalibration1764400000210",
      "EvidenceMinimum1764400000310",
      "ReviewAssignments1764400000320",
      "TrustEvents1764500000430",
      "CreatePartners1764500000510",
      "CreateTransparencyLog1764600000100",
      "DirectoryNames1764600000120",
      "LogEntriesBySubject1764600000200",
    ]);
    expect(result.judged).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
    expect(result.pacts).toEqual({ status: 200, body: { data: { evaluationRun: null, pact: null } } });
  });
});
