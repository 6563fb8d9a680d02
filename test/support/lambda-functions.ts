import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import type { Metafile } from "esbuild";
import { calculateJwkThumbprint } from "jose";
import { esbuildOptions } from "../../infra/bundle-options.js";
import { TEST_SECRETS } from "./graphql-client.js";
import { buildLikeSst, handlerFile } from "./sst-bundle.js";

/*
 * The Lambda functions infra/ deploys, for building and running their bundles outside AWS
 * (test/integration/lambda-bundle.test.ts, bench/bundles.ts).
 */

export interface FunctionSpec {
  /** The function's name in infra/ (its SST component). */
  name: string;
  handler: string;
  /** Its timeout and memory in infra/, which Lambda's context reports. */
  timeoutMs: number;
  memoryMb: number;
  copyFiles?: string[];
  /** Gets infra/lambda.ts's `backend` environment (database, queue), not only `common`. */
  backend: boolean;
}

const subgraph = (name: string, file: string): FunctionSpec => ({
  name,
  handler: `functions/${file}.handler`,
  timeoutMs: 10_000,
  memoryMb: 1024,
  backend: true,
});

/** Every function infra/ deploys, as infra/api.ts, infra/judge.ts, infra/webhooks.ts and infra/migrations.ts configure it. */
export const FUNCTIONS: FunctionSpec[] = [
  {
    name: "Gateway",
    handler: "functions/gateway.handler",
    timeoutMs: 20_000,
    memoryMb: 1024,
    copyFiles: ["gateway/supergraph.graphql"],
    backend: false,
  },
  subgraph("AgentsSubgraph", "agents-subgraph"),
  subgraph("PactsSubgraph", "pacts-subgraph"),
  subgraph("ReputationSubgraph", "reputation-subgraph"),
  subgraph("DisputesSubgraph", "disputes-subgraph"),
  subgraph("PartnersSubgraph", "partners-subgraph"),
  subgraph("TransparencySubgraph", "transparency-subgraph"),
  subgraph("WebhooksSubgraph", "webhooks-subgraph"),
  { name: "Judge", handler: "functions/judge.handler", timeoutMs: 5 * 60_000, memoryMb: 512, backend: true },
  { name: "ScheduledJobs", handler: "functions/scheduled-jobs.handler", timeoutMs: 50_000, memoryMb: 256, backend: true },
  { name: "WebhookDeliverer", handler: "functions/webhook-deliverer.handler", timeoutMs: 30_000, memoryMb: 256, backend: true },
  { name: "Migrate", handler: "functions/migrate.handler", timeoutMs: 5 * 60_000, memoryMb: 512, backend: true },
];

export const SUBGRAPHS = FUNCTIONS.filter((spec) => spec.name.endsWith("Subgraph"));

export const functionNamed = (name: string): FunctionSpec => FUNCTIONS.find((spec) => spec.name === name)!;

/** `AGENTS_URL` for AgentsSubgraph: the variable through which the gateway finds a subgraph. */
export const urlVariableOf = (spec: FunctionSpec) => `${spec.name.replace("Subgraph", "").toUpperCase()}_URL`;

/** The Lambda runtime infra/lambda.ts deploys on: it decides SST's esbuild target. */
function deployedRuntime(): string {
  const runtime = /runtime: "(nodejs\d+\.x)"/.exec(readFileSync("infra/lambda.ts", "utf8"))?.[1];
  if (!runtime) throw new Error("infra/lambda.ts names no nodejs runtime");
  return runtime;
}

export interface BuiltFunction {
  spec: FunctionSpec;
  /** The folder Lambda would unzip: bundle.mjs and the copied files. */
  dir: string;
  metafile: Metafile;
  buildMs: number;
  bundleBytes: number;
}

/**
 * Builds every function into `root`/<name>/ as `sst deploy` would package it: one esbuild call
 * each (SST runs up to four at a time) with infra/bundle-options.ts, `copyFiles` beside the
 * bundle, and the source map left out, as SST keeps it out of the zip.
 */
export function buildFunctions(root: string, specs: FunctionSpec[] = FUNCTIONS): Promise<BuiltFunction[]> {
  const runtime = deployedRuntime();
  return Promise.all(
    specs.map(async (spec) => {
      const dir = path.join(root, spec.name);
      const started = performance.now();
      const { bundle, metafile } = await buildLikeSst(handlerFile(process.cwd(), spec.handler), dir, runtime, { esbuild: esbuildOptions });
      const buildMs = performance.now() - started;
      rmSync(`${bundle}.map`, { force: true });
      for (const file of spec.copyFiles ?? []) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        cpSync(file, path.join(dir, file));
      }
      return { spec, dir, metafile, buildMs, bundleBytes: statSync(bundle).size };
    }),
  );
}

/** An attestation key set as ATTESTATION_SIGNING_KEYS holds it. */
async function signingKeySet(): Promise<string> {
  const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as { x: string; d: string };
  const kid = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: jwk.x }, "sha256");
  return JSON.stringify({ current: { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d, kid, alg: "EdDSA", use: "sig" }, retired: [] });
}

/**
 * infra/lambda.ts's `common` and `backend` environments, pointed at a local database and SQS
 * emulator, plus what Lambda itself sets that the code reads (the role's credentials).
 */
export async function functionEnvironments(where: {
  databaseUrl: string;
  sqsUrl: string;
  judgeQueueUrl: string;
  webhookQueueUrl?: string;
}) {
  const common: Record<string, string> = {
    NODE_ENV: "production",
    AUTH_TOKEN_SECRET: TEST_SECRETS.tokenSecret,
    SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret,
    ATTESTATION_SIGNING_KEYS: await signingKeySet(),
    WEBHOOK_SECRET_KEY: TEST_SECRETS.webhookSecretKey,
    // Lambda's variables for the execution role; the emulator takes any.
    AWS_ACCESS_KEY_ID: "AKIDBUNDLETEST",
    AWS_SECRET_ACCESS_KEY: "bundle-test",
    AWS_SESSION_TOKEN: "bundle-test",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    // The local server speaks plaintext: production's documented opt-out of TLS.
    DATABASE_TLS: "off",
  };
  const backend: Record<string, string> = {
    ...common,
    DATABASE_URL: where.databaseUrl,
    DATABASE_POOL_SIZE: "2",
    JUDGE_QUEUE_URL: where.judgeQueueUrl,
    JUDGE_VISIBILITY_TIMEOUT_SECONDS: String(30 * 60),
    JUDGE_MAX_RECEIVE_COUNT: "3",
    JUDGE_STALE_AFTER_SECONDS: String(2 * 60 * 60),
    ...(where.webhookQueueUrl ? { WEBHOOK_QUEUE_URL: where.webhookQueueUrl } : {}),
    WEBHOOK_VISIBILITY_TIMEOUT_SECONDS: String(3 * 60),
    WEBHOOK_MAX_RECEIVE_COUNT: "5",
    // On AWS the SDK finds SQS by region; here, the emulator.
    SQS_ENDPOINT: where.sqsUrl,
  };
  return { common, backend };
}
