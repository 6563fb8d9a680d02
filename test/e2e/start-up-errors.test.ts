import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { type Finished, runToExit, startEnv } from "../support/npm-start.js";

/** `npm start` itself, as a user types it, with `env`; resolved when it has exited. */
function npmStart(env: NodeJS.ProcessEnv): Promise<Finished> {
  return runToExit("npm", ["start"], env);
}

/** What the person who typed `npm start` reads on the terminal's error stream: its lines. */
function errorLines(run: Finished): string[] {
  return run.stderr.trimEnd().split("\n");
}

/** No stack trace anywhere in what it printed (JSON log lines keep theirs escaped on one line). */
function expectNoStack(run: Finished): void {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at /m);
  expect(run.stdout).not.toContain("Gateway ready");
}

describe("npm start when it cannot start", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-start-errors-"));
  let busy: net.Server;
  let busyPort: number;

  beforeAll(async () => {
    // A port some other program holds, on the address the system listens on by default.
    busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("says in one line which variable moves the gateway off a busy port, and exits 1", async () => {
    const run = await npmStart(startEnv(dataDir, { PORT: String(busyPort) }));
    expect(errorLines(run)).toEqual([
      `Agent Trust could not start: Port ${busyPort} is already in use (the gateway): set PORT to a free port, or to 0 to pick one`,
    ]);
    expect(run.code).toBe(1);
    expectNoStack(run);
  });

  it("names the subgraph's own port variable when a subgraph's port is busy", async () => {
    const run = await npmStart(startEnv(dataDir, { DISPUTES_PORT: String(busyPort) }));
    expect(errorLines(run)).toEqual([
      `Agent Trust could not start: Port ${busyPort} is already in use (the disputes subgraph): set DISPUTES_PORT to a free port, or to 0 to pick one`,
    ]);
    expect(run.code).toBe(1);
    expectNoStack(run);
  });

  it("shows an unreachable database's URL without its password, with the reason, in one line", async () => {
    // Nothing listens there: a port that was free a moment ago, never bound.
    const closed = await freePort();
    const run = await npmStart(startEnv(dataDir, { DATABASE_URL: `mysql://root:hunter2-not-shown@127.0.0.1:${closed}/agent_trust` }));
    expect(errorLines(run)).toEqual([
      `Agent Trust could not start: Cannot open the database mysql://root:***@127.0.0.1:${closed}/agent_trust (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${closed}`,
    ]);
    expect(`${run.stdout}${run.stderr}`).not.toContain("hunter2");
    expect(run.code).toBe(1);
    expectNoStack(run);
  });

  it("lists every configuration problem, without a stack", async () => {
    const run = await npmStart(startEnv(dataDir, { PORT: "four thousand", MAX_QUERY_DEPTH: "1" }));
    const lines = errorLines(run);
    expect(lines[0]).toBe("Agent Trust could not start: Invalid configuration:");
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}- PORT .*"four thousand"/),
      expect.stringMatching(/^ {2}- MAX_QUERY_DEPTH .*"1"/),
    ]);
    expect(run.code).toBe(1);
    expectNoStack(run);
  });
});
