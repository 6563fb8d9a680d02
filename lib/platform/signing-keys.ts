import { type KeyObject, createPrivateKey, sign as ed25519Sign } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CompactSign, type JWK, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import type { AppConfig } from "./config.js";

/*
 * The marketplace's signing keys: Ed25519, as JWKs named by their RFC 7638 thumbprint (`kid`).
 * One current key signs; retired keys keep only their public half and stay published (the JWKS)
 * until `verifyUntil`, when every attestation they signed has expired, so a rotation never breaks
 * an attestation a partner already holds. After that a retired key leaves the JWKS: an attestation
 * signed with it, by us long ago or by whoever stole it since, no longer verifies. It stays in the
 * set, and in the log keys (`treeHeadKeys`), because the transparency log's tree heads it signed
 * while current must verify for ever (docs/transparency.md, "Keys").
 *
 * Where the set lives (docs/attestations.md, "Keys"): ATTESTATION_SIGNING_KEYS (a secret, JSON)
 * in production; `<DATA_DIR>/keys/attestation-signing-keys.json` (0600, created on first use) for
 * `npm start`. Not KMS: KMS signs ECDSA P-256 but not Ed25519, and every attestation would then be
 * a network call billed per request; see the docs for the trade-off.
 */

/** The JWS `alg` of every signature here. */
export const SIGNING_ALG = "EdDSA";
/** The key set's file under the data directory's `keys/` folder. */
export const KEY_SET_FILE = "attestation-signing-keys.json";

/** A public Ed25519 key as published: no `d`, ever. */
export interface PublicSigningJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: typeof SIGNING_ALG;
  use: "sig";
}

/** The current key: its public half plus the private scalar `d`. */
export interface PrivateSigningJwk extends PublicSigningJwk {
  d: string;
}

export interface RetiredSigningKey {
  jwk: PublicSigningJwk;
  /** When it stopped signing (ISO 8601). */
  retiredAt: string;
  /** Until when it is published: `retiredAt` plus the longest lifetime of what it signed (ISO 8601). */
  verifyUntil: string;
}

/** A key as the log keys publish it: a tree head it signed counts only if signed before `retiredAt`. */
export type TreeHeadKey = PublicSigningJwk & { retiredAt?: string };

/** What ATTESTATION_SIGNING_KEYS and the key file hold. */
export interface SigningKeySet {
  current: PrivateSigningJwk;
  retired: RetiredSigningKey[];
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function publicJwkOf(value: unknown, where: string, needsPrivate: boolean): PrivateSigningJwk | PublicSigningJwk {
  const jwk = value as Record<string, unknown> | null;
  if (!jwk || typeof jwk !== "object") throw new Error(`${where} must be a JWK object`);
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") throw new Error(`${where} must be an Ed25519 key (kty OKP, crv Ed25519)`);
  for (const name of ["x", "kid", ...(needsPrivate ? ["d"] : [])])
    if (typeof jwk[name] !== "string" || !BASE64URL.test(jwk[name] as string)) throw new Error(`${where}.${name} must be base64url text`);
  const base: PublicSigningJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x as string, kid: jwk.kid as string, alg: SIGNING_ALG, use: "sig" };
  return needsPrivate ? { ...base, d: jwk.d as string } : base;
}

/** Parses and checks a key set (ATTESTATION_SIGNING_KEYS or the key file); throws naming what is wrong, never echoing key material. */
export function parseKeySet(text: string): SigningKeySet {
  let raw: { current?: unknown; retired?: unknown };
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error("must be JSON: { current: <Ed25519 private JWK>, retired: [...] }");
  }
  if (!raw || typeof raw !== "object") throw new Error("must be a JSON object");
  const current = publicJwkOf(raw.current, "current", true) as PrivateSigningJwk;
  if (!Array.isArray(raw.retired ?? [])) throw new Error("retired must be a list");
  const retired = ((raw.retired ?? []) as Record<string, unknown>[]).map((entry, index) => {
    const where = `retired[${index}]`;
    for (const name of ["retiredAt", "verifyUntil"] as const)
      if (typeof entry?.[name] !== "string" || Number.isNaN(Date.parse(entry[name] as string)))
        throw new Error(`${where}.${name} must be an ISO 8601 time`);
    // A retired key keeps its public half only: a leaked file must not let anyone sign as it.
    return {
      jwk: publicJwkOf(entry.jwk, `${where}.jwk`, false),
      retiredAt: entry.retiredAt as string,
      verifyUntil: entry.verifyUntil as string,
    };
  });
  const kids = [current.kid, ...retired.map((key) => key.jwk.kid)];
  if (new Set(kids).size !== kids.length) throw new Error("two keys share a kid");
  return { current, retired };
}

