import { describe, expect, it } from "vitest";
import { API_KEY_REFUSALS_SAID } from "../../gateway/api-keys.js";
import { API_KEY_CREDENTIAL_QUERY, API_KEY_PATTERN, apiKeyDigest, signApiKeyLookupProof } from "../../lib/contracts/api-key.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { TEST_SECRETS, asGateway, bearer, dataOf, postGraphQL, type GraphQLResponse } from "../support/graphql-client.js";
import { captureLogs } from "../support/log-capture.js";
import { eventually, useTestSystem } from "../support/system.js";

/*
 * Partners' API keys through the gateway, on both engines, with API_KEY_CACHE_SECONDS=1: a key
 * created with a token authenticates calls as its partner with its scopes; revoking, rotating,
 * expiring and suspending each stop it, within the cache's bound where the database changed
 * behind the gateway's back; and the lookup the gateway makes is no part of the public API.
 */

// GraphQL data is loosely typed here, as in the other system tests.
type Data = Record<string, any>;

const CREATE = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret key { id name prefix scopes state } } }";
const LIST = "query($partner: String) { apiKeys(partner: $partner) { edges { node { id prefix name state lastUsedAt } } } }";
const REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { id state } }";
const ROTATE = "mutation($id: ID!, $grace: Int) { rotateApiKey(id: $id, graceSeconds: $grace) { secret key { id state } } }";
const SUSPEND = 'mutation($partner: String!) { suspendPartner(partner: $partner, reason: "Scraping the feed") { partner suspended } }';
const REINSTATE = "mutation($partner: String!) { reinstatePartner(partner: $partner) { partner suspended } }";

/** How long a change behind the gateway may take to show: the cache's bound (1 s here) and then some. */
const WITHIN_BOUND_MS = 10_000;

