import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SUBGRAPH_NAMES, type SubgraphName } from "../../lib/platform/config.js";
import type { LocalSystem } from "../../runtime/local.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { REGISTER_AGENT } from "../support/fixtures.js";
import { TEST_SECRETS, bearer } from "../support/graphql-client.js";
import { functionUrlEvent, lambdaContext } from "../support/lambda-events.js";
import { type SigV4Verifier, startSigV4Verifier } from "../support/sigv4-verifier.js";
import { startTestSystem } from "../support/system.js";

type Handler = (event: APIGatewayProxyEventV2, context: Context, callback: () => void) => Promise<unknown>;
type Data = Record<string, any>;

const CREDENTIALS = {
  accessKeyId: "ASIAGATEWAYROLE",
  secretAccessKey: "the-gateway-role-s-secret-access-key",
  sessionToken: "role-session",
};
const REGION = "us-east-1";
const AGENT = `query Agent($id: ID!) { agent(id: $id) { id name trust { tier } openDisputeCount } }`;

/*
 * Private subgraphs (docs/deployment.md): each subgraph behind a stand-in for a function URL with
 * IAM auth, which verifies every call's SigV4 signature with the AWS SDK's signer before passing it
 * on, and the gateway's own Lambda handler with SUBGRAPH_AUTH=iam and the role's credentials in
 * its environment, as Lambda gives them.
 */
describe("the gateway Lambda with SUBGRAPH_AUTH=iam", () => {
  let database: TestDatabase;
  let system: LocalSystem;
  let dataDir: string;
  const verifiers = {} as Record<SubgraphName, SigV4Verifier>;
  let handler: Handler;

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    system = await startTestSystem({ databaseUrl: database.url, judge: false });
    for (const name of SUBGRAPH_NAMES)
      verifiers[name] = await startSigV4Verifier({ credentials: CREDENTIALS, region: REGION, upstream: system.subgraphUrls[name] });
    dataDir = mkdtempSync(path.join(tmpdir(), "agent-trust-gateway-"));
    vi.stubEnv("DATA_DIR", dataDir);
    vi.stubEnv("AUTH_TOKEN_SECRET", TEST_SECRETS.tokenSecret);
    vi.stubEnv("SUBGRAPH_SECRET", TEST_SECRETS.subgraphSecret);
    vi.stubEnv("LAMBDA_TASK_ROOT", process.cwd());
    vi.stubEnv("SUBGRAPH_AUTH", "iam");
    vi.stubEnv("AWS_REGION", REGION);
    vi.stubEnv("AWS_ACCESS_KEY_ID", CREDENTIALS.accessKeyId);
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey);
    vi.stubEnv("AWS_SESSION_TOKEN", CREDENTIALS.sessionToken);
    for (const name of SUBGRAPH_NAMES) vi.stubEnv(`${name.toUpperCase()}_URL`, verifiers[name].url);
    // A fresh config() for these settings, as a new Lambda container would read them.
    vi.resetModules();
    ({ handler } = (await import("../../functions/gateway.js")) as unknown as { handler: Handler });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    vi.resetModules();
    for (const verifier of Object.values(verifiers)) await verifier.stop();
    await system?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const invoke = async (body: unknown, headers: Record<string, string> = {}) => {
    const result = (await handler(functionUrlEvent(body, headers), lambdaContext(), () => {})) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode, headers: result.headers, text: result.body ?? "", body: JSON.parse(result.body ?? "{}") as Data };
  };
  const seen = () => Object.values(verifiers).flatMap((verifier) => verifier.requests);
  /** The requests each verifier has seen since `mark()`. */
  const mark = () => {
    const counts = new Map(Object.values(verifiers).map((verifier) => [verifier, verifier.requests.length]));
    return () => [...counts].flatMap(([verifier, count]) => verifier.requests.slice(count));
  };
  const forwarded = () => Object.values(verifiers).reduce((sum, verifier) => sum + verifier.forwarded, 0);

  it("answers a mutation and a query with required variables across subgraphs, every subgraph call signed and verified", async () => {
    const builder = await bearer("builder", "iam-builder");

    const registered = await invoke(
      { query: REGISTER_AGENT, variables: { input: { name: "Signed Calls", description: "d", domains: ["ALERT_TRIAGE"] } } },
      builder,
    );
    const id = registered.body.data?.registerAgent?.id as string;
    const read = await invoke({ query: AGENT, variables: { id } }, builder);

    expect(registered.body.errors).toBeUndefined();
    expect(read.status).toBe(200);
    expect(read.body.data.agent).toEqual({ id, name: "Signed Calls", trust: { tier: "UNRATED" }, openDisputeCount: 0 });
    // The query plan went to several subgraphs, and only through their verifiers.
    expect(new Set(SUBGRAPH_NAMES.filter((name) => verifiers[name].requests.length > 0)).size).toBeGreaterThanOrEqual(3);
    expect(seen().filter((request) => !request.accepted)).toEqual([]);
    expect(forwarded()).toBe(seen().length);
    for (const request of seen())
      expect(request.signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-content-sha256", "x-agent-trust-identity"]));
  });

  it("looks an API key up in the partners subgraph with a signed call", async () => {
    const before = verifiers.partners.requests.length;

    const result = await invoke({ query: "{ __typename }" }, { "x-api-key": `atk_${"A".repeat(43)}` });

    // The partners subgraph answered (the key is unknown), so the signed lookup went through.
    expect(result.status).toBe(401);
    expect(result.body.errors[0].message).toBe("The API key is not recognised");
    expect(verifiers.partners.requests.slice(before).map((request) => request.accepted)).toEqual([true]);
  });

  it("with the wrong secret, every subgraph refuses the call, no subgraph runs, and the caller learns nothing of why", async () => {
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "a-secret-that-is-not-the-role-s");
    const reached = forwarded();
    const since = mark();
    try {
      const builder = await bearer("builder", "iam-builder");

      const read = await invoke({ query: AGENT, variables: { id: "00000000-0000-4000-8000-000000000000" } }, builder);
      const apiKey = await invoke({ query: "{ __typename }" }, { "x-api-key": `atk_${"B".repeat(43)}` });

      expect(read.body.errors).toEqual([
        expect.objectContaining({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }),
      ]);
      // As when the partners subgraph is unreachable: 503 with Retry-After, not a 401 for a key that may be good.
      expect(apiKey.status).toBe(503);
      expect(apiKey.headers).toMatchObject({ "retry-after": "1" });
      expect(apiKey.body.errors).toEqual([expect.objectContaining({ extensions: { code: "INTERNAL_SERVER_ERROR" } })]);
      for (const text of [read.text, apiKey.text]) {
        expect(text).not.toMatch(/403|Forbidden|Signature|127\.0\.0\.1|x-amz|AWS4|stacktrace|\n\s+at /i);
        expect(text).not.toContain(CREDENTIALS.accessKeyId);
      }
      const refused = since();
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.map((request) => request.reason)).toEqual(refused.map(() => "signature does not match"));
      expect(forwarded()).toBe(reached);
    } finally {
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secretAccessKey);
    }
  });
});
