import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import { verifyAccessToken } from "../../lib/platform/identity.js";
import { developmentSecret } from "../../lib/platform/secrets.js";
import { ADOPT_PACT, EVALUATION_RUN, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually } from "../support/system.js";

type Data = Record<string, any>;
/** What `npm start` and `npm run token` run: Node itself with tsx's loader, no wrapper process. */
const NODE_WITH_TSX = [process.execPath, "--import", "tsx"] as const;

/** `npm start` as a user runs it (on free ports), resolved once it prints the gateway URL. */
function start(dataDir: string): Promise<{ process: ChildProcess; url: string; output: () => string }> {
  const child = spawn(NODE_WITH_TSX[0], [...NODE_WITH_TSX.slice(1), "scripts/start.ts"], {
    // Its own process group, signalled as a whole as Ctrl-C does; and no NODE_ENV=test from
    // Vitest, which would change how Apollo handles signals.
    detached: true,
    env: {
      ...process.env,
      NODE_ENV: "",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      PORT: "0",
      AGENTS_PORT: "0",
      PACTS_PORT: "0",
      REPUTATION_PORT: "0",
      DISPUTES_PORT: "0",
      JUDGE_WAIT_TIME_SECONDS: "1",
      OUTBOX_POLL_INTERVAL_MS: "100",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 30_000);
    child.stdout!.on("data", () => {
      const match = /Gateway ready at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ process: child, url: match[1]!, output: () => output });
      }
    });
    child.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Signals the whole process group, like a terminal does. */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  process.kill(-child.pid!, name);
}

describe("npm start on the embedded defaults", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-start-"));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) {
      try {
        signal(child, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("mints tokens, survives SIGKILL right after a submission, and loses no run", async () => {
    const minted = spawnSync(NODE_WITH_TSX[0], [...NODE_WITH_TSX.slice(1), "scripts/token.ts", "--role", "builder", "--sub", "alice"], {
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
    const first = await start(dataDir);
    children.push(first.process);
    const call = (url: string, query: string, variables: Record<string, unknown>) => postGraphQL<Data>(url, query, variables, headers);
    const agent = dataOf(
      await call(first.url, REGISTER_AGENT, { input: { name: "Kill test", description: "triage", domains: ["ALERT_TRIAGE"] } }),
    ).registerAgent;
    const pact = dataOf(await call(first.url, ADOPT_PACT, { agentId: agent.id, template: "alert-triage" })).adoptPactTemplate;
    const run = dataOf(
      await call(first.url, SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases: triageCases(50) } }),
    ).submitEvaluationRun;
    signal(first.process, "SIGKILL");
    await exitOf(first.process);

    const second = await start(dataDir);
    children.push(second.process);
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

    signal(second.process, "SIGINT");
    expect(await exitOf(second.process)).toBe(0);
    expect(second.output()).toContain("stopping");
  });
});
