import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig, type OidcConfig } from "../../lib/platform/config.js";
import { UnauthenticatedError } from "../../lib/platform/errors.js";
import { log } from "../../lib/platform/logger.js";
import { createAccessTokenVerifier, signAccessToken } from "../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../test/support/databases.js";
import { REGISTER_AGENT } from "../../test/support/fixtures.js";
import { TEST_SECRETS, bearer, dataOf, postGraphQL } from "../../test/support/graphql-client.js";
import { useTestSystem } from "../../test/support/system.js";
import { rejectionOf, thrownBy } from "../../test/support/thrown.js";
import {
  JWKS_CACHE_MAX_AGE_MS,
  JWKS_COOLDOWN_MS,
  OIDC_CLOCK_TOLERANCE_SECONDS,
  VERIFIED_TOKEN_MAX_AGE_MS,
  createOidcVerifier,
  verifierByAlgorithm,
} from "../oidc.js";

const AUDIENCE = "agent-trust-api";
const UNAVAILABLE = "The identity provider's keys are unavailable: try again later";

/** A stand-in identity provider on a free port: its discovery document and key set, which tests change. */
interface IdentityProvider {
  issuer: string;
  jwksUrl: string;
  keys: JWK[];
  /** What /jwks answers with; 200 serves `keys`. */
  jwksStatus: number;
  /** The issuer the discovery document names; the provider's own unless a test changes it. */
  discoveredIssuer?: string;
  fetches: { jwks: number; discovery: number };
  close(): Promise<void>;
}

