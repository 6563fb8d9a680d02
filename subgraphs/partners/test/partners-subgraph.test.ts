import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_CREDENTIAL_QUERY, API_KEY_PATTERN, apiKeyDigest, signApiKeyLookupProof } from "../../../lib/contracts/api-key.js";
import { signIdentityAssertion, type Identity } from "../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { TEST_SECRETS, dataOf } from "../../../test/support/graphql-client.js";
import {
  errorOf,
  expectOnlyGatewayRequests,
  startSubgraphHarness,
  type Data,
  type SubgraphHarness,
} from "../../../test/support/subgraph-harness.js";
import { ApiKey } from "../api-key.entity.js";
import { partnersSubgraph } from "../index.js";

/*
 * The partners subgraph served alone over HTTP on both engines: who may create, list, rotate and
 * revoke keys and suspend partners, what each refusal leaves (nothing), the gateway's lookup and
 * its proof, and a constant number of statements per page of keys.
 */

const KEY = "id name prefix scopes partner createdAt createdBy lastUsedAt expiresAt revokedAt revokedBy replacedBy graceUntil state";
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret key { ${KEY} } } }`;
const LIST = `query($first: Int, $after: String, $partner: String) {
  apiKeys(first: $first, after: $after, partner: $partner) { edges { cursor node { ${KEY} } } pageInfo { hasNextPage endCursor } }
}`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY} } }`;
const ROTATE = `mutation($id: ID!, $grace: Int) { rotateApiKey(id: $id, graceSeconds: $grace) { secret key { ${KEY} } } }`;
const STANDING = "partner suspended suspension { id partner reason suspendedAt suspendedBy reinstatedAt reinstatedBy }";
const SUSPEND = `mutation($partner: String!, $reason: String!) { suspendPartner(partner: $partner, reason: $reason) { ${STANDING} } }`;
const REINSTATE = `mutation($partner: String!) { reinstatePartner(partner: $partner) { ${STANDING} } }`;

const PARTNER = (subject: string): Identity => ({ role: "partner", subject });
/** A partner calling with one of its API keys, which carries these scopes. */
const PARTNER_KEY = (subject: string, ...scopes: ("reputation:read" | "disputes:read" | "feed:read" | "keys:manage")[]): Identity => ({
  role: "partner",
  subject,
  scopes,
});
const OPERATOR: Identity = { role: "operator", subject: "olivia" };
const BUILDER: Identity = { role: "builder", subject: "alice" };

const HOUR = 3600 * 1000;

