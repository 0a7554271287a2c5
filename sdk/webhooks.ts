/**
 * Standard Webhooks v1 (https://www.standardwebhooks.com, spec/standard-webhooks.md): what the Concord relay
 * signs every webhook with, and what an agent uses to verify one.
 *
 * - Headers: `webhook-id` (stable across retries: the idempotency key), `webhook-timestamp` (unix seconds of
 *   this attempt), `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>`, one per valid secret).
 * - Signed content: the bytes of `"<webhook-id>.<webhook-timestamp>."` followed by the raw body bytes.
 * - Secrets: `whsec_` + base64 of the key (the HMAC key is the decoded bytes). During a rotation the relay
 *   signs with the current and the previous secret; a receiver holding either one verifies.
 *
 * Node only (node:crypto); no Hardhat, no viem.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** The reference libraries' default tolerance between the sender's and the receiver's clocks. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

/** Stable codes of a failed verification (branch on these, never on the message). */
export type WebhookVerificationErrorCode =
  | "missing_header"
  | "malformed_header"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature";

/** The request is not an authentic, fresh webhook: answer it with 401 (or 400) and do not process it. */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: WebhookVerificationErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "WebhookVerificationError";
    this.code = code;
    this.details = details;
  }
}

/** A secret (or a signing input) is unusable: a configuration or programming error, not a forged request. */
export class WebhookSecretError extends Error {
  readonly code = "invalid_secret" as const;

  constructor(message: string) {
    super(message);
    this.name = "WebhookSecretError";
  }
}

/** Canonical (padded, standard alphabet) base64; Buffer.from(…, "base64") alone silently skips junk. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a secret: `whsec_<base64>` (or the bare base64, as the reference libraries accept), or raw
 * key bytes. Throws WebhookSecretError when it is empty or not base64.
 */
export function secretKey(secret: string | Uint8Array): Buffer {
  if (secret instanceof Uint8Array) {
    if (secret.length === 0) throw new WebhookSecretError("The webhook secret is empty");
    return Buffer.from(secret);
  }
  if (typeof secret !== "string") throw new WebhookSecretError("The webhook secret must be a string (whsec_…) or bytes");
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (encoded.length === 0 || !BASE64.test(encoded)) {
    throw new WebhookSecretError("The webhook secret must be whsec_ followed by base64 (standard alphabet, padded)");
  }
  return Buffer.from(encoded, "base64");
}

/** A new random secret: `whsec_` + base64 of `bytes` random bytes (the spec asks for 24 to 64). */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 24 || bytes > 64) throw new WebhookSecretError("A webhook secret has 24 to 64 bytes");
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(bytes).toString("base64")}`;
}

function bodyBytes(body: string | Uint8Array): Buffer {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new WebhookSecretError("The webhook body must be a string or bytes (the raw body, never re-serialized JSON)");
}

function unixSeconds(timestamp: number | Date): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp;
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new WebhookSecretError("The webhook timestamp must be a non-negative integer of unix seconds");
  return seconds;
}

/** base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")) — without the `v1,` prefix. */
function hmac(key: Buffer, id: string, timestamp: number, body: Buffer): string {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`, "utf8").update(body).digest("base64");
}

/** One `v1,<base64>` signature of a message with one secret. */
export function computeSignature(secret: string | Uint8Array, id: string, timestamp: number | Date, body: string | Uint8Array): string {
  return `v1,${hmac(secretKey(secret), id, unixSeconds(timestamp), bodyBytes(body))}`;
}

export type SignWebhookInput = {
  /** The webhook-id: the same on every retry of one delivery (the receiver's idempotency key). */
  id: string;
  /** Unix seconds of this attempt (or a Date). */
  timestamp: number | Date;
  /** The exact bytes that are sent as the body. */
  body: string | Uint8Array;
  /** Every secret that signs (current first, then the previous one during a rotation); at least one. */
  secrets: string | readonly string[];
};

/** The three Standard Webhooks headers of one attempt: one `v1,` signature per (distinct) secret. */
export function signWebhook({ id, timestamp, body, secrets }: SignWebhookInput): WebhookHeaders {
  // The spec: the id must not be caller-controlled or contain "." (it delimits the signed content).
  if (typeof id !== "string" || id.length === 0 || id.length > 256 || /[.\s]/.test(id)) {
    throw new WebhookSecretError("The webhook id must be 1-256 characters without '.' or whitespace");
  }
  const list = [...new Set(typeof secrets === "string" ? [secrets] : secrets)];
  if (list.length === 0) throw new WebhookSecretError("signWebhook needs at least one secret");
  const seconds = unixSeconds(timestamp);
  const bytes = bodyBytes(body);
  const signatures = list.map((secret) => `v1,${hmac(secretKey(secret), id, seconds, bytes)}`);
  return { "webhook-id": id, "webhook-timestamp": String(seconds), "webhook-signature": signatures.join(" ") };
}