/** A new Ed25519 key, its `kid` the RFC 7638 thumbprint of its public half. */
export async function generateSigningKey(): Promise<PrivateSigningJwk> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: jwk.x as string }, "sha256");
  return { kty: "OKP", crv: "Ed25519", x: jwk.x as string, d: jwk.d as string, kid, alg: SIGNING_ALG, use: "sig" };
}

/**
 * The set after a rotation at `now`: a new current key; the old one retired, its private half
 * deleted, in the JWKS for `verifyForSeconds` more (the attestations' lifetime) and among the log
 * keys for good.
 */
export async function rotateKeySet(set: SigningKeySet, now: Date, verifyForSeconds: number): Promise<SigningKeySet> {
  const { d: _private, ...publicHalf } = set.current;
  const retiring: RetiredSigningKey = {
    jwk: publicHalf,
    retiredAt: now.toISOString(),
    verifyUntil: new Date(now.getTime() + verifyForSeconds * 1000).toISOString(),
  };
  return { current: await generateSigningKey(), retired: [retiring, ...set.retired] };
}

/** The retired keys still in the JWKS at `now`. */
export const publishedRetired = (set: SigningKeySet, now: Date): RetiredSigningKey[] =>
  set.retired.filter((key) => Date.parse(key.verifyUntil) > now.getTime());

/** `<dataDir>/keys/attestation-signing-keys.json`. */
export function keySetFile(dataDir: string): string {
  return path.join(dataDir, "keys", KEY_SET_FILE);
}

