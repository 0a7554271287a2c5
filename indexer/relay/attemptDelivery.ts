/**
 * One delivery attempt: POST the JSON body to the endpoint with Standard Webhooks v1 headers, within
 * `timeoutMs`, and classify the outcome:
 *
 *   2xx                                   delivered
 *   408, 425, 429, 5xx, network, timeout  retry (429/503: Retry-After honoured, seconds or HTTP date)
 *   410 Gone                              gone: dead-lettered and the subscription disabled in the relay
 *   other 4xx, 1xx/3xx (redirects are     dead at once: the receiver rejected this request for good (bad
 *   not followed), refused endpoint       signature config, wrong URL, …); a redrive sends it again
 *
 * HTTP: undici's `request` on the relay's Agent (keep-alive connections reused per origin, DNS pinned by the
 * SSRF guard's lookup), or on undici's global dispatcher when none is given (unit tests). `request` rather than
 * `fetch`: fetch's WHATWG Request/Response/stream objects cost ≈ 3x the CPU per POST (measured in the relay's
 * CPU profile at 1,000+ deliveries/s); redirects are not followed either way.
 */
import { request, type Dispatcher } from "undici";
import { parseRetryAfter } from "./retrySchedule.ts";

export type SignInput = { id: string; timestamp: number; body: string; secrets: string[] };
export type SignFunction = (input: SignInput) => Record<string, string> | Promise<Record<string, string>>;
/** Throws when the endpoint must not be called (SSRF guard); `transient` errors are retried. */
export type EndpointCheck = (url: string) => Promise<void>;

export type AttemptOutcome =
  | { kind: "delivered"; statusCode: number; durationMs: number }
  | { kind: "retry"; statusCode: number | null; error: string; retryAfterMs?: number; durationMs: number }
  | { kind: "dead"; statusCode: number | null; error: string; durationMs: number }
  | { kind: "gone"; statusCode: 410; error: string; durationMs: number };

export type AttemptInput = {
  id: string;
  endpoint: string;
  body: string;
  secrets: string[];
  timeoutMs: number;
  sign: SignFunction;
  checkEndpoint: EndpointCheck;
  /** Epoch ms (the webhook-timestamp is its seconds). */
  now?: number;
  /** undici dispatcher (keep-alive pool, pinned DNS lookup); default: Node's global fetch. */
  dispatcher?: Dispatcher;
};

export const USER_AGENT = "Concord-Relay/0.1 (+https://www.standardwebhooks.com)";
const RETRYABLE_4XX = new Set([408, 425, 429]);

function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.name ?? "Error"}: ${e.message ?? String(error)}${cause ? ` (${cause})` : ""}`;
}

function isTransientCheckError(error: unknown): boolean {
  const e = error as { transient?: boolean; code?: string };
  if (e.transient === true) return true;
  return typeof e.code === "string" && /^(EAI_AGAIN|ETIMEOUT|ECONNREFUSED|ESERVFAIL|dns_unavailable|dns_failed)$/i.test(e.code);
}

export async function attemptDelivery(input: AttemptInput): Promise<AttemptOutcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    await input.checkEndpoint(input.endpoint);
  } catch (error) {
    const message = `endpoint refused: ${describe(error)}`;
    return isTransientCheckError(error)
      ? { kind: "retry", statusCode: null, error: message, durationMs: elapsed() }
      : { kind: "dead", statusCode: null, error: message, durationMs: elapsed() };
  }
  const timestamp = Math.floor((input.now ?? Date.now()) / 1000);
  const headers = await input.sign({ id: input.id, timestamp, body: input.body, secrets: input.secrets });
  const signal = AbortSignal.timeout(input.timeoutMs);
  let status: number;
  let retryAfter: string | null = null;
  let text = "";
  try {
    const response = await request(input.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
      body: input.body,
      signal,
      ...(input.dispatcher ? { dispatcher: input.dispatcher } : {}),
    });
    status = response.statusCode;
    const ra = response.headers["retry-after"];
    retryAfter = ra === undefined ? null : Array.isArray(ra) ? (ra[0] ?? null) : ra;
    // Read the answer so the connection can be reused (the timeout covers it too); keep a bounded part of
    // a failure's body for last_error. A body cut short does not change the outcome: the status counts.
    try {
      if (status >= 200 && status < 300) await response.body.dump();
      else text = (await response.body.text()).slice(0, 300);
    } catch {
      // see above
    }
  } catch (error) {
    const timedOut = signal.aborted || (error as Error).name === "TimeoutError";
    return {
      kind: "retry",
      statusCode: null,
      error: timedOut ? `timeout after ${input.timeoutMs} ms` : `network error: ${describe(error)}`,
      durationMs: elapsed(),
    };
  }
  const summary = `HTTP ${status}${text ? `: ${text.replace(/\s+/g, " ").trim()}` : ""}`;
  if (status >= 200 && status < 300) return { kind: "delivered", statusCode: status, durationMs: elapsed() };
  if (status === 410) return { kind: "gone", statusCode: 410, error: summary, durationMs: elapsed() };
  if (status >= 500 || RETRYABLE_4XX.has(status)) {
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(retryAfter) : undefined;
    return { kind: "retry", statusCode: status, error: summary, retryAfterMs, durationMs: elapsed() };
  }
  return { kind: "dead", statusCode: status, error: status >= 300 && status < 400 ? `${summary} (redirects are not followed)` : summary, durationMs: elapsed() };
}
