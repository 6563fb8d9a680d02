import { createHash } from "node:crypto";
import http from "node:http";
import type net from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { IDENTITY_HEADER } from "../../lib/platform/identity.js";
import { type SigV4Verifier, startSigV4Verifier } from "../../test/support/sigv4-verifier.js";
import { startGateway } from "../index.js";
import { Sha256, signingFetch } from "../subgraph-auth.js";
import { readCommittedSupergraph } from "../supergraph.js";

const CREDENTIALS = {
  accessKeyId: "AKIDGATEWAYTEST",
  secretAccessKey: "gateway-test-secret-access-key",
  sessionToken: "gateway-session-token",
};
const REGION = "eu-west-1";
const SECRETS = { tokenSecret: "gateway-test-token-secret-0123456789ab", subgraphSecret: "gateway-test-subgraph-secret-0123456789" };
const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The function's credentials, as Lambda puts them in the environment. */
function stubCredentials(credentials: typeof CREDENTIALS = CREDENTIALS) {
  vi.stubEnv("AWS_ACCESS_KEY_ID", credentials.accessKeyId);
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey);
  vi.stubEnv("AWS_SESSION_TOKEN", credentials.sessionToken);
}

describe("the signer's SHA-256", () => {
  it("gives the signature of AWS's published SigV4 test vector get-vanilla", async () => {
    const signer = new SignatureV4({
      service: "service",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
      sha256: Sha256,
      applyChecksum: false,
    });

    const signed = await signer.sign(
      { method: "GET", protocol: "https:", hostname: "example.amazonaws.com", path: "/", headers: { host: "example.amazonaws.com" } },
      { signingDate: new Date("2015-08-30T12:36:00Z") },
    );

    expect(signed.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
  });
});

describe("signingFetch against a server that verifies SigV4 with the AWS SDK's signer", () => {
  let verifier: SigV4Verifier;
  beforeAll(async () => {
    verifier = await startSigV4Verifier({ credentials: CREDENTIALS, region: REGION });
  });
  afterAll(async () => {
    await verifier?.stop();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const graphqlCall = (body = JSON.stringify({ query: "{ __typename }" })): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json", [IDENTITY_HEADER]: "assertion" },
    body,
  });
  const lastRequest = () => verifier.requests.at(-1)!;

  it("signs method, host, path, headers and the body's hash, with the session token: the call is accepted", async () => {
    stubCredentials();
    const call = graphqlCall();

    const response = await signingFetch(REGION)(verifier.url, call);

    expect(response.status, lastRequest().reason).toBe(200);
    expect(lastRequest().signedHeaders).toEqual([
      "content-type",
      "host",
      "x-agent-trust-identity",
      "x-amz-content-sha256",
      "x-amz-date",
      "x-amz-security-token",
    ]);
    expect(lastRequest().headers["x-amz-content-sha256"]).toBe(sha256Hex(call.body as string));
    expect(lastRequest().headers["x-amz-security-token"]).toBe(CREDENTIALS.sessionToken);
  });

  it("signs a path and a query that need encoding the way AWS reads them", async () => {
    stubCredentials();

    const response = await signingFetch(REGION)(`${verifier.url}graph%20ql/a+b?z=1&a=x%20y&a=w&empty=`, graphqlCall());

    expect(response.status, lastRequest().reason).toBe(200);
    expect(lastRequest().path).toBe("/graph%20ql/a+b?z=1&a=x%20y&a=w&empty=");
  });

  it("reads the credentials for every call: a wrong secret is refused, the right one accepted again", async () => {
    stubCredentials({ ...CREDENTIALS, secretAccessKey: "not-the-function-s-secret" });
    const send = signingFetch(REGION);

    const refused = await send(verifier.url, graphqlCall());
    stubCredentials();
    const accepted = await send(verifier.url, graphqlCall());

    expect(refused.status).toBe(403);
    expect(accepted.status).toBe(200);
  });

  it("a body changed after signing is refused", async () => {
    stubCredentials();
    let signed: RequestInit | undefined;
    await signingFetch(REGION, undefined, async (_url, init) => {
      signed = init;
      return new Response();
    })(verifier.url, graphqlCall(JSON.stringify({ query: "{ agent(id: 1) { id } }" })));

    const tampered = await fetch(verifier.url, { ...signed, body: JSON.stringify({ query: "{ agent(id: 2) { id } }" }) });

    expect(tampered.status).toBe(403);
    expect(lastRequest().reason).toBe("x-amz-content-sha256 is not the body's hash");
  });

  it("a signed header changed after signing is refused", async () => {
    stubCredentials();
    let signed: RequestInit | undefined;
    await signingFetch(REGION, undefined, async (_url, init) => {
      signed = init;
      return new Response();
    })(verifier.url, graphqlCall());

    const forged = await fetch(verifier.url, {
      ...signed,
      headers: { ...(signed?.headers as Record<string, string>), [IDENTITY_HEADER]: "forged" },
    });

    expect(forged.status).toBe(403);
    expect(lastRequest().reason).toBe("signature does not match");
  });

  it("an unsigned call is refused", async () => {
    const response = await fetch(verifier.url, graphqlCall());

    expect(response.status).toBe(403);
    expect(lastRequest().reason).toBe("no SigV4 Authorization header");
  });

  it("refuses to sign without credentials in the environment, saying which", async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");

    await expect(signingFetch(REGION)(verifier.url, graphqlCall())).rejects.toThrow(
      "SUBGRAPH_AUTH=iam signs with the function's AWS credentials, but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set",
    );
  });

  it("scopes the signature to the region a function URL names, as service lambda", async () => {
    stubCredentials();
    const sent: { url: string; headers: Record<string, string> }[] = [];

    await signingFetch("us-east-1", undefined, async (url, init) => {
      sent.push({ url, headers: init.headers as Record<string, string> });
      return new Response();
    })("https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.ap-southeast-2.on.aws/", graphqlCall());

    expect(sent[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDGATEWAYTEST\/\d{8}\/ap-southeast-2\/lambda\/aws4_request, /,
    );
    expect(sent[0]!.headers).not.toHaveProperty("host");
  });
});

describe("a gateway without SUBGRAPH_AUTH (as locally)", () => {
  let subgraph: http.Server;
  let gateway: RunningServer;
  const received: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    subgraph = http.createServer((req, res) => {
      received.push(req.headers);
      req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"data":{"agent":null}}'));
    });
    await new Promise<void>((resolve) => subgraph.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(subgraph.address() as net.AddressInfo).port}/graphql`;
    gateway = await startGateway({
      config: loadConfig({ PORT: "0" }),
      secrets: SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: { agents: url },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    subgraph?.close();
  });

  it("sends its subgraph calls unsigned, with the identity header only", async () => {
    const response = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ agent(id: "x") { id } }' }),
    });

    expect(((await response.json()) as { data: unknown }).data).toEqual({ agent: null });
    expect(received).toHaveLength(1);
    expect(received[0]).toHaveProperty(IDENTITY_HEADER);
    expect(received[0]).not.toHaveProperty("authorization");
    expect(Object.keys(received[0]!).filter((name) => name.startsWith("x-amz-"))).toEqual([]);
  });
});
