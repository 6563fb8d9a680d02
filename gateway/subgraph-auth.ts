import { type Hash, type Hmac, createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { FUNCTION_URL_HOST, type SubgraphAuth } from "../lib/platform/config.js";
import { keepAliveFetch } from "./subgraph-client.js";

/*
 * How the gateway's calls reach the subgraphs. Locally (SUBGRAPH_AUTH=none) they go as they are.
 * On AWS (SUBGRAPH_AUTH=iam) the subgraphs' function URLs use IAM auth, so Lambda itself refuses
 * any call not signed with SigV4 by a principal allowed to invoke them, before a subgraph runs:
 * an anonymous probe costs no invocation and opens no database connection. The signed identity
 * header (lib/platform/identity.ts) stays the subgraphs' own check behind it.
 */

/** `fetch`, as the gateway calls a subgraph: the caller-identity lookup and every query plan's fetches. */
export type SubgraphFetch = (url: string, init: RequestInit) => Promise<Response>;

interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * The function's credentials, read from the environment on every call, as the AWS SDK's own
 * environment provider does: Lambda puts its execution role's temporary credentials there, and
 * nothing here keeps them beyond the call.
 */
async function credentialsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<AwsCredentials> {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new Error(
      "SUBGRAPH_AUTH=iam signs with the function's AWS credentials, but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set",
    );
  const sessionToken = env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

/**
 * SHA-256 and HMAC-SHA256 over node:crypto for the signer: what the AWS SDK clients plug into it
 * (Sha256Node in @smithy/core), which is not a dependency of this project. Exported for its test
 * against AWS's published signature vectors.
 */
export class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    const digest = this.hash.digest();
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }
  reset(): void {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash("sha256");
    const { secret } = this;
    const key =
      typeof secret === "string"
        ? secret
        : ArrayBuffer.isView(secret)
          ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
          : Buffer.from(secret);
    return createHmac("sha256", key);
  }
}

/** The URL's query as the signer takes it: decoded names and values, a repeated name as a list. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

/**
 * `fetch` that signs each request for a Lambda function URL with IAM auth (service `lambda`).
 * Signed: the method, the host, the path, the query, every header the request is sent with, and
 * the body's SHA-256, which also travels in `x-amz-content-sha256` (function URLs accept no
 * unsigned payload); the session token goes in `x-amz-security-token`. The signing region is the
 * one a function URL names, else `region` (AWS_REGION). The signer is made once; the credentials
 * are read for each request.
 */
export function signingFetch(
  region: string,
  credentials: () => Promise<AwsCredentials> = () => credentialsFromEnvironment(),
  send: SubgraphFetch = fetch,
): SubgraphFetch {
  const signer = new SignatureV4({ service: "lambda", region, credentials, sha256: Sha256, applyChecksum: true, uriEscapePath: true });
  return async (url, init) => {
    const target = new URL(url);
    const { body } = init;
    if (body !== undefined && body !== null && typeof body !== "string")
      throw new Error("only a request whose body is a string can be signed for a subgraph");
    const signed = await signer.sign(
      {
        method: (init.method ?? "GET").toUpperCase(),
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port ? { port: Number(target.port) } : {}),
        // Still percent-encoded, as it goes on the wire; the signer encodes it once more, as SigV4 has it for every service but S3.
        path: target.pathname,
        query: queryOf(target),
        // Lower-cased, as fetch sends them; `host` as fetch will send it (no default port).
        headers: { ...Object.fromEntries(new Headers(init.headers)), host: target.host },
        body: body ?? undefined,
      },
      { signingRegion: FUNCTION_URL_HOST.exec(target.hostname)?.[1] ?? region },
    );
    // fetch sets `host` itself and refuses to be told it.
    const { host: _host, ...headers } = signed.headers;
    return send(url, { ...init, headers });
  };
}

/**
 * How the gateway calls the subgraphs under SUBGRAPH_AUTH: over its kept-alive connections
 * (gateway/subgraph-client.ts), as they are or signed with SigV4.
 */
export function subgraphFetch(settings: { auth: SubgraphAuth; region: string }): SubgraphFetch {
  const send = keepAliveFetch();
  return settings.auth === "iam" ? signingFetch(settings.region, undefined, send) : send;
}
