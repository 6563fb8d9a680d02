import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { compactVerify, createLocalJWKSet } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";
import {
  attestationSigner,
  fileSigner,
  generateSigningKey,
  keySetFile,
  parseKeySet,
  rotateKeySet,
  rotateKeySetFile,
  signerOver,
  type SigningKeySet,
} from "../signing-keys.js";

/*
 * The marketplace's signing keys (docs/attestations.md, "Keys"): what a key set may hold, what a
 * rotation keeps, what each public document shows, and the key file's custody on disk.
 */

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "signing-keys-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const HOUR = 3600;

describe("key sets", () => {
  it("refuses what is not a key set, naming the part and never echoing key material", async () => {
    const key = await generateSigningKey();
    const { d: _private, ...publicHalf } = key;
    const cases: [string, string][] = [
      ["not json", "must be JSON"],
      ["[1]", "current must be a JWK object"],
      [JSON.stringify({ current: { ...key, crv: "P-256" } }), "current must be an Ed25519 key"],
      [JSON.stringify({ current: publicHalf }), "current.d must be base64url text"],
      [JSON.stringify({ current: key, retired: {} }), "retired must be a list"],
      [
        JSON.stringify({ current: key, retired: [{ jwk: publicHalf, retiredAt: "yesterday", verifyUntil: "2026-01-01T00:00:00Z" }] }),
        "retired[0].retiredAt",
      ],
      [
        JSON.stringify({
          current: key,
          retired: [{ jwk: publicHalf, retiredAt: "2026-01-01T00:00:00Z", verifyUntil: "2026-01-01T00:00:00Z" }],
        }),
        "two keys share a kid",
      ],
    ];
    for (const [text, message] of cases) {
      let thrown: Error | undefined;
      try {
        parseKeySet(text);
      } catch (error) {
        thrown = error as Error;
      }
      expect(thrown?.message, text).toContain(message);
      expect(thrown?.message).not.toContain(key.d);
    }
    // A retired key keeps its public half only, even if the file held its private one.
    const other = await generateSigningKey();
    const parsed = parseKeySet(
      JSON.stringify({ current: key, retired: [{ jwk: other, retiredAt: "2026-01-01T00:00:00Z", verifyUntil: "2026-01-01T01:00:00Z" }] }),
    );
    expect(parsed.retired[0]!.jwk).not.toHaveProperty("d");
  });

  it("rotates: a new current key, the old one public-only, in the JWKS until verifyUntil and among the log keys for good", async () => {
    const first: SigningKeySet = { current: await generateSigningKey(), retired: [] };
    const t0 = new Date("2026-06-01T00:00:00.000Z");
    const second = await rotateKeySet(first, t0, HOUR);
    const third = await rotateKeySet(second, new Date(t0.getTime() + 2 * HOUR * 1000), HOUR);
    expect(third.retired.map((key) => [key.jwk.kid, key.retiredAt, key.verifyUntil])).toEqual([
      [second.current.kid, "2026-06-01T02:00:00.000Z", "2026-06-01T03:00:00.000Z"],
      [first.current.kid, "2026-06-01T00:00:00.000Z", "2026-06-01T01:00:00.000Z"],
    ]);
    expect(JSON.stringify(third.retired)).not.toContain('"d"');

    const signer = signerOver(async () => third);
    const jwksAt = async (iso: string) => (await signer.publicJwks(new Date(iso))).keys.map((key) => key.kid);
    expect(await jwksAt("2026-06-01T02:30:00.000Z")).toEqual([third.current.kid, second.current.kid]);
    expect(await jwksAt("2026-06-01T03:00:00.000Z")).toEqual([third.current.kid]);
    const logKeys = (await signer.treeHeadKeys()).keys;
    expect(logKeys.map((key) => [key.kid, key.retiredAt ?? null])).toEqual([
      [third.current.kid, null],
      [second.current.kid, "2026-06-01T02:00:00.000Z"],
      [first.current.kid, "2026-06-01T00:00:00.000Z"],
    ]);
    expect(JSON.stringify({ jwks: await signer.publicJwks(), logKeys })).not.toContain('"d"');
  });

  it("signs attestations and tree heads with the current key, verifiable by its published half", async () => {
    const set: SigningKeySet = { current: await generateSigningKey(), retired: [] };
    const signer = signerOver(async () => set);
    const jwks = createLocalJWKSet(await signer.publicJwks());
    const signed = await signer.signJws(
      { sub: "agent" },
      { expiresIn: 60, typ: "test+jwt", issuedAt: new Date("2026-06-01T00:00:00.400Z") },
    );
    const { payload, protectedHeader } = await compactVerify(signed.jws, jwks);
    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: set.current.kid, typ: "test+jwt" });
    // Whole seconds, as JWT times are.
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ sub: "agent", iat: 1780272000, exp: 1780272060 });
    const bytes = Buffer.from("tree head");
    const head = await signer.sign(bytes);
    const publicKey = createPublicKey({ key: { ...(await signer.publicJwks()).keys[0]! }, format: "jwk" });
    expect(head.kid).toBe(set.current.kid);
    expect(verify(null, bytes, publicKey, Buffer.from(head.signature, "base64url"))).toBe(true);
    expect(verify(null, Buffer.from("another head"), publicKey, Buffer.from(head.signature, "base64url"))).toBe(false);
  });
});

describe("the key file", () => {
  it("is created on first use, readable by its owner only, and rotated in place, seen by a running signer", async () => {
    const file = keySetFile(tempDir());
    const signer = fileSigner(file);
    const before = await signer.kid();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);

    const rotated = await rotateKeySetFile(file, new Date(), HOUR);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(rotated.retired[0]!.jwk.kid).toBe(before);
    // No restart: the running signer reads the rotated file at its next signature.
    expect(await signer.kid()).toBe(rotated.current.kid);
    expect((await signer.sign(Buffer.from("x"))).kid).toBe(rotated.current.kid);
  });

  it("reports a damaged file by its path, without key material", async () => {
    const file = keySetFile(tempDir());
    const signer = fileSigner(file);
    await signer.kid();
    const set = parseKeySet(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ current: { ...set.current, kty: "RSA" } }));
    const failure = await signer.kid().catch((error: Error) => error.message);
    expect(failure).toBe(`${file}: current must be an Ed25519 key (kty OKP, crv Ed25519)`);
  });

  it("is refused in production, where each Lambda container would sign with a key of its own", () => {
    const settings = loadConfig({
      NODE_ENV: "production",
      DATA_DIR: tempDir(),
      DATABASE_URL: "mysql://user:pass@db.internal:3306/trust",
      AUTH_TOKEN_SECRET: "a".repeat(32),
      SUBGRAPH_SECRET: "b".repeat(32),
    });
    expect(() => attestationSigner(settings)).toThrow("ATTESTATION_SIGNING_KEYS is required when NODE_ENV=production");
  });
});
