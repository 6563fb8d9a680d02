/**
 * A start-up failure the person starting the system can fix, said in one line that names what to
 * change (the port variable, DATABASE_URL); scripts/start.ts prints the message without a stack.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = "StartupError";
  }
}

/** The database URL as it may be printed: any password replaced by `***`. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = "***";
    return parsed.href;
  } catch {
    // Not a URL the parser accepts: blank whatever sits between `user:` and `@`.
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
  }
}

/** Why a connection or listen failed, in a few words: Node's `AggregateError` (every address tried) has no message of its own. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  if (error instanceof AggregateError && error.errors[0] instanceof Error) return reasonOf(error.errors[0]);
  return (error as NodeJS.ErrnoException).code ?? error.name;
}

/** Where a server could not listen, said with the variables that move it. */
export function listenFailure(error: unknown, what: string, portVariable: string, hostVariable: string): unknown {
  const { code, syscall, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (syscall !== "listen" && code !== "ENOTFOUND") return error;
  const where = port === undefined ? address : `${address}:${port}`;
  switch (code) {
    case "EADDRINUSE":
      return new StartupError(`Port ${port} is already in use (${what}): set ${portVariable} to a free port, or to 0 to pick one`, {
        cause: error,
      });
    case "EACCES":
      return new StartupError(`Not allowed to listen on port ${port} (${what}): set ${portVariable} to a port above 1023, or to 0`, {
        cause: error,
      });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new StartupError(`Cannot listen on ${where ?? "that host"} (${what}): no such address here; set ${hostVariable}`, {
        cause: error,
      });
    default:
      return new StartupError(`Cannot listen on ${where} (${what}): ${reasonOf(error)}; see ${portVariable} and ${hostVariable}`, {
        cause: error,
      });
  }
}
