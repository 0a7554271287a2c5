// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBallotSource} from "./IBallotSource.sol";
import {IStaking} from "./IStaking.sol";
import {ISwarmRegistry} from "./ISwarmRegistry.sol";

/**
 * @title ILeaderElection
 * @notice One leader per swarm, with a lease and a fencing term.
 *
 * A swarm admin configures the swarm's election (`configure`):
 * - Lease mode: any member `campaign`s for a vacant seat (never held, resigned, lease expired, or the leader is
 *   no longer a member) and becomes leader at once with term + 1.
 * - Vote mode (Raft-like, verifiable): members sign EIP-712 ballots
 *   `ElectionBallot(uint256 swarmId,uint64 term,address candidate,address voter)` (domain name
 *   "Concord LeaderElection", version "1"); anyone submits the ballots that reach the quorum with `elect`, and
 *   the candidate becomes leader for that term. A quorum may elect a new leader at any time, also while the
 *   current leader's lease is live (a higher term always wins, as in Raft).
 *
 * In both modes the leader renews its lease with `heartbeat` and may `resign`. The leader holds the seat while
 * `block.timestamp < leaseExpiresAt`.
 *
 * Quorum: Majority means weight * 2 > total, Byzantine means weight * 3 > total * 2, where weight and total
 * count heads (`ISwarmRegistry.memberCount`) or stake (`IStaking.stakeOf` / `IStaking.totalStake`) at the
 * moment of `elect`. In Byzantine mode, ballots of flagged members (`IStaking.isFlagged`) do not count (with
 * stake weighting a flagged member has no stake anyway).
 *
 * `elect` rules: `voters` must be in strictly ascending address order (this rejects duplicates without a
 * seen-set); every voter must be a current member with a valid signature (ECDSA for EOAs: 65 bytes, or
 * 64 bytes EIP-2098; EIP-1271 for smart accounts) or the whole call reverts — the submitter chooses the ballots
 * and can check them first. Ballots
 * that are valid but carry no weight (flagged in Byzantine mode, zero stake) are accepted and count 0.
 *
 * Fencing: terms strictly increase per swarm and are never reused: `campaign` takes term + 1 and `elect`
 * accepts any term greater than the current one (voters agree on the term they sign). An action with a stale
 * term reverts with `LeaderElectionStaleTerm`. Downstream contracts call `isLeader(swarmId, account, term)`.
 *
 * Equivocation (IBallotSource): two valid ballots by the same voter for the same (swarmId, term) naming
 * different candidates. Ballot encoding for `checkEquivocation`: `abi.encode(ElectionBallot)`.
 */
interface ILeaderElection is IBallotSource {
    /// @notice How a swarm elects its leader. `None` = not configured.
    enum ElectionMode {
        None,
        Lease,
        Vote
    }

    /// @notice Votes needed in vote mode: Majority (> 1/2) or Byzantine (> 2/3, flagged members excluded).
    enum QuorumKind {
        Majority,
        Byzantine
    }

    /// @notice What a ballot weighs: one per member (Head) or the member's stake (Stake).
    enum Weighting {
        Head,
        Stake
    }

    /// @notice How a leader got the seat.
    enum ElectionMethod {
        Campaign,
        Vote
    }

    /// @notice A swarm's election configuration.
    struct ElectionConfig {
        ElectionMode mode;
        uint32 leaseDuration; // seconds, MIN_LEASE..MAX_LEASE
        QuorumKind quorumKind;
        Weighting weighting;
    }

    /// @notice The signed ballot (EIP-712 struct `ElectionBallot`).
    struct ElectionBallot {
        uint256 swarmId;
        uint64 term;
        address candidate;
        address voter;
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A swarm admin (`by`) set the swarm's election configuration. The current leader keeps its lease.
    event LeaderElectionConfigured(
        uint256 indexed swarmId,
        ElectionMode mode,
        uint32 leaseDuration,
        QuorumKind quorumKind,
        Weighting weighting,
        address indexed by
    );

    /**
     * @notice `leader` took the seat for `term` (the new fencing token) until `leaseExpiresAt`.
     * @param how Campaign (lease mode) or Vote (vote mode)
     * @param votesWeight counted weight of the ballots (0 for a campaign)
     * @param totalWeight the quorum's denominator: memberCount or totalStake (0 for a campaign)
     * @param previousLeader the leader stored before (zero if the seat was vacant); its term was `term` - n
     */
    event LeaderElected(
        uint256 indexed swarmId,
        address indexed leader,
        uint64 term,
        uint48 leaseExpiresAt,
        ElectionMethod how,
        uint256 votesWeight,
        uint256 totalWeight,
        address previousLeader
    );

    /// @notice The leader renewed its lease for `term` until `leaseExpiresAt`.
    event LeaderHeartbeat(uint256 indexed swarmId, address indexed leader, uint64 term, uint48 leaseExpiresAt);

