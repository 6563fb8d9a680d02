import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import {
  ANONYMOUS,
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

/** Resolves to the error a promise rejects with, failing the test when it resolves instead. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, got a value");
}

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, got a value");
}

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
    const token = await signAccessToken({ role: "buyer", subject: "bob" }, { ...options, secret: "another-secret-that-is-long-enough-too!!" });

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
    const assertion = await signIdentityAssertion({ role: "builder", subject: "alice" }, "agents", "not-the-subgraph-secret-but-long-enough");

    expectUnauthenticated(await rejectionOf(verifyIdentityAssertion(assertion, "agents", subgraphSecret)));
  });

  it("cannot be replaced by a caller's access token, even one signed with the same secret", async () => {
    const token = await signAccessToken({ role: "arbiter", subject: "mallory" }, { ...options, secret: subgraphSecret, audience: "agents" });

    expectUnauthenticated(await rejectionOf(verifyIdentityAssertion(token, "agents", subgraphSecret)));
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
