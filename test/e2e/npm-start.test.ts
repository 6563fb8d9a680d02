import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import { verifyAccessToken } from "../../lib/platform/identity.js";
import { developmentSecret } from "../../lib/platform/secrets.js";
import { ADOPT_PACT, EVALUATION_RUN, REGISTER_AGENT, SEARCH_AGENTS, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { dataOf, postGraphQL } from "../support/graphql-client.js";
import { type RunningStart, startEnv, startSystem } from "../support/npm-start.js";
import { eventually } from "../support/system.js";

type Data = Record<string, any>;
describe("npm start on the embedded defaults", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-start-"));
  const started: RunningStart[] = [];
  afterAll(async () => {
    for (const system of started) await system.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("mints tokens, survives SIGKILL right after a submission, and loses no run", async () => {
    const minted = spawnSync(process.execPath, ["--import", "tsx", "scripts/token.ts", "--role", "builder", "--sub", "alice"], {
      env: { ...process.env, DATA_DIR: dataDir },
      encoding: "utf8",
    });
    expect(minted.status).toBe(0);
    const token = minted.stdout.trim().split("\n").at(-1)!;
    const defaults = loadConfig({ DATA_DIR: dataDir });
    // The token verifies against the signing key generated under the data directory.
    await expect(
      verifyAccessToken(token, {
        secret: developmentSecret(dataDir, "token-signing.key"),
        issuer: defaults.auth.issuer,
        audience: defaults.auth.audience,
      }),
    ).resolves.toEqual({ role: "builder", subject: "alice" });

    const headers = { authorization: `Bearer ${token}` };
    const first = await startSystem(startEnv(dataDir));
    started.push(first);
    const call = (url: string, query: string, variables: Record<string, unknown>) => postGraphQL<Data>(url, query, variables, headers);
    const agent = dataOf(
      await call(first.url, REGISTER_AGENT, { input: { name: "Kill test", description: "triage", domains: ["ALERT_TRIAGE"] } }),
    ).registerAgent;
    const pact = dataOf(await call(first.url, ADOPT_PACT, { agentId: agent.id, template: "alert-triage" })).adoptPactTemplate;
    const run = dataOf(
      await call(first.url, SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases: triageCases(50) } }),
    ).submitEvaluationRun;
    await first.kill();

    // At info, for the gateway's line saying which thread serves it.
    const second = await startSystem(startEnv(dataDir, { LOG_LEVEL: "info" }));
    started.push(second);
    // The gateway on a thread of its own, the subgraphs on the main one (test/e2e/gateway-thread.test.ts
    // shows it answering while the main one is blocked).
    const lines = second
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const gatewayLine = lines.find((line) => line.msg === "the gateway serves from its own thread");
    expect(gatewayLine).toMatchObject({ url: second.url, threadId: expect.any(Number) });
    expect(gatewayLine!.threadId).not.toBe(0);
    const judged = await eventually(
      async () => {
        const current = dataOf(await call(second.url, EVALUATION_RUN, { id: run.id })).evaluationRun;
        return current.status === "COMPLETED" ? current : undefined;
      },
      20_000,
      "the run to be judged after the restart",
    );
    expect(judged).toMatchObject({ passedCount: 50, failedCount: 0, passed: true });
    const trust = dataOf(
      await call(second.url, `query($id: ID!) { agent(id: $id) { name trust { compositeScore } } }`, { id: agent.id }),
    ).agent;
    // Counted once: per-metric Beta(5,5) means, each metric weighing its pact weight × cases /
    // (cases + 10). Severity accuracy (weight 0.6) met on all 50 cases: 55/60 = 0.9167, weighing
    // 0.6·50/60 = 0.5; false-positive rate (0.4) met on the 17 benign ones (i % 3 === 0):
    // 22/27 = 0.8148, weighing 0.4·17/27 = 0.2519. (0.5·0.9167 + 0.2519·0.8148) / 0.7519 =
    // 0.6635 / 0.7519 = 0.8825 → 883. Counted twice: 105/110 = 0.9545 weighing 0.6·100/110 = 0.5455,
    // 39/44 = 0.8864 weighing 0.4·34/44 = 0.3091: (0.5207 + 0.2740) / 0.8545 = 0.9299 → 930.
    expect(trust).toEqual({ name: "Kill test", trust: { compositeScore: 883 } });
    // A buyer's search, anonymous: the gateway's thread asks the agents, pacts and reputation subgraphs on the main one.
    const found = dataOf(await postGraphQL<Data>(second.url, SEARCH_AGENTS, { filter: { eligibleOnly: false }, first: 20 })).searchAgents;
    expect(found.edges.map((edge: Data) => edge.node)).toEqual([
      expect.objectContaining({
        id: agent.id,
        pacts: [{ id: pact.id, version: pact.version }],
        trust: expect.objectContaining({ compositeScore: 883 }),
      }),
    ]);

    expect(await second.stop()).toBe(0);
    expect(second.output()).toContain("stopping");
  });
});