    /// @notice The leader gave up the seat; the term stays (the next leader gets a higher one).
    event LeaderResigned(uint256 indexed swarmId, address indexed leader, uint64 term);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error LeaderElectionZeroAddress();
    error LeaderElectionNotAdmin(uint256 swarmId, address account);
    error LeaderElectionNotMember(uint256 swarmId, address account);
    /// @notice `mode` must be Lease or Vote and `leaseDuration` within [min, max].
    error LeaderElectionInvalidConfig(ElectionMode mode, uint256 leaseDuration, uint256 min, uint256 max);
    error LeaderElectionNotConfigured(uint256 swarmId);
    /// @notice The action is not available in the swarm's current mode `mode`.
    error LeaderElectionWrongMode(uint256 swarmId, ElectionMode mode);
    /// @notice `campaign` while `leader` (still a member) holds the seat until `leaseExpiresAt`.
    error LeaderElectionSeatTaken(uint256 swarmId, address leader, uint64 term, uint48 leaseExpiresAt);
    /// @notice `given` is lower than the current term (or, for `elect`, not higher than it).
    error LeaderElectionStaleTerm(uint256 swarmId, uint64 given, uint64 current);
    /// @notice `given` is higher than the current term: no such term was ever issued.
    error LeaderElectionUnknownTerm(uint256 swarmId, uint64 given, uint64 current);
    /// @notice Terms are stored in 48 bits; `term` cannot be issued.
    error LeaderElectionTermTooLarge(uint256 swarmId, uint64 term);
    /// @notice The caller is not the leader of `term` (`leader` is zero after a resignation).
    error LeaderElectionNotLeader(uint256 swarmId, address account, uint64 term, address leader);
    /// @notice The lease of `term` ended at `leaseExpiresAt`; campaign or get elected again.
    error LeaderElectionLeaseExpired(uint256 swarmId, uint64 term, uint48 leaseExpiresAt);
    /// @notice `elect` needs one signature per voter and at least one voter.
    error LeaderElectionBallotCountMismatch(uint256 voters, uint256 signatures);
    /// @notice `voters[index]` is not strictly greater than `voters[index - 1]` (unsorted or duplicate).
    error LeaderElectionVotersNotSorted(uint256 index, address previous, address voter);
    /// @notice `signature` of `voter` is not valid for the ballot (swarmId, term, candidate, voter).
    error LeaderElectionInvalidSignature(uint256 swarmId, uint64 term, address candidate, address voter);
    /// @notice The counted weight does not reach the quorum of `totalWeight`.
    error LeaderElectionQuorumNotReached(uint256 swarmId, uint64 term, uint256 weight, uint256 totalWeight, QuorumKind quorumKind);

    // ---------------------------------------------------------------------------------------------
    // Configuration
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Sets the swarm's election mode, lease length, quorum and weighting. Swarm admins only.
     * @dev May be called again at any time; the current leader and term stay, the new lease length applies
     * from the next election or heartbeat.
     */
    function configure(
        uint256 swarmId,
        ElectionMode mode,
        uint32 leaseDuration,
        QuorumKind quorumKind,
        Weighting weighting
    ) external;

    // ---------------------------------------------------------------------------------------------
    // Lease mode
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Takes the vacant seat (never held, resigned, lease expired, or leader no longer a member).
     * Members only, lease mode only.
     * @return term the new term (previous + 1)
     * @return leaseExpiresAt end of the lease
     */
    function campaign(uint256 swarmId) external returns (uint64 term, uint48 leaseExpiresAt);

    // ---------------------------------------------------------------------------------------------
    // Vote mode
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Makes `candidate` (a member) leader for `term` (> current term) with the ballots that reach the
     * quorum. Anyone may submit. Vote mode only.
     * @param voters the voters, strictly ascending
     * @param signatures each voter's signature over ElectionBallot(swarmId, term, candidate, voter)
     * @return leaseExpiresAt end of the new leader's lease
     */
    function elect(
        uint256 swarmId,
        uint64 term,
        address candidate,
        address[] calldata voters,
        bytes[] calldata signatures
    ) external returns (uint48 leaseExpiresAt);

    // ---------------------------------------------------------------------------------------------
    // Leader
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Renews the caller's live lease of `term` for `leaseDuration` from now. Leader (still a member) only.
     * @return leaseExpiresAt the new end of the lease
     */
    function heartbeat(uint256 swarmId, uint64 term) external returns (uint48 leaseExpiresAt);

    /// @notice Gives up the seat of `term` (also after the lease expired, if no one took the seat). Leader only.
    function resign(uint256 swarmId, uint64 term) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice The last leader, current term and end of its lease, as stored.
     * @dev `leader` is zero if the seat was never held or the leader resigned; a non-zero leader with
     * `leaseExpiresAt <= block.timestamp` has lost the seat. `term` is the latest issued term.
     */
    function currentLeader(uint256 swarmId) external view returns (address leader, uint64 term, uint48 leaseExpiresAt);

    /// @notice Whether `account` is the leader of `term`, `term` is current and its lease is live.
    function isLeader(uint256 swarmId, address account, uint64 term) external view returns (bool);

    /// @notice The swarm's election configuration (mode None if never configured).
    function electionConfig(uint256 swarmId) external view returns (ElectionConfig memory);

    /// @notice The EIP-712 digest a voter signs for ElectionBallot(swarmId, term, candidate, voter).
    function hashBallot(uint256 swarmId, uint64 term, address candidate, address voter) external view returns (bytes32);

    /// @notice keccak256("ElectionBallot(uint256 swarmId,uint64 term,address candidate,address voter)")
    function ELECTION_BALLOT_TYPEHASH() external view returns (bytes32);

    /// @notice Shortest lease, in seconds.
    function MIN_LEASE() external view returns (uint32);

    /// @notice Longest lease, in seconds.
    function MAX_LEASE() external view returns (uint32);

    /// @notice The registry asked for membership and admin rights.
    function registry() external view returns (ISwarmRegistry);

    /// @notice The staking contract asked for stake weights and flags.
    function staking() external view returns (IStaking);
}
