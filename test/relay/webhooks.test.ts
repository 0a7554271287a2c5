import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  computeSignature,
  createWebhookSigner,
  generateSecret,
  secretKey,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookVerificationReason,
} from "../../sdk/webhooks.ts";
import { WebhookVerificationError as ExportedFromIndex } from "../../sdk/index.ts";

// The published test vector of the Standard Webhooks reference libraries:
// standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, test "sign function works"
// (the same vector is in the PHP, Python, Go… libraries' tests).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const VECTOR_NOW = VECTOR.timestamp;

function codeOf(fn: () => unknown): WebhookVerificationReason | "none" {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      expect(error.code).toBe("webhook_invalid");
      return error.reason as WebhookVerificationReason;
    }
    throw error;
  }
  return "none";
}

describe("Standard Webhooks test vector", () => {
  it("signWebhook reproduces the reference signature exactly", () => {
    const headers = signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: [VECTOR.secret] });
    expect(headers).toEqual({
      "webhook-id": VECTOR.id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": VECTOR.signature,
    });
    expect(computeSignature(VECTOR.secret, VECTOR.id, new Date(VECTOR.timestamp * 1000), Buffer.from(VECTOR.body))).toBe(VECTOR.signature);
    expect(signWebhook({ secret: VECTOR.secret, id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body })).toBe(VECTOR.signature);
    // The key is the base64-DECODED part of the secret (not the text): an independent HMAC agrees.
    const independent = createHmac("sha256", Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64"))
      .update(`${VECTOR.id}.${VECTOR.timestamp}.${VECTOR.body}`)
      .digest("base64");
    expect(`v1,${independent}`).toBe(VECTOR.signature);
  });

  it("verifyWebhook accepts the reference headers at their time, with or without the whsec_ prefix", () => {
    const headers = { "webhook-id": VECTOR.id, "webhook-timestamp": String(VECTOR.timestamp), "webhook-signature": VECTOR.signature };
    const verified = verifyWebhook(VECTOR.secret, headers, VECTOR.body, { now: VECTOR_NOW });
    expect(verified).toEqual({ id: VECTOR.id, timestamp: VECTOR.timestamp, payload: { test: 2432232314 } });
    expect(verifyWebhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", headers, Buffer.from(VECTOR.body), { now: new Date(VECTOR.timestamp * 1000) }).id).toBe(VECTOR.id);
    expect(verifyWebhook({ secret: VECTOR.secret, headers, body: VECTOR.body, now: VECTOR_NOW }).payload).toEqual({ test: 2432232314 });
  });

  it("header names are case-insensitive and fetch Headers work", () => {
    const signed = signWebhook({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: VECTOR.secret });
    const upper = { "Webhook-Id": signed["webhook-id"], "WEBHOOK-TIMESTAMP": signed["webhook-timestamp"], "Webhook-Signature": signed["webhook-signature"] };
    expect(verifyWebhook(VECTOR.secret, upper, VECTOR.body, { now: VECTOR_NOW }).timestamp).toBe(VECTOR.timestamp);
    expect(verifyWebhook(VECTOR.secret, new Headers(signed), VECTOR.body, { now: VECTOR_NOW }).timestamp).toBe(VECTOR.timestamp);
  });
});

