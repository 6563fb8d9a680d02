import { SUBGRAPH_NAMES } from "../../lib/platform/config.js";
import net from "node:net";

/** A TCP port that was free a moment ago, for servers that must come back on the same port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * PORT and every subgraph's `<NAME>_PORT` at 0: each server of a local system on a port the
 * system picks, so that systems started side by side never collide. Derived from the subgraph
 * list, so a new subgraph needs no line here.
 */
export const ANY_PORTS: Record<string, string> = Object.fromEntries(
  ["PORT", ...SUBGRAPH_NAMES.map((name) => `${name.toUpperCase()}_PORT`)].map((variable) => [variable, "0"]),
);
