import http from "node:http";
import https from "node:https";
import type { SubgraphFetch } from "./subgraph-auth.js";

/*
 * The HTTP client of the gateway's subgraph calls: node:http(s) over a pool of kept-alive
 * connections per subgraph. Node's fetch keeps connections alive too, but its WHATWG machinery
 * costs nearly twice the CPU per call (docs/benchmarks.md, "What each change bought"), and a
 * search page makes four calls, all on the
 * gateway's event loop. It does only what the gateway asks of it: a string body, no redirects, no
 * compression; it answers with a fetch Response, read whole.
 */

/**
 * How long an idle connection is kept: Node's agent closes it a second before the keep-alive
 * timeout a server announces (ours say 5 s), else after this, as Node's fetch does.
 */
const IDLE_MS = 4_000;

/** Statuses whose response has no body, which a Response refuses one for. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** `fetch` for the gateway's subgraph calls, with a pool of its own. */
export function keepAliveFetch(): SubgraphFetch {
  const pools = {
    "http:": new http.Agent({ keepAlive: true, timeout: IDLE_MS }),
    "https:": new https.Agent({ keepAlive: true, timeout: IDLE_MS }),
  };
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`a subgraph URL must be http or https: ${url}`);
      const { body } = init;
      if (body !== undefined && body !== null && typeof body !== "string") throw new Error("a subgraph call's body must be a string");
      // The body goes whole to `end`, so Node sends its Content-Length (not chunked), as fetch does.
      const headers = Object.fromEntries(new Headers(init.headers));
      const client = target.protocol === "https:" ? https : http;
      const request = client.request(
        target,
        { method: init.method ?? "GET", headers, agent: pools[target.protocol], signal: init.signal ?? undefined },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            try {
              const answered = new Headers();
              for (let i = 0; i < response.rawHeaders.length; i += 2) answered.append(response.rawHeaders[i]!, response.rawHeaders[i + 1]!);
              const status = response.statusCode ?? 0;
              resolve(
                new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
                  status,
                  statusText: response.statusMessage,
                  headers: answered,
                }),
              );
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on("error", reject);
      request.end(body ?? undefined);
    });
}
