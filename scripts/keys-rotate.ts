import { parseArgs } from "node:util";
import { config } from "../lib/platform/config.js";
import { generateSigningKey, keySetFile, publishedRetired, rotateKeySet, rotateKeySetFile } from "../lib/platform/signing-keys.js";

// Rotates the attestation signing keys (docs/attestations.md, "Rotation and retirement"): the
// data folder's key file in place, or, with --from-env, ATTESTATION_SIGNING_KEYS printed rotated
// for the production secret (a new set when there is none yet). The old key stays in the JWKS for
// ATTESTATION_TTL_SECONDS, and among the log keys for good.
const { values } = parseArgs({ options: { "from-env": { type: "boolean", default: false } } });
const settings = config();
const now = new Date();
if (values["from-env"]) {
  // Without a key set yet (a stage's first deploy), a new one with its first key.
  const current = settings.attestation.signingKeys;
  const next = current
    ? await rotateKeySet(current, now, settings.attestation.ttlSeconds)
    : { current: await generateSigningKey(), retired: [] };
  process.stdout.write(`${JSON.stringify(next)}\n`);
} else {
  const file = keySetFile(settings.dataDir);
  const rotated = await rotateKeySetFile(file, now, settings.attestation.ttlSeconds);
  const published = publishedRetired(rotated, now).length;
  console.log(
    `${file}: signing with ${rotated.current.kid}; ${published} retired key(s) still in the JWKS, ${rotated.retired.length} among the log keys`,
  );
}