describe("verifyWebhook rejects", () => {
  const secret = generateSecret();
  const now = 1_700_000_000;
  const ts = now;
  const body = JSON.stringify({ type: "task.claimed", data: { taskId: "7", epoch: "3" } });
  const signed = signWebhook({ id: "msg_abc", timestamp: ts, body, secrets: [secret] });

  it("a tampered body (one byte, appended whitespace, re-serialized JSON)", () => {
    expect(codeOf(() => verifyWebhook(secret, signed, body.replace('"7"', '"8"'), { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, signed, `${body} `, { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, signed, JSON.stringify(JSON.parse(body), null, 2), { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, signed, body, { now }))).toBe("none");
  });

  it("a tampered id or timestamp (both are signed)", () => {
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-id": "msg_abd" }, body, { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-timestamp": String(ts + 1) }, body, { now }))).toBe("no_matching_signature");
  });

  it("a wrong secret (and a secret that differs only in its whsec_ text, not its key, still verifies)", () => {
    expect(codeOf(() => verifyWebhook(generateSecret(), signed, body, { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret.slice("whsec_".length), signed, body, { now }))).toBe("none");
  });

  it("old and future timestamps beyond the tolerance, and accepts the exact bounds", () => {
    for (const [offset, code, direction] of [
      [-301, "stale_timestamp", "old"],
      [-300, "none", undefined],
      [300, "none", undefined],
      [301, "stale_timestamp", "future"],
      [-86_400, "stale_timestamp", "old"],
    ] as const) {
      const headers = signWebhook({ id: "msg_abc", timestamp: ts + offset, body, secrets: [secret] });
      expect(codeOf(() => verifyWebhook(secret, headers, body, { now })), `offset ${offset}`).toBe(code);
      if (direction) {
        const error = (() => {
          try {
            verifyWebhook(secret, headers, body, { now });
          } catch (e) {
            return e as WebhookVerificationError;
          }
        })();
        expect(error?.details.direction).toBe(direction);
      }
    }
    const old = signWebhook({ id: "msg_abc", timestamp: ts - 301, body, secrets: [secret] });
    expect(codeOf(() => verifyWebhook(secret, old, body, { now, toleranceSeconds: 600 }))).toBe("none");
    expect(codeOf(() => verifyWebhook(secret, signed, body, { now: now + 10, toleranceSeconds: 5 }))).toBe("stale_timestamp");
  });

  it("missing headers, naming them", () => {
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"] as const) {
      const headers: Record<string, string> = { ...signed };
      delete headers[name];
      let error: unknown;
      try {
        verifyWebhook(secret, headers, body, { now });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect((error as WebhookVerificationError).reason).toBe("missing_header");
      expect((error as WebhookVerificationError).details.missing).toEqual([name]);
    }
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": "" }, body, { now }))).toBe("missing_header");
  });

  it("malformed headers: timestamps that are not integers, signatures without `version,`", () => {
    for (const bad of ["hello", "1700000000abc", "1.7e9", "-1700000000", "0x6553f100"]) {
      expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-timestamp": bad }, body, { now })), bad).toBe("bad_timestamp");
    }
    for (const bad of ["v1,", "nocomma", ",abc"]) {
      expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": bad }, body, { now })), bad).toBe("malformed_signature");
    }
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": "   " }, body, { now }))).toBe("missing_header");
  });

  it("truncated, padded and wrong-version signatures", () => {
    const sig = signed["webhook-signature"];
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": sig.slice(0, 8) }, body, { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": sig.slice(0, -1) }, body, { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": `${sig}AA` }, body, { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": sig.replace("v1,", "v2,") }, body, { now }))).toBe("no_matching_signature");
    expect(codeOf(() => verifyWebhook(secret, { ...signed, "webhook-signature": sig.replace("v1,", "v1a,") }, body, { now }))).toBe("no_matching_signature");
  });
});

