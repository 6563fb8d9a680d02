import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { API_KEY_REFUSALS_SAID } from "../../gateway/api-keys.js";
import { startGateway } from "../../gateway/index.js";
import { readCommittedSupergraph } from "../../gateway/supergraph.js";
import { apiKeyDigest, isApiKeyLookupProof } from "../../lib/contracts/api-key.js";
import { loadConfig } from "../../lib/platform/config.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { ANONYMOUS, IDENTITY_HEADER, verifyIdentityAssertion } from "../../lib/platform/identity.js";
import { log } from "../../lib/platform/logger.js";
import { TEST_SECRETS, bearer, postGraphQL } from "../support/graphql-client.js";
import { captureLogs } from "../support/log-capture.js";

/*
 * The gateway's side of API keys against a stand-in partners subgraph (a real HTTP server whose
 * answers each test sets): what the gateway sends (a digest and a proof, never the secret), how
 * long it reuses answers, the 401 it gives for each reason, the 503 when the lookup fails, and
 * logs without the secret. `{ __typename }` is answered by the gateway itself, so the lookup is
 * the only call a request makes. The whole system, on both engines, is test/integration/api-keys.test.ts.
 */

/** A well-formed key: `atk_` and 43 base64url characters. */
const keyOf = (fill: string) => `atk_${fill.repeat(43).slice(0, 43)}`;

interface Lookup {
  digest: string;
  proof: string;
  body: string;
  identityHeader: string | undefined;
}

type Answer = { status: number; body: unknown } | "hang";

