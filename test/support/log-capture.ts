import { Writable } from "node:stream";
import { vi } from "vitest";
import { createLogger, log } from "../../lib/platform/logger.js";

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

/**
 * Captures, as raw JSON text, every line the process's logger and its children write from now on,
 * at every level, through a logger configured like the process's (its redaction included). The
 * lines still come from the code under test: only their destination changes. `stop` restores.
 */
export function captureLogs(): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const capturing = createLogger(sink);
  capturing.level = "trace";
  const spies = [
    vi.spyOn(log, "child").mockImplementation((bindings, options) => capturing.child(bindings, options)),
    ...LEVELS.map((level) =>
      vi.spyOn(log, level).mockImplementation(((...args: never[]) => (capturing[level] as (...a: never[]) => void)(...args)) as never),
    ),
  ];
  return {
    lines,
    stop() {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
