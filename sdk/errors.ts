/**
 * Errors the SDK itself throws (as opposed to contract reverts, see decodeConcordError.ts). Every one extends
 * ConcordSdkError and carries a stable `code`, so callers can branch without parsing messages.
 */

/** Stable codes of the errors the SDK throws. */
export type ConcordSdkErrorCode =
  | "deployment_invalid"
  | "deployment_not_found"
  | "contract_missing"
  | "signer_invalid"
  | "domain_invalid"
  | "indexer_http"
  | "indexer_graphql"
  | "indexer_timeout"
  | "webhook_invalid";

/** Base class of every error the SDK throws. */
export class ConcordSdkError extends Error {
  readonly code: ConcordSdkErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ConcordSdkErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConcordSdkError";
    this.code = code;
    this.details = details;
  }
}

/** A deployment file is missing, unreadable or does not have the expected shape. */
export class DeploymentError extends ConcordSdkError {
  constructor(code: "deployment_invalid" | "deployment_not_found" | "contract_missing", message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(code, message, details, options);
    this.name = "DeploymentError";
  }
}

/** A signer cannot sign (no account), or a domain does not fit the contract it is used with. */
export class SigningError extends ConcordSdkError {
  constructor(code: "signer_invalid" | "domain_invalid", message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
    this.name = "SigningError";
  }
}

/** The indexer answered with an HTTP error, GraphQL errors, or did not catch up in time. */
export class IndexerError extends ConcordSdkError {
  constructor(code: "indexer_http" | "indexer_graphql" | "indexer_timeout", message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(code, message, details, options);
    this.name = "IndexerError";
  }
}

/** A webhook failed Standard Webhooks v1 verification (missing headers, stale timestamp, bad signature). */
export class WebhookVerificationError extends ConcordSdkError {
  /** What exactly was wrong: missing_header | bad_timestamp | stale_timestamp | bad_secret | no_matching_signature | bad_body. */
  readonly reason: string;

  constructor(reason: string, message: string, details: Record<string, unknown> = {}) {
    super("webhook_invalid", message, { reason, ...details });
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}
