import http from "node:http";
import type { AddressInfo } from "node:net";
import { HeaderMap, type ApolloServer, type BaseContext } from "@apollo/server";
import type { CorsConfig } from "./config.js";
import { answerOptions, corsResponseHeaders } from "./cors.js";
import { EXPLORER_ASSET_PREFIX, EXPLORER_CONTENT_SECURITY_POLICY, type Explorer, type ExplorerResponse, wantsHtml } from "./explorer.js";
import { MAX_REQUEST_DEPTH, jsonDepth } from "./json-depth.js";
import type { KeyDocumentResponse } from "./jwks.js";
import { REQUEST_ID_HEADER, requestIdOf, requestLog } from "./logger.js";

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export interface HttpServerOptions<TContext extends BaseContext> {
  host: string;
  port: number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** The request's context; `requestId` is the id its log lines carry. */
  context: (req: http.IncomingMessage, requestId: string) => Promise<TContext>;
  /** Browser origins that may call (lib/platform/cors.ts); without it, preflights are refused. */
  cors?: CorsConfig;
  /** The page served to browsers at /graphql (lib/platform/explorer.ts); without it, none. */
  explorer?: Explorer;
  /** The public key documents under /.well-known/ (lib/platform/jwks.ts), null for other paths; without it, none. */
  keyDocument?: (pathname: string, method: string) => Promise<KeyDocumentResponse | null>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readJsonBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `Request body exceeds ${limit} bytes`));
        // Stop buffering; the rest is drained unread so the 413 can still be sent.
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (size === 0) return resolve(undefined);
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return reject(new HttpError(400, "Request body is not valid JSON"));
      }
      if (jsonDepth(body, MAX_REQUEST_DEPTH) > MAX_REQUEST_DEPTH)
        return reject(new HttpError(400, `Request body nests deeper than ${MAX_REQUEST_DEPTH} levels`));
      resolve(body);
    });
  });
}

function parseRequestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? "/", "http://localhost");
  } catch {
    throw new HttpError(400, "Malformed request target");
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function sendExplorer(res: http.ServerResponse, { contentType, body }: ExplorerResponse, cacheControl: string): void {
  res.writeHead(200, {
    "content-type": contentType,
    "cache-control": cacheControl,
    "content-security-policy": EXPLORER_CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
  });
  res.end(body);
}

/**
 * Serves an Apollo Server at `/graphql` (and `/health`) on a plain Node HTTP server: bounded
 * bodies, JSON errors, and a stop that closes idle keep-alive sockets instead of hanging. With
 * `cors` it answers preflights and tells browsers which origins may read its answers; with
 * `explorer` it serves that page to browsers at `/graphql` and its assets under `/explorer/`.
 */
export async function serveGraphQL<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  options: HttpServerOptions<TContext>,
): Promise<RunningServer> {
  await server.start();
  // Everything, URL parsing included, happens inside the try: a request handler that rejects
  // would be an unhandled rejection, which ends the process.
  const httpServer = http.createServer(async (req, res) => {
    // The request's id, for its log lines here and in the server (see errors.ts), and for the caller.
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    try {
      if (options.cors)
        for (const [name, value] of Object.entries(corsResponseHeaders(options.cors, req.headers.origin))) res.setHeader(name, value);
      const url = parseRequestUrl(req.url);
      if (url.pathname === "/health") return sendJson(res, 200, { status: "ok" });
      const keys = await options.keyDocument?.(url.pathname, req.method ?? "");
      if (keys) {
        res.writeHead(keys.status, keys.headers);
        res.end(req.method === "HEAD" ? undefined : keys.body);
        return;
      }
      const asset = url.pathname.startsWith(EXPLORER_ASSET_PREFIX)
        ? options.explorer?.asset(url.pathname.slice(EXPLORER_ASSET_PREFIX.length))
        : undefined;
      if (asset && req.method === "GET") return sendExplorer(res, asset, "public, max-age=3600");
      if (url.pathname !== "/graphql") return sendJson(res, 404, { errors: [{ message: "Not found: the API is at /graphql" }] });
      // Apollo would refuse a preflight as a possible CSRF; it is the browser asking what it may send.
      if (req.method === "OPTIONS") {
        const answer = answerOptions(options.cors, req.headers);
        for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
        if (answer.message)
          return sendJson(res, answer.status, { errors: [{ message: answer.message, extensions: { code: "FORBIDDEN" } }] });
        res.writeHead(answer.status).end();
        return;
      }
      if (options.explorer && wantsHtml(req.method, req.headers.accept)) return sendExplorer(res, options.explorer.page, "no-cache");
      const body = req.method === "POST" ? await readJsonBody(req, options.maxBodyBytes) : undefined;
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      headers.set(REQUEST_ID_HEADER, requestId);
      const response = await server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body },
        context: () => options.context(req, requestId),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === "complete") {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      if (error instanceof HttpError) {
        // Said before closing: the client may still be sending a body we will not read.
        res.setHeader("connection", "close");
        return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: "BAD_REQUEST" } }] });
      }
      requestLog(requestId).error({ err: error }, "request failed outside GraphQL");
      if (!res.headersSent)
        sendJson(res, 500, { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
      else res.end();
    }
  });
  httpServer.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, options.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}/graphql`,
    async stop() {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      await server.stop();
      await closed;
    },
  };
}