/** Writes the set whole, mode 0600, through a rename so a reader never sees half a file. */
export function writeKeySetFile(file: string, set: SigningKeySet): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(set, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** Creates the key file with a first key unless it exists ("wx": of two processes starting at once, one writes, both read it). */
export async function ensureKeySetFile(file: string): Promise<void> {
  try {
    statSync(file);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const set: SigningKeySet = { current: await generateSigningKey(), retired: [] };
  try {
    writeFileSync(file, `${JSON.stringify(set, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/** Rotates the key file in place (`npm run keys:rotate`); returns the new set. */
export async function rotateKeySetFile(file: string, now: Date, verifyForSeconds: number): Promise<SigningKeySet> {
  await ensureKeySetFile(file);
  const rotated = await rotateKeySet(parseKeySet(readFileSync(file, "utf8")), now, verifyForSeconds);
  writeKeySetFile(file, rotated);
  return rotated;
}

/** A detached signature over bytes, as a tree head carries it. */
export interface DetachedSignature {
  kid: string;
  /** Ed25519 over the bytes, base64url. */
  signature: string;
}

/** Signs with the current key and publishes the public ones. */
export interface Signer {
  /** The current key's id. */
  kid(): Promise<string>;
  /** Detached Ed25519 over `payload` (for tree heads). */
  sign(payload: Uint8Array): Promise<DetachedSignature>;
  /**
   * A compact JWS (`alg: EdDSA`, `kid`, `typ`) over `claims` plus `iat` and `exp` (seconds):
   * `exp` is `issuedAt` plus `expiresIn` seconds.
   */
  signJws(claims: Record<string, unknown>, options: { expiresIn: number; typ: string; issuedAt?: Date }): Promise<SignedJws>;
  /** The JWKS: the current public key and the retired ones still within `verifyUntil` at `now`. Never a `d`. */
  publicJwks(now?: Date): Promise<{ keys: PublicSigningJwk[] }>;
  /** Every key that ever signed, the retired ones with `retiredAt`: what tree heads are checked against. Never a `d`. */
  treeHeadKeys(): Promise<{ keys: TreeHeadKey[] }>;
}

export interface SignedJws {
  jws: string;
  kid: string;
  issuedAt: Date;
  expiresAt: Date;
}

interface LoadedSet {
  set: SigningKeySet;
  privateKey: KeyObject;
}

function loaded(set: SigningKeySet): LoadedSet {
  return { set, privateKey: createPrivateKey({ key: set.current as unknown as JWK & { kty: string }, format: "jwk" }) };
}

/** A signer over a set read by `read`, which returns the same object until the set changes. */
export function signerOver(read: () => Promise<SigningKeySet>): Signer {
  let last: { set: SigningKeySet; loaded: LoadedSet } | undefined;
  const current = async () => {
    const set = await read();
    if (last?.set !== set) last = { set, loaded: loaded(set) };
    return last.loaded;
  };
  return {
    async kid() {
      return (await current()).set.current.kid;
    },
    async sign(payload) {
      const { set, privateKey } = await current();
      return { kid: set.current.kid, signature: ed25519Sign(null, payload, privateKey).toString("base64url") };
    },
    async signJws(claims, options) {
      const { set, privateKey } = await current();
      const issuedAt = new Date(Math.floor((options.issuedAt ?? new Date()).getTime() / 1000) * 1000);
      const expiresAt = new Date(issuedAt.getTime() + options.expiresIn * 1000);
      const payload = { ...claims, iat: issuedAt.getTime() / 1000, exp: expiresAt.getTime() / 1000 };
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: SIGNING_ALG, kid: set.current.kid, typ: options.typ })
        .sign(privateKey);
      return { jws, kid: set.current.kid, issuedAt, expiresAt };
    },
    async publicJwks(now = new Date()) {
      const { set } = await current();
      const { d: _private, ...currentPublic } = set.current;
      return { keys: [currentPublic, ...publishedRetired(set, now).map((key) => key.jwk)] };
    },
    async treeHeadKeys() {
      const { set } = await current();
      const { d: _private, ...currentPublic } = set.current;
      return { keys: [currentPublic, ...set.retired.map((key) => ({ ...key.jwk, retiredAt: key.retiredAt }))] };
    },
  };
}

/** The key file, re-read when it changes on disk, so `npm run keys:rotate` takes effect without a restart. */
export function fileSigner(file: string): Signer {
  let cache: { mtimeMs: number; size: number; set: SigningKeySet } | undefined;
  return signerOver(async () => {
    await ensureKeySetFile(file);
    const { mtimeMs, size } = statSync(file);
    if (cache?.mtimeMs !== mtimeMs || cache.size !== size) {
      try {
        cache = { mtimeMs, size, set: parseKeySet(readFileSync(file, "utf8")) };
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`);
      }
    }
    return cache.set;
  });
}

const signers = new Map<string, Signer>();

/**
 * The process's attestation signer: ATTESTATION_SIGNING_KEYS when set (validated by loadConfig),
 * else the key file under DATA_DIR. In production a file would be per Lambda container, each
 * signing with its own key, so there it refuses.
 */
export function attestationSigner(settings: Pick<AppConfig, "production" | "dataDir" | "attestation">): Signer {
  const configured = settings.attestation.signingKeys;
  const key = configured ? `env:${configured.current.kid}` : `file:${keySetFile(settings.dataDir)}`;
  let signer = signers.get(key);
  if (!signer) {
    if (configured) signer = signerOver(async () => configured);
    else if (settings.production) throw new Error("ATTESTATION_SIGNING_KEYS is required when NODE_ENV=production (docs/attestations.md)");
    else signer = fileSigner(keySetFile(settings.dataDir));
    signers.set(key, signer);
  }
  return signer;
}