describe("multiple signatures and rotation", () => {
  const now = 1_700_000_000;
  const ts = now;
  const body = '{"type":"lock.acquired"}';

  it("the reference multi-signature header (junk, v2, the valid one, junk) verifies", () => {
    const valid = signWebhook({ id: "msg_x", timestamp: ts, body, secrets: [VECTOR.secret] })["webhook-signature"];
    const header = ["v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", valid, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="].join(" ");
    expect(verifyWebhook(VECTOR.secret, { "webhook-id": "msg_x", "webhook-timestamp": String(ts), "webhook-signature": header }, body, { now }).id).toBe("msg_x");
  });

  it("a rotation signs with every secret; a receiver holding either one (or both) verifies", () => {
    const current = generateSecret();
    const previous = generateSecret();
    const headers = signWebhook({ id: "msg_rot", timestamp: ts, body, secrets: [current, previous] });
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(computeSignature(current, "msg_rot", ts, body));
    expect(parts[1]).toBe(computeSignature(previous, "msg_rot", ts, body));
    expect(verifyWebhook(current, headers, body, { now }).id).toBe("msg_rot");
    expect(verifyWebhook(previous, headers, body, { now }).id).toBe("msg_rot");
    expect(verifyWebhook([generateSecret(), previous], headers, body, { now }).id).toBe("msg_rot");
    expect(codeOf(() => verifyWebhook([generateSecret(), generateSecret()], headers, body, { now }))).toBe("no_matching_signature");
    // Only the current one once the previous one expired.
    const after = signWebhook({ id: "msg_rot", timestamp: ts, body, secrets: [current] });
    expect(codeOf(() => verifyWebhook(previous, after, body, { now }))).toBe("no_matching_signature");
  });

  it("createWebhookSigner (cached KeyObjects, used by the relay) signs exactly like signWebhook, vector included", () => {
    const sign = createWebhookSigner(2);
    expect(sign({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: [VECTOR.secret] })["webhook-signature"]).toBe(VECTOR.signature);
    const secrets = [generateSecret(), generateSecret(), generateSecret()];
    // More secrets than the cache holds, each used twice (hit and miss paths), rotation pairs too.
    for (const round of [1, 2]) {
      for (let i = 0; i < secrets.length; i++) {
        const input = { id: `msg_${round}_${i}`, timestamp: ts + round, body, secrets: [secrets[i]!, secrets[(i + 1) % secrets.length]!] };
        expect(sign(input)).toEqual(signWebhook(input));
      }
    }
    expect(() => sign({ id: "bad.id", timestamp: ts, body, secrets: [secrets[0]!] })).toThrow(TypeError);
    expect(() => sign({ id: "msg_x", timestamp: ts, body, secrets: [] })).toThrow(TypeError);
    expect(codeOf(() => sign({ id: "msg_x", timestamp: ts, body, secrets: ["whsec_not base64!"] }))).toBe("bad_secret");
  });

  it("duplicate secrets sign once", () => {
    const secret = generateSecret();
    expect(signWebhook({ id: "msg_d", timestamp: ts, body, secrets: [secret, secret] })["webhook-signature"].split(" ")).toHaveLength(1);
  });
});

describe("secrets and inputs", () => {
  it("generateSecret: whsec_ + base64 of 32 random bytes by default, 24-64 allowed", () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(a)).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
    expect(secretKey(generateSecret(24))).toHaveLength(24);
    expect(secretKey(generateSecret(64))).toHaveLength(64);
    expect(() => generateSecret(16)).toThrow(RangeError);
  });

  it("rejects unusable secrets (reason bad_secret), also with an empty list", () => {
    for (const bad of ["", "whsec_", "whsec_not base64!", "whsec_abc", "whsec_-_-_"]) {
      expect(codeOf(() => secretKey(bad)), bad).toBe("bad_secret");
      expect(codeOf(() => signWebhook({ id: "msg_1", timestamp: 1, body: "{}", secrets: [bad] })), bad).toBe("bad_secret");
    }
    expect(codeOf(() => verifyWebhook([], { "webhook-id": "a", "webhook-timestamp": "1", "webhook-signature": "v1,x" }, "{}"))).toBe("bad_secret");
    expect(() => signWebhook({ id: "msg_1", timestamp: 1, body: "{}", secrets: [] })).toThrow(TypeError);
    expect(secretKey(new Uint8Array([1, 2, 3]))).toEqual(Buffer.from([1, 2, 3]));
  });

  it("throws the class sdk/index.ts exports (instanceof works for SDK users)", () => {
    expect(() => verifyWebhook(generateSecret(), {}, "{}")).toThrow(ExportedFromIndex);
  });

  it("rejects ids with '.' or whitespace and bad timestamps when signing", () => {
    const secret = generateSecret();
    for (const id of ["", "msg.1", "msg 1", "x".repeat(257)]) {
      expect(() => signWebhook({ id, timestamp: 1, body: "{}", secrets: [secret] }), id).toThrow(TypeError);
    }
    for (const timestamp of [-1, 1.5, Number.NaN]) {
      expect(() => signWebhook({ id: "msg_1", timestamp, body: "{}", secrets: [secret] })).toThrow(TypeError);
    }
  });

  it("signs raw bytes: a Uint8Array view and the same string agree; a correctly signed non-JSON body is bad_body", () => {
    const secret = generateSecret();
    const text = '{"emoji":"🤖"}';
    const backing = Buffer.concat([Buffer.from("xx"), Buffer.from(text), Buffer.from("yy")]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, Buffer.byteLength(text));
    const a = signWebhook({ id: "msg_b", timestamp: 10, body: text, secrets: [secret] });
    expect(signWebhook({ id: "msg_b", timestamp: 10, body: view, secrets: [secret] })).toEqual(a);
    expect(verifyWebhook(secret, a, view, { now: 10 }).payload).toEqual({ emoji: "🤖" });
    const plain = signWebhook({ id: "msg_p", timestamp: 10, body: "not json", secrets: [secret] });
    expect(codeOf(() => verifyWebhook(secret, plain, "not json", { now: 10 }))).toBe("bad_body");
    expect(codeOf(() => verifyWebhook(generateSecret(), plain, "not json", { now: 10 }))).toBe("no_matching_signature");
  });

  it("round-trips random ids, bodies and secrets; any single-byte change of the body fails", () => {
    for (let i = 0; i < 40; i++) {
      const secret = generateSecret(24 + (i % 41));
      const id = `msg_${Math.random().toString(36).slice(2)}`;
      const body = Buffer.from(JSON.stringify({ i, blob: Array.from({ length: 1 + i * 7 }, () => Math.floor(Math.random() * 1e9)) }));
      const headers = signWebhook({ id, timestamp: 1_000 + i, body, secrets: [secret] });
      expect(verifyWebhook(secret, headers, body, { now: 1_000 + i }).id).toBe(id);
      const tampered = Buffer.from(body);
      const at = i % tampered.length;
      tampered[at] = tampered[at]! ^ 1;
      expect(codeOf(() => verifyWebhook(secret, headers, tampered, { now: 1_000 + i }))).toBe("no_matching_signature");
    }
  });
});