describe.each(DATABASE_KINDS)("API keys through the gateway on %s", (kind) => {
  const system = useTestSystem(kind, { judge: false, env: { API_KEY_CACHE_SECONDS: "1" } });

  const call = (query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);
  const withKey = (secret: string) => ({ "x-api-key": secret });
  const create = async (partner: string, input: Record<string, unknown> = {}) =>
    dataOf(await call(CREATE, { input: { name: "siem", scopes: ["keys:manage"], ...input } }, await bearer("partner", partner)))
      .createApiKey as {
      secret: string;
      key: Data;
    };
  /** The key's answer to a call of `apiKeys`: accepted (200 with data) or the refusal's status and message. */
  const tryKey = async (secret: string) => {
    const response = await call(LIST, {}, withKey(secret));
    return response.status === 200 && response.data
      ? "accepted"
      : { status: response.status, code: codeOf(response), message: response.errors?.[0]?.message };
  };
  const refusedAs = (message: string) => ({ status: 401, code: "UNAUTHENTICATED", message });
  const rows = async (table: string) => Number((await system.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);

  it("a partner's token creates a key whose secret is shown once; the key lists its partner's keys, without secrets", async () => {
    const { secret, key } = await create("acme", { name: "soc-connector", scopes: ["reputation:read", "keys:manage"] });
    expect(secret).toMatch(API_KEY_PATTERN);
    expect(key).toMatchObject({
      name: "soc-connector",
      prefix: secret.slice(0, 12),
      scopes: ["reputation:read", "keys:manage"],
      state: "ACTIVE",
    });

    const listed = await call(LIST, {}, withKey(secret));
    expect(dataOf(listed).apiKeys.edges).toEqual([
      { node: { id: key.id, prefix: secret.slice(0, 12), name: "soc-connector", state: "ACTIVE", lastUsedAt: expect.any(String) } },
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret.slice(12));
  });

  it("a key without keys:manage is FORBIDDEN to manage keys, naming the scope", async () => {
    const { secret } = await create("acme", { scopes: ["reputation:read"] });
    const response = await call(LIST, {}, withKey(secret));

    expect(response.status).toBe(200);
    expect(codeOf(response)).toBe("FORBIDDEN");
    expect(response.errors?.[0]?.message).toContain("keys:manage");
  });

  it("refuses an unknown scope as BAD_USER_INPUT naming its index, and writes nothing", async () => {
    const before = await rows("api_keys");
    const response = await call(CREATE, { input: { name: "k", scopes: ["feed:read", "feed:write"] } }, await bearer("partner", "acme"));

    expect(response.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "input.scopes[1]" });
    expect(await rows("api_keys")).toBe(before);
  });

  it("a revoked key is refused within the cache's bound; revoking it again is a CONFLICT that writes nothing", async () => {
    const { secret, key } = await create("revoker");
    expect(await tryKey(secret)).toBe("accepted");

    dataOf(await call(REVOKE, { id: key.id }, withKey(secret)));
    await eventually(
      async () => ((await tryKey(secret)) === "accepted" ? undefined : true),
      WITHIN_BOUND_MS,
      "the revoked key to be refused",
    );

    expect(await tryKey(secret)).toEqual(refusedAs(API_KEY_REFUSALS_SAID.REVOKED));
    const again = await call(REVOKE, { id: key.id }, await bearer("partner", "revoker"));
    expect(codeOf(again)).toBe("CONFLICT");
    const [row] = await system.dataSource.query("SELECT revoked_by FROM api_keys WHERE id = ?", [key.id]);
    expect(row.revoked_by).toBe("revoker");
  });

  it("a rotated key keeps working for its grace, then is refused; its replacement works", async () => {
    const old = await create("rotator", { scopes: ["keys:manage", "feed:read"] });
    const rotated = dataOf(await call(ROTATE, { id: old.key.id, grace: 2 }, withKey(old.secret))).rotateApiKey;

    expect(rotated.key.state).toBe("ACTIVE");
    expect(await tryKey(old.secret)).toBe("accepted");
    expect(await tryKey(rotated.secret)).toBe("accepted");
    await eventually(async () => ((await tryKey(old.secret)) === "accepted" ? undefined : true), WITHIN_BOUND_MS, "the grace to end");
    expect(await tryKey(old.secret)).toEqual(refusedAs(API_KEY_REFUSALS_SAID.REPLACED));
    expect(await tryKey(rotated.secret)).toBe("accepted");

    // Rotating the revoked replacement is a CONFLICT, and writes nothing.
    dataOf(await call(REVOKE, { id: rotated.key.id }, await bearer("partner", "rotator")));
    const before = await rows("api_keys");
    expect(codeOf(await call(ROTATE, { id: rotated.key.id }, await bearer("partner", "rotator")))).toBe("CONFLICT");
    expect(await rows("api_keys")).toBe(before);
  });

  it("an expired key is refused", async () => {
    const { secret } = await create("expirer", { expiresAt: new Date(Date.now() + 1500).toISOString() });
    await eventually(async () => ((await tryKey(secret)) === "accepted" ? undefined : true), WITHIN_BOUND_MS, "the key to expire");

    expect(await tryKey(secret)).toEqual(refusedAs(API_KEY_REFUSALS_SAID.EXPIRED));
  });

  it("an operator's suspension refuses every key of the partner within the bound, and reinstating accepts them again", async () => {
    const { secret } = await create("suspect");
    const other = await create("bystander");
    expect(await tryKey(secret)).toBe("accepted");
    const operator = await bearer("operator", "olivia");

    // Only operators suspend, and a refusal writes nothing.
    const before = await rows("partner_suspensions");
    expect(codeOf(await call(SUSPEND, { partner: "suspect" }, withKey(secret)))).toBe("FORBIDDEN");
    expect(await rows("partner_suspensions")).toBe(before);

    expect(dataOf(await call(SUSPEND, { partner: "suspect" }, operator)).suspendPartner).toEqual({ partner: "suspect", suspended: true });
    await eventually(
      async () => ((await tryKey(secret)) === "accepted" ? undefined : true),
      WITHIN_BOUND_MS,
      "the suspension to reach the gateway",
    );
    expect(await tryKey(secret)).toEqual(refusedAs(API_KEY_REFUSALS_SAID.PARTNER_SUSPENDED));
    expect(await tryKey(other.secret)).toBe("accepted");
    // Tokens are not the partners subgraph's to refuse (docs/partners.md): the partner still lists its keys with one.
    expect(dataOf(await call(LIST, {}, await bearer("partner", "suspect"))).apiKeys.edges).toHaveLength(1);

    expect(dataOf(await call(REINSTATE, { partner: "suspect" }, operator)).reinstatePartner).toEqual({
      partner: "suspect",
      suspended: false,
    });
    await eventually(
      async () => ((await tryKey(secret)) === "accepted" ? true : undefined),
      WITHIN_BOUND_MS,
      "the reinstatement to reach the gateway",
    );
  });

  it("says which of six reasons refuses a key, each differently, and nothing about other keys", async () => {
    const revoked = await create("reasons");
    dataOf(await call(REVOKE, { id: revoked.key.id }, withKey(revoked.secret)));
    const replaced = await create("reasons");
    dataOf(await call(ROTATE, { id: replaced.key.id, grace: 0 }, withKey(replaced.secret)));
    const expiring = await create("reasons", { expiresAt: new Date(Date.now() + 1500).toISOString() });
    const suspended = await create("reasons-suspended");
    dataOf(await call(SUSPEND, { partner: "reasons-suspended" }, await bearer("operator", "olivia")));
    await eventually(async () => ((await tryKey(expiring.secret)) === "accepted" ? undefined : true), WITHIN_BOUND_MS, "the key to expire");

    const refusals = {
      malformed: await tryKey("atk_not-a-key"),
      unknown: await tryKey(`atk_${"Q".repeat(43)}`),
      expired: await tryKey(expiring.secret),
      revoked: await tryKey(revoked.secret),
      replaced: await tryKey(replaced.secret),
      suspended: await tryKey(suspended.secret),
    };
    expect(refusals).toEqual({
      malformed: refusedAs(API_KEY_REFUSALS_SAID.MALFORMED),
      unknown: refusedAs(API_KEY_REFUSALS_SAID.UNKNOWN),
      expired: refusedAs(API_KEY_REFUSALS_SAID.EXPIRED),
      revoked: refusedAs(API_KEY_REFUSALS_SAID.REVOKED),
      replaced: refusedAs(API_KEY_REFUSALS_SAID.REPLACED),
      suspended: refusedAs(API_KEY_REFUSALS_SAID.PARTNER_SUSPENDED),
    });
    expect(new Set(Object.values(refusals).map((refusal) => (refusal as { message: string }).message)).size).toBe(6);
  });

  it("keeps the gateway's lookup out of the public API, and refuses it on the subgraph without the gateway's proof", async () => {
    const { secret } = await create("hidden");
    const digest = apiKeyDigest(secret);
    const proof = await signApiKeyLookupProof(digest, TEST_SECRETS.subgraphSecret);

    for (const headers of [await bearer("operator", "olivia"), withKey(secret), {}]) {
      const response = await call(API_KEY_CREDENTIAL_QUERY, { digest, proof }, headers);
      expect({ status: response.status, code: codeOf(response), data: response.data }).toEqual({
        status: 400,
        code: "GRAPHQL_VALIDATION_FAILED",
        data: undefined,
      });
    }

    const partners = system.subgraphUrls.partners;
    const asOperator = await asGateway("partners", { role: "operator", subject: "olivia" });
    const withoutProof = await postGraphQL<Data>(partners, API_KEY_CREDENTIAL_QUERY, { digest, proof: "please" }, asOperator);
    expect(codeOf(withoutProof)).toBe("FORBIDDEN");
    expect(withoutProof.data).toEqual({ apiKeyCredential: null });
    const withProof = await postGraphQL<Data>(partners, API_KEY_CREDENTIAL_QUERY, { digest, proof }, asOperator);
    expect(dataOf(withProof).apiKeyCredential).toMatchObject({ partner: "hidden", refusal: null });
  });

  it("logs no secret of a key accepted or refused", async () => {
    const { secret, key } = await create("quiet");
    const logs = captureLogs();
    try {
      expect(await tryKey(secret)).toBe("accepted");
      dataOf(await call(REVOKE, { id: key.id }, withKey(secret)));
      await eventually(
        async () => ((await tryKey(secret)) === "accepted" ? undefined : true),
        WITHIN_BOUND_MS,
        "the revoked key to be refused",
      );
      await tryKey(`${secret}=`);
    } finally {
      logs.stop();
    }
    expect(logs.lines.filter((line) => line.includes(secret.slice(4)))).toEqual([]);
  });
});

function codeOf(response: GraphQLResponse<Data>): unknown {
  return response.errors?.[0]?.extensions?.code;
}
