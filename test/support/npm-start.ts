import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ANY_PORTS } from "./free-port.js";

/** The repository root: where `npm start`, `npm run …` and the README's commands run. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What `npm start` runs: Node itself with tsx's loader, no wrapper process. */
const NODE_WITH_TSX = [process.execPath, "--import", "tsx"] as const;

/**
 * The environment of an `npm start` under test: its own data directory, the embedded SQLite file,
 * free ports, fast polling; and no NODE_ENV=test from Vitest, which would change how Apollo
 * handles signals. `overrides` win.
 */
export function startEnv(dataDir: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "",
    DATA_DIR: dataDir,
    DATABASE_URL: "",
    ...ANY_PORTS,
    JUDGE_WAIT_TIME_SECONDS: "1",
    OUTBOX_POLL_INTERVAL_MS: "100",
    ...overrides,
  };
}

export interface RunningStart {
  process: ChildProcess;
  /** The URL it printed when ready (`npm start`: the gateway's). */
  url: string;
  /** Ctrl-C, as a terminal sends it to the whole process group; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL to the whole group (a crash, or clean-up after a failed test); resolves with the exit code. */
  kill(): Promise<number | null>;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

function signalGroup(child: ChildProcess, name: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, name);
  } catch {
    // Already gone.
  }
}

/** `npm start` as a user runs it, resolved once it prints the gateway URL. */
export function startSystem(env: NodeJS.ProcessEnv): Promise<RunningStart> {
  return startServer("npm start", ["scripts/start.ts"], env, /Gateway ready at (\S+)/);
}

/**
 * A TypeScript server of the repository (`args`: its script and arguments) in a process group of
 * its own, resolved once its output matches `ready`, whose first group is its URL.
 */
export function startServer(name: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<RunningStart> {
  // Its own process group, signalled as a whole as Ctrl-C does.
  const child = spawn(NODE_WITH_TSX[0], [...NODE_WITH_TSX.slice(1), ...args], {
    cwd: REPO_ROOT,
    detached: true,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup(child, "SIGKILL");
      reject(new Error(`${name} did not come up:\n${output}`));
    }, 60_000);
    child.stdout!.on("data", () => {
      const match = ready.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        process: child,
        url: match[1]!,
        stop: () => {
          signalGroup(child, "SIGINT");
          return exited;
        },
        kill: () => {
          signalGroup(child, "SIGKILL");
          return exited;
        },
        output: () => output,
      });
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end (in the repository root, in its own process group) and collects what
 * it printed; one that has not ended after `timeoutMs` is killed with its children, and fails.
 */
export function runToExit(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<Finished> {
  const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup(child, "SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not end within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
