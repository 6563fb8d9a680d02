import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { endpointSecret, signingSecrets } from "../webhook-secret.js";

/* Endpoints' signing secrets: derived, never stored, and which of them sign a delivery when. */

const KEY = "k".repeat(32);
const ID = "6f1c2a9e-4b7d-4e0a-9c3f-2d8e5b1a7c40";

describe("endpointSecret", () => {
  it("is whsec_ and the base64 of HMAC-SHA256(key, '<id>:<generation>'): 32 bytes", () => {
    const secret = endpointSecret(KEY, ID, 1);

    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const bytes = Buffer.from(secret.slice("whsec_".length), "base64");
    expect(bytes).toHaveLength(32);
    expect(bytes.equals(createHmac("sha256", KEY).update(`${ID}:1`).digest())).toBe(true);
  });

  it("is the same every time, and differs with the key, the endpoint and the generation", () => {
    const secret = endpointSecret(KEY, ID, 1);

    expect(endpointSecret(KEY, ID, 1)).toBe(secret);
    const others = [
      endpointSecret("l".repeat(32), ID, 1),
      endpointSecret(KEY, "6f1c2a9e-4b7d-4e0a-9c3f-2d8e5b1a7c41", 1),
      endpointSecret(KEY, ID, 2),
    ];
    expect(new Set([secret, ...others]).size).toBe(4);
  });
});

describe("signingSecrets", () => {
  const at = new Date("2026-03-01T12:00:00.000Z");
  const later = (ms: number) => new Date(at.getTime() + ms);

  it("is the current secret alone for an endpoint never rotated", () => {
    const endpoint = { id: ID, secretGeneration: 1, previousSecretGeneration: null, previousSecretUntil: null };

    expect(signingSecrets(endpoint, KEY, at)).toEqual([endpointSecret(KEY, ID, 1)]);
  });

  it("adds the previous secret until its grace ends, and drops it from that instant", () => {
    const endpoint = { id: ID, secretGeneration: 3, previousSecretGeneration: 2, previousSecretUntil: later(3600_000) };

    expect(signingSecrets(endpoint, KEY, at)).toEqual([endpointSecret(KEY, ID, 3), endpointSecret(KEY, ID, 2)]);
    expect(signingSecrets(endpoint, KEY, later(3599_999))).toHaveLength(2);
    expect(signingSecrets(endpoint, KEY, later(3600_000))).toEqual([endpointSecret(KEY, ID, 3)]);
  });
});
