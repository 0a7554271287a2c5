// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBallotSource} from "./IBallotSource.sol";
import {IStaking} from "./IStaking.sol";
import {ISwarmRegistry} from "./ISwarmRegistry.sol";

/**
 * @title IProposals
 * @notice Multi-option proposals voted on by the members of a swarm, with an optional on-chain action.
 *
 * Lifecycle: a member `create`s a proposal with 2..MAX_OPTIONS options (their labels live in the description
 * document, committed to by `descriptionHash`), a voting window [voteStart, voteEnd] (inclusive), a quorum, a
 * threshold and a weighting. Members vote while the window is open; after it closes (after the reveal window
 * for commit-reveal) anyone calls `finalize`, which records Passed, Rejected or QuorumNotReached once. A
 * passed proposal's action is executed once by anyone with `execute`.
 *
 * Voting:
 * - Open: `castVote`, or `castVotesBySig` with EIP-712 ballots
 *   `ProposalBallot(uint256 proposalId,uint8 option,address voter)` (domain "Concord Proposals", version "1";
 *   ECDSA for EOAs: 65 bytes, or 64 bytes EIP-2098; EIP-1271 for smart accounts) relayed by anyone, many per
 *   transaction.
 * - CommitReveal: `commitVote(commitment)` during the window with
 *   `commitment = keccak256(abi.encode(proposalId, option, salt, voter))`, then `reveal(option, salt)` in
 *   (voteEnd, revealEnd]. Unrevealed commits do not count.
 * Each member votes (or commits) once per proposal; a vote cannot be changed.
 *
 * Weight: one per member (Head) or the member's stake (Stake: `IStaking.stakeOf` when the vote is counted,
 * i.e. at cast or reveal; flagged members have no stake). The quorum denominator is snapshot at creation:
 * `memberCount` (Head) or `totalStake` (Stake). With `excludeFlagged` (Byzantine-minded swarms), ballots of
 * members flagged by Staking (`isFlagged`) at the moment the vote is counted do not count.
 *
 * Outcome (at `finalize`), with `cast` the sum of all tallies and `top` the leading option's tally (ties go to the
 * lowest option index):
 * - QuorumNotReached if `cast * 10_000 < quorumBps * denominator`, or nothing was cast;
 * - Passed if the leading option meets the threshold: Majority `top * 2 > cast`, Supermajority
 *   `top * 10_000 >= thresholdBps * cast` (thresholdBps in 5001..10000), Unanimity `top == cast`;
 * - Rejected otherwise.
 * The leading option is recorded as `winningOption` (the winner when Passed).
 *
 * Action: if `action.target` is non-zero, `msg.value` must equal `action.value` at creation; the ETH stays in
 * this contract. Option 0 approves the action: `execute` runs it (once, ReentrancyGuard) only if the outcome
 * is Passed with `winningOption == 0`, within EXECUTION_PERIOD after the close of voting. Otherwise the ETH is
 * refunded to the proposer: at `cancel`, or with `refund` (anyone) once the proposal was finalized without an
 * approving pass or the execution period ended. Only the action's hash is stored: `execute` takes the action again.
 *
 * Batches (`castVotesBySig`): a ballot that is wrong in itself reverts the whole call (bad signature, option out
 * of range). A ballot whose voter cannot vote right now is skipped with `VoteSkipped` and the rest count: the
 * voter already voted (checked first, without verifying the signature — a relayer may resubmit a batch and a
 * member voting directly cannot make a batch fail), is not a member, is flagged (excludeFlagged) or has no stake.
 *
 * Equivocation (IBallotSource): two valid ProposalBallots by the same voter on the same proposal with different
 * options. Ballot encoding for `checkEquivocation`: `abi.encode(ProposalBallot)`; subject = (swarmId, proposalId).
 */
interface IProposals is IBallotSource {
    enum VotingMode {
        Open,
        CommitReveal
    }

    enum Weighting {
        Head,
        Stake
    }