/** Headers as fetch's `Headers`, Node's IncomingHttpHeaders or a plain record (names case-insensitive). */
export type HeadersLike = Headers | { get(name: string): string | null } | Record<string, string | readonly string[] | undefined>;

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (key.toLowerCase() !== name) continue;
    if (value === undefined) return undefined;
    return typeof value === "string" ? value : value.join(" ");
  }
  return undefined;
}

export type VerifyWebhookOptions = {
  /** Maximum distance, in seconds, between webhook-timestamp and now, in both directions (default 300). */
  toleranceSeconds?: number;
  /** The current time: a Date or epoch MILLISECONDS (Date.now()); default now. */
  now?: Date | number;
};

export type VerifiedWebhook = {
  /** webhook-id: deduplicate on it (the relay retries with the same id). */
  id: string;
  /** webhook-timestamp, unix seconds. */
  timestamp: number;
  /** The raw body as text. */
  body: string;
  /** The body parsed as JSON (undefined when it is empty or not JSON). */
  payload: unknown;
};

/** A base64 HMAC-SHA256 digest is always 44 characters. */
const SIGNATURE_LENGTH = 44;

/**
 * Verifies a webhook against one secret or several (e.g. yours before and after you rotated it): the three
 * headers are present and well-formed, the timestamp is within `toleranceSeconds` of now, and at least one
 * `v1` signature of the header matches one secret (constant-time). Throws WebhookVerificationError otherwise.
 * Pass the RAW body (the bytes received), not JSON re-serialized by a framework.
 */
export function verifyWebhook(
  secretOrSecrets: string | Uint8Array | readonly (string | Uint8Array)[],
  headers: HeadersLike,
  rawBody: string | Uint8Array,
  { toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS, now = Date.now() }: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const secrets: readonly (string | Uint8Array)[] = Array.isArray(secretOrSecrets)
    ? (secretOrSecrets as readonly (string | Uint8Array)[])
    : [secretOrSecrets as string | Uint8Array];
  if (secrets.length === 0) throw new WebhookSecretError("verifyWebhook needs at least one secret");
  const keys = secrets.map(secretKey);
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) throw new WebhookSecretError("toleranceSeconds must be a non-negative number");

  const id = header(headers, "webhook-id");
  const timestampText = header(headers, "webhook-timestamp");
  const signatureText = header(headers, "webhook-signature");
  const missing = [
    ...(id ? [] : ["webhook-id"]),
    ...(timestampText ? [] : ["webhook-timestamp"]),
    ...(signatureText ? [] : ["webhook-signature"]),
  ];
  if (missing.length > 0 || !id || !timestampText || !signatureText) {
    throw new WebhookVerificationError("missing_header", `Missing webhook header(s): ${missing.join(", ")}`, { missing });
  }
  if (!/^\d{1,15}$/.test(timestampText.trim())) {
    throw new WebhookVerificationError("malformed_header", "webhook-timestamp is not an integer of unix seconds", { header: "webhook-timestamp" });
  }
  const timestamp = Number(timestampText.trim());
  const nowSeconds = Math.floor((now instanceof Date ? now.getTime() : now) / 1000);
  if (nowSeconds - timestamp > toleranceSeconds) {
    throw new WebhookVerificationError("timestamp_too_old", `webhook-timestamp is ${nowSeconds - timestamp} s old (tolerance ${toleranceSeconds} s)`, { timestamp, now: nowSeconds });
  }
  if (timestamp - nowSeconds > toleranceSeconds) {
    throw new WebhookVerificationError("timestamp_too_new", `webhook-timestamp is ${timestamp - nowSeconds} s in the future (tolerance ${toleranceSeconds} s)`, { timestamp, now: nowSeconds });
  }

  const candidates = signatureText
    .split(" ")
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const comma = entry.indexOf(",");
      return comma < 0 ? { version: "", signature: "" } : { version: entry.slice(0, comma), signature: entry.slice(comma + 1) };
    });
  if (!candidates.some((c) => c.version.length > 0 && c.signature.length > 0)) {
    throw new WebhookVerificationError("malformed_header", "webhook-signature has no `<version>,<signature>` entry", { header: "webhook-signature" });
  }

  const bytes = bodyBytes(rawBody);
  const expected = keys.map((key) => Buffer.from(hmac(key, id, timestamp, bytes), "utf8"));
  let matched = false;
  for (const { version, signature } of candidates) {
    // Other schemes (v1a = ed25519, future versions) are skipped, as the spec asks.
    if (version !== "v1" || signature.length !== SIGNATURE_LENGTH) continue;
    const given = Buffer.from(signature, "utf8");
    if (given.length !== SIGNATURE_LENGTH) continue;
    for (const digest of expected) if (timingSafeEqual(given, digest)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError("no_matching_signature", "No webhook-signature entry matches the secret(s)", { id, timestamp });

  const body = bytes.toString("utf8");
  let payload: unknown;
  try {
    payload = body.length === 0 ? undefined : JSON.parse(body);
  } catch {
    payload = undefined;
  }
  return { id, timestamp, body, payload };
}
