import { createHmac } from "node:crypto";

/*
 * Signatures as the Standard Webhooks specification defines them (https://www.standardwebhooks.com):
 * the receiver checks `v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`
 * against the secret it was given, and rejects a timestamp too far from its own clock, which is
 * what keeps a captured delivery from being replayed later. Several signatures, space-separated,
 * let a receiver verify with either secret while one is rotated out.
 */

/** What a secret looks like: `whsec_` and the key's bytes in standard base64. */
export const SECRET_PREFIX = "whsec_";

/** The three headers a signed delivery carries. */
export interface SignatureHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The key bytes of a `whsec_…` secret (the prefix is optional, as receivers' libraries accept it). */
function secretKeyBytes(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) throw new Error("a webhook signing secret must hold at least one byte");
  return key;
}

/**
 * The headers for one delivery of `body`, signed with every one of `secrets`. The timestamp is in
 * whole seconds, as sent; `messageId` is the same on every attempt, so receivers de-duplicate on it.
 */
export function signatureHeaders(input: {
  messageId: string;
  timestamp: Date;
  body: string;
  secrets: readonly string[];
}): SignatureHeaders {
  if (input.secrets.length === 0) throw new Error("a delivery needs at least one signing secret");
  const seconds = String(Math.floor(input.timestamp.getTime() / 1000));
  const signed = `${input.messageId}.${seconds}.${input.body}`;
  const signatures = input.secrets.map(
    (secret) => `v1,${createHmac("sha256", secretKeyBytes(secret)).update(signed, "utf8").digest("base64")}`,
  );
  return { "webhook-id": input.messageId, "webhook-timestamp": seconds, "webhook-signature": signatures.join(" ") };
}