    enum ThresholdKind {
        Majority, // > 50% of cast weight
        Supermajority, // >= thresholdBps of cast weight
        Unanimity // every cast weight on one option
    }

    enum Outcome {
        None, // not finalized
        Passed,
        Rejected,
        QuorumNotReached
    }

    /// @notice The lifecycle state, derived from the stored status, the outcome and the clock.
    enum ProposalState {
        None, // no such proposal
        Pending, // before voteStart
        Active, // voting (or committing) window open
        Revealing, // commit-reveal: reveal window open
        Ended, // voting over, waiting for finalize
        Cancelled,
        Passed,
        Rejected,
        QuorumNotReached,
        Executed
    }

    /// @notice Why a batch ballot was not counted.
    enum SkipReason {
        AlreadyVoted,
        NotMember,
        Flagged,
        NoWeight
    }

    /// @notice A call made by this contract if the proposal passes with option 0. `target` zero = no action.
    struct Action {
        address target;
        uint256 value;
        bytes data;
    }

    /// @notice What `create` takes.
    struct CreateParams {
        uint256 swarmId;
        string descriptionURI;
        bytes32 descriptionHash;
        uint8 optionCount; // 2..MAX_OPTIONS
        uint48 voteStart; // 0 = now; otherwise >= now
        uint48 voteEnd; // > voteStart, at most MAX_VOTING_PERIOD after it; voting is open through voteEnd
        uint48 revealEnd; // CommitReveal: > voteEnd, at most MAX_VOTING_PERIOD after it; Open: 0
        VotingMode votingMode;
        Weighting weighting;
        uint16 quorumBps; // 0..10_000 of the denominator
        ThresholdKind thresholdKind;
        uint16 thresholdBps; // Supermajority: 5001..10_000; otherwise 0
        bool excludeFlagged; // ballots of flagged members do not count
        Action action;
    }

    /// @notice A proposal's configuration as stored (voteStart resolved, denominator snapshot).
    struct ProposalConfig {
        uint256 swarmId;
        address proposer;
        uint8 optionCount;
        uint48 voteStart;
        uint48 voteEnd;
        uint48 revealEnd;
        VotingMode votingMode;
        Weighting weighting;
        uint16 quorumBps;
        ThresholdKind thresholdKind;
        uint16 thresholdBps;
        bool excludeFlagged;
        uint256 denominator; // memberCount or totalStake at creation
        bytes32 actionHash; // keccak256(abi.encode(target, value, data)); zero = no action
        uint256 value; // ETH held for the action (zero once executed or refunded)
    }

    /// @notice A relayed ballot (the EIP-712 struct minus proposalId, given once per batch).
    struct Ballot {
        address voter;
        uint8 option;
    }

    /// @notice The signed ballot (EIP-712 struct `ProposalBallot`), as encoded for `checkEquivocation`.
    struct ProposalBallot {
        uint256 proposalId;
        uint8 option;
        address voter;
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A proposal was created; `config` is everything stored, plus the description and the full action.
    event ProposalCreated(
        uint256 indexed proposalId,
        uint256 indexed swarmId,
        address indexed proposer,
        ProposalConfig config,
        string descriptionURI,
        bytes32 descriptionHash,
        Action action
    );

    /// @notice A direct open vote (`castVote`) was counted.
    event VoteCast(uint256 indexed proposalId, address indexed voter, uint8 option, uint256 weight);

    /// @notice Relayed ballots (`castVotesBySig`) were counted: `voters[i]` voted option `uint8(options[i])` (one
    /// byte per ballot) with weight `weights[i]`; `weights` is empty for a Head-weighted proposal (every weight is 1).
    /// One event per batch (a log per ballot would cost ~2k gas each).
    event VotesCast(uint256 indexed proposalId, address[] voters, bytes options, uint256[] weights);

    /// @notice A batch ballot was not counted (see SkipReason); nothing changed for that voter.
    event VoteSkipped(uint256 indexed proposalId, address indexed voter, SkipReason reason);

