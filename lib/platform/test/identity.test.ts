import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { rejectionOf, thrownBy } from "../../../test/support/thrown.js";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import {
  ANONYMOUS,
  createAccessTokenVerifier,
  createAssertionSigner,
  createAssertionVerifier,
  requireRole,
  signAccessToken,
  signIdentityAssertion,
  verifyAccessToken,
  verifyIdentityAssertion,
  type Identity,
  type TokenOptions,
} from "../identity.js";

const options: TokenOptions = { secret: "a-token-secret-of-at-least-32-characters!", issuer: "agent-trust", audience: "agent-trust-api" };
const subgraphSecret = "a-subgraph-secret-of-at-least-32-chars!!";

function expectUnauthenticated(error: unknown): void {
  expect(error).toBeInstanceOf(UnauthenticatedError);
  const { extensions } = error as UnauthenticatedError;
  expect(extensions.code).toBe("UNAUTHENTICATED");
  // A bad credential rejects the whole request, not one field of it.
  expect(extensions.http).toEqual({ status: 401 });
}

describe("access tokens", () => {
  it("round-trips role and subject", async () => {
    const token = await signAccessToken({ role: "builder", subject: "alice@example.com" }, options);

    await expect(verifyAccessToken(token, options)).resolves.toEqual({ role: "builder", subject: "alice@example.com" });
  });

  it("refuses an expired token", async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await new SignJWT({ role: "buyer" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("bob")
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt(past - 60)
      .setExpirationTime(past)
      .sign(new TextEncoder().encode(options.secret));

    const error = await rejectionOf(verifyAccessToken(token, options));

    expectUnauthenticated(error);
    expect((error as Error).message).toMatch(/expired/);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await signAccessToken(
      { role: "buyer", subject: "bob" },
      { ...options, secret: "another-secret-that-is-long-enough-too!!" },
    );

    expectUnauthenticated(await rejectionOf(verifyAccessToken(token, options)));
  });

  it("refuses a token for another audience", async () => {
    const token = await signAccessToken({ role: "buyer", subject: "bob" }, { ...options, audience: "someone-else" });

    expectUnauthenticated(await rejectionOf(verifyAccessToken(token, options)));
  });

  it("refuses a validly signed token whose role is not one of ours", async () => {
    const token = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("mallory")
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(options.secret));

    expectUnauthenticated(await rejectionOf(verifyAccessToken(token, options)));
  });

  it("refuses garbage", async () => {
    expectUnauthenticated(await rejectionOf(verifyAccessToken("not.a.jwt", options)));
  });

  it("will not mint a token for a subject outside the allowed characters", async () => {
    await expect(signAccessToken({ role: "builder", subject: "alice smith" }, options)).rejects.toThrow(/subject must match/);
  });
});

describe("identity assertions", () => {
  it("round-trips an authenticated caller for the subgraph it names", async () => {
    const identity: Identity = { role: "arbiter", subject: "olga" };
    const assertion = await signIdentityAssertion(identity, "disputes", subgraphSecret);

    await expect(verifyIdentityAssertion(assertion, "disputes", subgraphSecret)).resolves.toEqual(identity);
  });

  it("round-trips an anonymous caller", async () => {
    const assertion = await signIdentityAssertion(ANONYMOUS, "reputation", subgraphSecret);

    await expect(verifyIdentityAssertion(assertion, "reputation", subgraphSecret)).resolves.toEqual(ANONYMOUS);
  });

  it("is refused by any subgraph other than the one it was signed for", async () => {
    const assertion = await signIdentityAssertion({ role: "builder", subject: "alice" }, "agents", subgraphSecret);

    expectUnauthenticated(await rejectionOf(verifyIdentityAssertion(assertion, "pacts", subgraphSecret)));
  });

  it("is refused when signed with another secret", async () => {
    const assertion = await signIdentityAssertion(
      { role: "builder", subject: "alice" },
      "agents",
      "not-the-subgraph-secret-but-long-enough",
    );

    expectUnauthenticated(await rejectionOf(verifyIdentityAssertion(assertion, "agents", subgraphSecret)));
  });

  it("cannot be replaced by a caller's access token, even one signed with the same secret", async () => {
    const token = await signAccessToken(
      { role: "arbiter", subject: "mallory" },
      { ...options, secret: subgraphSecret, audience: "agents" },
    );

    expectUnauthenticated(await rejectionOf(verifyIdentityAssertion(token, "agents", subgraphSecret)));
  });
});