describe("API keys at the gateway", () => {
  const lookups: Lookup[] = [];
  let answer: (digest: string) => Answer = () => ({ status: 200, body: { data: { apiKeyCredential: null } } });
  let partners: http.Server;
  let gateway: RunningServer;
  let logs: ReturnType<typeof captureLogs>;

  beforeAll(async () => {
    partners = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        const { variables } = JSON.parse(body) as { variables: { digest: string; proof: string } };
        lookups.push({ ...variables, body, identityHeader: req.headers[IDENTITY_HEADER] as string | undefined });
        const reply = answer(variables.digest);
        if (reply === "hang") return;
        res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => partners.listen(0, "127.0.0.1", resolve));
    const nowhere = "http://127.0.0.1:9/graphql";
    gateway = await startGateway({
      config: loadConfig({ PORT: "0", API_KEY_CACHE_SECONDS: "60", API_KEY_LOOKUP_TIMEOUT_MS: "300" }),
      secrets: TEST_SECRETS,
      supergraphSdl: await readCommittedSupergraph(),
      subgraphUrls: {
        agents: nowhere,
        pacts: nowhere,
        reputation: nowhere,
        disputes: nowhere,
        partners: `http://127.0.0.1:${(partners.address() as AddressInfo).port}/graphql`,
      },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    partners?.closeAllConnections();
    await new Promise((resolve) => partners?.close(resolve));
  });
  beforeEach(() => {
    lookups.length = 0;
    logs = captureLogs();
  });
  afterEach(() => {
    logs.stop();
  });

  const accepted = (partner: string, scopes: string[], usableUntil: string | null = null): Answer => ({
    status: 200,
    body: { data: { apiKeyCredential: { keyId: "k1", partner, scopes, refusal: null, usableUntil } } },
  });
  const refusedFor = (refusal: string): Answer => ({
    status: 200,
    body: { data: { apiKeyCredential: { keyId: "k1", partner: "acme", scopes: [], refusal, usableUntil: null } } },
  });
  const withKey = (key: string, query = "{ __typename }") => postGraphQL(gateway.url, query, {}, { "x-api-key": key });
  const refusalOf = (response: Awaited<ReturnType<typeof withKey>>) => ({
    status: response.status,
    code: response.errors?.[0]?.extensions?.code,
    message: response.errors?.[0]?.message,
  });

  it("looks a key up by its SHA-256 with the gateway's proof for it, never sending the secret", async () => {
    const key = keyOf("a");
    answer = () => accepted("acme", ["reputation:read"]);

    expect(await withKey(key)).toMatchObject({ status: 200, data: { __typename: "Query" } });
    expect(lookups).toHaveLength(1);
    const [lookup] = lookups;
    expect(lookup!.digest).toBe(apiKeyDigest(key));
    expect(await isApiKeyLookupProof(lookup!.proof, apiKeyDigest(key), TEST_SECRETS.subgraphSecret)).toBe(true);
    expect(await verifyIdentityAssertion(lookup!.identityHeader!, "partners", TEST_SECRETS.subgraphSecret)).toEqual(ANONYMOUS);
    expect(lookup!.body).not.toContain(key.slice(4));
  });

  it("reuses an answer, accepted or refused, for API_KEY_CACHE_SECONDS, and shares one lookup among concurrent requests", async () => {
    const good = keyOf("b");
    const unknown = keyOf("c");
    answer = (digest) =>
      digest === apiKeyDigest(good) ? accepted("acme", ["feed:read"]) : { status: 200, body: { data: { apiKeyCredential: null } } };

    const responses = await Promise.all([withKey(good), withKey(good), withKey(good)]);
    await withKey(good);
    await withKey(unknown);
    const second = await withKey(unknown);

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(refusalOf(second)).toEqual({ status: 401, code: "UNAUTHENTICATED", message: API_KEY_REFUSALS_SAID.UNKNOWN });
    expect(lookups.map((lookup) => lookup.digest)).toEqual([apiKeyDigest(good), apiKeyDigest(unknown)]);
  });

  it("keeps an accepted answer no longer than the key is usable (its expiry, or the end of its grace)", async () => {
    const key = keyOf("d");
    answer = () => accepted("acme", ["feed:read"], new Date(Date.now() - 1000).toISOString());

    await withKey(key);
    await withKey(key);

    expect(lookups).toHaveLength(2);
  });

  it("refuses with 401 and a message of its own for each reason: malformed, unknown, expired, revoked, replaced, suspended", async () => {
    const reasons = ["EXPIRED", "REVOKED", "REPLACED", "PARTNER_SUSPENDED"] as const;
    const keys = Object.fromEntries(reasons.map((reason, i) => [reason, keyOf("efgh"[i]!)]));
    answer = (digest) => {
      const reason = reasons.find((r) => apiKeyDigest(keys[r]!) === digest);
      return reason ? refusedFor(reason) : { status: 200, body: { data: { apiKeyCredential: null } } };
    };

    const said: Record<string, unknown> = {};
    const attempts: [keyof typeof API_KEY_REFUSALS_SAID, string][] = [
      ["MALFORMED", "atk_short"],
      ["MALFORMED", `${keyOf("i")}=`],
      ["UNKNOWN", keyOf("j")],
      ...reasons.map((reason): [keyof typeof API_KEY_REFUSALS_SAID, string] => [reason, keys[reason]!]),
    ];
    for (const [reason, key] of attempts) {
      const refusal = refusalOf(await withKey(key));
      expect({ reason, ...refusal }).toEqual({ reason, status: 401, code: "UNAUTHENTICATED", message: API_KEY_REFUSALS_SAID[reason] });
      said[reason] = refusal.message;
    }
    expect(new Set(Object.values(said)).size).toBe(6);
    // A malformed key is refused without a lookup.
    expect(lookups).toHaveLength(5);
  });

  it("refuses a request carrying both a token and a key", async () => {
    const response = await postGraphQL(
      gateway.url,
      "{ __typename }",
      {},
      { ...(await bearer("partner", "acme")), "x-api-key": keyOf("k") },
    );
    expect(refusalOf(response)).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    expect(lookups).toHaveLength(0);
  });

  it("answers 503 with Retry-After, not 401, when the partners subgraph fails or does not answer in time, and remembers no failure", async () => {
    const key = keyOf("l");
    answer = () => ({ status: 500, body: { errors: [{ message: "boom" }] } });
    const failed = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    answer = () => "hang";
    const hung = await withKey(key);
    answer = () => accepted("acme", ["feed:read"]);
    const recovered = await withKey(key);

    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("1");
    expect(((await failed.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({
      code: "INTERNAL_SERVER_ERROR",
    });
    expect(hung.status).toBe(503);
    expect(recovered.status).toBe(200);
    expect(lookups).toHaveLength(3);
  });

  it("writes no secret into the logs, whether the key is accepted, refused or cannot be checked", async () => {
    const keys = { good: keyOf("m"), refused: keyOf("n"), failing: keyOf("o") };
    answer = (digest) =>
      digest === apiKeyDigest(keys.good)
        ? accepted("acme", ["feed:read"])
        : digest === apiKeyDigest(keys.refused)
          ? refusedFor("REVOKED")
          : { status: 502, body: {} };

    for (const key of Object.values(keys)) await withKey(key);
    // An operation that fails inside the gateway, with the key in the request, logs too.
    await withKey(keys.good, '{ agent(id: "x") { id } }');

    // The failing lookup and the unreachable agents subgraph were logged: the capture sees lines.
    expect(logs.lines.some((line) => line.includes("API key could not be looked up"))).toBe(true);
    for (const key of Object.values(keys)) {
      expect(logs.lines.filter((line) => line.includes(key.slice(4)))).toEqual([]);
    }
  });

  it("redacts the credential headers of any log line that carries a request's headers", () => {
    const key = keyOf("p");
    const headers = { "x-api-key": key, authorization: "Bearer secret-token", "x-agent-trust-identity": "signed", accept: "*/*" };
    log.warn({ headers, req: { headers } }, "a request's headers");

    const [line] = logs.lines.map((text) => JSON.parse(text));
    const redacted = { "x-api-key": "[redacted]", authorization: "[redacted]", "x-agent-trust-identity": "[redacted]", accept: "*/*" };
    expect(line).toMatchObject({ headers: redacted, req: { headers: redacted } });
  });
});
