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
  | "webhook_invalid"
  | "ballot_rejected"
  | "ballot_mismatch"
  | "election_unavailable"
  | "proposal_unavailable"
  | "quorum_not_reached"
  | "transaction_reverted"
  | "invalid_argument";

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

/**
 * Why a ballot was turned away (by `verifyBallot`, `BallotAggregator.add` or the submit helpers):
 * - wrong_chain / wrong_contract / wrong_domain: signed for another chain, contract, or EIP-712 domain;
 * - wrong_kind: an election ballot given where a proposal ballot is expected, or the reverse;
 * - wrong_swarm / wrong_term / wrong_candidate / wrong_proposal: about another subject than the one collected;
 * - invalid_option: the option is not one of the proposal's (the contract would revert the whole batch);
 * - bad_signature: not signed by the voter (ECDSA) and the voter, if a contract, does not accept it (EIP-1271);
 * - duplicate: the voter's ballot is already in (the same ballot again);
 * - equivocation: the voter already signed a different vote on the same subject (evidence kept for slashing);
 * - not_member / flagged / no_weight / already_voted: the contract would reject or skip the voter.
 */
export type BallotRejection =
  | "wrong_chain"
  | "wrong_contract"
  | "wrong_domain"
  | "wrong_kind"
  | "wrong_swarm"
  | "wrong_term"
  | "wrong_candidate"
  | "wrong_proposal"
  | "invalid_option"
  | "bad_signature"
  | "duplicate"
  | "equivocation"
  | "not_member"
  | "flagged"
  | "no_weight"
  | "already_voted";

/** A ballot was rejected (`reason` says why), or ballots given together do not belong together (`ballot_mismatch`). */
export class BallotError extends ConcordSdkError {
  readonly reason: BallotRejection | "mixed_subjects" | "not_equivocation" | "empty";

  constructor(
    code: "ballot_rejected" | "ballot_mismatch",
    reason: BallotRejection | "mixed_subjects" | "not_equivocation" | "empty",
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(code, message, { reason, ...details });
    this.name = "BallotError";
    this.reason = reason;
  }
}

/**
 * A contract call the SDK sent (or simulated first) reverted. `revert` is the decoded custom error (see
 * decodeConcordError), undefined when the revert data was not recognised; `cause` is viem's error.
 */
export class TransactionError extends ConcordSdkError {
  readonly revert: { name: string; args: readonly unknown[] } | undefined;

  constructor(message: string, revert: { name: string; args: readonly unknown[] } | undefined, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super("transaction_reverted", message, { revert, ...details }, options);
    this.name = "TransactionError";
    this.revert = revert;
  }
}