describe("cached signing and verification", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reuses an assertion per caller and subgraph for half its lifetime, then signs a fresh one", async () => {
    vi.useFakeTimers({ now: new Date("2026-11-26T10:00:00Z"), toFake: ["Date"] });
    const sign = createAssertionSigner(subgraphSecret);
    const alice = { role: "builder", subject: "alice" } as const;

    const first = await sign(alice, "agents");
    expect(await sign(alice, "agents")).toBe(first);
    expect(await sign(alice, "pacts")).not.toBe(first);
    expect(await sign({ role: "buyer", subject: "alice" }, "agents")).not.toBe(first);
    // A fresh signature 29 s later would carry another iat: the same string means it was reused.
    vi.setSystemTime(new Date("2026-11-26T10:00:29Z"));
    expect(await sign(alice, "agents")).toBe(first);
    vi.setSystemTime(new Date("2026-11-26T10:00:31Z"));
    const renewed = await sign(alice, "agents");

    expect(renewed).not.toBe(first);
    // Still valid for 30 s and more, as every assertion the signer hands out is.
    vi.setSystemTime(new Date("2026-11-26T10:01:00Z"));
    await expect(verifyIdentityAssertion(renewed, "agents", subgraphSecret)).resolves.toEqual(alice);
  });

  it("never serves an expired token from the cache", async () => {
    vi.useFakeTimers({ now: new Date("2026-11-26T10:00:00Z"), toFake: ["Date"] });
    const verify = createAssertionVerifier("agents", subgraphSecret);
    const assertion = await signIdentityAssertion({ role: "builder", subject: "alice" }, "agents", subgraphSecret);
    await expect(verify(assertion)).resolves.toEqual({ role: "builder", subject: "alice" });

    vi.setSystemTime(new Date("2026-11-26T10:01:01Z"));

    expectUnauthenticated(await rejectionOf(verify(assertion)));
  });

  it("still refuses a forged token after the genuine one was cached", async () => {
    const verify = createAccessTokenVerifier(options);
    const token = await signAccessToken({ role: "buyer", subject: "bob" }, options);
    await verify(token);
    const [header, , signature] = token.split(".");
    const forgedPayload = Buffer.from(
      JSON.stringify({ role: "arbiter", sub: "bob", iss: options.issuer, aud: options.audience, exp: 9999999999 }),
    ).toString("base64url");

    expectUnauthenticated(await rejectionOf(verify(`${header}.${forgedPayload}.${signature}`)));
    await expect(verify(token)).resolves.toEqual({ role: "buyer", subject: "bob" });
  });
});

describe("requireRole", () => {
  it("asks an anonymous caller to authenticate", () => {
    const error = thrownBy(() => requireRole(ANONYMOUS, "builder"));

    expect(error).toBeInstanceOf(UnauthenticatedError);
    expect((error as UnauthenticatedError).extensions.code).toBe("UNAUTHENTICATED");
    // Inside a resolver the error must stay a GraphQL error, not a failed HTTP request.
    expect((error as UnauthenticatedError).extensions.http).toBeUndefined();
  });

  it("forbids a caller holding none of the roles, naming them", () => {
    const call = () => requireRole({ role: "buyer", subject: "bob" }, "builder", "arbiter");

    const error = thrownBy(call);

    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).extensions.code).toBe("FORBIDDEN");
    expect((error as ForbiddenError).message).toMatch(/builder or arbiter role; the caller is a buyer/);
  });

  it("returns the subject of a caller holding one of the roles", () => {
    expect(requireRole({ role: "arbiter", subject: "olga" }, "builder", "arbiter")).toBe("olga");
  });
});
