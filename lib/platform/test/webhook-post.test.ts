import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/free-port.js";
import { postWebhook, type WebhookPostRequest } from "../webhook-post.js";

/** What a test server saw: every request's method, path and headers, every connection. */
interface Seen {
  connections: number;
  requests: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[];
}

const servers: (http.Server | https.Server)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server on 127.0.0.1 answering with `answer`; returns its port and what it saw. */
async function receiver(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void, server = http.createServer()) {
  const seen: Seen = { connections: 0, requests: [] };
  server.on("connection", () => (seen.connections += 1));
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      seen.requests.push({ method: request.method, url: request.url, headers: request.headers, body });
      answer(request, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

/** A POST to `url` whose host is pinned to 127.0.0.1, whatever the URL says. */
const post = (url: string, overrides: Partial<WebhookPostRequest> = {}) =>
  postWebhook({
    url: new URL(url),
    address: "127.0.0.1",
    family: 4,
    headers: { "content-type": "application/json", "webhook-id": "msg_1" },
    body: '{"type":"trust.changed"}',
    timeoutMs: 2_000,
    maxResponseBytes: 1024,
    ...overrides,
  });

describe("postWebhook against receivers on 127.0.0.1", () => {
  it("posts the body and headers to the checked address, with the URL's host in Host, and reports a 200", async () => {
    const { port, seen } = await receiver((_request, response) => response.end("ok"));

    const result = await post(`http://receiver.example:${port}/hooks/in?x=1`);

    expect(result).toMatchObject({ status: 200, error: null, bodyBytesRead: 2 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(seen.requests).toEqual([
      {
        method: "POST",
        url: "/hooks/in?x=1",
        body: '{"type":"trust.changed"}',
        headers: expect.objectContaining({
          host: `receiver.example:${port}`,
          "content-type": "application/json",
          "content-length": "24",
          "user-agent": "agent-trust-webhooks/1",
          "webhook-id": "msg_1",
        }),
      },
    ]);
  });

  it.each([500, 410, 404])("reports a %i with its status and no error", async (code) => {
    const { port } = await receiver((_request, response) => {
      response.statusCode = code;
      response.end("nope");
    });

    expect(await post(`http://127.0.0.1:${port}/`)).toMatchObject({ status: code, error: null });
  });

  it("never follows a redirect: the 302 is the answer, with the error saying so", async () => {
    const target = await receiver((_request, response) => response.end("followed"));
    const { port, seen } = await receiver((_request, response) => {
      response.writeHead(302, { location: `http://127.0.0.1:${target.port}/` });
      response.end();
    });

    const result = await post(`http://127.0.0.1:${port}/`);

    expect(result).toMatchObject({ status: 302, error: "redirect not followed" });
    expect(seen.requests).toHaveLength(1);
    expect(target.seen.connections).toBe(0);
  });

  it("reads at most maxResponseBytes of a 10 MB answer, then closes the connection", async () => {
    let written = 0;
    let closedEarly = false;
    const { port } = await receiver((_request, response) => {
      const chunk = Buffer.alloc(64 * 1024, 120);
      response.on("close", () => (closedEarly = written < 10 * 1024 * 1024));
      // Written as the client reads it, so what it leaves unread is never sent.
      const pump = () => {
        while (written < 10 * 1024 * 1024) {
          written += chunk.length;
          if (!response.write(chunk)) return response.once("drain", pump);
        }
        response.end();
      };
      pump();
    });
    const heapBefore = process.memoryUsage().heapUsed;

    const result = await post(`http://127.0.0.1:${port}/`, { maxResponseBytes: 65_536 });

    expect(result).toMatchObject({ status: 200, error: null, bodyBytesRead: 65_536 });
    // Nothing of the answer is kept: far less than its 10 MB stayed on the heap.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(5 * 1024 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toBe(true);
  });

  it("gives up on a receiver that never answers once the timeout passes", async () => {
    const { port, seen } = await receiver(() => {
      // Never answers.
    });

    const result = await post(`http://127.0.0.1:${port}/`, { timeoutMs: 300 });

    expect(result).toMatchObject({ status: null, error: "timed out after 300 ms", bodyBytesRead: 0 });
    expect(seen.requests).toHaveLength(1);
  });

  it("bounds a slow body by the same timeout, keeping the status it had", async () => {
    const { port } = await receiver((_request, response) => {
      response.writeHead(200);
      response.write("a");
    });

    expect(await post(`http://127.0.0.1:${port}/`, { timeoutMs: 300 })).toMatchObject({ status: 200, error: "timed out after 300 ms" });
  });

  it("reports a refused connection", async () => {
    const port = await freePort();

    const result = await post(`http://127.0.0.1:${port}/`);

    expect(result).toMatchObject({ status: null, bodyBytesRead: 0 });
    expect(result.error).toContain("ECONNREFUSED");
  });

  it("speaks TLS to the checked address with the URL's host as the server name, and refuses a certificate it cannot verify", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "webhook-tls-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=receiver.example",
          "-addext",
          "subjectAltName=DNS:receiver.example",
          "-keyout",
          "key.pem",
          "-out",
          "cert.pem",
        ],
        { cwd: dir, stdio: "pipe" },
      );
      const credentials = { key: readFileSync(path.join(dir, "key.pem")), cert: readFileSync(path.join(dir, "cert.pem")) };
      // The server names the client asks for, as the handshake brings them.
      const serverNames: string[] = [];
      const server = https.createServer({
        ...credentials,
        SNICallback: (name, callback) => {
          serverNames.push(name);
          callback(null, createSecureContext(credentials));
        },
      });
      server.on("tlsClientError", () => undefined);
      const { port, seen } = await receiver((_request, response) => response.end("ok"), server);

      const result = await post(`https://receiver.example:${port}/`);

      // The certificate is self-signed, so the exchange stops at the handshake: no request sent.
      expect(result.status).toBeNull();
      expect(result.error).toMatch(/self[- ]signed/i);
      expect(seen.connections).toBe(1);
      expect(seen.requests).toEqual([]);
      expect(serverNames).toEqual(["receiver.example"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
