// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsensusReads} from "./ConsensusReads.sol";
import {ProposalsEvidence} from "./ProposalsEvidence.sol";
import {IBallotSource} from "../interfaces/IBallotSource.sol";
import {IProposals} from "../interfaces/IProposals.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title Proposals
 * @notice Multi-option proposals with open or commit-reveal voting, head or stake weighting, quorum, threshold
 * and an optional action executed once. See {IProposals}.
 * @dev Gas layout:
 * - Everything a vote needs is in one slot (`Core`): swarmId (64 bits), the three window ends (48 each), option
 *   count, mode, weighting, excludeFlagged and status. Proposer + escrowed value, the rules (denominator, quorum,
 *   threshold, outcome) and the action hash are three more slots that votes never read.
 * - Tallies: two options per slot (128 bits each); a batch tallies in memory and writes each touched slot once.
 * - "Has voted": a proposal keeps a bitmap of the swarm's member indexes (`ISwarmRegistry.memberIndex`, 256 per
 *   slot). The registry answers membership and index in one call (one SLOAD there), and an index is kept across
 *   leaving and rejoining, so a member cannot vote twice by rejoining, and no voter ever pays for an index here.
 * - Batches: one registry call (`memberIndexes`) and, for stake weighting, one `stakesOf` call for the whole
 *   batch; `flaggedCount` lets a batch skip per-voter flag reads when nobody in the swarm is flagged. The common
 *   ballot (a member's valid ECDSA ballot) is counted in one assembly loop (`_countRun`) that keeps the bitmap word
 *   in use in memory (written once per run of voters in the same word); any other ballot is finished in Solidity
 *   (`_countSigned`: skips, precise reverts, EIP-1271) and, if it counts, handed back to the loop.
 * - `castVote` reads the fields it needs straight from the `Core` slot; failed checks revert through the generic
 *   path (`_castVoteRevert`) so the errors stay precise.
 * - Signatures: 65-byte (or 64-byte EIP-2098) ECDSA recovered from calldata first (high s rejected, as
 *   OpenZeppelin's ECDSA); only if that does not yield the voter is the voter asked through EIP-1271.
 * - Size: equivocation evidence is checked by a {ProposalsEvidence} helper this contract deploys in its
 *   constructor (`checkEquivocation` is forwarded as is), which keeps this contract under the 24,576-byte limit.
 */
contract Proposals is IProposals, EIP712, ReentrancyGuardTransient {
    /// @dev Stored lifecycle; `state()` derives the public ProposalState from it, the clock and the outcome.
    enum Status {
        None,
        Active, // created, no vote yet (cancellable)
        Voted, // at least one vote or commit
        Cancelled,
        Finalized,
        Executed
    }

    struct Core {
        uint64 swarmId;
        uint48 voteStart;
        uint48 voteEnd;
        uint48 revealEnd;
        uint8 optionCount;
        VotingMode votingMode;
        Weighting weighting;
        bool excludeFlagged;
        Status status;
    }

    struct Funding {
        address proposer;
        uint96 value; // ETH escrowed for the action; zero once executed or refunded
    }

    struct Rules {
        uint128 denominator;
        uint16 quorumBps;
        ThresholdKind thresholdKind;
        uint16 thresholdBps;
        Outcome outcome;
        uint8 winningOption;
    }

    struct Proposal {
        Core core;
        Funding funding;
        Rules rules;
        bytes32 actionHash;
    }

    /// @dev Scratch for one `castVotesBySig` call (keeps the stack small).
    struct Batch {
        uint256 proposalId;
        uint256 swarmId;
        bytes32 domainSeparator;
        uint256 optionCount;
        bool stake; // stake weighting: `weights` holds stakesOf(voters)
        bool checkFlags; // excludeFlagged and someone in the swarm is flagged
        uint256 counted;
        uint256 cachedWord; // bitmap word index + 1 held in `cachedBits` (0 = none)
        uint256 cachedBits;
        bool dirty; // cachedBits differs from storage
        address[] voters; // compacted in place to the counted voters
        uint256[] indexes; // member index per ballot (0 = not a member)
        uint256[] weights; // stake per ballot, compacted like `voters` (stake weighting only)
        bytes options; // option per counted ballot
        uint256[] added; // weight added per option
        uint256 votedSlot; // storage slot of _voted[proposalId]
        uint256 ballotsOffset; // calldata offset of ballots[0]
        uint256 signaturesOffset; // calldata offset of the signatures' head
        bytes32 typeHash; // PROPOSAL_BALLOT_TYPEHASH (constants of this kind are not visible in assembly)
        uint256 stopCode; // why `_countRun` stopped: 1 already voted, 2 bad option, 3 not an ECDSA signature of
        // the voter (EIP-1271 to try), 4 signed, but not a plain count (not a member, flags, no weight, overflow),
        // 5 tally overflow of a verified ballot
        uint256 stopBit; // the stopped ballot's bitmap bit (0 for a non-member)
        bytes32 stopDigest; // the stopped ballot's EIP-712 digest (codes 3 and 4)
        uint256 verified; // i + 1 of a ballot `_countSigned` verified and found eligible: `_countRun` counts it
    }

    /// @inheritdoc IProposals
    bytes32 public constant PROPOSAL_BALLOT_TYPEHASH =
        keccak256("ProposalBallot(uint256 proposalId,uint8 option,address voter)");
    /// @inheritdoc IProposals
    uint8 public constant MAX_OPTIONS = 16;
    /// @inheritdoc IProposals
    uint48 public constant MAX_VOTING_PERIOD = 365 days;
    /// @inheritdoc IProposals
    uint48 public constant EXECUTION_PERIOD = 30 days;

    uint256 private constant _MASK128 = type(uint128).max;
    uint256 private constant _BPS = 10_000;

    ISwarmRegistry private immutable _registry;
    IStaking private immutable _staking;
    /// @dev Checks equivocation evidence (split out for the contract size limit); deployed by the constructor.
    ProposalsEvidence private immutable _evidence;

    uint256 private _proposalCount;

    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(uint256 optionPair => uint256 packedTallies)) private _tallies;
    /// @dev Bit `index & 255` of word `index >> 8` is set once the member with swarm member index `index` voted.
    mapping(uint256 proposalId => mapping(uint256 word => uint256 bits)) private _voted;
    mapping(uint256 proposalId => mapping(address voter => bytes32 commitment)) private _commitments;

    constructor(ISwarmRegistry registry_, IStaking staking_) EIP712("Concord Proposals", "1") {
        if (address(registry_) == address(0) || address(staking_) == address(0)) revert ProposalsZeroAddress();
        _registry = registry_;
        _staking = staking_;
        _evidence = new ProposalsEvidence(this);
    }

    // ---------------------------------------------------------------------------------------------
    // Lifecycle
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IProposals
    function create(CreateParams calldata params) external payable returns (uint256 proposalId) {
        uint256 swarmId = params.swarmId;
        if (_memberIndex(swarmId, msg.sender) == 0) revert ProposalsNotMember(swarmId, msg.sender);
        if (params.optionCount < 2 || params.optionCount > MAX_OPTIONS) {
            revert ProposalsInvalidOptionCount(params.optionCount, MAX_OPTIONS);
        }
        uint48 voteStart = _checkWindow(params);
        if (params.quorumBps > _BPS) revert ProposalsInvalidQuorum(params.quorumBps);
        if (
            params.thresholdKind == ThresholdKind.Supermajority
                ? params.thresholdBps <= _BPS / 2 || params.thresholdBps > _BPS
                : params.thresholdBps != 0
        ) {
            revert ProposalsInvalidThreshold(params.thresholdKind, params.thresholdBps);
        }
        bytes32 actionHash = _checkAction(params.action);
        uint256 denominator = params.weighting == Weighting.Stake
            ? _staking.totalStake(swarmId)
            : _registry.memberCount(swarmId);
        if (denominator == 0) revert ProposalsNoElectorate(swarmId);

        // cannot overflow: one increment per proposal
        unchecked {
            proposalId = ++_proposalCount;
        }
        Proposal storage p = _proposals[proposalId];
        p.core = Core({
            swarmId: SafeCast.toUint64(swarmId),
            voteStart: voteStart,
            voteEnd: params.voteEnd,
            revealEnd: params.revealEnd,
            optionCount: params.optionCount,
            votingMode: params.votingMode,
            weighting: params.weighting,
            excludeFlagged: params.excludeFlagged,
            status: Status.Active
        });
        p.funding = Funding({proposer: msg.sender, value: uint96(msg.value)});
        p.rules = Rules({
            denominator: SafeCast.toUint128(denominator),
            quorumBps: params.quorumBps,
            thresholdKind: params.thresholdKind,
            thresholdBps: params.thresholdBps,
            outcome: Outcome.None,
            winningOption: 0
        });
        if (actionHash != bytes32(0)) p.actionHash = actionHash;
        emit ProposalCreated(
            proposalId,
            swarmId,
            msg.sender,
            _config(p),
            params.descriptionURI,
            params.descriptionHash,
            params.action
        );
    }

    /// @inheritdoc IProposals
    function cancel(uint256 proposalId) external nonReentrant {
        Proposal storage p = _proposals[proposalId];
        Status status = p.core.status;
        if (status == Status.None) revert ProposalsUnknownProposal(proposalId);
        address proposer = p.funding.proposer;
        if (msg.sender != proposer) revert ProposalsNotProposer(proposalId, msg.sender, proposer);
        if (status == Status.Voted) revert ProposalsHasVotes(proposalId);
        if (status != Status.Active) revert ProposalsWrongState(proposalId, _state(proposalId));
        uint256 value = p.funding.value;
        p.core.status = Status.Cancelled;
        p.funding.value = 0;
        emit ProposalCancelled(proposalId, proposer, value);
        if (value != 0) Address.sendValue(payable(proposer), value);
    }

    /// @inheritdoc IProposals
    function finalize(uint256 proposalId) external returns (Outcome) {
        Proposal storage p = _proposals[proposalId];
        Core memory c = _loadCore(proposalId);
        if (c.status == Status.None) revert ProposalsUnknownProposal(proposalId);
        if ((c.status != Status.Active && c.status != Status.Voted) || block.timestamp <= _closesAt(c)) {
            revert ProposalsWrongState(proposalId, _state(proposalId));
        }
        (uint256[] memory perOption, uint256 totalCast) = _readTallies(proposalId, c.optionCount);
        uint8 winner;
        uint256 top;
        for (uint256 i; i < perOption.length; ++i) {
            if (perOption[i] > top) {
                top = perOption[i];
                winner = uint8(i);
            }
        }
        Rules memory r = p.rules;
        Outcome result;
        if (totalCast == 0 || totalCast * _BPS < uint256(r.quorumBps) * r.denominator) {
            result = Outcome.QuorumNotReached;
        } else if (_thresholdMet(r, top, totalCast)) {
            result = Outcome.Passed;
        } else {
            result = Outcome.Rejected;
        }
        p.rules.outcome = result;
        p.rules.winningOption = winner;
        p.core.status = Status.Finalized;
        emit ProposalFinalized(proposalId, result, winner, perOption, totalCast, r.denominator);
        return result;
    }

    /// @inheritdoc IProposals
    function execute(uint256 proposalId, Action calldata action) external nonReentrant returns (bytes memory returnData) {
        Proposal storage p = _proposals[proposalId];
        Core memory c = _loadCore(proposalId);
        if (c.status == Status.None) revert ProposalsUnknownProposal(proposalId);
        if (c.status != Status.Finalized) revert ProposalsWrongState(proposalId, _state(proposalId));
        bytes32 actionHash = p.actionHash;
        Outcome result = p.rules.outcome;
        uint8 winner = p.rules.winningOption;
        if (result != Outcome.Passed || winner != 0 || actionHash == bytes32(0)) {
            revert ProposalsNotExecutable(proposalId, result, winner, actionHash != bytes32(0));
        }
        uint256 deadline = uint256(_closesAt(c)) + EXECUTION_PERIOD;
        if (block.timestamp > deadline) revert ProposalsExecutionExpired(proposalId, deadline);
        bytes32 given = keccak256(abi.encode(action.target, action.value, action.data));
        if (given != actionHash) revert ProposalsActionMismatch(proposalId, actionHash, given);
        p.core.status = Status.Executed;
        p.funding.value = 0;
        // a plain call (not Address.functionCall*): an action may send ETH to an account without code
        (bool success, bytes memory ret) = action.target.call{value: action.value}(action.data);
        returnData = Address.verifyCallResult(success, ret);
        emit ProposalExecuted(proposalId, msg.sender, action.target, action.value, returnData);
    }

    /// @inheritdoc IProposals
    function refund(uint256 proposalId) external nonReentrant {
        Proposal storage p = _proposals[proposalId];
        Core memory c = _loadCore(proposalId);
        if (c.status == Status.None) revert ProposalsUnknownProposal(proposalId);
        uint256 value = p.funding.value;
        if (value == 0) revert ProposalsNothingToRefund(proposalId);
        // value != 0 implies an action that was neither executed nor refunded (cancel refunds at once)
        if (c.status != Status.Finalized) revert ProposalsWrongState(proposalId, _state(proposalId));
        bool executable = p.rules.outcome == Outcome.Passed && p.rules.winningOption == 0;
        if (executable && block.timestamp <= uint256(_closesAt(c)) + EXECUTION_PERIOD) {
            revert ProposalsWrongState(proposalId, ProposalState.Passed);
        }
        address proposer = p.funding.proposer;
        p.funding.value = 0;
        emit ProposalRefunded(proposalId, proposer, value);
        Address.sendValue(payable(proposer), value);
    }

    // ---------------------------------------------------------------------------------------------
    // Voting
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IProposals
    /// @dev The hot path: the fields it needs are read from the one `Core` slot without copying the struct
    /// (layout from bit 0: swarmId 64, voteStart 48, voteEnd 48, revealEnd 48, optionCount 8, votingMode 8,
    /// weighting 8, excludeFlagged 8, status 8). Any failed window or option check goes to `_castVoteRevert`.
    function castVote(uint256 proposalId, uint8 option) external returns (uint256 weight) {
        uint256 slot;
        uint256 core;
        // slot of _proposals[proposalId].core (the struct's first slot)
        assembly ("memory-safe") {
            mstore(0x00, proposalId)
            mstore(0x20, _proposals.slot)
            slot := keccak256(0x00, 0x40)
            core := sload(slot)
        }
        uint256 status = (core >> 240) & 0xff;
        if (
            (status != uint256(Status.Active) && status != uint256(Status.Voted)) ||
            (core >> 216) & 0xff != uint256(VotingMode.Open) ||
            block.timestamp < (core >> 64) & 0xffffffffffff ||
            block.timestamp > (core >> 112) & 0xffffffffffff ||
            option >= (core >> 208) & 0xff
        ) _castVoteRevert(proposalId, option);
        uint256 swarmId = uint64(core);
        uint256 index = _memberIndex(swarmId, msg.sender);
        if (index == 0) revert ProposalsNotMember(swarmId, msg.sender);
        if ((core >> 232) & 0xff != 0 && _isFlagged(swarmId, msg.sender)) revert ProposalsVoterFlagged(proposalId, msg.sender);
        weight = 1;
        if ((core >> 224) & 0xff == uint256(Weighting.Stake)) {
            weight = _stakeOf(swarmId, msg.sender);
            if (weight == 0) revert ProposalsNoWeight(proposalId, msg.sender);
        }
        if (!_markVoted(proposalId, index)) revert ProposalsAlreadyVoted(proposalId, msg.sender);
        _addTally(proposalId, option, weight);
        if (status == uint256(Status.Active)) {
            // Active -> Voted: the status byte only
            assembly ("memory-safe") {
                sstore(slot, or(and(core, not(shl(240, 0xff))), shl(240, 2)))
            }
        }
        emit VoteCast(proposalId, msg.sender, option, weight);
    }

    /// @dev Reverts with the precise reason a `castVote` failed its window or option check.
    function _castVoteRevert(uint256 proposalId, uint8 option) private view {
        Core memory c = _loadCore(proposalId);
        _requireWindow(proposalId, c, VotingMode.Open);
        revert ProposalsInvalidOption(proposalId, option, c.optionCount);
    }

    /// @inheritdoc IProposals
    function castVotesBySig(
        uint256 proposalId,
        Ballot[] calldata ballots,
        bytes[] calldata signatures
    ) external returns (uint256) {
        Core memory c = _loadCore(proposalId);
        _requireWindow(proposalId, c, VotingMode.Open);
        uint256 n = ballots.length;
        if (n == 0 || n != signatures.length) revert ProposalsBallotCountMismatch(n, signatures.length);
        Batch memory b;
        b.proposalId = proposalId;
        b.swarmId = c.swarmId;
        b.domainSeparator = _domainSeparatorV4();
        b.optionCount = c.optionCount;
        b.voters = _votersOf(ballots);
        b.indexes = ConsensusReads.batchCall(address(_registry), ISwarmRegistry.memberIndexes.selector, b.swarmId, b.voters);
        if (c.weighting == Weighting.Stake) {
            b.stake = true;
            b.weights = ConsensusReads.batchCall(address(_staking), IStaking.stakesOf.selector, b.swarmId, b.voters);
        }
        b.checkFlags = c.excludeFlagged && _staking.flaggedCount(b.swarmId) != 0;
        b.options = new bytes(n);
        b.added = new uint256[](c.optionCount);
        mapping(uint256 => uint256) storage words = _voted[proposalId];
        {
            (uint256 votedSlot, uint256 ballotsOffset, uint256 signaturesOffset) = (0, 0, 0);
            assembly ("memory-safe") {
                votedSlot := words.slot
                ballotsOffset := ballots.offset
                signaturesOffset := signatures.offset
            }
            (b.votedSlot, b.ballotsOffset, b.signaturesOffset) = (votedSlot, ballotsOffset, signaturesOffset);
        }
        b.typeHash = PROPOSAL_BALLOT_TYPEHASH;
        for (uint256 i; ; ) {
            // the common case in one assembly loop; the first ballot it cannot take goes through Solidity
            i = _countRun(b, i, n);
            if (i == n) break;
            // a ballot to count goes back to the loop, which takes it as verified
            if (_countSigned(b, ballots, signatures, i)) continue;
            // cannot overflow: i < n
            unchecked {
                ++i;
            }
        }
        if (b.dirty) words[b.cachedWord - 1] = b.cachedBits;
        uint256 counted = b.counted;
        if (counted != 0) {
            _addTallies(proposalId, b.added);
            _markProposalVoted(proposalId, c);
            (address[] memory voters, bytes memory options, uint256[] memory weights) = (b.voters, b.options, b.weights);
            // shrink to the counted ballots (lengths only decrease, memory stays valid)
            assembly ("memory-safe") {
                mstore(voters, counted)
                mstore(options, counted)
                if mload(weights) {
                    mstore(weights, counted)
                }
            }
            emit VotesCast(proposalId, voters, options, weights);
        }
        return counted;
    }

    /// @inheritdoc IProposals
    function commitVote(uint256 proposalId, bytes32 commitment) external {
        Core memory c = _loadCore(proposalId);
        _requireWindow(proposalId, c, VotingMode.CommitReveal);
        if (commitment == bytes32(0)) revert ProposalsInvalidCommitment(proposalId);
        uint256 swarmId = c.swarmId;
        uint256 index = _memberIndex(swarmId, msg.sender);
        if (index == 0) revert ProposalsNotMember(swarmId, msg.sender);
        if (c.excludeFlagged && _isFlagged(swarmId, msg.sender)) {
            revert ProposalsVoterFlagged(proposalId, msg.sender);
        }
        if (!_markVoted(proposalId, index)) revert ProposalsAlreadyVoted(proposalId, msg.sender);
        _commitments[proposalId][msg.sender] = commitment;
        _markProposalVoted(proposalId, c);
        emit VoteCommitted(proposalId, msg.sender, commitment);
    }

    /// @inheritdoc IProposals
    function reveal(uint256 proposalId, uint8 option, bytes32 salt) external returns (uint256 weight) {
        Core memory c = _loadCore(proposalId);
        if (c.status == Status.None) revert ProposalsUnknownProposal(proposalId);
        if (c.votingMode != VotingMode.CommitReveal) revert ProposalsWrongVotingMode(proposalId, c.votingMode);
        if (c.status != Status.Voted || block.timestamp <= c.voteEnd || block.timestamp > c.revealEnd) {
            revert ProposalsWrongState(proposalId, _state(proposalId));
        }
        bytes32 commitment = _commitments[proposalId][msg.sender];
        if (commitment == bytes32(0)) revert ProposalsNoCommitment(proposalId, msg.sender);
        bytes32 computed = _commitment(proposalId, option, salt, msg.sender);
        if (computed != commitment) revert ProposalsRevealMismatch(proposalId, msg.sender, commitment, computed);
        if (option >= c.optionCount) revert ProposalsInvalidOption(proposalId, option, c.optionCount);
        weight = _requireWeight(proposalId, c, msg.sender);
        delete _commitments[proposalId][msg.sender];
        _addTally(proposalId, option, weight);
        emit VoteRevealed(proposalId, msg.sender, option, weight);
    }

    // ---------------------------------------------------------------------------------------------
    // Equivocation evidence
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IBallotSource
    /// @dev Checked by the ProposalsEvidence helper this contract deployed (see `evidenceChecker`): the call data is
    /// passed as is and its answer or revert data comes back unchanged.
    function checkEquivocation(bytes calldata, bytes calldata, bytes calldata, bytes calldata)
        external
        view
        returns (uint256, address, bytes32)
    {
        address checker = address(_evidence);
        // forwards this call's data; copies the answer over memory from 0 (the call ends here either way)
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := staticcall(gas(), checker, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    /// @inheritdoc IProposals
    function evidenceChecker() external view returns (address) {
        return address(_evidence);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IProposals
    function proposalConfig(uint256 proposalId) external view returns (ProposalConfig memory) {
        Proposal storage p = _proposals[proposalId];
        if (p.core.status == Status.None) revert ProposalsUnknownProposal(proposalId);
        return _config(p);
    }

    /// @inheritdoc IProposals
    function state(uint256 proposalId) external view returns (ProposalState) {
        return _state(proposalId);
    }

    /// @inheritdoc IProposals
    function tallies(uint256 proposalId) external view returns (uint256[] memory perOption, uint256 totalCast) {
        uint8 optionCount = _proposals[proposalId].core.optionCount;
        if (optionCount == 0) revert ProposalsUnknownProposal(proposalId);
        return _readTallies(proposalId, optionCount);
    }

    /// @inheritdoc IProposals
    function outcome(uint256 proposalId) external view returns (Outcome, uint8) {
        Rules storage r = _proposals[proposalId].rules;
        return (r.outcome, r.winningOption);
    }

    /// @inheritdoc IProposals
    function hasVoted(uint256 proposalId, address voter) external view returns (bool) {
        uint256 swarmId = _proposals[proposalId].core.swarmId;
        if (swarmId == 0) return false;
        // the index even if the voter left since (it keeps it, and gets it back on rejoining): the second word of
        // `membership`, read with a hand-encoded call in scratch memory past the free memory pointer
        uint256 index;
        address registry_ = address(_registry);
        bytes4 selector = ISwarmRegistry.membership.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), swarmId)
            mstore(add(ptr, 0x24), and(voter, 0xffffffffffffffffffffffffffffffffffffffff))
            let ok := staticcall(gas(), registry_, ptr, 0x44, ptr, 0x40)
            if and(ok, gt(returndatasize(), 0x3f)) {
                index := mload(add(ptr, 0x20))
            }
        }
        return index != 0 && _voted[proposalId][index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @inheritdoc IProposals
    function commitmentOf(uint256 proposalId, address voter) external view returns (bytes32) {
        return _commitments[proposalId][voter];
    }

    /// @inheritdoc IProposals
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @inheritdoc IProposals
    function hashBallot(uint256 proposalId, uint8 option, address voter) external view returns (bytes32) {
        return _hashBallot(proposalId, option, voter);
    }

    /// @inheritdoc IProposals
    function computeCommitment(uint256 proposalId, uint8 option, bytes32 salt, address voter) external pure returns (bytes32) {
        return _commitment(proposalId, option, salt, voter);
    }

    /// @inheritdoc IProposals
    function registry() external view returns (ISwarmRegistry) {
        return _registry;
    }

    /// @inheritdoc IProposals
    function staking() external view returns (IStaking) {
        return _staking;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals: creation
    // ---------------------------------------------------------------------------------------------

    /// @dev Validates the windows; returns the resolved voteStart.
    function _checkWindow(CreateParams calldata params) private view returns (uint48 voteStart) {
        voteStart = params.voteStart == 0 ? uint48(block.timestamp) : params.voteStart;
        uint48 voteEnd = params.voteEnd;
        uint48 revealEnd = params.revealEnd;
        bool ok = voteStart >= block.timestamp && voteEnd > voteStart && voteEnd - voteStart <= MAX_VOTING_PERIOD;
        if (params.votingMode == VotingMode.CommitReveal) {
            ok = ok && revealEnd > voteEnd && revealEnd - voteEnd <= MAX_VOTING_PERIOD;
        } else {
            ok = ok && revealEnd == 0;
        }
        if (!ok) revert ProposalsInvalidWindow(params.voteStart, voteEnd, revealEnd);
    }

    /// @dev Validates the action against msg.value; returns its hash (zero for no action).
    function _checkAction(Action calldata action) private view returns (bytes32) {
        if (action.target == address(0)) {
            if (action.value != 0 || action.data.length != 0 || msg.value != 0) {
                revert ProposalsInvalidAction(action.target, action.value, msg.value);
            }
            return bytes32(0);
        }
        if (action.target == address(this) || msg.value != action.value || action.value > type(uint96).max) {
            revert ProposalsInvalidAction(action.target, action.value, msg.value);
        }
        return keccak256(abi.encode(action.target, action.value, action.data));
    }

    function _config(Proposal storage p) private view returns (ProposalConfig memory) {
        Core memory c = p.core;
        Rules memory r = p.rules;
        return
            ProposalConfig({
                swarmId: c.swarmId,
                proposer: p.funding.proposer,
                optionCount: c.optionCount,
                voteStart: c.voteStart,
                voteEnd: c.voteEnd,
                revealEnd: c.revealEnd,
                votingMode: c.votingMode,
                weighting: c.weighting,
                quorumBps: r.quorumBps,
                thresholdKind: r.thresholdKind,
                thresholdBps: r.thresholdBps,
                excludeFlagged: c.excludeFlagged,
                denominator: r.denominator,
                actionHash: p.actionHash,
                value: p.funding.value
            });
    }

    // ---------------------------------------------------------------------------------------------
    // Internals: voting
    // ---------------------------------------------------------------------------------------------

    /// @dev Reverts unless the proposal exists, uses `mode`, and its voting window is open.
    function _requireWindow(uint256 proposalId, Core memory c, VotingMode mode) private view {
        if (c.status == Status.None) revert ProposalsUnknownProposal(proposalId);
        if (c.votingMode != mode) revert ProposalsWrongVotingMode(proposalId, c.votingMode);
        if (
            (c.status != Status.Active && c.status != Status.Voted) ||
            block.timestamp < c.voteStart ||
            block.timestamp > c.voteEnd
        ) {
            revert ProposalsWrongState(proposalId, _state(proposalId));
        }
    }

    /// @dev The voter's weight now; reverts if it cannot vote (not a member, flagged with excludeFlagged, no stake).
    function _requireWeight(uint256 proposalId, Core memory c, address voter) private view returns (uint256 weight) {
        uint256 swarmId = c.swarmId;
        if (_memberIndex(swarmId, voter) == 0) revert ProposalsNotMember(swarmId, voter);
        if (c.excludeFlagged && _isFlagged(swarmId, voter)) revert ProposalsVoterFlagged(proposalId, voter);
        if (c.weighting == Weighting.Head) return 1;
        weight = _stakeOf(swarmId, voter);
        if (weight == 0) revert ProposalsNoWeight(proposalId, voter);
    }

    /// @dev Membership, index, flag and stake reads through `ConsensusReads.viewCall`; failures deny.
    function _memberIndex(uint256 swarmId, address account) private view returns (uint256) {
        return ConsensusReads.viewCall(address(_registry), ISwarmRegistry.memberIndex.selector, swarmId, account, 0);
    }

    function _isFlagged(uint256 swarmId, address account) private view returns (bool) {
        return ConsensusReads.viewCall(address(_staking), IStaking.isFlagged.selector, swarmId, account, 1) != 0;
    }

    function _stakeOf(uint256 swarmId, address account) private view returns (uint256) {
        return ConsensusReads.viewCall(address(_staking), IStaking.stakeOf.selector, swarmId, account, 0);
    }

    /// @dev Active -> Voted on the first vote or commit (a proposal with votes cannot be cancelled).
    function _markProposalVoted(uint256 proposalId, Core memory c) private {
        if (c.status == Status.Active) _proposals[proposalId].core.status = Status.Voted;
    }

    /// @dev Sets the bit of member index `index`; false if it was already set.
    function _markVoted(uint256 proposalId, uint256 index) private returns (bool) {
        mapping(uint256 => uint256) storage words = _voted[proposalId];
        uint256 bits = words[index >> 8];
        uint256 bit = 1 << (index & 0xff);
        if (bits & bit != 0) return false;
        words[index >> 8] = bits | bit;
        return true;
    }

    /// @dev The ballots' voters as a memory array (the argument of the registry and staking batch calls).
    function _votersOf(Ballot[] calldata ballots) private pure returns (address[] memory voters) {
        uint256 n = ballots.length;
        voters = new address[](n);
        bool dirty;
        // Ballot is two static words (voter, option); the decoder checked that the array lies within calldata
        assembly ("memory-safe") {
            let out := add(voters, 0x20)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let v := calldataload(add(ballots.offset, shl(6, i)))
                dirty := or(dirty, shr(160, v))
                mstore(add(out, shl(5, i)), v)
            }
        }
        if (dirty) revert(); // like the ABI decoder on a malformed address
    }

    /// @dev Counts ballots `i`, `i + 1`, ... while each is the common case: a member (nobody in the swarm flagged, or
    /// flags not asked for) who has not voted, with weight, a valid option, a 65- or 64-byte ECDSA signature (EIP-2
    /// low s, as OpenZeppelin's ECDSA) and no tally overflow. Checks in the order of the interface: already voted
    /// (skip, before any signature check), option, signature, then eligibility. Returns the index of the first
    /// ballot that is not the common case (`n` if none), with why in `b.stopCode`, its bitmap bit and digest: it
    /// changed nothing for that ballot but the bitmap word cache, and `_countSigned` takes it from there.
    function _countRun(Batch memory b, uint256 i, uint256 n) private returns (uint256) {
        // Batch layout (one word per field): 0x00 proposalId, 0x40 domainSeparator, 0x60 optionCount, 0x80 stake,
        // 0xc0 counted, 0xe0 cachedWord, 0x100 cachedBits, 0x120 dirty, 0x140 voters, 0x160 indexes, 0x180 weights,
        // 0x1a0 options, 0x1c0 added, 0x1e0 votedSlot, 0x200 ballotsOffset, 0x220 signaturesOffset, 0x240 typeHash,
        // 0x260 stopCode, 0x280 stopBit, 0x2a0 stopDigest, 0x2c0 verified.
        // Reads b's arrays at i < n (their length), ballots[i] (inside calldata, checked by the decoder) and
        // signatures[i] (raw: reads past calldata yield zeros, i.e. no valid signature). Writes the scratch space,
        // the free memory pointer and zero slot (restored), memory past the free memory pointer (not allocated),
        // b's fields, b's arrays at counted <= i, b.added[option < optionCount], and the `_voted` word it flushes.
        assembly ("memory-safe") {
            // the signer of `digest` by the ECDSA signature whose length word is at calldata offset `at`, or 0
            function recovered(digest, at) -> signer {
                let len := calldataload(at)
                let r := calldataload(add(at, 0x20))
                let s := calldataload(add(at, 0x40))
                let v := 0
                switch len
                case 65 {
                    v := byte(0, calldataload(add(at, 0x60)))
                }
                case 64 {
                    v := add(27, shr(255, s))
                    s := and(s, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
                }
                // EIP-2: s in the lower half order, as OpenZeppelin's ECDSA; a bad v makes the precompile answer nothing
                if and(iszero(iszero(v)), iszero(gt(s, 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0))) {
                    let fmp := mload(0x40)
                    mstore(0x00, digest)
                    mstore(0x20, v)
                    mstore(0x40, r)
                    mstore(0x60, s)
                    if staticcall(gas(), 0x01, 0x00, 0x80, 0x00, 0x20) {
                        if gt(returndatasize(), 0x1f) {
                            signer := mload(0x00)
                        }
                    }
                    mstore(0x40, fmp)
                    mstore(0x60, 0)
                }
            }
            let indexes := add(mload(add(b, 0x160)), 0x20) // &b.indexes[0]
            let voters := add(mload(add(b, 0x140)), 0x20) // &b.voters[0]
            for {} lt(i, n) {
                i := add(i, 1)
            } {
                let at := shl(5, i)
                let bit := 0
                let index := mload(add(indexes, at))
                if index {
                    let word := add(shr(8, index), 1)
                    if iszero(eq(word, mload(add(b, 0xe0)))) {
                        mstore(0x20, mload(add(b, 0x1e0)))
                        if mload(add(b, 0x120)) {
                            mstore(0x00, sub(mload(add(b, 0xe0)), 1))
                            sstore(keccak256(0x00, 0x40), mload(add(b, 0x100)))
                            mstore(add(b, 0x120), 0)
                        }
                        mstore(add(b, 0xe0), word)
                        mstore(0x00, sub(word, 1))
                        mstore(add(b, 0x100), sload(keccak256(0x00, 0x40)))
                    }
                    bit := shl(and(index, 0xff), 1)
                }
                mstore(add(b, 0x280), bit)
                if and(mload(add(b, 0x100)), bit) {
                    mstore(add(b, 0x260), 1)
                    break
                }
                let option := calldataload(add(add(mload(add(b, 0x200)), shl(1, at)), 0x20))
                if iszero(lt(option, mload(add(b, 0x60)))) {
                    mstore(add(b, 0x260), 2)
                    break
                }
                let voter := mload(add(voters, at))
                // ballot i was verified (signature, eligibility) by `_countSigned`: count it without checking again
                let verified := eq(mload(add(b, 0x2c0)), add(i, 1))
                {
                    // EIP-712 digest of ProposalBallot(proposalId, option, voter), hashed past the free memory pointer
                    let ptr := mload(0x40)
                    mstore(ptr, mload(add(b, 0x240)))
                    mstore(add(ptr, 0x20), mload(b))
                    mstore(add(ptr, 0x40), option)
                    mstore(add(ptr, 0x60), voter)
                    let structHash := keccak256(ptr, 0x80)
                    mstore(ptr, hex"1901")
                    mstore(add(ptr, 0x02), mload(add(b, 0x40)))
                    mstore(add(ptr, 0x22), structHash)
                    let digest := keccak256(ptr, 0x42)
                    mstore(add(b, 0x2a0), digest)
                    let sigs := mload(add(b, 0x220))
                    if iszero(verified) {
                        if iszero(eq(recovered(digest, add(sigs, calldataload(add(sigs, at)))), voter)) {
                            mstore(add(b, 0x260), 3)
                            break
                        }
                    }
                }
                // signed: anything unusual (not a member, flags to check, no weight, overflow) goes to Solidity
                mstore(add(b, 0x260), 4)
                if and(iszero(verified), or(iszero(index), mload(add(b, 0xa0)))) {
                    break
                }
                let weight := 1
                if mload(add(b, 0x80)) {
                    weight := mload(add(add(mload(add(b, 0x180)), 0x20), at))
                }
                let sum := add(add(mload(add(b, 0x1c0)), 0x20), shl(5, option)) // &b.added[option]
                if or(iszero(weight), lt(add(mload(sum), weight), weight)) {
                    if verified {
                        mstore(add(b, 0x260), 5) // overflow of a verified, eligible ballot
                    }
                    break
                }
                // count
                mstore(sum, add(mload(sum), weight))
                mstore(add(b, 0x100), or(mload(add(b, 0x100)), bit)) // cachedBits
                mstore(add(b, 0x120), 1) // dirty
                let k := mload(add(b, 0xc0)) // counted
                let kat := add(0x20, shl(5, k))
                mstore(add(voters, shl(5, k)), voter) // b.voters[k]
                mstore8(add(add(mload(add(b, 0x1a0)), 0x20), k), option) // b.options[k]
                if mload(add(b, 0x80)) {
                    mstore(add(mload(add(b, 0x180)), kat), weight) // b.weights[k]
                }
                mstore(add(b, 0xc0), add(k, 1))
            }
        }
        return i;
    }

    /// @dev The ballot `_countRun` stopped at: skip (already voted, not a member, flagged, no weight) or revert (bad
    /// option, signature, tally overflow); returns true (after setting `b.verified`) if `_countRun` is to count it.
    function _countSigned(Batch memory b, Ballot[] calldata ballots, bytes[] calldata signatures, uint256 i) private returns (bool) {
        address voter = b.voters[i];
        uint256 option = ballots[i].option; // reverts like the ABI decoder if the word is not a uint8
        uint256 code = b.stopCode;
        SkipReason reason = SkipReason.AlreadyVoted;
        if (code == 2) revert ProposalsInvalidOption(b.proposalId, uint8(option), uint8(b.optionCount));
        if (code == 3 && !SignatureChecker.isValidERC1271SignatureNow(voter, b.stopDigest, signatures[i])) {
            revert ProposalsInvalidSignature(b.proposalId, voter, uint8(option));
        }
        if (code == 5) revert ProposalsTallyOverflow(b.proposalId, uint8(option));
        if (code != 1) {
            // signed (ECDSA or EIP-1271): count unless ineligible
            if (b.indexes[i] == 0) reason = SkipReason.NotMember;
            else if (b.checkFlags && _isFlagged(b.swarmId, voter)) reason = SkipReason.Flagged;
            else if (b.stake && b.weights[i] == 0) reason = SkipReason.NoWeight;
            else {
                b.verified = i + 1;
                return true;
            }
        }
        emit VoteSkipped(b.proposalId, voter, reason);
        return false;
    }

    function _addTally(uint256 proposalId, uint8 option, uint256 weight) private {
        uint256 shift = (uint256(option) & 1) * 128;
        uint256 packed = _tallies[proposalId][option >> 1];
        uint256 next = ((packed >> shift) & _MASK128) + weight;
        if (next > _MASK128) revert ProposalsTallyOverflow(proposalId, option);
        _tallies[proposalId][option >> 1] = (packed & ~(_MASK128 << shift)) | (next << shift);
    }

    /// @dev Adds a batch's per-option weights, one SSTORE per touched option pair.
    function _addTallies(uint256 proposalId, uint256[] memory added) private {
        mapping(uint256 => uint256) storage slots = _tallies[proposalId];
        uint256 n = added.length;
        for (uint256 pair; pair * 2 < n; ++pair) {
            uint256 lo = added[pair * 2];
            uint256 hi = pair * 2 + 1 < n ? added[pair * 2 + 1] : 0;
            if (lo == 0 && hi == 0) continue;
            uint256 packed = slots[pair];
            uint256 newLo = (packed & _MASK128) + lo;
            uint256 newHi = (packed >> 128) + hi;
            if (newLo > _MASK128) revert ProposalsTallyOverflow(proposalId, uint8(pair * 2));
            if (newHi > _MASK128) revert ProposalsTallyOverflow(proposalId, uint8(pair * 2 + 1));
            slots[pair] = newLo | (newHi << 128);
        }
    }

    function _readTallies(uint256 proposalId, uint8 optionCount) private view returns (uint256[] memory perOption, uint256 total) {
        perOption = new uint256[](optionCount);
        mapping(uint256 => uint256) storage slots = _tallies[proposalId];
        for (uint256 i; i < optionCount; i += 2) {
            uint256 packed = slots[i >> 1];
            perOption[i] = packed & _MASK128;
            if (i + 1 < optionCount) perOption[i + 1] = packed >> 128;
            total += (packed & _MASK128) + (packed >> 128);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Internals: outcome and state
    // ---------------------------------------------------------------------------------------------

    /// @dev One shared copy routine: unpacking the packed slot inline at every call site cost ~2.6 kB of code.
    function _loadCore(uint256 proposalId) private view returns (Core memory) {
        return _proposals[proposalId].core;
    }

    function _closesAt(Core memory c) private pure returns (uint48) {
        return c.votingMode == VotingMode.CommitReveal ? c.revealEnd : c.voteEnd;
    }

    function _thresholdMet(Rules memory r, uint256 top, uint256 totalCast) private pure returns (bool) {
        if (r.thresholdKind == ThresholdKind.Majority) return top * 2 > totalCast;
        if (r.thresholdKind == ThresholdKind.Supermajority) return top * _BPS >= uint256(r.thresholdBps) * totalCast;
        return top == totalCast;
    }

    function _state(uint256 proposalId) private view returns (ProposalState) {
        Proposal storage p = _proposals[proposalId];
        Core memory c = _loadCore(proposalId);
        if (c.status == Status.None) return ProposalState.None;
        if (c.status == Status.Cancelled) return ProposalState.Cancelled;
        if (c.status == Status.Executed) return ProposalState.Executed;
        if (c.status == Status.Finalized) {
            Outcome result = p.rules.outcome;
            if (result == Outcome.Passed) return ProposalState.Passed;
            if (result == Outcome.Rejected) return ProposalState.Rejected;
            return ProposalState.QuorumNotReached;
        }
        if (block.timestamp < c.voteStart) return ProposalState.Pending;
        if (block.timestamp <= c.voteEnd) return ProposalState.Active;
        if (c.votingMode == VotingMode.CommitReveal && block.timestamp <= c.revealEnd) return ProposalState.Revealing;
        return ProposalState.Ended;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals: hashing and signatures
    // ---------------------------------------------------------------------------------------------

    function _ballotStructHash(uint256 proposalId, uint256 option, address voter) private pure returns (bytes32 structHash) {
        bytes32 typeHash = PROPOSAL_BALLOT_TYPEHASH;
        // hashes 4 words in scratch memory past the free memory pointer, which is not moved
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), proposalId)
            mstore(add(ptr, 0x40), and(option, 0xff))
            mstore(add(ptr, 0x60), and(voter, 0xffffffffffffffffffffffffffffffffffffffff))
            structHash := keccak256(ptr, 0x80)
        }
    }

    /// @dev EIP-712 digest of a ProposalBallot under a domain separator read once per batch.
    function _ballotDigest(bytes32 domainSeparator, uint256 proposalId, uint256 option, address voter) private pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(domainSeparator, _ballotStructHash(proposalId, option, voter));
    }

    function _hashBallot(uint256 proposalId, uint8 option, address voter) private view returns (bytes32) {
        return _ballotDigest(_domainSeparatorV4(), proposalId, option, voter);
    }

    function _commitment(uint256 proposalId, uint8 option, bytes32 salt, address voter) private pure returns (bytes32) {
        return keccak256(abi.encode(proposalId, option, salt, voter));
    }
}
