import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";

/*
 * One POST of a webhook to an endpoint outside our control, which may be slow, hostile or gone:
 * - it connects to the address the caller checked, never to what a second DNS lookup says (a
 *   host that resolved to a public address for the check could resolve to 169.254.169.254 a
 *   millisecond later: DNS rebinding). The `lookup` option hands the checked address to the
 *   socket; for https the TLS server name and the Host header still say the URL's host, so
 *   certificates and virtual hosts work as they would;
 * - one timer bounds the whole exchange, connection, TLS, headers and body together;
 * - it reads at most `maxResponseBytes` of the answer, keeping none of it, then closes the socket:
 *   a 10 MB answer costs neither memory nor time;
 * - it never follows a redirect: a 3xx counts with its status and the error "redirect not followed"
 *   (following one would reach an address nobody checked);
 * - it never throws: every failure is a result.
 */

export interface WebhookPostRequest {
  url: URL;
  /** The address checked for the URL's host (lib/platform/outbound-address.ts): the only one connected to. */
  address: string;
  family: 4 | 6;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface WebhookPostResult {
  /** The status answered; null when none arrived (timeout, refused, reset, TLS failure). */
  status: number | null;
  /** From the start of the request to the end of what was read of the answer. */
  latencyMs: number;
  /** What went wrong, for the delivery log; null for a plain answer, whatever its status. */
  error: string | null;
  /** Bytes of the answer's body read (at most maxResponseBytes). */
  bodyBytesRead: number;
}

/** What a delivery says it is. */
const WEBHOOK_USER_AGENT = "agent-trust-webhooks/1";

/** An error's message as the delivery log shows it: its code and message, no stack, bounded. */
function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  return (code && !text.includes(code) ? `${code}: ${text}` : text).slice(0, 300);
}

export function postWebhook(request: WebhookPostRequest): Promise<WebhookPostResult> {
  const started = performance.now();
  return new Promise<WebhookPostResult>((resolve) => {
    let settled = false;
    let status: number | null = null;
    let bodyBytesRead = 0;
    let client: http.ClientRequest | undefined;
    const finish = (error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Whatever is left of the exchange is of no interest: close the socket now.
      client?.destroy();
      resolve({ status, latencyMs: Math.round(performance.now() - started), error, bodyBytesRead });
    };
    const timer = setTimeout(() => finish(`timed out after ${request.timeoutMs} ms`), request.timeoutMs);

    try {
      const { url } = request;
      const secure = url.protocol === "https:";
      if (!secure && url.protocol !== "http:") return finish(`unsupported scheme ${url.protocol}`);
      // URL keeps an IPv6 literal's brackets in `hostname`; sockets and TLS want it bare.
      const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
      // Whatever the resolver is asked, the answer is the checked address (`all` is asked when the
      // socket may try several families: Node 20's autoSelectFamily).
      const lookup: LookupFunction = (_hostname, options, callback) => {
        if ((options as { all?: boolean }).all)
          (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [
            { address: request.address, family: request.family },
          ]);
        else callback(null, request.address, request.family);
      };
      const options: https.RequestOptions = {
        method: "POST",
        host,
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers: {
          ...request.headers,
          host: url.host,
          "content-length": String(Buffer.byteLength(request.body)),
          "user-agent": WEBHOOK_USER_AGENT,
        },
        lookup,
        // A connection of its own, closed after the answer: nothing pooled under a name whose
        // address may have changed since it was checked.
        agent: false,
        // SNI must not carry an IP address (RFC 6066); certificates are checked against `host` either way.
        ...(secure && isIP(host) === 0 ? { servername: host } : {}),
      };
      client = (secure ? https : http).request(options, (response) => {
        status = response.statusCode ?? null;
        const redirect = status !== null && status >= 300 && status < 400 ? "redirect not followed" : null;
        if (request.maxResponseBytes === 0) return finish(redirect);
        response.on("data", (chunk: Buffer) => {
          bodyBytesRead = Math.min(request.maxResponseBytes, bodyBytesRead + chunk.length);
          // Enough read: the rest is never asked for.
          if (bodyBytesRead >= request.maxResponseBytes) finish(redirect);
        });
        response.on("end", () => finish(redirect));
        // An answer cut short after its status still has that status.
        response.on("error", (error) => finish(redirect ?? describe(error)));
        response.on("aborted", () => finish(redirect ?? "the answer was cut short"));
      });
      client.on("error", (error) => finish(status !== null ? null : describe(error)));
      client.end(request.body);
    } catch (error) {
      finish(describe(error));
    }
  });
}
