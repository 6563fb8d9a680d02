import { generateKeyPairSync } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { calculateJwkThumbprint } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { JWKS_PATH, LOG_KEYS_PATH } from "../../lib/platform/jwks.js";
import { TEST_SECRETS } from "../support/graphql-client.js";
import { functionUrlEvent, lambdaContext } from "../support/lambda-events.js";

/*
 * The gateway Lambda's own route for the attestation keys (runtime/gateway-lambda.ts), invoked as
 * the function URL invokes it: payload format 2.0, the path in `rawPath`, the method in
 * `requestContext.http`. Production settings, the key set from ATTESTATION_SIGNING_KEYS as deployed.
 */

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>, callback: () => void) => Promise<unknown>;
const structured = (result: unknown) => result as APIGatewayProxyStructuredResultV2;

/** A function URL request: `method` on `path`, with a JSON body only when given one. */
function requestEvent(method: string, path: string, body?: unknown): APIGatewayProxyEventV2 {
  const base = functionUrlEvent(body, { accept: "application/json" });
  return {
    ...base,
    rawPath: path,
    headers: body === undefined ? { accept: "application/json" } : base.headers,
    body: body === undefined ? undefined : base.body,
    requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method, path } },
  };
}

/** An Ed25519 key named by its RFC 7638 thumbprint. */
async function ed25519Key() {
  const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as { kty: "OKP"; crv: "Ed25519"; x: string; d: string };
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "sha256");
  return { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d, kid, alg: "EdDSA", use: "sig" };
}

/** A key set as deployed: the current key, and one retired long ago, past its time in the JWKS. */
async function deployedKeySet(): Promise<{ json: string; kid: string; x: string; retiredKid: string }> {
  const current = await ed25519Key();
  const { d: _private, ...retired } = await ed25519Key();
  const old = { jwk: retired, retiredAt: "2026-01-01T00:00:00.000Z", verifyUntil: "2026-01-01T01:00:00.000Z" };
  return { json: JSON.stringify({ current, retired: [old] }), kid: current.kid, x: current.x, retiredKid: retired.kid };
}

describe("the gateway Lambda's public key routes", () => {
  let handler: Handler;
  let key: { kid: string; x: string; retiredKid: string };
  const invoke = async (event: APIGatewayProxyEventV2) => structured(await handler(event, lambdaContext(), () => {}));

  beforeAll(async () => {
    const keys = await deployedKeySet();
    key = keys;
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("AUTH_TOKEN_SECRET", TEST_SECRETS.tokenSecret);
    vi.stubEnv("SUBGRAPH_SECRET", TEST_SECRETS.subgraphSecret);
    vi.stubEnv("ATTESTATION_SIGNING_KEYS", keys.json);
    vi.stubEnv("LAMBDA_TASK_ROOT", process.cwd());
    // A fresh config() and signer for these settings, as a new Lambda container would have.
    vi.resetModules();
    ({ handler } = (await import("../../functions/gateway.js")) as unknown as { handler: Handler });
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("answers GET with the public keys, typed and cached, never a private scalar", async () => {
    const result = await invoke(requestEvent("GET", JWKS_PATH));

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" });
    const jwks = JSON.parse(result.body ?? "") as { keys: Record<string, unknown>[] };
    // The configured key, by its public half.
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", x: key.x, kid: key.kid });
    for (const published of jwks.keys) expect(published).not.toHaveProperty("d");
    expect(result.body).not.toContain('"d"');
  });

  it("answers the log keys with every key that ever signed, the retired one with its retirement, never a private scalar", async () => {
    const result = await invoke(requestEvent("GET", LOG_KEYS_PATH));

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ "content-type": "application/jwk-set+json", "cache-control": "public, max-age=300" });
    const logKeys = JSON.parse(result.body ?? "") as { keys: Record<string, unknown>[] };
    expect(logKeys.keys).toEqual([
      expect.objectContaining({ kid: key.kid, x: key.x }),
      expect.objectContaining({ kid: key.retiredKid, retiredAt: "2026-01-01T00:00:00.000Z" }),
    ]);
    expect(logKeys.keys[0]).not.toHaveProperty("retiredAt");
    expect(result.body).not.toContain('"d"');
  });

  it("answers HEAD with the same status and headers and no body", async () => {
    const get = await invoke(requestEvent("GET", JWKS_PATH));
    const head = await invoke(requestEvent("HEAD", JWKS_PATH));

    expect(head.statusCode).toBe(200);
    expect(head.headers).toEqual(get.headers);
    expect(head.body ?? "").toBe("");
  });

  it("leaves a POST to the JWKS path, and a GET of another path, to the GraphQL server", async () => {
    const isJwks = (result: APIGatewayProxyResultV2) =>
      String(structured(result).headers?.["content-type"] ?? "").includes("jwk-set") || (structured(result).body ?? "").includes(key.kid);

    const post = await invoke(requestEvent("POST", JWKS_PATH, { query: "{ __typename }" }));
    expect(isJwks(post)).toBe(false);
    // Apollo answered it: the operation ran.
    expect(JSON.parse(post.body ?? "{}")).toEqual({ data: { __typename: "Query" } });

    for (const path of ["/", "/.well-known/jwks", "/.well-known/jwks.json/x"]) {
      const other = await invoke(requestEvent("GET", path));
      expect({ path, jwks: isJwks(other) }).toEqual({ path, jwks: false });
      expect(other.statusCode).not.toBe(200);
    }
  });
});
