/**
 * Typed errors of the relay. Every error the relay throws on purpose is a RelayError with a stable `code`
 * (logs, API answers and tests match on it, never on the message).
 */
export type RelayErrorCode =
  | "config_invalid"
  | "db_unavailable"
  | "feed_unavailable"
  | "feed_invalid"
  | "subscription_not_found"
  | "delivery_not_found"
  | "ingest_conflict"
  | "cron_invalid";

export class RelayError extends Error {
  readonly code: RelayErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: RelayErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RelayError";
    this.code = code;
    this.details = details;
  }
}

/** A RELAY_* environment variable (or an option) has a value the relay cannot use. */
export class RelayConfigError extends RelayError {
  constructor(variable: string, value: string | undefined, expected: string) {
    super("config_invalid", `${variable}=${JSON.stringify(value)} is invalid: expected ${expected}`, { variable, value, expected });
    this.name = "RelayConfigError";
  }
}

/** The indexer feed (/v1/events, /v1/subscriptions, /status) failed or answered something unexpected. */
export class FeedError extends RelayError {
  readonly status: number | undefined;

  constructor(code: "feed_unavailable" | "feed_invalid", message: string, status?: number, options?: { cause?: unknown }) {
    super(code, message, status === undefined ? undefined : { status }, options);
    this.name = "FeedError";
    this.status = status;
  }
}

/** Another relay process advanced the ingest cursor first; this cycle's work was rolled back (harmless). */
export class IngestConflictError extends RelayError {
  constructor(expected: string, found: string) {
    super("ingest_conflict", `The ingest cursor moved from ${expected} to ${found} under us`, { expected, found });
    this.name = "IngestConflictError";
  }
}

export class NotFoundError extends RelayError {
  constructor(code: "subscription_not_found" | "delivery_not_found", message: string, details?: Record<string, unknown>) {
    super(code, message, details);
    this.name = "NotFoundError";
  }
}