    /// @notice A commit-reveal vote was committed (it counts only once revealed).
    event VoteCommitted(uint256 indexed proposalId, address indexed voter, bytes32 commitment);

    /// @notice A committed vote was revealed and counted.
    event VoteRevealed(uint256 indexed proposalId, address indexed voter, uint8 option, uint256 weight);

    /// @notice The outcome was recorded. `tallies[i]` is option i's weight; `totalCast` their sum.
    event ProposalFinalized(
        uint256 indexed proposalId,
        Outcome outcome,
        uint8 winningOption,
        uint256[] tallies,
        uint256 totalCast,
        uint256 denominator
    );

    /// @notice The action ran (by `executor`).
    event ProposalExecuted(uint256 indexed proposalId, address indexed executor, address target, uint256 value, bytes returnData);

    /// @notice The proposer cancelled the proposal before any vote; `refunded` ETH went back to them.
    event ProposalCancelled(uint256 indexed proposalId, address indexed proposer, uint256 refunded);

    /// @notice The action's ETH went back to the proposer.
    event ProposalRefunded(uint256 indexed proposalId, address indexed proposer, uint256 value);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error ProposalsZeroAddress();
    error ProposalsNotMember(uint256 swarmId, address account);
    error ProposalsInvalidOptionCount(uint256 optionCount, uint256 max);
    /// @notice The windows must satisfy now <= voteStart < voteEnd (<= voteStart + MAX) and, for commit-reveal,
    /// voteEnd < revealEnd <= voteEnd + MAX; revealEnd must be 0 for open voting.
    error ProposalsInvalidWindow(uint48 voteStart, uint48 voteEnd, uint48 revealEnd);
    error ProposalsInvalidQuorum(uint16 quorumBps);
    error ProposalsInvalidThreshold(ThresholdKind thresholdKind, uint16 thresholdBps);
    /// @notice No action: value and data must be empty; with an action: `msg.value == value` (and fits 96 bits),
    /// `target` not this contract.
    error ProposalsInvalidAction(address target, uint256 value, uint256 msgValue);
    /// @notice Stake-weighted proposal in a swarm with no stake: nobody could vote.
    error ProposalsNoElectorate(uint256 swarmId);
    error ProposalsUnknownProposal(uint256 proposalId);
    /// @notice The call is not possible in the proposal's current `state`.
    error ProposalsWrongState(uint256 proposalId, ProposalState state);
    error ProposalsWrongVotingMode(uint256 proposalId, VotingMode votingMode);
    error ProposalsInvalidOption(uint256 proposalId, uint8 option, uint8 optionCount);
    error ProposalsAlreadyVoted(uint256 proposalId, address voter);
    error ProposalsVoterFlagged(uint256 proposalId, address voter);
    error ProposalsNoWeight(uint256 proposalId, address voter);
    error ProposalsBallotCountMismatch(uint256 ballots, uint256 signatures);
    error ProposalsInvalidSignature(uint256 proposalId, address voter, uint8 option);
    error ProposalsInvalidCommitment(uint256 proposalId);
    error ProposalsNoCommitment(uint256 proposalId, address voter);
    error ProposalsRevealMismatch(uint256 proposalId, address voter, bytes32 commitment, bytes32 computed);
    error ProposalsNotProposer(uint256 proposalId, address account, address proposer);
    error ProposalsHasVotes(uint256 proposalId);
    error ProposalsActionMismatch(uint256 proposalId, bytes32 actionHash, bytes32 given);
    error ProposalsNotExecutable(uint256 proposalId, Outcome outcome, uint8 winningOption, bool hasAction);
    error ProposalsExecutionExpired(uint256 proposalId, uint256 deadline);
    error ProposalsNothingToRefund(uint256 proposalId);
    error ProposalsTallyOverflow(uint256 proposalId, uint8 option);

