/**
 * Standard Webhooks v1 for agents that receive the relay's deliveries:
 *
 *   const event = verifyWebhook({ secret: "whsec_…", headers: req.headers, body: rawBodyString });
 *
 * Headers `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature` (space-separated
 * `v1,<base64 HMAC-SHA256>` entries: one per valid secret while a secret is rotated). The signed content is
 * `${id}.${timestamp}.${body}` with the raw body, keyed by the base64 bytes after the `whsec_` prefix.
 * Verify the raw body before parsing it (a re-serialised JSON body does not verify), reject timestamps more
 * than `toleranceSeconds` away from now, and deduplicate by `webhook-id` (deliveries are at-least-once).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "./errors.ts";

/** Request headers: a fetch `Headers` or Node's `IncomingHttpHeaders`-like record. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export type VerifiedWebhook<payload = unknown> = {
  /** `webhook-id`: the same on every retry of a delivery; use it to deduplicate. */
  id: string;
  /** `webhook-timestamp`, unix seconds. */
  timestamp: number;
  /** The parsed JSON body. */
  payload: payload;
};

export type VerifyWebhookOptions = {
  /** `whsec_…` (or several, e.g. while rotating your own copy). */
  secret: string | readonly string[];
  headers: WebhookHeaders;
  /** The raw request body, exactly as received. */
  body: string | Uint8Array;
  /** Max distance between the timestamp and now (default 300 s). */
  toleranceSeconds?: number;
  /** Now, in unix seconds (tests). */
  now?: number;
};

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) throw new WebhookVerificationError("bad_secret", "The webhook secret is empty or not base64 (expected whsec_<base64>)");
  return key;
}

const bodyText = (body: string | Uint8Array) => (typeof body === "string" ? body : Buffer.from(body).toString("utf8"));

/** The `webhook-signature` value (`v1,<base64>`) of a delivery: for tests and for senders. */
export function signWebhook({ secret, id, timestamp, body }: { secret: string; id: string; timestamp: number; body: string | Uint8Array }): string {
  const mac = createHmac("sha256", secretKey(secret)).update(`${id}.${timestamp}.${bodyText(body)}`).digest("base64");
  return `v1,${mac}`;
}

/** Verifies a delivery and returns its id, timestamp and parsed body; throws WebhookVerificationError. */
export function verifyWebhook<payload = unknown>(options: VerifyWebhookOptions): VerifiedWebhook<payload> {
  const { headers, body, toleranceSeconds = 300, now = Math.floor(Date.now() / 1000) } = options;
  const id = header(headers, "webhook-id");
  const timestampText = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestampText || !signatures) {
    throw new WebhookVerificationError("missing_header", "Missing webhook-id, webhook-timestamp or webhook-signature header");
  }
  if (!/^\d+$/.test(timestampText)) throw new WebhookVerificationError("bad_timestamp", `webhook-timestamp is not unix seconds: ${timestampText}`);
  const timestamp = Number(timestampText);
  if (Math.abs(now - timestamp) > toleranceSeconds) {
    throw new WebhookVerificationError("stale_timestamp", `webhook-timestamp ${timestamp} is more than ${toleranceSeconds} s from now (${now})`, { timestamp, now });
  }
  const secrets = typeof options.secret === "string" ? [options.secret] : options.secret;
  const expected = secrets.map((secret) => Buffer.from(signWebhook({ secret, id, timestamp, body }).slice(3), "base64"));
  const matched = signatures
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .some((entry) => {
      const given = Buffer.from(entry.slice(3), "base64");
      return expected.some((mac) => mac.length === given.length && timingSafeEqual(mac, given));
    });
  if (!matched) throw new WebhookVerificationError("no_matching_signature", "No v1 signature of this delivery matches the secret", { id });
  let payload: payload;
  try {
    payload = JSON.parse(bodyText(body)) as payload;
  } catch {
    throw new WebhookVerificationError("bad_body", "The webhook body is not JSON", { id });
  }
  return { id, timestamp, payload };
}