describe.each(DATABASE_KINDS)("partners subgraph on %s", (kind) => {
  let harness: SubgraphHarness;
  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) =>
      partnersSubgraph(dataSource, { subgraphSecret: TEST_SECRETS.subgraphSecret }),
    );
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const create = async (partner: string, input: Record<string, unknown> = {}, identity: Identity = PARTNER(partner)) =>
    dataOf(await harness.call(CREATE, { input: { name: "siem-1", scopes: ["reputation:read"], ...input } }, identity)).createApiKey as {
      secret: string;
      key: Data;
    };
  const lookUp = async (digest: string, proof?: string, identity: Identity = { role: "anonymous", subject: null }) =>
    harness.call(
      API_KEY_CREDENTIAL_QUERY,
      { digest, proof: proof ?? (await signApiKeyLookupProof(digest, TEST_SECRETS.subgraphSecret)) },
      identity,
    );
  /** Moves a key's dates as time passing would. */
  const setDates = (id: string, dates: Partial<Pick<ApiKey, "expiresAt" | "lastUsedAt">>) =>
    harness.dataSource.getRepository(ApiKey).update({ id }, dates);
  const stored = (id: string) => harness.dataSource.getRepository(ApiKey).findOneByOrFail({ id });
  const credentialOf = async (secret: string) => dataOf(await lookUp(apiKeyDigest(secret))).apiKeyCredential as Data | null;

  it("refuses requests that did not come through the gateway", async () => {
    await expectOnlyGatewayRequests(harness.url, "partners", "agents");
  });

  it("creates a key for the calling partner and shows its secret once; only the digest and prefix are stored", async () => {
    const expiresAt = new Date(Date.now() + 30 * 24 * HOUR).toISOString();
    const { secret, key } = await create("acme", { name: "  soc-connector ", scopes: ["reputation:read", "keys:manage"], expiresAt });

    expect(secret).toMatch(API_KEY_PATTERN);
    expect(key).toMatchObject({
      name: "soc-connector",
      prefix: secret.slice(0, 12),
      scopes: ["reputation:read", "keys:manage"],
      partner: "acme",
      createdBy: "acme",
      lastUsedAt: null,
      expiresAt,
      revokedAt: null,
      replacedBy: null,
      graceUntil: null,
      state: "ACTIVE",
    });
    const [row] = await harness.dataSource.query("SELECT * FROM api_keys WHERE id = ?", [key.id]);
    expect(row.digest).toBe(apiKeyDigest(secret));
    expect(JSON.stringify(row)).not.toContain(secret.slice(12));
    // Listed without its secret: the type has no field for it.
    const listed = await harness.call(LIST, {}, PARTNER("acme"));
    expect(JSON.stringify(listed)).not.toContain(secret.slice(12));
    expect((await harness.call(`{ apiKeys { edges { node { secret } } } }`, {}, PARTNER("acme"))).errors?.[0]?.extensions?.code).toBe(
      "GRAPHQL_VALIDATION_FAILED",
    );
  });

  it("refuses bad inputs naming the field, the index of an unknown scope included, and writes nothing", async () => {
    const before = await harness.count("api_keys");
    const cases: [Record<string, unknown>, string][] = [
      [{ scopes: ["reputation:read", "reputation:write"] }, "input.scopes[1]"],
      [{ scopes: ["feed:read", "feed:read"] }, "input.scopes[1]"],
      [{ scopes: [] }, "input.scopes"],
      [{ name: "   " }, "input.name"],
      [{ name: "x".repeat(101) }, "input.name"],
      [{ expiresAt: new Date(Date.now() - 1000).toISOString() }, "input.expiresAt"],
      [{ expiresAt: new Date(Date.now() + 400 * 24 * HOUR).toISOString() }, "input.expiresAt"],
    ];
    for (const [input, field] of cases) {
      const response = await harness.call(CREATE, { input: { name: "k", scopes: ["feed:read"], ...input } }, PARTNER("acme"));
      expect({ input, ...errorOf(response) }).toMatchObject({ input, code: "BAD_USER_INPUT", field });
    }
    expect(errorOf(await harness.call(CREATE, { input: { name: "k", scopes: ["nope"] } }, PARTNER("acme"))).message).toContain(
      "reputation:read, disputes:read, feed:read, keys:manage, webhooks:manage",
    );
    expect(await harness.count("api_keys")).toBe(before);
  });

  it("lets the partner signed in create keys; refuses every key (even keys:manage) and everyone else, writing nothing", async () => {
    await create("acme");
    const before = await harness.count("api_keys");
    const input = { name: "k", scopes: ["feed:read"] };

    const lacking = errorOf(await harness.call(CREATE, { input }, PARTNER_KEY("acme", "reputation:read")));
    expect(lacking).toMatchObject({ code: "FORBIDDEN" });
    expect(lacking.message).toContain("keys:manage");
    // A key could otherwise mint one that outlives it: revoking a leaked key would leave its offspring.
    const byKey = errorOf(await harness.call(CREATE, { input }, PARTNER_KEY("acme", "keys:manage", "feed:read")));
    expect(byKey).toMatchObject({ code: "FORBIDDEN" });
    expect(byKey.message).toMatch(/created by the partner signed in/);
    expect(errorOf(await harness.call(CREATE, { input }))).toMatchObject({ code: "UNAUTHENTICATED" });
    expect(errorOf(await harness.call(CREATE, { input }, BUILDER))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await harness.call(CREATE, { input }, OPERATOR))).toMatchObject({ code: "FORBIDDEN" });
    expect(await harness.count("api_keys")).toBe(before);
  });

  it("lets a key rotate only keys whose scopes it holds itself", async () => {
    const manager = PARTNER_KEY("granter", "keys:manage", "feed:read");
    const broader = await create("granter", { scopes: ["reputation:read", "feed:read"] });
    const narrower = await create("granter", { scopes: ["feed:read"] });
    const before = await harness.count("api_keys");
    expect(errorOf(await harness.call(ROTATE, { id: broader.key.id }, manager))).toMatchObject({
      code: "FORBIDDEN",
      scope: "reputation:read",
    });
    expect(await harness.count("api_keys")).toBe(before);
    expect(dataOf(await harness.call(ROTATE, { id: narrower.key.id }, manager)).rotateApiKey).toMatchObject({
      key: { scopes: ["feed:read"] },
    });
  });

  it("lists a partner's own keys newest first, page by page; an operator must name the partner", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await create("pager", { name: `k${i}` })).key.id);

    const first = dataOf(await harness.call(LIST, { first: 2 }, PARTNER("pager"))).apiKeys;
    const second = dataOf(await harness.call(LIST, { first: 2, after: first.pageInfo.endCursor }, PARTNER("pager"))).apiKeys;
    expect([...first.edges, ...second.edges].map((edge: Data) => edge.node.id)).toEqual([...ids].reverse());
    expect([first.pageInfo.hasNextPage, second.pageInfo.hasNextPage]).toEqual([true, false]);

    const byOperator = dataOf(await harness.call(LIST, { partner: "pager" }, OPERATOR)).apiKeys;
    expect(byOperator.edges.map((edge: Data) => edge.node.id)).toEqual([...ids].reverse());
    expect(errorOf(await harness.call(LIST, {}, OPERATOR))).toMatchObject({ code: "BAD_USER_INPUT", field: "partner" });
    expect(errorOf(await harness.call(LIST, { partner: "acme" }, PARTNER("pager")))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await harness.call(LIST, { partner: "two words" }, OPERATOR))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "partner",
    });
    expect(errorOf(await harness.call(LIST, {}, PARTNER_KEY("pager", "feed:read")))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await harness.call(LIST, {}, BUILDER))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await harness.call(LIST, { after: "garbage" }, PARTNER("pager")))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "after",
    });
  });

  it("reads a page of keys in one statement, however long the page", async () => {
    for (let i = 0; i < 12; i += 1) await create("counted", { name: `k${i}` });
    const short = await harness.statementsFor(LIST, { first: 1 }, PARTNER("counted"));
    const long = await harness.statementsFor(LIST, { first: 12 }, PARTNER("counted"));

    expect(dataOf(long.response).apiKeys.edges).toHaveLength(12);
    expect([short.statements, long.statements]).toEqual([1, 1]);
  });

  it("revokes a key for its partner or an operator, once; another partner's key is NOT_FOUND", async () => {
    const mine = await create("revoker");
    const theirs = await create("other");

    const revoked = dataOf(await harness.call(REVOKE, { id: mine.key.id }, PARTNER("revoker"))).revokeApiKey;
    expect(revoked).toMatchObject({ id: mine.key.id, state: "REVOKED", revokedBy: "revoker", revokedAt: expect.any(String) });
    expect(errorOf(await harness.call(REVOKE, { id: mine.key.id }, PARTNER("revoker")))).toMatchObject({ code: "CONFLICT", field: "id" });

    expect(errorOf(await harness.call(REVOKE, { id: theirs.key.id }, PARTNER("revoker")))).toMatchObject({
      code: "NOT_FOUND",
      field: "id",
    });
    expect(errorOf(await harness.call(REVOKE, { id: "00000000-0000-0000-0000-000000000000" }, OPERATOR))).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(errorOf(await harness.call(REVOKE, { id: theirs.key.id }, BUILDER))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await harness.call(REVOKE, { id: "x".repeat(100) }, OPERATOR))).toMatchObject({ code: "NOT_FOUND", field: "id" });
  });

  it("lets an operator revoke any key", async () => {
    const { key } = await create("other2");
    const revoked = dataOf(await harness.call(REVOKE, { id: key.id }, OPERATOR)).revokeApiKey;
    expect(revoked).toMatchObject({ state: "REVOKED", revokedBy: "olivia" });
  });

  it("rotates an active key into a new one with the same name, scopes and expiry, the old one in its grace", async () => {
    const expiresAt = new Date(Date.now() + 10 * 24 * HOUR).toISOString();
    const old = await create("rotator", { name: "edr", scopes: ["disputes:read", "keys:manage"], expiresAt });

    const rotated = dataOf(await harness.call(ROTATE, { id: old.key.id, grace: 3600 }, PARTNER("rotator"))).rotateApiKey;
    expect(rotated.secret).toMatch(API_KEY_PATTERN);
    expect(rotated.secret).not.toBe(old.secret);
    expect(rotated.key).toMatchObject({ name: "edr", scopes: ["disputes:read", "keys:manage"], expiresAt, state: "ACTIVE" });
    const [listedNew, listedOld] = dataOf(await harness.call(LIST, { first: 2 }, PARTNER("rotator"))).apiKeys.edges.map(
      (edge: Data) => edge.node,
    );
    expect(listedNew.id).toBe(rotated.key.id);
    expect(listedOld).toMatchObject({ id: old.key.id, state: "EXPIRING_AFTER_ROTATION", replacedBy: rotated.key.id });
    expect(Date.parse(listedOld.graceUntil) - Date.parse(rotated.key.createdAt)).toBe(3600 * 1000);

    // The old key rotates no more; its replacement does.
    const before = await harness.count("api_keys");
    expect(errorOf(await harness.call(ROTATE, { id: old.key.id }, PARTNER("rotator")))).toMatchObject({ code: "CONFLICT", field: "id" });
    expect(errorOf(await harness.call(ROTATE, { id: old.key.id }, OPERATOR))).toMatchObject({ code: "FORBIDDEN" });
    expect(errorOf(await harness.call(ROTATE, { id: rotated.key.id, grace: -1 }, PARTNER("rotator")))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "graceSeconds",
    });
    expect(errorOf(await harness.call(ROTATE, { id: rotated.key.id, grace: 7 * 24 * 3600 + 1 }, PARTNER("rotator")))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "graceSeconds",
    });
    expect(errorOf(await harness.call(ROTATE, { id: rotated.key.id }, PARTNER("someone-else")))).toMatchObject({ code: "NOT_FOUND" });
    expect(await harness.count("api_keys")).toBe(before);

    // A grace of 0 replaces at once; the default is a day.
    const again = dataOf(await harness.call(ROTATE, { id: rotated.key.id }, PARTNER("rotator"))).rotateApiKey;
    const listed = dataOf(await harness.call(LIST, { first: 1, after: null }, PARTNER("rotator"))).apiKeys.edges[0].node;
    expect(listed.id).toBe(again.key.id);
    const replaced = await stored(rotated.key.id);
    expect(replaced.graceUntil!.getTime() - Date.parse(again.key.createdAt)).toBe(24 * 3600 * 1000);
  });

  it("refuses to rotate a revoked or expired key, writing nothing", async () => {
    const revoked = await create("rotator2");
    await harness.call(REVOKE, { id: revoked.key.id }, PARTNER("rotator2"));
    const expired = await create("rotator2");
    await setDates(expired.key.id, { expiresAt: new Date(Date.now() - 1000) });
    const before = await harness.count("api_keys");

    expect(errorOf(await harness.call(ROTATE, { id: revoked.key.id }, PARTNER("rotator2")))).toMatchObject({
      code: "CONFLICT",
      field: "id",
    });
    expect(errorOf(await harness.call(ROTATE, { id: expired.key.id }, PARTNER("rotator2")))).toMatchObject({
      code: "CONFLICT",
      field: "id",
    });
    expect(await harness.count("api_keys")).toBe(before);
  });

  it("suspends and reinstates partners (operators only), once each, keeping the record", async () => {
    const suspended = dataOf(await harness.call(SUSPEND, { partner: "rogue", reason: "  scraping  " }, OPERATOR)).suspendPartner;
    expect(suspended).toMatchObject({
      partner: "rogue",
      suspended: true,
      suspension: { partner: "rogue", reason: "scraping", suspendedBy: "olivia", reinstatedAt: null, reinstatedBy: null },
    });
    expect(errorOf(await harness.call(SUSPEND, { partner: "rogue", reason: "again" }, OPERATOR))).toMatchObject({
      code: "CONFLICT",
      field: "partner",
    });

    // A suspended partner creates and rotates no keys.
    const before = await harness.count("api_keys");
    expect(errorOf(await harness.call(CREATE, { input: { name: "k", scopes: ["feed:read"] } }, PARTNER("rogue")))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await harness.count("api_keys")).toBe(before);

    const reinstated = dataOf(await harness.call(REINSTATE, { partner: "rogue" }, OPERATOR)).reinstatePartner;
    expect(reinstated).toMatchObject({
      partner: "rogue",
      suspended: false,
      suspension: { id: suspended.suspension.id, reinstatedBy: "olivia", reinstatedAt: expect.any(String) },
    });
    expect(errorOf(await harness.call(REINSTATE, { partner: "rogue" }, OPERATOR))).toMatchObject({ code: "CONFLICT", field: "partner" });
    dataOf(await harness.call(SUSPEND, { partner: "rogue", reason: "relapse" }, OPERATOR));
    expect(await harness.count("partner_suspensions")).toBe(2);

    const rows = await harness.count("partner_suspensions");
    for (const identity of [PARTNER("rogue"), BUILDER, PARTNER_KEY("rogue", "keys:manage")]) {
      expect(errorOf(await harness.call(REINSTATE, { partner: "rogue" }, identity))).toMatchObject({ code: "FORBIDDEN" });
      expect(errorOf(await harness.call(SUSPEND, { partner: "acme", reason: "x" }, identity))).toMatchObject({ code: "FORBIDDEN" });
    }
    expect(errorOf(await harness.call(SUSPEND, { partner: "acme", reason: "   " }, OPERATOR))).toMatchObject({ field: "reason" });
    expect(errorOf(await harness.call(SUSPEND, { partner: "a b", reason: "x" }, OPERATOR))).toMatchObject({ field: "partner" });
    expect(await harness.count("partner_suspensions")).toBe(rows);
  });

  describe("apiKeyCredential, the gateway's lookup", () => {
    it("answers the gateway's proof for the digest: whose key, its scopes, and no refusal for a good key", async () => {
      const { secret, key } = await create("looker", { scopes: ["feed:read", "keys:manage"] });

      expect(await credentialOf(secret)).toEqual({
        keyId: key.id,
        partner: "looker",
        scopes: ["feed:read", "keys:manage"],
        refusal: null,
        usableUntil: null,
      });
      expect(await credentialOf(`atk_${"A".repeat(43)}`)).toBeNull();
    });

    it("refuses a request without the gateway's proof for that very digest, whoever the caller", async () => {
      const { secret } = await create("looker");
      const digest = apiKeyDigest(secret);
      const proofs: Record<string, string> = {
        "an operator's identity assertion": await signIdentityAssertion(OPERATOR, "partners", TEST_SECRETS.subgraphSecret),
        "a proof for another digest": await signApiKeyLookupProof(apiKeyDigest(`${secret}x`), TEST_SECRETS.subgraphSecret),
        "a proof signed with another secret": await signApiKeyLookupProof(digest, "another-secret-0123456789abcdefghijkl"),
        "not a JWT": "gateway",
      };
      for (const [label, proof] of Object.entries(proofs)) {
        const response = await lookUp(digest, proof, OPERATOR);
        expect({ label, ...errorOf(response), data: response.data }).toMatchObject({
          label,
          code: "FORBIDDEN",
          data: { apiKeyCredential: null },
        });
      }
    });

    it("says why a known key is refused: revoked, replaced past its grace, expired, partner suspended", async () => {
      const revoked = await create("refused");
      await harness.call(REVOKE, { id: revoked.key.id }, PARTNER("refused"));
      const replaced = await create("refused");
      await harness.call(ROTATE, { id: replaced.key.id, grace: 0 }, PARTNER("refused"));
      const expired = await create("refused");
      await setDates(expired.key.id, { expiresAt: new Date(Date.now() - 1000) });
      const inGrace = await create("refused", { expiresAt: new Date(Date.now() + 48 * HOUR).toISOString() });
      const grace = dataOf(await harness.call(ROTATE, { id: inGrace.key.id, grace: 3600 }, PARTNER("refused"))).rotateApiKey;

      expect((await credentialOf(revoked.secret))?.refusal).toBe("REVOKED");
      expect((await credentialOf(replaced.secret))?.refusal).toBe("REPLACED");
      expect((await credentialOf(expired.secret))?.refusal).toBe("EXPIRED");
      // In its grace: accepted until the grace ends, before its expiry.
      expect(await credentialOf(inGrace.secret)).toMatchObject({ refusal: null, usableUntil: expect.any(String) });
      expect(Date.parse((await credentialOf(inGrace.secret))!.usableUntil) - Date.parse(grace.key.createdAt)).toBe(3600 * 1000);

      const good = await create("refused");
      dataOf(await harness.call(SUSPEND, { partner: "refused", reason: "audit" }, OPERATOR));
      expect((await credentialOf(good.secret))?.refusal).toBe("PARTNER_SUSPENDED");
      // The key's own state comes first.
      expect((await credentialOf(revoked.secret))?.refusal).toBe("REVOKED");
      dataOf(await harness.call(REINSTATE, { partner: "refused" }, OPERATOR));
      expect((await credentialOf(good.secret))?.refusal).toBeNull();
    });

    it("records a key's last use at most once a minute: one statement per lookup, and the write only when due", async () => {
      const { secret, key } = await create("toucher");
      const digest = apiKeyDigest(secret);
      const variables = async () => ({ digest, proof: await signApiKeyLookupProof(digest, TEST_SECRETS.subgraphSecret) });

      const first = await harness.statementsFor(API_KEY_CREDENTIAL_QUERY, await variables());
      const touched = (await stored(key.id)).lastUsedAt;
      const second = await harness.statementsFor(API_KEY_CREDENTIAL_QUERY, await variables());
      const after = (await stored(key.id)).lastUsedAt;

      expect(touched).not.toBeNull();
      expect(after?.getTime()).toBe(touched?.getTime());
      expect([first.statements, second.statements]).toEqual([2, 1]);
      const listed = dataOf(await harness.call(LIST, { first: 1 }, PARTNER("toucher"))).apiKeys.edges[0].node;
      expect(Date.parse(listed.lastUsedAt)).toBe(touched?.getTime());

      // A minute later (as the row says), the next lookup touches it again.
      await setDates(key.id, { lastUsedAt: new Date(Date.now() - 61_000) });
      expect((await harness.statementsFor(API_KEY_CREDENTIAL_QUERY, await variables())).statements).toBe(2);
    });

    it("refuses a digest that is not one, after the proof", async () => {
      const response = await lookUp("ABC");
      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "digest" });
    });
  });
});
