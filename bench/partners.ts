/**
 * What a partner's credential costs per request (issue 15): the same small read through the
 * gateway, anonymous, with a bearer token and with an API key, interleaved in rounds so that all
 * three meet the same machine state; with budgets counted in the gateway's memory (`npm start`)
 * and in the shared MySQL table (production). Every request is charged by the rate limiter; an API
 * key is looked up once per API_KEY_CACHE_SECONDS, then verified from the cache.
 */
import { createTestDatabase, type DatabaseKindUnderTest } from "../test/support/databases.js";
import { bearer, dataOf, postGraphQL } from "../test/support/graphql-client.js";
import { seedAgentWithPact } from "../test/support/seed.js";
import { startTestSystem } from "../test/support/system.js";
import { BENCH_BUDGETS, percentile, type BenchSection } from "./scores.js";

const READ = `query($id: ID!) { agent(id: $id) { id name } }`;
const ROUNDS = 5;
const PER_ROUND = 200;

export async function benchPartnerCredentials(kind: DatabaseKindUnderTest): Promise<BenchSection> {
  const rows: string[] = [];
  const notes: string[] = [];
  // The shared store is the application's MariaDB database, as on AWS (a user of its own there).
  for (const store of kind === "mysql" ? (["memory", "mysql"] as const) : (["memory"] as const)) {
    const database = await createTestDatabase(kind);
    const system = await startTestSystem({ databaseUrl: database.url, judge: false, env: { ...BENCH_BUDGETS, RATE_LIMIT_STORE: store } });
    try {
      const { agent } = await seedAgentWithPact(system.dataSource, "bench-builder");
      const partner = await bearer("partner", "bench-partner");
      const created = dataOf(
        await postGraphQL<Record<string, any>>(
          system.gatewayUrl,
          `mutation { createApiKey(input: { name: "bench", scopes: ["reputation:read"] }) { secret } }`,
          {},
          partner,
        ),
      ).createApiKey;
      const callers: Record<string, Record<string, string>> = {
        anonymous: {},
        "bearer token": await bearer("buyer", "bench-buyer"),
        "API key": { "x-api-key": created.secret },
      };
      const latencies: Record<string, number[]> = Object.fromEntries(Object.keys(callers).map((name) => [name, []]));
      for (let round = 0; round < ROUNDS; round += 1)
        for (const [name, headers] of Object.entries(callers))
          for (let i = 0; i < PER_ROUND; i += 1) {
            const t0 = performance.now();
            const response = await postGraphQL(system.gatewayUrl, READ, { id: agent.id }, headers);
            if (response.errors) throw new Error(`${name}: ${JSON.stringify(response.errors)}`);
            latencies[name]!.push(performance.now() - t0);
          }
      const anonymousP50 = percentile(
        [...latencies.anonymous!].sort((a, b) => a - b),
        50,
      );
      for (const [name, values] of Object.entries(latencies)) {
        const sorted = [...values].sort((a, b) => a - b);
        const p50 = percentile(sorted, 50);
        rows.push(
          `| ${kind} | agent(id), ${name}, budgets in ${store} | ${(1000 / p50).toFixed(0)} | ${p50.toFixed(2)} | ${percentile(sorted, 95).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} | ×${(p50 / anonymousP50).toFixed(2)} of anonymous |`,
        );
      }
    } finally {
      await system.stop();
      await database.drop();
    }
  }
  notes.push(
    `${ROUNDS} interleaved rounds of ${PER_ROUND} sequential requests per caller; the key's lookup in the partners subgraph happens once per API_KEY_CACHE_SECONDS (10 s), so nearly every keyed request is verified from the gateway's cache.`,
  );
  return { rows, notes };
}
