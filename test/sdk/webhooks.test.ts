/** Standard Webhooks v1 verification: the spec's test vector, rotation, tampering, staleness, headers. */
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhook, WebhookVerificationError } from "../../sdk/index.ts";

// The example from the Standard Webhooks specification.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const headers = (signature = SIGNATURE, timestamp = String(TS)) => ({ "webhook-id": ID, "webhook-timestamp": timestamp, "webhook-signature": signature });

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).reason;
  }
  return undefined;
}

describe("webhooks", () => {
  it("signs the specification's example exactly", () => {
    expect(signWebhook({ secret: SECRET, id: ID, timestamp: TS, body: BODY })).toBe(SIGNATURE);
  });

  it("verifies it (record headers, fetch Headers, bytes body) and parses the body", () => {
    expect(verifyWebhook({ secret: SECRET, headers: headers(), body: BODY, now: TS + 10 })).toEqual({ id: ID, timestamp: TS, payload: { test: 2432232314 } });
    const fetchHeaders = new Headers(headers());
    expect(verifyWebhook({ secret: SECRET, headers: fetchHeaders, body: new TextEncoder().encode(BODY), now: TS }).id).toBe(ID);
    // Node lower-cases header names, but a hand-made record may not
    expect(verifyWebhook({ secret: SECRET, headers: { "Webhook-Id": ID, "Webhook-Timestamp": String(TS), "Webhook-Signature": SIGNATURE }, body: BODY, now: TS }).id).toBe(ID);
  });

  it("accepts any matching signature among several (secret rotation) and any of several secrets", () => {
    const other = "whsec_" + Buffer.from("another secret of 32 bytes......").toString("base64");
    const rotated = `${signWebhook({ secret: other, id: ID, timestamp: TS, body: BODY })} ${SIGNATURE}`;
    expect(verifyWebhook({ secret: SECRET, headers: headers(rotated), body: BODY, now: TS }).id).toBe(ID);
    expect(verifyWebhook({ secret: [other, SECRET], headers: headers(), body: BODY, now: TS }).id).toBe(ID);
  });

  it("rejects a tampered body, another id, a wrong secret, a stale or malformed timestamp, missing headers", () => {
    const now = TS;
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: headers(), body: '{"test": 1}', now }))).toBe("no_matching_signature");
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: { ...headers(), "webhook-id": "msg_other" }, body: BODY, now }))).toBe("no_matching_signature");
    expect(reasonOf(() => verifyWebhook({ secret: "whsec_" + Buffer.from("x".repeat(32)).toString("base64"), headers: headers(), body: BODY, now }))).toBe("no_matching_signature");
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: headers("v2,abc"), body: BODY, now }))).toBe("no_matching_signature");
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: headers(), body: BODY, now: TS + 301 }))).toBe("stale_timestamp");
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: headers(), body: BODY, now: TS - 301 }))).toBe("stale_timestamp");
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: headers(SIGNATURE, "12.5"), body: BODY, now }))).toBe("bad_timestamp");
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: { "webhook-id": ID }, body: BODY, now }))).toBe("missing_header");
    expect(reasonOf(() => verifyWebhook({ secret: "whsec_", headers: headers(), body: BODY, now }))).toBe("bad_secret");
  });

  it("rejects a correctly signed body that is not JSON", () => {
    const body = "not json";
    const signature = signWebhook({ secret: SECRET, id: ID, timestamp: TS, body });
    expect(reasonOf(() => verifyWebhook({ secret: SECRET, headers: headers(signature), body, now: TS }))).toBe("bad_body");
  });
});
