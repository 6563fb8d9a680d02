import { randomBytes } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signatureHeaders } from "../standard-webhooks.js";

const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const body = JSON.stringify({ type: "trust.changed", position: 7, data: { score: "ünïcode ✓" } });

// The receiver is the `standardwebhooks` package, not this project's code: what a partner runs.
describe("signatureHeaders, checked by the standardwebhooks package", () => {
  it("signs a body that the package verifies and parses", () => {
    const secret = newSecret();
    const headers = signatureHeaders({ messageId: "msg_1", timestamp: new Date(), body, secrets: [secret] });

    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(headers["webhook-id"]).toBe("msg_1");
    expect(headers["webhook-timestamp"]).toMatch(/^\d+$/);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it("gives the signature the package computes itself, in whole seconds", () => {
    const secret = newSecret();
    const at = new Date("2026-03-01T12:00:00.987Z");
    const headers = signatureHeaders({ messageId: "msg_2", timestamp: at, body, secrets: [secret] });

    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(headers["webhook-signature"]).toBe(new Webhook(secret).sign("msg_2", at, body));
  });

  it("signs with every secret given, so that either verifies during a rotation", () => {
    const [current, previous] = [newSecret(), newSecret()];
    const headers = signatureHeaders({ messageId: "msg_3", timestamp: new Date(), body, secrets: [current, previous] });

    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("is refused for an altered body, another id, or an old timestamp", () => {
    const secret = newSecret();
    const receiver = new Webhook(secret);
    const fresh = signatureHeaders({ messageId: "msg_4", timestamp: new Date(), body, secrets: [secret] });
    const old = signatureHeaders({ messageId: "msg_4", timestamp: new Date(Date.now() - 10 * 60_000), body, secrets: [secret] });

    expect(() => receiver.verify(body.replace("7", "8"), fresh)).toThrow("No matching signature found");
    expect(() => receiver.verify(body, { ...fresh, "webhook-id": "msg_5" })).toThrow("No matching signature found");
    expect(() => receiver.verify(body, old)).toThrow("Message timestamp too old");
  });

  it("refuses to sign with no secret", () => {
    expect(() => signatureHeaders({ messageId: "msg_6", timestamp: new Date(), body, secrets: [] })).toThrow("at least one signing secret");
  });
});
