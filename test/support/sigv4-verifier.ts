import http from "node:http";
import type net from "node:net";
// The SHA-256 the AWS SDK clients give the signer (@smithy/signature-v4's own dependency), not the
// gateway's: a verifier sharing the gateway's hash could not catch a fault in it.
import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";

interface VerifierCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What a verifier saw of one request. */
interface VerifiedRequest {
  accepted: boolean;
  /** Why it was refused, for the test's failure message. */
  reason?: string;
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The header names the request's Authorization says were signed. */
  signedHeaders: string[];
}

export interface SigV4Verifier {
  url: string;
  requests: VerifiedRequest[];
  /** How many verified requests reached the upstream. */
  forwarded: number;
  stop(): Promise<void>;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** X-Amz-Date (`20250102T030405Z`) as a Date. */
function dateOf(amzDate: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  return match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`) : undefined;
}

/**
 * Whether the request is signed by `credentials` for `region` and `service`: its signature is made
 * again with the AWS SDK's SigV4 signer from what arrived (method, path, query, the headers its
 * Authorization names, the body, at the date of its X-Amz-Date) and compared. The body's hash is
 * computed from the body received, never taken from `x-amz-content-sha256`, so a changed body fails.
 */
async function verify(
  signer: SignatureV4,
  expected: { accessKeyId: string; region: string; service: string },
  request: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string },
): Promise<{ signedHeaders: string[]; reason?: string }> {
  const authorization = request.headers.authorization;
  const match = authorization ? AUTHORIZATION.exec(authorization) : null;
  if (!authorization || !match) return { signedHeaders: [], reason: "no SigV4 Authorization header" };
  const [, accessKeyId, day, region, service, signedList] = match as unknown as string[];
  const signedHeaders = signedList!.split(";");
  if (accessKeyId !== expected.accessKeyId) return { signedHeaders, reason: `unknown access key ${accessKeyId}` };
  if (region !== expected.region || service !== expected.service) return { signedHeaders, reason: `scope ${region}/${service}` };
  const amzDate = request.headers["x-amz-date"];
  const signingDate = typeof amzDate === "string" ? dateOf(amzDate) : undefined;
  if (!signingDate || amzDate?.slice(0, 8) !== day) return { signedHeaders, reason: "X-Amz-Date missing or not the credential's day" };
  for (const required of ["host", "x-amz-date", "x-amz-content-sha256"])
    if (!signedHeaders.includes(required)) return { signedHeaders, reason: `${required} is not signed` };

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return { signedHeaders, reason: `signed header ${name} is missing` };
    // The signer sets these itself: the date from signingDate, the token from the credentials, the body's hash from the body.
    if (name === "x-amz-date" || name === "x-amz-security-token" || name === "x-amz-content-sha256") continue;
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const url = new URL(request.url, "http://verifier.invalid");
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const resigned = await signer.sign(
    { method: request.method, protocol: "https:", hostname: headers.host ?? "", path: url.pathname, query, headers, body: request.body },
    { signingDate },
  );
  if (resigned.headers["x-amz-content-sha256"] !== request.headers["x-amz-content-sha256"])
    return { signedHeaders, reason: "x-amz-content-sha256 is not the body's hash" };
  if (resigned.headers.authorization !== authorization) return { signedHeaders, reason: "signature does not match" };
  return { signedHeaders };
}

/**
 * A stand-in for a Lambda function URL with IAM auth: each request's SigV4 signature is checked
 * (above) against `credentials`, and refused with 403 as Lambda refuses it; a request that passes
 * goes on to `upstream` (a subgraph) without the signing headers, or, with no upstream, is answered
 * 200 with what arrived.
 */
export async function startSigV4Verifier(options: {
  credentials: VerifierCredentials;
  region: string;
  service?: string;
  upstream?: string;
}): Promise<SigV4Verifier> {
  const service = options.service ?? "lambda";
  const signer = new SignatureV4({ service, region: options.region, credentials: options.credentials, sha256: Sha256 });
  const expected = { accessKeyId: options.credentials.accessKeyId, region: options.region, service };
  const requests: VerifiedRequest[] = [];
  const state = { forwarded: 0 };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const seen = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body };
      try {
        const { signedHeaders, reason } = await verify(signer, expected, seen);
        requests.push({ accepted: !reason, reason, method: seen.method, path: seen.url, headers: req.headers, body, signedHeaders });
        if (reason) {
          res.writeHead(403, { "content-type": "application/json" }).end(JSON.stringify({ Message: "Forbidden" }));
          return;
        }
        if (!options.upstream) {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: seen.method, path: seen.url, body }));
          return;
        }
        const forwardedHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers))
          if (value !== undefined && !/^(host|content-length|connection|authorization|x-amz-.*)$/.test(name))
            forwardedHeaders[name] = Array.isArray(value) ? value.join(",") : value;
        const answer = await fetch(options.upstream, { method: seen.method, headers: forwardedHeaders, body });
        state.forwarded += 1;
        res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(await answer.text());
      } catch (error) {
        res.writeHead(502, { "content-type": "text/plain" }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`,
    requests,
    get forwarded() {
      return state.forwarded;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fetch keeps its connections alive; close would wait for them.
        server.closeAllConnections();
      }),
  };
}
