import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { deflateRawSync } from "node:zlib";
import { startEmbeddedSqs } from "../lib/platform/embedded-sqs.js";
import { type BundledLambda, startBundledLambda } from "../test/support/bundled-lambda.js";
import { createTestDatabase } from "../test/support/databases.js";
import { asGateway } from "../test/support/graphql-client.js";
import { functionUrlEvent } from "../test/support/lambda-events.js";
import {
  type BuiltFunction,
  type FunctionSpec,
  SUBGRAPHS,
  buildFunctions,
  functionEnvironments,
  functionNamed,
  urlVariableOf,
} from "../test/support/lambda-functions.js";

// `node --import tsx bench/bundles.ts [--cold-starts 5]` (MariaDB at DATABASE_URL or 127.0.0.1:3306):
// every Lambda bundle as `sst deploy` builds it (test/support/sst-bundle.ts), its size, and its
// cold start outside AWS: importing bundle.mjs in a fresh Node process (Lambda's init phase), then
// the first invocation, which opens the database where the function has one. Each function is
// started --cold-starts times, one at a time; the median is reported. Not part of bench/run.ts:
// it measures packaging, not the system's work. docs/deployment.md ("Bundles") holds the numbers.

const { values } = parseArgs({ options: { "cold-starts": { type: "string", default: "5" } } });
const coldStarts = Number(values["cold-starts"]);

const median = (numbers: number[]) => {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);

/** A cheap first request for each kind of function: what a cold container answers first. */
async function firstInvocation(spec: FunctionSpec, lambda: BundledLambda): Promise<void> {
  if (spec.name.endsWith("Subgraph")) {
    const name = spec.name.replace("Subgraph", "").toLowerCase();
    await lambda.invoke(functionUrlEvent({ query: "{ _service { sdl } }" }, await asGateway(name, { role: "anonymous", subject: null })));
  } else if (spec.name === "Gateway") await lambda.invoke(functionUrlEvent({ query: "{ __typename }" }));
  else if (spec.name === "Judge") await lambda.invoke({ Records: [] });
  else await lambda.invoke({});
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), "agent-trust-bundles-"));
  const database = await createTestDatabase("mysql");
  const sqs = await startEmbeddedSqs({ maxReceiveCount: 3, visibilityTimeoutSeconds: 30 * 60 });
  try {
    const env = await functionEnvironments({
      databaseUrl: database.url,
      sqsUrl: sqs.url,
      judgeQueueUrl: sqs.judgeQueueUrl,
      webhookQueueUrl: sqs.webhookQueueUrl,
    });
    const started = performance.now();
    const built = await buildFunctions(root);
    const buildAllMs = performance.now() - started;

    const run = async (function_: BuiltFunction, extra: Record<string, string> = {}) =>
      startBundledLambda(function_.dir, {
        name: function_.spec.name,
        timeoutMs: function_.spec.timeoutMs,
        memoryMb: function_.spec.memoryMb,
        env: { ...(function_.spec.backend ? env.backend : env.common), ...extra },
      });
    const migrate = await run(built.find((b) => b.spec.name === "Migrate")!);
    await migrate.invoke({});
    await migrate.stop();
    // The gateway reads its subgraphs' URLs at start-up and calls none for `{ __typename }`.
    const gatewayEnv = {
      RATE_LIMIT_STORE: "mysql",
      RATE_LIMIT_DATABASE_URL: database.url,
      ...Object.fromEntries(SUBGRAPHS.map((spec) => [urlVariableOf(spec), "http://127.0.0.1:9/"])),
    };

    const rows = [];
    for (const function_ of built) {
      const imports: number[] = [];
      const firsts: number[] = [];
      for (let i = 0; i < coldStarts; i += 1) {
        const lambda = await run(function_, function_.spec === functionNamed("Gateway") ? gatewayEnv : {});
        const at = performance.now();
        await firstInvocation(function_.spec, lambda);
        firsts.push(performance.now() - at);
        imports.push(lambda.importMs);
        await lambda.stop();
      }
      const bundle = readFileSync(path.join(function_.dir, "bundle.mjs"));
      rows.push({
        function: function_.spec.name,
        "bundle.mjs MB": mb(function_.bundleBytes),
        "deflated MB": mb(deflateRawSync(bundle).length),
        "build ms": Math.round(function_.buildMs),
        "cold import ms": Math.round(median(imports)),
        "first invocation ms": Math.round(median(firsts)),
      });
    }
    console.log(`Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), ${coldStarts} cold starts each`);
    console.log(`All ${built.length} bundles built in ${Math.round(buildAllMs)} ms (one esbuild call each, all at once)`);
    console.table(rows);
  } finally {
    rmSync(root, { recursive: true, force: true });
    await sqs.stop();
    await database.drop();
  }
}

await main();
