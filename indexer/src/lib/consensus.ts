/**
 * Names of the consensus contracts' enums (ILeaderElection, IProposals), by ordinal, as stored in the index
 * and answered by the API (lowercase snake_case). Pure; Ponder loads this file as an indexing file, it only
 * exports helpers.
 */

/** ILeaderElection.ElectionMode */
export const ELECTION_MODES = ["none", "lease", "vote"] as const;
/** ILeaderElection.QuorumKind */
export const QUORUM_KINDS = ["majority", "byzantine"] as const;
/** ILeaderElection.Weighting and IProposals.Weighting */
export const WEIGHTINGS = ["head", "stake"] as const;
/** ILeaderElection.ElectionMethod */
export const ELECTION_METHODS = ["campaign", "vote"] as const;
/** IProposals.VotingMode */
export const VOTING_MODES = ["open", "commit_reveal"] as const;
/** IProposals.ThresholdKind */
export const THRESHOLD_KINDS = ["majority", "supermajority", "unanimity"] as const;
/** IProposals.Outcome (None is never emitted: finalize records one of the others). */
export const OUTCOMES = ["none", "passed", "rejected", "quorum_not_reached"] as const;
/** IProposals.SkipReason */
export const SKIP_REASONS = ["already_voted", "not_member", "flagged", "no_weight"] as const;

export function enumName(names: readonly string[], value: number | bigint): string {
  return names[Number(value)] ?? `unknown_${value.toString()}`;
}
