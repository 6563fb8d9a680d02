import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";

/** One bundle running in its own process under test/support/lambda-runtime.mjs, as one Lambda function. */
export interface BundledLambda {
  name: string;
  /** The function URL. */
  url: string;
  /** How long importing bundle.mjs took: the init phase of a cold start, top-level await included. */
  importMs: number;
  /** Invokes the handler with `event` through the Invoke API; rejects with the error when it threw. */
  invoke<T = unknown>(event: unknown): Promise<T>;
  /** What the function wrote to stdout and stderr: its logs. */
  output(): string;
  stop(): Promise<void>;
}

const RUNTIME = path.resolve("test/support/lambda-runtime.mjs");

/**
 * Starts the bundle in `dir` (its bundle.mjs) as Lambda would: a fresh Node process with only the
 * function's environment, `dir` as working directory and LAMBDA_TASK_ROOT. Resolves once the
 * cold start is over; rejects with the function's output when the import failed.
 */
export function startBundledLambda(
  dir: string,
  options: { name: string; timeoutMs: number; memoryMb: number; env: Record<string, string> },
): Promise<BundledLambda> {
  let output = "";
  const child: ChildProcess = fork(RUNTIME, [dir, String(options.timeoutMs), options.name], {
    cwd: dir,
    // Nothing inherited from the test process: no NODE_OPTIONS, no loaders, no test settings.
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      TZ: ":UTC",
      LAMBDA_TASK_ROOT: dir,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_LAMBDA_FUNCTION_NAME: options.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      ...options.env,
    },
    execArgv: [],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${options.name} exited (${code}) during its cold start:\n${output}`)));
    child.once("message", (message) => {
      const { port, importMs } = message as { port: number; importMs: number };
      const url = `http://127.0.0.1:${port}/`;
      resolve({
        name: options.name,
        url,
        importMs,
        async invoke<T>(event: unknown): Promise<T> {
          const response = await fetch(`${url}2015-03-31/functions/function/invocations`, {
            method: "POST",
            body: JSON.stringify(event),
          });
          const body = await response.json();
          if (response.headers.get("x-amz-function-error"))
            throw Object.assign(new Error(`${options.name}: ${body.errorType}: ${body.errorMessage}`), body);
          return body as T;
        },
        output: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill();
          await exited;
        },
      });
    });
  });
}
