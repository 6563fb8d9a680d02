import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import { freePort } from "../support/free-port.js";
import { REPO_ROOT, type RunningStart, runToExit, startEnv, startSystem } from "../support/npm-start.js";

type Answer = { data?: Record<string, any> | null; errors?: unknown[] };

const WALK_THROUGH_HEADING = "## A walk through the trust loop";

/** The shell blocks of the README's walk-through, in order, as written. */
function walkThroughBlocks(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(WALK_THROUGH_HEADING);
  expect(start, `README.md has a "${WALK_THROUGH_HEADING}" section`).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf("\n## ", start + WALK_THROUGH_HEADING.length);
  const section = readme.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

/** The gateway URL a user's `npm start` serves on the default HOST and PORT: the one the README's commands call. */
function defaultGatewayUrl(): string {
  const { host, port } = loadConfig({}).gateway;
  return `http://${host}:${port}/graphql`;
}

/**
 * The walk-through as one bash script, calling `gatewayUrl` where the README calls the default
 * gateway (nothing else is changed), stopping at the first failing command (pick fails on an answer
 * with errors), and printing the agent it registered.
 */
function walkThroughScript(gatewayUrl: string): { script: string; printedAnswers: number } {
  const blocks = walkThroughBlocks();
  const commands = blocks.join("\n");
  expect(commands, "the README's commands call the gateway npm start serves by default").toContain(defaultGatewayUrl());
  // Each top-level `gql …` or `echo …` prints one answer; the others are read by `pick`, or are comments.
  const printedAnswers = commands.split("\n").filter((line) => /^(gql|echo) /.test(line)).length;
  const script = [
    "set -eo pipefail",
    commands.replaceAll(defaultGatewayUrl(), gatewayUrl),
    'printf "AGENT=%s\\nNAME=%s\\n" "$AGENT" "$NAME"',
  ];
  return { script: script.join("\n"), printedAnswers };
}

/** The JSON answers the walk printed, and the agent it registered. */
function answersOf(stdout: string): { answers: Answer[]; agent: string; name: string } {
  const lines = stdout.split("\n").filter((line) => line.trim() !== "");
  const agent = lines.find((line) => line.startsWith("AGENT="))?.slice("AGENT=".length);
  const name = lines.find((line) => line.startsWith("NAME="))?.slice("NAME=".length);
  const answers = lines.filter((line) => !/^(AGENT|NAME)=/.test(line)).map((line) => JSON.parse(line) as Answer);
  return { answers, agent: agent!, name: name! };
}

describe("the README's walk-through, run as written against npm start", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-readme-"));
  // `npm run -s token` in the README signs with the keys under the system's DATA_DIR.
  const shellEnv = { ...process.env, NODE_ENV: "", DATA_DIR: dataDir };
  let system: RunningStart | undefined;

  beforeAll(async () => {
    system = await startSystem(startEnv(dataDir));
  });
  afterAll(async () => {
    if (system && (await Promise.race([system.stop(), new Promise((resolve) => setTimeout(resolve, 20_000, "timeout"))])) === "timeout")
      system.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers every step without errors and finds the agent in the final search, twice on the same data", async () => {
    const { script, printedAnswers } = walkThroughScript(system!.url);
    expect(printedAnswers).toBeGreaterThanOrEqual(10);
    for (const walk of [1, 2]) {
      const run = await runToExit("bash", ["-c", script], shellEnv);
      expect({ walk, code: run.code, stderr: run.stderr }).toEqual({ walk, code: 0, stderr: "" });
      const { answers, agent, name } = answersOf(run.stdout);
      expect(answers).toHaveLength(printedAnswers);
      for (const answer of answers) {
        expect(answer.errors, JSON.stringify(answer)).toBeUndefined();
        expect(answer.data, JSON.stringify(answer)).toBeTruthy();
      }
      expect(agent).toMatch(/^[0-9a-f-]{36}$/);
      expect(name).toMatch(/^Sentinel Triage [0-9a-f]{8}$/);

      // Step 4 waited for the verdict: the three cases pass, as the README says.
      const verdict = answers.find((answer) => answer.data?.evaluationRun)!.data!.evaluationRun;
      expect(verdict).toMatchObject({ status: "COMPLETED", passedCount: 3, failedCount: 0, passed: true });
      // Step 6: the agent is in the search, with the score and tier the README explains.
      const searches = answers.filter((answer) => answer.data?.searchAgents);
      const found = searches.at(-1)!.data!.searchAgents.edges.map((edge: { node: unknown }) => edge.node);
      expect(found).toContainEqual(
        expect.objectContaining({
          id: agent,
          name,
          trust: expect.objectContaining({ compositeScore: 601, compositeConfidence: 0.049, tier: "UNRATED", eligible: false }),
        }),
      );
      // Step 8: the drifting run's escalation reached the README's receiver, which verified its
      // signature before answering 204 (it answers 400 to anything that does not verify).
      const deliveries = answers
        .find((answer) => answer.data?.webhookDeliveries)!
        .data!.webhookDeliveries.edges.map((edge: { node: unknown }) => edge.node);
      expect(deliveries).toContainEqual(expect.objectContaining({ eventType: "ESCALATION_RAISED", outcome: "SUCCEEDED", statusCode: 204 }));
      expect(deliveries.every((attempt: { statusCode: number }) => attempt.statusCode === 204)).toBe(true);
    }
  }, 180_000);

  it("pick, as the README defines it, shows the server's error and fails instead of a TypeError", async () => {
    const [setup] = walkThroughBlocks();
    // Step 1 as an anonymous caller: the gateway refuses it.
    const anonymousRegister = `gql "" '{"query":"mutation { registerAgent(input: {name: \\"x\\", description: \\"y\\", domains: [ALERT_TRIAGE]}) { id } }"}' | pick data.registerAgent.id`;
    const run = await runToExit("bash", ["-c", `${setup!.replaceAll(defaultGatewayUrl(), system!.url)}\n${anonymousRegister}`], shellEnv);
    expect(run.stderr).not.toContain("TypeError");
    expect(run.code).toBe(1);
    expect(run.stdout.trim()).toBe("");
    const answer = JSON.parse(run.stderr) as { errors: { extensions: { code: string } }[] };
    expect(answer.errors[0]!.extensions.code).toBe("UNAUTHENTICATED");
  }, 60_000);
});

