// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IBallotSource
 * @notice A contract whose members sign ballots off-chain (EIP-712) — LeaderElection (a ballot per election
 * term) and Proposals (a ballot per proposal) — and that can tell whether two signed ballots prove that one
 * member equivocated: signed two conflicting ballots about the same subject. Staking asks a ballot source it
 * trusts (`IStaking.setBallotSource`) to check the evidence before it slashes the member.
 *
 * Ballot encoding: `ballot` is `abi.encode(<the source's ballot struct>)` — the same struct whose EIP-712
 * hash the member signed. The struct carries the signer itself (a `voter` field), so the signature is
 * checked with OpenZeppelin's `SignatureChecker.isValidSignatureNow(voter, digest, signature)` and a smart
 * account (EIP-1271) can be held accountable exactly like an EOA.
 *
 * Definitions an implementation must follow:
 * - subject: what a ballot is about — (swarmId, term) for an election, (swarmId, proposalId) for a proposal.
 * - equivocation: two ballots with the same subject and the same voter whose votes differ (different
 *   candidate / choice), both carrying a valid signature by that voter.
 * - conflictKey: `keccak256(abi.encode(address(this), swarmId, subject, voter))` (or an equivalent hash
 *   that is unique per source, subject and voter). It must NOT depend on the ballots' contents, so that the
 *   same conflict proven with other pairs of ballots (or the pair swapped) yields the same key and the voter is
 *   slashed once per conflict.
 */
interface IBallotSource {
    // ---------------------------------------------------------------------------------------------
    // Errors (shared by every ballot source so that Staking, its tests and agents decode one set)
    // ---------------------------------------------------------------------------------------------

    /// @notice Ballot `index` (0 = A, 1 = B) does not decode as this source's ballot struct (wrong length/values).
    error BallotSourceMalformedBallot(uint8 index);

    /// @notice `signature` is not a valid signature by `voter` (EOA or EIP-1271) over the ballot's EIP-712 digest.
    error BallotSourceInvalidSignature(uint8 index, address voter, bytes32 digest);

    /// @notice Both ballots are the same ballot (same digest): one ballot proves nothing.
    error BallotSourceSameBallot(bytes32 digest);

    /// @notice The ballots were signed by two different voters.
    error BallotSourceDifferentVoters(address voterA, address voterB);

    /// @notice The ballots are about different subjects (swarm, and term or proposal id).
    error BallotSourceDifferentSubjects(uint256 swarmIdA, uint256 subjectA, uint256 swarmIdB, uint256 subjectB);

    /// @notice The ballots differ but cast the same vote (e.g. only a nonce or a timestamp differs).
    error BallotSourceNotConflicting(bytes32 digestA, bytes32 digestB);

    // ---------------------------------------------------------------------------------------------
    // Evidence check
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Checks that two signed ballots prove equivocation by one voter, and says who and where.
     * @dev Reverts with one of the errors above (or a source-specific custom error) when the evidence does not
     * prove equivocation: malformed ballot, invalid/forged signature, the same ballot twice, two different
     * voters, different subjects, or the same vote. Must be `view` and must not depend on the order of A and B
     * (swapping them returns the same values).
     * @param ballotA `abi.encode` of the first ballot struct
     * @param sigA the voter's signature over the first ballot's EIP-712 digest
     * @param ballotB `abi.encode` of the second ballot struct
     * @param sigB the voter's signature over the second ballot's EIP-712 digest
     * @return swarmId the swarm both ballots belong to
     * @return signer the voter who signed both ballots
     * @return conflictKey unique per (source, subject, voter); see the contract docs
     */
    function checkEquivocation(
        bytes calldata ballotA,
        bytes calldata sigA,
        bytes calldata ballotB,
        bytes calldata sigB
    ) external view returns (uint256 swarmId, address signer, bytes32 conflictKey);
}
