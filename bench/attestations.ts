import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileSigner, keySetFile } from "../lib/platform/signing-keys.js";
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { ADOPT_PACT, REGISTER_AGENT } from "../test/support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../test/support/graphql-client.js";
import { startTestSystem } from "../test/support/system.js";
import type { BenchSection } from "./scores.js";

const SIGNATURES = 5_000;
const REQUESTS = 500;
const ATTESTATION = `query($agentId: ID!) { attestation(agentId: $agentId) { jws } }`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (value: number) => value.toFixed(3);

/** Times `task` `total` times one after another: latencies sorted, and calls per second. */
async function timed(total: number, task: () => Promise<unknown>): Promise<{ sorted: number[]; perSecond: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const t0 = performance.now();
    await task();
    latencies.push(performance.now() - t0);
  }
  return { sorted: latencies.sort((a, b) => a - b), perSecond: total / ((performance.now() - started) / 1000) };
}

/**
 * What an attestation costs (issue 16): signing one (Ed25519 compact JWS over a typical claims set,
 * in-process), and the whole `attestation` query through the gateway (directory, trust, active
 * pacts with digests, evidence ids, signature), one request at a time.
 */
export async function benchAttestations(kind: DatabaseKindUnderTest): Promise<BenchSection> {
  const rows: string[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), "bench-attestations-"));
  try {
    const signer = fileSigner(keySetFile(dataDir));
    const claims = {
      iss: "agent-trust",
      sub: "00000000-0000-4000-8000-000000000000",
      agent: { id: "00000000-0000-4000-8000-000000000000", name: "Bench agent", owner: "bench-builder" },
      scores: { composite: 812, compositeConfidence: 0.93, reputation: 640, reputationConfidence: 0.41 },
      tier: "GOLD",
      eligible: true,
      reasons: ["Composite ≥ 750 with confidence ≥ 0.8."],
      policyVersion: "listing-2026.12-1",
      activePacts: [{ id: "p", version: 3, workflow: "ALERT_TRIAGE", digest: `sha256:${"0".repeat(64)}` }],
      evidenceDigest: `sha256:${"0".repeat(64)}`,
      log: null,
    };
    await signer.signJws(claims, { expiresIn: 3600, typ: "agent-trust-attestation+jwt" });
    const signing = await timed(SIGNATURES, () => signer.signJws(claims, { expiresIn: 3600, typ: "agent-trust-attestation+jwt" }));
    rows.push(
      `| ${kind} | sign an attestation (compact JWS, Ed25519), in-process | ${signing.perSecond.toFixed(0)} /s | ${ms(percentile(signing.sorted, 50))} | ${ms(percentile(signing.sorted, 95))} | ${ms(percentile(signing.sorted, 99))} | ${SIGNATURES} signatures, one at a time |`,
    );

    const database = await createTestDatabase(kind);
    const system = await startTestSystem({ databaseUrl: database.url, judge: false, env: { DATA_DIR: dataDir } });
    try {
      const builder = await bearer("builder", "bench-attestations");
      const input = { name: "Attested bench agent", description: "Triages EDR alerts", domains: ["ALERT_TRIAGE"] };
      const agentId = dataOf(await postGraphQL<Record<string, any>>(system.gatewayUrl, REGISTER_AGENT, { input }, builder)).registerAgent
        .id;
      await postGraphQL(system.gatewayUrl, ADOPT_PACT, { agentId, template: "alert-triage" }, builder);
      await postGraphQL(system.gatewayUrl, ATTESTATION, { agentId });
      const queries = await timed(REQUESTS, async () => dataOf(await postGraphQL(system.gatewayUrl, ATTESTATION, { agentId })));
      rows.push(
        `| ${kind} | attestation query through the gateway | ${queries.perSecond.toFixed(0)} /s | ${ms(percentile(queries.sorted, 50))} | ${ms(percentile(queries.sorted, 95))} | ${ms(percentile(queries.sorted, 99))} | ${REQUESTS} requests, one at a time, agent with one active pact |`,
      );
    } finally {
      await system.stop();
      await database.drop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { rows, notes: ["Signing is a small share of the query: the rest is the subgraph's reads and the gateway hop."] };
}