describe("npm run demo against npm start", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-demo-"));
  let system: RunningStart | undefined;

  beforeAll(async () => {
    system = await startSystem(startEnv(dataDir));
  });
  afterAll(async () => {
    if (system && (await Promise.race([system.stop(), new Promise((resolve) => setTimeout(resolve, 20_000, "timeout"))])) === "timeout")
      system.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `npm run demo -- --url <url>` as a user in the same directory (same DATA_DIR) runs it. */
  const demo = (url: string, env: Record<string, string> = {}) =>
    runToExit("npm", ["run", "-s", "demo", "--", "--url", url], { ...process.env, NODE_ENV: "", DATA_DIR: dataDir, ...env });

  it("walks the loop to the search with a new agent each time", async () => {
    const names: string[] = [];
    for (const walk of [1, 2]) {
      const run = await demo(system!.url);
      expect({ walk, code: run.code, stderr: run.stderr }).toEqual({ walk, code: 0, stderr: "" });
      const name = /1\. registered "(Sentinel Triage [0-9a-f]{8})"/.exec(run.stdout)?.[1];
      expect(name, run.stdout).toBeDefined();
      names.push(name!);
      expect(run.stdout).toContain("4. verdict COMPLETED: 3 passed, 0 failed, run passed");
      expect(run.stdout).toContain(`5. search: "${name}" composite 601 (confidence 0.049), tier UNRATED, not listed`);
    }
    expect(new Set(names).size).toBe(2);
  }, 120_000);

  it("stops at the first error with the server's message, and exits 1", async () => {
    // Tokens signed with another installation's keys: the gateway refuses step 1.
    const otherKeys = mkdtempSync(path.join(tmpdir(), "agent-trust-other-keys-"));
    try {
      const run = await demo(system!.url, { DATA_DIR: otherKeys });
      expect(run.code).toBe(1);
      expect(run.stderr.trimEnd().split("\n")).toEqual([
        expect.stringMatching(/^npm run demo stopped at 1\. register an agent: .+ \(UNAUTHENTICATED\)$/),
      ]);
      expect(run.stdout).not.toContain("1. registered");
    } finally {
      rmSync(otherKeys, { recursive: true, force: true });
    }
  }, 60_000);

  it("says when no gateway answers at the URL", async () => {
    const closed = await freePort();
    const url = `http://127.0.0.1:${closed}/graphql`;
    const run = await demo(url);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `npm run demo stopped at 1. register an agent: cannot reach the gateway at ${url} (ECONNREFUSED); is \`npm start\` running?`,
    );
  }, 60_000);
});