async function startIdentityProvider(): Promise<IdentityProvider> {
  const server = createServer((request, response) => {
    if (request.url === "/jwks") {
      idp.fetches.jwks += 1;
      response.writeHead(idp.jwksStatus, { "content-type": "application/json" }).end(JSON.stringify({ keys: idp.keys }));
    } else if (request.url === "/.well-known/openid-configuration") {
      idp.fetches.discovery += 1;
      const document = { issuer: idp.discoveredIssuer ?? idp.issuer, jwks_uri: idp.jwksUrl };
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(document));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: IdentityProvider = {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    keys: [],
    jwksStatus: 200,
    fetches: { jwks: 0, discovery: 0 },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return idp;
}

interface SigningKey {
  alg: "RS256" | "ES256";
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public half as the provider publishes it. */
  jwk: JWK;
}

async function signingKey(alg: SigningKey["alg"], kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A provider's token for builder alice; `claims` override or (with undefined) remove the standard ones; `kid` null sends none. */
function tokenOf(
  key: SigningKey,
  idp: IdentityProvider,
  claims: Record<string, unknown> = {},
  kid: string | null = key.kid,
): Promise<string> {
  const payload = { iss: idp.issuer, aud: AUDIENCE, sub: "alice", role: "builder", iat: nowSeconds(), exp: nowSeconds() + 600, ...claims };
  return new SignJWT(JSON.parse(JSON.stringify(payload)) as JWTPayload)
    .setProtectedHeader(kid ? { alg: key.alg, kid } : { alg: key.alg })
    .sign(key.privateKey);
}

/** A compact JWS with any header, "signed" with HMAC-SHA256 under `secret`: what an attacker can make. */
function hmacToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | Buffer): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

function settingsOf(idp: IdentityProvider, overrides: Partial<OidcConfig> = {}): OidcConfig {
  return { issuer: idp.issuer, audience: AUDIENCE, jwksUrl: idp.jwksUrl, roleClaim: "role", subjectClaim: "sub", ...overrides };
}

/** The refusal's message, after checking it is a whole-request 401 that repeats nothing of the token. */
async function refusalOf(verification: Promise<unknown>): Promise<string> {
  const error = await rejectionOf(verification, UnauthenticatedError);
  expect(error.extensions).toMatchObject({ code: "UNAUTHENTICATED", http: { status: 401 } });
  expect(error.message).not.toMatch(/alice|auth0\||admin/);
  return error.message;
}

const providers: IdentityProvider[] = [];
async function provider(...keys: SigningKey[]): Promise<IdentityProvider> {
  const idp = await startIdentityProvider();
  idp.keys = keys.map((key) => key.jwk);
  providers.push(idp);
  return idp;
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await Promise.all(providers.map((idp) => idp.close()));
});

describe("tokens from an OpenID Connect provider", () => {
  it("verifies RS256 and ES256 tokens signed with a published key into the caller's role and subject", async () => {
    const rsa = await signingKey("RS256", "rsa-1");
    const ec = await signingKey("ES256", "ec-1");
    const idp = await provider(rsa, ec);
    const verify = createOidcVerifier(settingsOf(idp));

    await expect(verify(await tokenOf(rsa, idp))).resolves.toEqual({ role: "builder", subject: "alice" });
    await expect(verify(await tokenOf(ec, idp, { role: "arbiter", sub: "ada@example.com" }))).resolves.toEqual({
      role: "arbiter",
      subject: "ada@example.com",
    });
    // Both keys came from one fetch of the set.
    expect(idp.fetches.jwks).toBe(1);
  });

  it("refuses an expired token, and forgives a clock skew within the tolerance", async () => {
    const key = await signingKey("RS256", "k1");
    const idp = await provider(key);
    const verify = createOidcVerifier(settingsOf(idp));

    const expired = await tokenOf(key, idp, { exp: nowSeconds() - OIDC_CLOCK_TOLERANCE_SECONDS - 5 });
    const skewed = await tokenOf(key, idp, { exp: nowSeconds() - OIDC_CLOCK_TOLERANCE_SECONDS + 5 });

    expect(await refusalOf(verify(expired))).toBe("Token has expired");
    await expect(verify(skewed)).resolves.toEqual({ role: "builder", subject: "alice" });
  });

  it("refuses a token without exp, iss or aud, and one for another issuer or audience", async () => {
    const key = await signingKey("ES256", "k1");
    const idp = await provider(key);
    const verify = createOidcVerifier(settingsOf(idp));

    expect(await refusalOf(verify(await tokenOf(key, idp, { exp: undefined })))).toBe("Token has no expiry (exp)");
    expect(await refusalOf(verify(await tokenOf(key, idp, { iss: "https://other.example.com/" })))).toMatch(/another issuer/);
    expect(await refusalOf(verify(await tokenOf(key, idp, { iss: undefined })))).toBe("Token names no issuer (iss)");
    expect(await refusalOf(verify(await tokenOf(key, idp, { aud: "another-api" })))).toMatch(/another audience/);
    expect(await refusalOf(verify(await tokenOf(key, idp, { aud: undefined })))).toBe("Token names no audience (aud)");
    // An audience list naming us is the provider's way of saying "also for this API".
    await expect(verify(await tokenOf(key, idp, { aud: ["another-api", AUDIENCE] }))).resolves.toMatchObject({ role: "builder" });
  });

  it("refuses a token signed by a key the provider does not publish, even under a published kid", async () => {
    const published = await signingKey("RS256", "k1");
    const impostor = await signingKey("RS256", "k1");
    const idp = await provider(published);
    const verify = createOidcVerifier(settingsOf(idp));

    expect(await refusalOf(verify(await tokenOf(impostor, idp)))).toBe("Token's signature is invalid");
    expect(await refusalOf(verify(await tokenOf(impostor, idp, {}, "unknown-kid")))).toBe(
      "Token is signed with a key the identity provider does not publish",
    );
  });

  it("follows a key rotation: an unknown kid refetches the set (at most once per cooldown), a removed key stops after the cache age", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const old = await signingKey("RS256", "2026-01");
    const next = await signingKey("RS256", "2026-02");
    const idp = await provider(old);
    const verify = createOidcVerifier(settingsOf(idp));
    await expect(verify(await tokenOf(old, idp))).resolves.toMatchObject({ role: "builder" });
    expect(idp.fetches.jwks).toBe(1);

    // The provider starts signing with a new key: the first token naming it is unknown to the cached set.
    idp.keys = [old.jwk, next.jwk];
    vi.setSystemTime(Date.now() + JWKS_COOLDOWN_MS);
    await expect(verify(await tokenOf(next, idp, { sub: "bob" }))).resolves.toEqual({ role: "builder", subject: "bob" });
    expect(idp.fetches.jwks).toBe(2);

    // Within the cooldown, a kid nobody publishes is refused without asking the provider again.
    const stranger = await signingKey("RS256", "made-up");
    expect(await refusalOf(verify(await tokenOf(stranger, idp)))).toBe("Token is signed with a key the identity provider does not publish");
    expect(idp.fetches.jwks).toBe(2);

    // The old key is withdrawn: its tokens, new or already verified, still pass on the cached set…
    idp.keys = [next.jwk];
    const verifiedBefore = await tokenOf(old, idp, { exp: nowSeconds() + 3600 });
    await expect(verify(verifiedBefore)).resolves.toMatchObject({ role: "builder" });
    vi.setSystemTime(Date.now() + JWKS_CACHE_MAX_AGE_MS - 1000);
    await expect(verify(await tokenOf(old, idp))).resolves.toMatchObject({ role: "builder" });
    expect(idp.fetches.jwks).toBe(2);

    // …until the set is older than its cache age: fetched again, it no longer holds the key.
    vi.setSystemTime(Date.now() + 1000);
    expect(await refusalOf(verify(verifiedBefore))).toBe("Token is signed with a key the identity provider does not publish");
    expect(await refusalOf(verify(await tokenOf(old, idp)))).toBe("Token is signed with a key the identity provider does not publish");
    await expect(verify(await tokenOf(next, idp))).resolves.toMatchObject({ role: "builder" });
    expect(idp.fetches.jwks).toBe(3);
  });

  it("remembers a verified token for a minute at most, so a withdrawn key's tokens stop within cache age plus a minute", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const key = await signingKey("ES256", "k1");
    const idp = await provider(key);
    const verify = createOidcVerifier(settingsOf(idp));
    await expect(verify(await tokenOf(key, idp, { sub: "first" }))).resolves.toMatchObject({ subject: "first" });

    // Verified on the cached set shortly before it is fetched again, and remembered.
    vi.setSystemTime(start + JWKS_CACHE_MAX_AGE_MS - VERIFIED_TOKEN_MAX_AGE_MS / 2);
    const token = await tokenOf(key, idp, { exp: nowSeconds() + 3600 });
    await expect(verify(token)).resolves.toMatchObject({ role: "builder" });

    idp.keys = [];
    vi.setSystemTime(start + JWKS_CACHE_MAX_AGE_MS);
    expect(await refusalOf(verify(await tokenOf(key, idp, { sub: "carol" })))).toBe(
      "Token is signed with a key the identity provider does not publish",
    );
    expect(idp.fetches.jwks).toBe(2);
    await expect(verify(token)).resolves.toMatchObject({ role: "builder" });

    vi.setSystemTime(start + JWKS_CACHE_MAX_AGE_MS + VERIFIED_TOKEN_MAX_AGE_MS / 2);
    expect(await refusalOf(verify(token))).toBe("Token is signed with a key the identity provider does not publish");
  });

  it("tries each published key that fits a token without kid", async () => {
    const first = await signingKey("RS256", "a");
    const second = await signingKey("RS256", "b");
    const idp = await provider(first, second);
    const verify = createOidcVerifier(settingsOf(idp));

    await expect(verify(await tokenOf(second, idp, {}, null))).resolves.toMatchObject({ subject: "alice" });
    const outsider = await signingKey("RS256", "c");
    expect(await refusalOf(verify(await tokenOf(outsider, idp, {}, null)))).toBe("Token's signature is invalid");
  });

  it("refuses algorithm confusion: none, HS256 keyed with the provider's public key, an HMAC under an RS256 header", async () => {
    const key = await signingKey("RS256", "k1");
    const idp = await provider(key);
    const oidc = createOidcVerifier(settingsOf(idp));
    const development = createAccessTokenVerifier({ secret: TEST_SECRETS.tokenSecret, issuer: idp.issuer, audience: AUDIENCE });
    const verify = verifierByAlgorithm({ development, oidc });
    const claims = { iss: idp.issuer, aud: AUDIENCE, sub: "alice", role: "operator", exp: nowSeconds() + 600 };
    const publicPem = await exportSPKI(key.publicKey);

    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
    expect(await refusalOf(verify(unsigned))).toMatch(/signing algorithm is not accepted/);
    for (const secret of [publicPem, JSON.stringify(key.jwk)]) {
      expect(await refusalOf(verify(hmacToken({ alg: "HS256", kid: "k1" }, claims, secret)))).toBe("Token is invalid");
      // Straight to the provider's verifier, HS256 is refused whatever the key.
      expect(await refusalOf(oidc(hmacToken({ alg: "HS256", kid: "k1" }, claims, secret)))).toBe(
        "Token's signing algorithm is not accepted",
      );
      expect(await refusalOf(verify(hmacToken({ alg: "RS256", kid: "k1" }, claims, secret)))).toBe("Token's signature is invalid");
    }
    expect(await refusalOf(verify(hmacToken({ alg: "HS512" }, claims, publicPem)))).toMatch(/signing algorithm is not accepted/);
    expect(await refusalOf(verify("not-a-token"))).toBe("Token is invalid");
  });

  it("sends each algorithm only to a verifier that is configured", async () => {
    const key = await signingKey("ES256", "k1");
    const idp = await provider(key);
    const devToken = await signAccessToken(
      { role: "buyer", subject: "bob" },
      { secret: TEST_SECRETS.tokenSecret, issuer: "agent-trust", audience: AUDIENCE },
    );
    const development = createAccessTokenVerifier({ secret: TEST_SECRETS.tokenSecret, issuer: "agent-trust", audience: AUDIENCE });

    expect(await refusalOf(verifierByAlgorithm({ development })(await tokenOf(key, idp)))).toMatch(/none configured/);
    expect(await refusalOf(verifierByAlgorithm({ oidc: createOidcVerifier(settingsOf(idp)) })(devToken))).toMatch(
      /no development \(HS256\) tokens/,
    );
    await expect(verifierByAlgorithm({ development })(devToken)).resolves.toEqual({ role: "buyer", subject: "bob" });
  });

  it("refuses a token whose role claim is missing, not ours, ambiguous or not strings, and one without a valid subject", async () => {
    const key = await signingKey("RS256", "k1");
    const idp = await provider(key);
    const verify = createOidcVerifier(settingsOf(idp));
    const refusalFor = async (claims: Record<string, unknown>) => refusalOf(verify(await tokenOf(key, idp, claims)));

    expect(await refusalFor({ role: undefined })).toBe("Token carries no role claim");
    expect(await refusalFor({ role: "admin" })).toMatch(/names none of this API's roles \(builder, buyer, partner, arbiter, operator\)/);
    expect(await refusalFor({ role: "anonymous" })).toMatch(/names none of this API's roles/);
    expect(await refusalFor({ role: ["builder", "arbiter"] })).toMatch(/more than one of this API's roles/);
    expect(await refusalFor({ role: 3 })).toMatch(/neither a string nor a list of strings/);
    expect(await refusalFor({ role: ["builder", { name: "arbiter" }] })).toMatch(/neither a string nor a list of strings/);
    expect(await refusalFor({ sub: "auth0|64f1c2" })).toMatch(/no valid subject/);
    expect(await refusalFor({ sub: undefined })).toMatch(/no valid subject/);
    // The same role twice is one role.
    await expect(verify(await tokenOf(key, idp, { role: ["builder", "builder", "admin"] }))).resolves.toMatchObject({ role: "builder" });
  });

  it("reads roles and subjects from nested and namespaced claims: Keycloak, Auth0, Cognito", async () => {
    const key = await signingKey("RS256", "k1");
    const idp = await provider(key);
    const keycloak = createOidcVerifier(settingsOf(idp, { roleClaim: "realm_access.roles", subjectClaim: "preferred_username" }));
    const auth0 = createOidcVerifier(
      settingsOf(idp, { roleClaim: "https://agent-trust.example.com/roles", subjectClaim: "https://agent-trust.example.com/subject" }),
    );
    const cognito = createOidcVerifier(settingsOf(idp, { roleClaim: "cognito:groups" }));

    const keycloakToken = await tokenOf(key, idp, {
      role: undefined,
      realm_access: { roles: ["offline_access", "uma_authorization", "partner"] },
      preferred_username: "acme-soc",
    });
    await expect(keycloak(keycloakToken)).resolves.toEqual({ role: "partner", subject: "acme-soc" });
    const auth0Token = await tokenOf(key, idp, {
      role: undefined,
      sub: "auth0|64f1c2",
      "https://agent-trust.example.com/roles": ["arbiter"],
      "https://agent-trust.example.com/subject": "auth0:64f1c2",
    });
    await expect(auth0(auth0Token)).resolves.toEqual({ role: "arbiter", subject: "auth0:64f1c2" });
    const cognitoToken = await tokenOf(key, idp, {
      role: undefined,
      sub: "8f1e2d3c-aaaa-bbbb-cccc-111122223333",
      "cognito:groups": ["buyer"],
    });
    await expect(cognito(cognitoToken)).resolves.toEqual({ role: "buyer", subject: "8f1e2d3c-aaaa-bbbb-cccc-111122223333" });

    // A path stops at what is not an object, and never walks into the prototype.
    expect(await refusalOf(keycloak(await tokenOf(key, idp, { realm_access: "builder", preferred_username: "x" })))).toBe(
      "Token carries no role claim",
    );
    const prototypeWalk = createOidcVerifier(settingsOf(idp, { roleClaim: "realm_access.constructor.name" }));
    expect(await refusalOf(prototypeWalk(await tokenOf(key, idp, { realm_access: {} })))).toBe("Token carries no role claim");
  });

  it("finds the key set through the issuer's discovery document, once; one naming another issuer is retried after the cooldown", async () => {
    const warnings = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const key = await signingKey("ES256", "k1");
    const idp = await provider(key);
    const verify = createOidcVerifier(settingsOf(idp, { jwksUrl: undefined }));

    await expect(verify(await tokenOf(key, idp))).resolves.toMatchObject({ role: "builder" });
    await expect(verify(await tokenOf(key, idp, { sub: "bob" }))).resolves.toMatchObject({ subject: "bob" });
    expect(idp.fetches).toEqual({ discovery: 1, jwks: 1 });

    vi.useFakeTimers({ toFake: ["Date"] });
    const misdirected = await provider(key);
    misdirected.discoveredIssuer = "https://attacker.example.com";
    const refusing = createOidcVerifier(settingsOf(misdirected, { jwksUrl: undefined }));
    expect(await refusalOf(refusing(await tokenOf(key, misdirected)))).toBe(UNAVAILABLE);
    expect(misdirected.fetches).toEqual({ discovery: 1, jwks: 0 });
    expect(warnings).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("names another issuer"));

    // Corrected at the provider: the failure is remembered for the cooldown, then discovery is tried again.
    misdirected.discoveredIssuer = undefined;
    expect(await refusalOf(refusing(await tokenOf(key, misdirected)))).toBe(UNAVAILABLE);
    expect(misdirected.fetches.discovery).toBe(1);
    vi.setSystemTime(Date.now() + JWKS_COOLDOWN_MS);
    await expect(refusing(await tokenOf(key, misdirected))).resolves.toMatchObject({ role: "builder" });
    expect(misdirected.fetches).toEqual({ discovery: 2, jwks: 1 });
  });

  it("answers 401 without detail when the provider's keys cannot be fetched, logs why, and recovers when they can", async () => {
    const warnings = vi.spyOn(log, "warn").mockImplementation(() => undefined);
    const key = await signingKey("RS256", "k1");
    const idp = await provider(key);
    idp.jwksStatus = 503;
    const verify = createOidcVerifier(settingsOf(idp));

    expect(await refusalOf(verify(await tokenOf(key, idp)))).toBe(UNAVAILABLE);
    expect(warnings).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("the key set could not be fetched"));
    idp.jwksStatus = 200;
    await expect(verify(await tokenOf(key, idp))).resolves.toMatchObject({ role: "builder" });

    const unreachable = createOidcVerifier(settingsOf(idp, { issuer: "http://127.0.0.1:9", jwksUrl: undefined }));
    expect(await refusalOf(unreachable(await tokenOf(key, idp, { iss: "http://127.0.0.1:9" })))).toBe(UNAVAILABLE);
    expect(warnings).toHaveBeenCalledWith(expect.anything(), expect.stringContaining("could not be fetched"));
  });
});

describe("identity provider settings", () => {
  const configErrorOf = (env: Record<string, string>) => thrownBy(() => loadConfig(env), ConfigError).message;

  it("reads OIDC_* with their defaults, and leaves the provider off without them", () => {
    expect(loadConfig({}).auth).toMatchObject({ devTokens: true, oidc: undefined });
    expect(loadConfig({ OIDC_ISSUER: "https://id.example.com/realms/soc", OIDC_AUDIENCE: "agent-trust-api" }).auth.oidc).toEqual({
      issuer: "https://id.example.com/realms/soc",
      audience: "agent-trust-api",
      jwksUrl: undefined,
      roleClaim: "role",
      subjectClaim: "sub",
    });
    const keycloak = {
      OIDC_ISSUER: "https://id.example.com",
      OIDC_AUDIENCE: "api",
      OIDC_ROLE_CLAIM: "realm_access.roles",
      AUTH_DEV_TOKENS: "false",
    };
    expect(loadConfig(keycloak).auth).toMatchObject({ devTokens: false, oidc: { roleClaim: "realm_access.roles" } });
  });

  it("refuses partial settings, plain http in production, malformed claim paths, and no way to sign in at all", () => {
    expect(configErrorOf({ OIDC_ISSUER: "https://id.example.com" })).toContain("OIDC_ISSUER set without OIDC_AUDIENCE");
    expect(configErrorOf({ OIDC_JWKS_URL: "https://id.example.com/jwks" })).toContain(
      "OIDC_JWKS_URL set without OIDC_ISSUER and OIDC_AUDIENCE",
    );
    const production = {
      NODE_ENV: "production",
      AUTH_TOKEN_SECRET: "s".repeat(32),
      SUBGRAPH_SECRET: "t".repeat(32),
    };
    const message = configErrorOf({
      ...production,
      OIDC_ISSUER: "http://id.example.com",
      OIDC_AUDIENCE: "api",
      OIDC_JWKS_URL: "not a url",
    });
    expect(message).toContain("OIDC_ISSUER must use https: in production");
    expect(message).toContain("OIDC_JWKS_URL is not a valid URL");
    expect(
      configErrorOf({ OIDC_ISSUER: "https://id.example.com", OIDC_AUDIENCE: "api", OIDC_ROLE_CLAIM: "realm_access..roles" }),
    ).toContain("OIDC_ROLE_CLAIM must be a claim name or a dotted path");
    expect(configErrorOf({ AUTH_DEV_TOKENS: "false" })).toContain("AUTH_DEV_TOKENS=false needs OIDC_ISSUER and OIDC_AUDIENCE");
  });
});

// The gateway of a whole system, trusting a provider started before it.
const gatewayProvider = await startIdentityProvider();
providers.push(gatewayProvider);
const gatewayKey = await signingKey("RS256", "gateway-key");
gatewayProvider.keys = [gatewayKey.jwk];

describe.each(DATABASE_KINDS)("a caller signed in with the identity provider, through the gateway on %s", (kind) => {
  const system = useTestSystem(kind, {
    env: { OIDC_ISSUER: gatewayProvider.issuer, OIDC_AUDIENCE: AUDIENCE, OIDC_JWKS_URL: gatewayProvider.jwksUrl },
  });
  const input = (name: string) => ({ input: { name, description: "Triages SIEM alerts", domains: ["ALERT_TRIAGE"] } });

  it("registers an agent as the builder the provider's token names; a bad token is refused with 401 before anything runs", async () => {
    const token = await tokenOf(gatewayKey, gatewayProvider, { sub: `oidc-builder-${kind}` });
    const registered = dataOf(
      await postGraphQL<Record<string, any>>(system.gatewayUrl, REGISTER_AGENT, input(`OIDC ${kind}`), {
        authorization: `Bearer ${token}`,
      }),
    );
    expect(registered.registerAgent).toMatchObject({ ownerId: `oidc-builder-${kind}` });

    const wrongAudience = await tokenOf(gatewayKey, gatewayProvider, { aud: "another-api" });
    const refused = await postGraphQL(system.gatewayUrl, REGISTER_AGENT, input(`Refused ${kind}`), {
      authorization: `Bearer ${wrongAudience}`,
    });
    expect(refused.status).toBe(401);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toEqual([
      expect.objectContaining({
        message: "Token is meant for another audience than this API",
        extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }),
      }),
    ]);

    const buyer = await tokenOf(gatewayKey, gatewayProvider, { role: "buyer" });
    const forbidden = await postGraphQL(system.gatewayUrl, REGISTER_AGENT, input(`Buyer ${kind}`), { authorization: `Bearer ${buyer}` });
    expect(forbidden.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN" });
  });

  it("still accepts the project's own HS256 tokens next to the provider's", async () => {
    const registered = dataOf(
      await postGraphQL<Record<string, any>>(
        system.gatewayUrl,
        REGISTER_AGENT,
        input(`Dev ${kind}`),
        await bearer("builder", "dev-builder"),
      ),
    );
    expect(registered.registerAgent).toMatchObject({ ownerId: "dev-builder" });
  });
});
