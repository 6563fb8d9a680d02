import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { keySetFile, parseKeySet } from "../../lib/platform/signing-keys.js";

/*
 * `npm run keys:rotate`, run as an operator runs it (docs/attestations.md, "Rotation and
 * retirement"): the data folder's key file rotated in place, and with --from-env the production
 * secret printed rotated, or created for a stage's first deploy.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), "keys-rotate-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function rotate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { ATTESTATION_SIGNING_KEYS: _inherited, ...inherited } = process.env;
  return promisify(execFile)("npm", ["run", "-s", "keys:rotate", "--", ...args], {
    env: { ...inherited, LOG_LEVEL: "warn", ATTESTATION_TTL_SECONDS: "600", ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (failed: { code: number; stdout: string; stderr: string }) => failed,
  );
}

describe("npm run keys:rotate", () => {
  it("rotates the data folder's key file in place, 0600, the old key retired with its public half only", async () => {
    const first = await rotate([], { DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    const file = keySetFile(dataDir);
    const once = parseKeySet(readFileSync(file, "utf8"));
    expect(first.stdout).toContain(`signing with ${once.current.kid}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await rotate([], { DATA_DIR: dataDir });
    expect(second.code).toBe(0);
    const twice = parseKeySet(readFileSync(file, "utf8"));
    expect(twice.current.kid).not.toBe(once.current.kid);
    expect(twice.retired.map((key) => key.jwk.kid)).toEqual([once.current.kid, ...once.retired.map((key) => key.jwk.kid)]);
    const [retired] = twice.retired;
    expect(Date.parse(retired!.verifyUntil) - Date.parse(retired!.retiredAt)).toBe(600_000);
    expect(readFileSync(file, "utf8")).not.toContain(once.current.d);
    expect(second.stdout).toContain("still in the JWKS");
  });

  it("with --from-env prints a first key set, then that set rotated, and writes no file", async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), "keys-rotate-env-"));
    try {
      const created = await rotate(["--from-env"], { DATA_DIR: elsewhere });
      expect(created.code).toBe(0);
      const first = parseKeySet(created.stdout);
      expect(first.retired).toEqual([]);

      const rotated = await rotate(["--from-env"], { DATA_DIR: elsewhere, ATTESTATION_SIGNING_KEYS: created.stdout.trim() });
      expect(rotated.code).toBe(0);
      const next = parseKeySet(rotated.stdout);
      expect(next.current.kid).not.toBe(first.current.kid);
      expect(next.retired.map((key) => key.jwk.kid)).toEqual([first.current.kid]);
      expect(rotated.stdout).not.toContain(first.current.d);
      expect(() => statSync(keySetFile(elsewhere))).toThrow();
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("refuses a damaged ATTESTATION_SIGNING_KEYS without printing a key set", async () => {
    const refused = await rotate(["--from-env"], { DATA_DIR: dataDir, ATTESTATION_SIGNING_KEYS: '{"current":{}}' });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("ATTESTATION_SIGNING_KEYS");
  });
});