    // ---------------------------------------------------------------------------------------------
    // Lifecycle
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Creates a proposal in `params.swarmId`. Members only. Send `action.value` ETH if there is an action.
     * @return proposalId the new proposal's id (sequential from 1, across swarms)
     */
    function create(CreateParams calldata params) external payable returns (uint256 proposalId);

    /// @notice Cancels a proposal before any vote or commit and refunds its ETH. Proposer only.
    function cancel(uint256 proposalId) external;

    /**
     * @notice Records the outcome once voting (and revealing) is over. Anyone.
     * @return outcome Passed, Rejected or QuorumNotReached
     */
    function finalize(uint256 proposalId) external returns (Outcome outcome);

    /**
     * @notice Runs the action of a proposal that passed with option 0, once. Anyone.
     * @param action the action given at creation (checked against the stored hash)
     */
    function execute(uint256 proposalId, Action calldata action) external returns (bytes memory returnData);

    /// @notice Sends the action's ETH back to the proposer when it can no longer be executed. Anyone.
    function refund(uint256 proposalId) external;

    // ---------------------------------------------------------------------------------------------
    // Voting
    // ---------------------------------------------------------------------------------------------

    /// @notice Casts the caller's open vote for `option`. Members only, once, during the window.
    function castVote(uint256 proposalId, uint8 option) external returns (uint256 weight);

    /**
     * @notice Counts many signed open ballots on one proposal. Anyone may relay. See the batch rules above.
     * @return counted number of ballots counted (the others were skipped)
     */
    function castVotesBySig(
        uint256 proposalId,
        Ballot[] calldata ballots,
        bytes[] calldata signatures
    ) external returns (uint256 counted);

    /// @notice Commits the caller's hidden vote. Members only (not flagged if excludeFlagged), once, during the window.
    function commitVote(uint256 proposalId, bytes32 commitment) external;

    /// @notice Reveals and counts the caller's committed vote, during the reveal window.
    function reveal(uint256 proposalId, uint8 option, bytes32 salt) external returns (uint256 weight);

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    function proposalConfig(uint256 proposalId) external view returns (ProposalConfig memory);

    function state(uint256 proposalId) external view returns (ProposalState);

    /// @notice Current tallies (per option) and their sum.
    function tallies(uint256 proposalId) external view returns (uint256[] memory perOption, uint256 totalCast);

    /// @notice The recorded outcome (None before finalize) and leading option.
    function outcome(uint256 proposalId) external view returns (Outcome outcome_, uint8 winningOption);

    /// @notice Whether `voter` voted or committed on `proposalId`.
    function hasVoted(uint256 proposalId, address voter) external view returns (bool);

    /// @notice The voter's unrevealed commitment (zero if none or revealed).
    function commitmentOf(uint256 proposalId, address voter) external view returns (bytes32);

    /// @notice Number of proposals created (the latest id).
    function proposalCount() external view returns (uint256);

    /// @notice The EIP-712 digest a voter signs for ProposalBallot(proposalId, option, voter).
    function hashBallot(uint256 proposalId, uint8 option, address voter) external view returns (bytes32);

    /// @notice keccak256(abi.encode(proposalId, option, salt, voter)), what `commitVote` expects.
    function computeCommitment(uint256 proposalId, uint8 option, bytes32 salt, address voter) external pure returns (bytes32);

    /// @notice keccak256("ProposalBallot(uint256 proposalId,uint8 option,address voter)")
    function PROPOSAL_BALLOT_TYPEHASH() external view returns (bytes32);

    function MAX_OPTIONS() external view returns (uint8);

    function MAX_VOTING_PERIOD() external view returns (uint48);

    function EXECUTION_PERIOD() external view returns (uint48);

    function registry() external view returns (ISwarmRegistry);

    function staking() external view returns (IStaking);

    /// @notice The helper contract (deployed by this one) that checks `checkEquivocation` evidence; this contract
    /// forwards the call to it unchanged.
    function evidenceChecker() external view returns (address);
}
