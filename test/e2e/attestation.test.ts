/**
 * A partner verifying attestations offline with docs/attestations.md in hand: the verifier is the
 * doc's code block, run exactly as written against the running system. A fresh attestation
 * verifies; a changed byte, a wrong kid, an expired one and one signed by a retired key past its
 * time are rejected; one signed by a key retired after it was issued still verifies until it
 * expires. Attestations live ATTESTATION_TTL_SECONDS=5 here, so the test waits out their expiry.
 */
import { createHash, createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CompactSign, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { canonicalJson } from "../../lib/platform/canonical-json.js";
import { fileSigner, generateSigningKey, keySetFile, parseKeySet, rotateKeySetFile } from "../../lib/platform/signing-keys.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { publishTreeHead } from "../../subgraphs/transparency/tree-head.publish.js";
import { ADOPT_PACT, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { judgedRun, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;
interface Verifier {
  fetchKeys(): Promise<{ keys: Data[] }>;
  fetchLogKeys(): Promise<{ keys: Data[] }>;
  verifyAttestation(jws: string, jwks: { keys: Data[] }): Promise<Data>;
  fetchLogProof(index: number, treeSize: number): Promise<Data>;
  verifyLogEntry(claims: Data, index: number, proof: Data, logKeys: { keys: Data[] }): Data;
}

const TTL_SECONDS = 5;
const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<unknown>;
const ATTESTATION = `query($agentId: ID!) { attestation(agentId: $agentId) { jws kid issuedAt expiresAt payload } }`;

const doc = readFileSync(path.join(import.meta.dirname, "../../docs/attestations.md"), "utf8");
/** The code block of docs/attestations.md marked `<!-- name -->`. */
function documented(name: string): string {
  const code = new RegExp(`<!-- ${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (!code) throw new Error(`docs/attestations.md has no ${name} code block`);
  return code;
}

/** The verifier of docs/attestations.md, written to a module of its own and imported as a partner would run it. */
function documentedVerifier(): { file: string; dir: string } {
  const code = documented("attestation-verifier");
  const dir = mkdtempSync(path.join(tmpdir(), "attestation-verifier-"));
  const file = path.join(dir, "verify.mjs");
  writeFileSync(file, code);
  return { file, dir };
}

const segments = (jws: string) => jws.split(".") as [string, string, string];
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const decode = (segment: string) => JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
const privateKeyOf = ({ kty, crv, x, d }: { kty: string; crv: string; x: string; d: string }) =>
  createPrivateKey({ key: { kty, crv, x, d }, format: "jwk" });
/** Rejection's jose error code, or "verified" when the verifier accepted. */
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "verified",
    (error: { code?: string }) => error.code ?? String(error),
  );

describe.each(DATABASE_KINDS)("attestations verified offline by docs/attestations.md (%s)", (kind) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attestation-data-"));
  const system = useTestSystem(kind, { env: { DATA_DIR: dataDir, ATTESTATION_TTL_SECONDS: String(TTL_SECONDS) } });
  const verifierFile = documentedVerifier();
  let verifier: Verifier;
  let agentId: string;
  let pactId: string;
  const attest = async (id: string) =>
    dataOf(await postGraphQL<Data>(system.gatewayUrl, ATTESTATION, { agentId: id })).attestation as {
      jws: string;
      kid: string;
      expiresAt: string;
      payload: string;
    };

  beforeAll(async () => {
    vi.stubEnv("AGENT_TRUST_GATEWAY", new URL(system.gatewayUrl).origin);
    verifier = (await import(pathToFileURL(verifierFile.file).href)) as Verifier;
    const builder = await bearer("builder", `attested-builder-${kind}`);
    agentId = dataOf(
      await postGraphQL<Data>(
        system.gatewayUrl,
        REGISTER_AGENT,
        { input: { name: `Attested ${kind}`, description: "Triages EDR alerts", domains: ["ALERT_TRIAGE"] } },
        builder,
      ),
    ).registerAgent.id;
    pactId = dataOf(await postGraphQL<Data>(system.gatewayUrl, ADOPT_PACT, { agentId, template: "alert-triage" }, builder))
      .adoptPactTemplate.id;
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(verifierFile.dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves only public keys at /.well-known/jwks.json, cached five minutes", async () => {
    const res = await fetch(new URL("/.well-known/jwks.json", system.gatewayUrl));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const jwks = (await res.json()) as { keys: Data[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(key).not.toHaveProperty("d");
    }
    // The private key file exists, and its `d` is nowhere in what the gateway serves.
    const keySet = parseKeySet(readFileSync(keySetFile(dataDir), "utf8"));
    expect(JSON.stringify(jwks)).not.toContain(keySet.current.d);
  });

  it("verifies a fresh attestation, whose claims say what the docs say", async () => {
    const attestation = await attest(agentId);
    const claims = await verifier.verifyAttestation(attestation.jws, await verifier.fetchKeys());
    expect(claims).toMatchObject({
      iss: "agent-trust",
      sub: agentId,
      kid: attestation.kid,
      agent: { id: agentId, name: `Attested ${kind}`, owner: `attested-builder-${kind}` },
      tier: expect.any(String),
      eligible: expect.any(Boolean),
      policyVersion: expect.any(String),
      log: null,
    });
    expect(claims.exp - claims.iat).toBe(TTL_SECONDS);
    expect(claims.scores).toEqual({
      composite: expect.any(Number),
      compositeConfidence: expect.any(Number),
      reputation: expect.any(Number),
      reputationConfidence: expect.any(Number),
    });
    expect(claims.activePacts).toEqual([
      { id: pactId, version: 1, workflow: "ALERT_TRIAGE", digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    ]);
    // No runs, reports or disputes yet: the digest of the documented empty evidence.
    const empty = createHash("sha256")
      .update(canonicalJson({ runs: [], kpiReports: [], disputes: [] }))
      .digest("hex");
    expect(claims.evidenceDigest).toBe(`sha256:${empty}`);
    expect(JSON.parse(attestation.payload)).toMatchObject({ sub: agentId, exp: claims.exp });
  });

  it("names the agent's place in the signed log, which the documented checks verify offline; a changed entry, path, head or key is refused", async () => {
    const builder = await bearer("builder", `attested-builder-${kind}`);
    const run = dataOf(
      await postGraphQL<Data>(
        system.gatewayUrl,
        SUBMIT_RUN,
        { input: { agentId, pactId, cases: triageCases(40, { wrongSeverity: 2 }) } },
        builder,
      ),
    ).submitEvaluationRun;
    await judgedRun(system.gatewayUrl, run.id);
    // The scheduled job's step: the run's entries join the tree, and a head is signed with the installation's key.
    const signer = fileSigner(keySetFile(dataDir));
    expect((await publishTreeHead(system.dataSource, (bytes) => signer.sign(bytes))).treeSize).toBeGreaterThan(0);

    const { jws } = await attest(agentId);
    // The usage lines of the docs, run as written with the documented functions in scope.
    const check = new AsyncFunction(
      "jws",
      ...Object.keys(verifier),
      `${documented("attestation-log-check")}\nreturn { claims, trust, listing, logKeys };`,
    ) as (...args: unknown[]) => Promise<Data>;
    const { claims, trust, listing, logKeys } = await check(jws, ...Object.values(verifier));
    expect(claims.log).toEqual({
      treeSize: expect.any(Number),
      rootHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      trustChange: expect.any(Number),
      eligibility: expect.any(Number),
    });
    expect(trust).toMatchObject({
      cause: "EVALUATION_RUN",
      causeId: run.id,
      after: {
        compositeScore: claims.scores.composite,
        compositeConfidence: claims.scores.compositeConfidence,
        reputationScore: claims.scores.reputation,
        reputationConfidence: claims.scores.reputationConfidence,
      },
    });
    expect(listing).toMatchObject({
      eligible: claims.eligible,
      tier: claims.tier,
      policyVersion: claims.policyVersion,
      reasons: claims.reasons,
    });
    // The log keys: public halves, the head's key among them.
    expect(logKeys.keys.map((key: Data) => key.kid)).toContain(claims.kid);
    expect(JSON.stringify(logKeys)).not.toMatch(/"d"/);

    const index = claims.log.trustChange as number;
    const proof = await verifier.fetchLogProof(index, claims.log.treeSize);
    const refused = (changed: Data, keys = logKeys) => {
      try {
        verifier.verifyLogEntry(claims, index, changed, keys);
        return "verified";
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refused(proof)).toBe("verified");
    const entry = proof.entry as Data;
    const payload = JSON.parse(entry.payload);
    const raised = { ...payload, after: { ...payload.after, compositeScore: payload.after.compositeScore + 1 } };
    expect(refused({ ...proof, entry: { ...entry, payload: JSON.stringify(raised) } })).toBe("entry: not in the tree");
    expect(refused({ ...proof, entry: { ...entry, recordedAt: new Date(Date.parse(entry.recordedAt) + 1).toISOString() } })).toBe(
      "entry: not in the tree",
    );
    if (proof.auditPath.length > 0) {
      const path = [...proof.auditPath];
      path[0] = `${path[0].slice(0, -1)}${path[0].endsWith("0") ? "1" : "0"}`;
      expect(refused({ ...proof, auditPath: path })).toBe("entry: not in the tree");
    }
    const other = await verifier.fetchLogProof(claims.log.eligibility, claims.log.treeSize);
    expect(refused({ ...proof, entry: other.entry })).toBe("entry: not the attested agent's");
    const signature = Buffer.from(proof.treeHead.signature, "base64url");
    signature[0] = (signature[0] ?? 0) ^ 1;
    expect(refused({ ...proof, treeHead: { ...proof.treeHead, signature: signature.toString("base64url") } })).toBe(
      "tree head: bad signature",
    );
    // A head its key signed after the key's retirement, and a key the log never had.
    const retiredEarlier = { keys: logKeys.keys.map((key: Data) => ({ ...key, retiredAt: new Date(0).toISOString() })) };
    expect(refused(proof, retiredEarlier)).toBe("tree head: not signed by a log key");
    expect(refused(proof, { keys: [] })).toBe("tree head: not signed by a log key");
  });

  it("rejects an attestation with a changed byte, and one naming a kid the JWKS lacks", async () => {
    const { jws } = await attest(agentId);
    const jwks = await verifier.fetchKeys();
    const [header, payload, signature] = segments(jws);
    const claims = decode(payload);
    const raised = encode({ ...claims, scores: { ...claims.scores, composite: claims.scores.composite + 1 } });
    expect(await outcome(verifier.verifyAttestation(`${header}.${raised}.${signature}`, jwks))).toBe(
      "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    );
    // One byte of the signature itself.
    const bytes = Buffer.from(signature, "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(await outcome(verifier.verifyAttestation(`${header}.${payload}.${bytes.toString("base64url")}`, jwks))).toBe(
      "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    );
    const stranger = await generateSigningKey();
    const wrongKid = encode({ ...decodeProtectedHeader(jws), kid: stranger.kid });
    expect(await outcome(verifier.verifyAttestation(`${wrongKid}.${payload}.${signature}`, jwks))).toBe("ERR_JWKS_NO_MATCHING_KEY");
    // Our own key, but signed by someone else's private key under our kid.
    const forged = await new CompactSign(Buffer.from(JSON.stringify(claims)))
      .setProtectedHeader(decodeProtectedHeader(jws) as { alg: string })
      .sign(privateKeyOf(stranger));
    expect(await outcome(verifier.verifyAttestation(forged, jwks))).toBe("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
  });

  it("answers NOT_FOUND naming agentId for an unknown agent", async () => {
    const response = await postGraphQL<Data>(system.gatewayUrl, ATTESTATION, { agentId: "00000000-0000-4000-8000-000000000000" });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND", field: "agentId" });
  });

  it("keeps an attestation verifiable across a rotation until it expires, then rejects it, and anything its retired key signs", async () => {
    const file = keySetFile(dataDir);
    const before = await attest(agentId);
    const retiredKey = parseKeySet(readFileSync(file, "utf8")).current;
    const rotated = await rotateKeySetFile(file, new Date(), TTL_SECONDS);

    // Signed before the rotation, verified after it: the retired key is still published.
    const after = await attest(agentId);
    expect(after.kid).toBe(rotated.current.kid);
    expect(after.kid).not.toBe(before.kid);
    const jwks = await verifier.fetchKeys();
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual([retiredKey.kid, rotated.current.kid].sort());
    expect(await outcome(verifier.verifyAttestation(before.jws, jwks))).toBe("verified");
    expect(await outcome(verifier.verifyAttestation(after.jws, jwks))).toBe("verified");

    // Whoever kept the retired private key signs a statement that would not expire for an hour.
    const [, payload] = segments(before.jws);
    const stolen = await new CompactSign(Buffer.from(JSON.stringify({ ...decode(payload), exp: Math.floor(Date.now() / 1000) + 3600 })))
      .setProtectedHeader(decodeProtectedHeader(before.jws) as { alg: string })
      .sign(privateKeyOf(retiredKey));

    // Past every expiry and the retired key's publication.
    const until = Math.max(Date.parse(after.expiresAt), Date.parse(rotated.retired[0]!.verifyUntil)) + 1_100;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
    const later = await verifier.fetchKeys();
    expect(later.keys.map((key) => key.kid)).toEqual([rotated.current.kid]);
    expect(await outcome(verifier.verifyAttestation(after.jws, later))).toBe("ERR_JWT_EXPIRED");
    expect(await outcome(verifier.verifyAttestation(stolen, later))).toBe("ERR_JWKS_NO_MATCHING_KEY");
    expect(await outcome(verifier.verifyAttestation(before.jws, later))).toBe("ERR_JWKS_NO_MATCHING_KEY");
    // With the old JWKS kept from before, an expired attestation is still refused for its expiry.
    expect(await outcome(verifier.verifyAttestation(before.jws, jwks))).toBe("ERR_JWT_EXPIRED");
  });
});
