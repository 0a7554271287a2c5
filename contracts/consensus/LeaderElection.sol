// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {BallotSignatures} from "./BallotSignatures.sol";
import {ConsensusReads} from "./ConsensusReads.sol";
import {IBallotSource} from "../interfaces/IBallotSource.sol";
import {ILeaderElection} from "../interfaces/ILeaderElection.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title LeaderElection
 * @notice One leader per swarm with a lease and a fencing term; lease (campaign) or vote (signed ballots) mode.
 * See {ILeaderElection}.
 * @dev The seat is one storage slot: leader (160 bits) + leaseExpiresAt (48) + term (48). Terms are uint64 in
 * the API; 2^48 - 1 terms are more than any chain will process, and the contract refuses to go beyond
 * (LeaderElectionTermTooLarge) rather than wrap. The configuration is a second slot.
 *
 * Signatures: an EOA signature (65 bytes, or 64 bytes EIP-2098) is checked with ECDSA recovery straight from
 * calldata; only if that does not yield the voter is the voter asked through EIP-1271 (OpenZeppelin
 * SignatureChecker), so smart accounts work and EOAs do not pay for an EXTCODESIZE (see {BallotSignatures}).
 *
 * `elect` asks the registry once for the whole ballot set plus the candidate (`memberIndexes`), Staking once for
 * all stakes (`stakesOf`, stake weighting) or for `flaggedCount` (Byzantine head counting: per-voter flag reads
 * only when someone in the swarm is flagged), and computes the EIP-712 domain separator once.
 */
contract LeaderElection is ILeaderElection, EIP712 {
    struct Seat {
        address leader; // zero when never held or after a resignation
        uint48 leaseExpiresAt; // the seat is held while block.timestamp < leaseExpiresAt
        uint48 term; // latest issued term; never decreases
    }

    /// @inheritdoc ILeaderElection
    bytes32 public constant ELECTION_BALLOT_TYPEHASH =
        keccak256("ElectionBallot(uint256 swarmId,uint64 term,address candidate,address voter)");
    /// @inheritdoc ILeaderElection
    uint32 public constant MIN_LEASE = 1;
    /// @inheritdoc ILeaderElection
    uint32 public constant MAX_LEASE = 365 days;

    /// @dev Length of `abi.encode(ElectionBallot)`: four static words.
    uint256 private constant _BALLOT_LENGTH = 128;

    /// @dev How `_countBallots` weighs a ballot.
    uint256 private constant _COUNT_HEADS = 0;
    uint256 private constant _COUNT_HEADS_UNFLAGGED = 1;
    uint256 private constant _COUNT_STAKE = 2;

    ISwarmRegistry private immutable _registry;
    IStaking private immutable _staking;

    mapping(uint256 swarmId => ElectionConfig) private _configs;
    mapping(uint256 swarmId => Seat) private _seats;

    constructor(ISwarmRegistry registry_, IStaking staking_) EIP712("Concord LeaderElection", "1") {
        if (address(registry_) == address(0) || address(staking_) == address(0)) revert LeaderElectionZeroAddress();
        _registry = registry_;
        _staking = staking_;
    }

    // ---------------------------------------------------------------------------------------------
    // Configuration
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILeaderElection
    function configure(
        uint256 swarmId,
        ElectionMode mode,
        uint32 leaseDuration,
        QuorumKind quorumKind,
        Weighting weighting
    ) external {
        if (!_registry.isAdmin(swarmId, msg.sender)) revert LeaderElectionNotAdmin(swarmId, msg.sender);
        if (mode == ElectionMode.None || leaseDuration < MIN_LEASE || leaseDuration > MAX_LEASE) {
            revert LeaderElectionInvalidConfig(mode, leaseDuration, MIN_LEASE, MAX_LEASE);
        }
        _configs[swarmId] = ElectionConfig({
            mode: mode,
            leaseDuration: leaseDuration,
            quorumKind: quorumKind,
            weighting: weighting
        });
        emit LeaderElectionConfigured(swarmId, mode, leaseDuration, quorumKind, weighting, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Lease mode
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILeaderElection
    function campaign(uint256 swarmId) external returns (uint64, uint48) {
        ElectionConfig memory cfg = _requireMode(swarmId, ElectionMode.Lease);
        if (!_registry.isMember(swarmId, msg.sender)) revert LeaderElectionNotMember(swarmId, msg.sender);
        Seat memory seat = _seats[swarmId];
        if (
            seat.leader != address(0) &&
            block.timestamp < seat.leaseExpiresAt &&
            (seat.leader == msg.sender || _registry.isMember(swarmId, seat.leader))
        ) {
            revert LeaderElectionSeatTaken(swarmId, seat.leader, seat.term, seat.leaseExpiresAt);
        }
        uint48 term = _nextTerm(swarmId, seat.term);
        uint48 leaseExpiresAt = _leaseEnd(cfg);
        _seats[swarmId] = Seat({leader: msg.sender, leaseExpiresAt: leaseExpiresAt, term: term});
        emit LeaderElected(swarmId, msg.sender, term, leaseExpiresAt, ElectionMethod.Campaign, 0, 0, seat.leader);
        return (term, leaseExpiresAt);
    }

    // ---------------------------------------------------------------------------------------------
    // Vote mode
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILeaderElection
    function elect(
        uint256 swarmId,
        uint64 term,
        address candidate,
        address[] calldata voters,
        bytes[] calldata signatures
    ) external returns (uint48) {
        ElectionConfig memory cfg = _requireMode(swarmId, ElectionMode.Vote);
        address previousLeader;
        {
            Seat memory seat = _seats[swarmId];
            if (term <= seat.term) revert LeaderElectionStaleTerm(swarmId, term, seat.term);
            previousLeader = seat.leader;
        }
        if (term > type(uint48).max) revert LeaderElectionTermTooLarge(swarmId, term);
        if (voters.length == 0 || voters.length != signatures.length) {
            revert LeaderElectionBallotCountMismatch(voters.length, signatures.length);
        }

        uint256 weight;
        uint256 total;
        if (cfg.weighting == Weighting.Stake) {
            // a flagged member's stakeOf is already 0 (IStaking), so Byzantine needs no extra call here
            weight = _countBallots(swarmId, term, candidate, voters, signatures, _COUNT_STAKE);
            total = _staking.totalStake(swarmId);
        } else {
            uint256 counting = cfg.quorumKind == QuorumKind.Byzantine ? _COUNT_HEADS_UNFLAGGED : _COUNT_HEADS;
            weight = _countBallots(swarmId, term, candidate, voters, signatures, counting);
            total = _registry.memberCount(swarmId);
        }
        if (!_quorumReached(weight, total, cfg.quorumKind)) {
            revert LeaderElectionQuorumNotReached(swarmId, term, weight, total, cfg.quorumKind);
        }
        uint48 leaseExpiresAt = _leaseEnd(cfg);
        _seats[swarmId] = Seat({leader: candidate, leaseExpiresAt: leaseExpiresAt, term: uint48(term)});
        emit LeaderElected(swarmId, candidate, term, leaseExpiresAt, ElectionMethod.Vote, weight, total, previousLeader);
        return leaseExpiresAt;
    }

    // ---------------------------------------------------------------------------------------------
    // Leader
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILeaderElection
    function heartbeat(uint256 swarmId, uint64 term) external returns (uint48) {
        Seat storage seat = _seats[swarmId];
        Seat memory cur = seat;
        _requireLeader(swarmId, term, cur);
        if (block.timestamp >= cur.leaseExpiresAt) revert LeaderElectionLeaseExpired(swarmId, term, cur.leaseExpiresAt);
        if (!_registry.isMember(swarmId, msg.sender)) revert LeaderElectionNotMember(swarmId, msg.sender);
        uint48 leaseExpiresAt = _leaseEnd(_configs[swarmId]);
        seat.leaseExpiresAt = leaseExpiresAt;
        emit LeaderHeartbeat(swarmId, msg.sender, term, leaseExpiresAt);
        return leaseExpiresAt;
    }

    /// @inheritdoc ILeaderElection
    function resign(uint256 swarmId, uint64 term) external {
        Seat storage seat = _seats[swarmId];
        _requireLeader(swarmId, term, seat);
        seat.leader = address(0);
        seat.leaseExpiresAt = 0;
        emit LeaderResigned(swarmId, msg.sender, term);
    }

    // ---------------------------------------------------------------------------------------------
    // Equivocation evidence
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IBallotSource
    function checkEquivocation(
        bytes calldata ballotA,
        bytes calldata sigA,
        bytes calldata ballotB,
        bytes calldata sigB
    ) external view returns (uint256 swarmId, address signer, bytes32 conflictKey) {
        ElectionBallot memory a = _decodeBallot(ballotA, 0);
        ElectionBallot memory b = _decodeBallot(ballotB, 1);
        bytes32 digestA = _hashBallot(a.swarmId, a.term, a.candidate, a.voter);
        bytes32 digestB = _hashBallot(b.swarmId, b.term, b.candidate, b.voter);
        if (digestA == digestB) revert BallotSourceSameBallot(digestA);
        if (a.voter != b.voter) revert BallotSourceDifferentVoters(a.voter, b.voter);
        if (a.swarmId != b.swarmId || a.term != b.term) {
            revert BallotSourceDifferentSubjects(a.swarmId, a.term, b.swarmId, b.term);
        }
        // same voter and subject but different digests: the candidates differ, a real conflict if both are signed
        if (!BallotSignatures.isValid(sigA, a.voter, digestA)) revert BallotSourceInvalidSignature(0, a.voter, digestA);
        if (!BallotSignatures.isValid(sigB, b.voter, digestB)) revert BallotSourceInvalidSignature(1, b.voter, digestB);
        return (a.swarmId, a.voter, keccak256(abi.encode(address(this), a.swarmId, uint256(a.term), a.voter)));
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILeaderElection
    function currentLeader(uint256 swarmId) external view returns (address, uint64, uint48) {
        Seat memory seat = _seats[swarmId];
        return (seat.leader, seat.term, seat.leaseExpiresAt);
    }

    /// @inheritdoc ILeaderElection
    function isLeader(uint256 swarmId, address account, uint64 term) external view returns (bool) {
        Seat memory seat = _seats[swarmId];
        return account != address(0) && seat.leader == account && seat.term == term && block.timestamp < seat.leaseExpiresAt;
    }

    /// @inheritdoc ILeaderElection
    function electionConfig(uint256 swarmId) external view returns (ElectionConfig memory) {
        return _configs[swarmId];
    }

    /// @inheritdoc ILeaderElection
    function hashBallot(uint256 swarmId, uint64 term, address candidate, address voter) external view returns (bytes32) {
        return _hashBallot(swarmId, term, candidate, voter);
    }

    /// @inheritdoc ILeaderElection
    function registry() external view returns (ISwarmRegistry) {
        return _registry;
    }

    /// @inheritdoc ILeaderElection
    function staking() external view returns (IStaking) {
        return _staking;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Checks the candidate's membership, then every ballot (sorted voters, members, signatures), and returns
    /// the counted weight.
    function _countBallots(
        uint256 swarmId,
        uint64 term,
        address candidate,
        address[] calldata voters,
        bytes[] calldata signatures,
        uint256 counting
    ) private view returns (uint256) {
        uint256 n = voters.length;
        uint256[] memory indexes;
        uint256[] memory stakes;
        {
            // one registry call for the voters and the candidate (last)
            address[] memory accounts = new address[](n + 1);
            // copies n words into the array just allocated; a malformed (dirty) address makes the registry's ABI
            // decoder revert, and `_checkBallots` reads every voter with the ABI checks anyway
            assembly ("memory-safe") {
                calldatacopy(add(accounts, 0x20), voters.offset, shl(5, n))
            }
            accounts[n] = candidate;
            indexes = ConsensusReads.batchCall(address(_registry), ISwarmRegistry.memberIndexes.selector, swarmId, accounts);
            if (indexes[n] == 0) revert LeaderElectionNotMember(swarmId, candidate);
            if (counting == _COUNT_STAKE) {
                // the voters only: drop the candidate (shortening a memory array keeps it valid)
                assembly ("memory-safe") {
                    mstore(accounts, n)
                }
                // a flagged member's stakeOf is already 0 (IStaking), so Byzantine needs no extra read here
                stakes = ConsensusReads.batchCall(address(_staking), IStaking.stakesOf.selector, swarmId, accounts);
            }
        }
        if (counting == _COUNT_HEADS_UNFLAGGED && _staking.flaggedCount(swarmId) == 0) {
            counting = _COUNT_HEADS; // nobody in the swarm is flagged
        }
        BallotContext memory h;
        h.swarmId = swarmId;
        h.term = term;
        h.candidate = candidate;
        h.domainSeparator = _domainSeparatorV4();
        h.typeHash = ELECTION_BALLOT_TYPEHASH;
        (uint256 votersOffset, uint256 signaturesOffset) = (0, 0);
        assembly ("memory-safe") {
            votersOffset := voters.offset
            signaturesOffset := signatures.offset
        }
        (h.votersOffset, h.signaturesOffset) = (votersOffset, signaturesOffset);
        (h.indexes, h.stakes, h.stake) = (indexes, stakes, counting == _COUNT_STAKE);
        return _checkBallots(h, voters, signatures, counting);
    }

    /// @dev Scratch for one `elect` call's ballots (keeps the stack small; `_ballotRun` reads it by offset).
    struct BallotContext {
        uint256 swarmId; // 0x00
        uint256 term; // 0x20
        address candidate; // 0x40
        bytes32 domainSeparator; // 0x60
        bytes32 typeHash; // 0x80: ELECTION_BALLOT_TYPEHASH (constants of this kind are not visible in assembly)
        uint256 votersOffset; // 0xa0: calldata offset of voters[0]
        uint256 signaturesOffset; // 0xc0: calldata offset of the signatures' head
        uint256[] indexes; // 0xe0: member index per voter
        uint256[] stakes; // 0x100: stake per voter (stake weighting only)
        bool stake; // 0x120
        uint256 weight; // 0x140: counted so far
        uint256 previous; // 0x160: last accepted voter
        uint256 verified; // 0x180: i + 1 of a voter whose EIP-1271 signature was checked in Solidity
        uint256 stopCode; // 0x1a0: why `_ballotRun` stopped: 1 not sorted, 2 not a member, 3 not an ECDSA signature
        bytes32 stopDigest; // 0x1c0: the stopped ballot's EIP-712 digest
    }

    /// @dev Checks every ballot (sorted voters, members, signatures) and returns the counted weight. The common
    /// case runs in `_ballotRun`'s assembly loop; a ballot it stops at is finished here (a revert with the precise
    /// error, or an EIP-1271 signature checked and handed back).
    function _checkBallots(
        BallotContext memory h,
        address[] calldata voters,
        bytes[] calldata signatures,
        uint256 counting
    ) private view returns (uint256 weight) {
        uint256 n = voters.length;
        uint256 i;
        while (true) {
            i = _ballotRun(h, i, n);
            if (i == n) break;
            address voter = voters[i]; // reverts like the ABI decoder on a malformed address
            uint256 code = h.stopCode;
            // strictly ascending: no duplicates, and the zero address (never a signer) is rejected at i = 0
            if (code == 1) revert LeaderElectionVotersNotSorted(i, address(uint160(h.previous)), voter);
            if (code == 2) revert LeaderElectionNotMember(h.swarmId, voter);
            if (!SignatureChecker.isValidERC1271SignatureNow(voter, h.stopDigest, signatures[i])) {
                revert LeaderElectionInvalidSignature(h.swarmId, uint64(h.term), h.candidate, voter);
            }
            h.verified = i + 1; // the loop takes it from here
        }
        weight = h.weight;
        if (counting == _COUNT_HEADS_UNFLAGGED) {
            // someone in the swarm is flagged: flagged voters' ballots are valid but do not count
            for (i = 0; i < n; ++i) {
                if (ConsensusReads.viewCall(address(_staking), IStaking.isFlagged.selector, h.swarmId, voters[i], 1) != 0) {
                    // cannot underflow: every voter was counted once above
                    unchecked {
                        --weight;
                    }
                }
            }
        }
    }

    /// @dev Accepts ballots `i`, `i + 1`, ... while each is sorted, a member's and ECDSA-signed (65 or 64 bytes,
    /// low s), adding its weight; returns the index of the first that is not (`n` if none), why in `h.stopCode`.
    /// Reads h's arrays at i < n, voters[i] (inside calldata, checked by the decoder) and signatures[i] (raw: reads
    /// past calldata yield zeros, i.e. no valid signature); writes the scratch space, the free memory pointer and
    /// zero slot (restored), memory past the free memory pointer (not allocated) and h's fields.
    function _ballotRun(BallotContext memory h, uint256 i, uint256 n) private view returns (uint256) {
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
            // loop invariants: array pointers, and the constant parts of the struct hash and digest preimages
            // (written once past the free memory pointer; the precompile call only uses the scratch space)
            let votersAt := mload(add(h, 0xa0))
            let indexes := add(mload(add(h, 0xe0)), 0x20)
            let sigs := mload(add(h, 0xc0))
            let stakes := 0
            if mload(add(h, 0x120)) {
                stakes := add(mload(add(h, 0x100)), 0x20)
            }
            let ptr := mload(0x40)
            mstore(ptr, mload(add(h, 0x80))) // typeHash
            mstore(add(ptr, 0x20), mload(h)) // swarmId
            mstore(add(ptr, 0x40), mload(add(h, 0x20))) // term
            mstore(add(ptr, 0x60), mload(add(h, 0x40))) // candidate; the voter goes at ptr + 0x80
            let pre := add(ptr, 0xa0)
            mstore(pre, hex"1901")
            mstore(add(pre, 0x02), mload(add(h, 0x60))) // domainSeparator; the struct hash goes at pre + 0x22
            for {} lt(i, n) {
                i := add(i, 1)
            } {
                let at := shl(5, i)
                let voter := calldataload(add(votersAt, at))
                // not above the previous one (or not an address: Solidity reverts on reading it)
                if or(shr(160, voter), iszero(gt(voter, mload(add(h, 0x160))))) {
                    mstore(add(h, 0x1a0), 1)
                    break
                }
                if iszero(mload(add(indexes, at))) {
                    mstore(add(h, 0x1a0), 2)
                    break
                }
                if iszero(eq(mload(add(h, 0x180)), add(i, 1))) {
                    // EIP-712 digest of ElectionBallot(swarmId, term, candidate, voter)
                    mstore(add(ptr, 0x80), voter)
                    mstore(add(pre, 0x22), keccak256(ptr, 0xa0))
                    let digest := keccak256(pre, 0x42)
                    if iszero(eq(recovered(digest, add(sigs, calldataload(add(sigs, at)))), voter)) {
                        mstore(add(h, 0x1c0), digest)
                        mstore(add(h, 0x1a0), 3)
                        break
                    }
                }
                mstore(add(h, 0x160), voter)
                let w := 1
                if stakes {
                    w := mload(add(stakes, at))
                }
                // cannot overflow: each stake is below 2^128 (IStaking) and there are fewer than 2^64 voters
                mstore(add(h, 0x140), add(mload(add(h, 0x140)), w))
            }
        }
        return i;
    }

    function _requireMode(uint256 swarmId, ElectionMode mode) private view returns (ElectionConfig memory cfg) {
        cfg = _configs[swarmId];
        if (cfg.mode == ElectionMode.None) revert LeaderElectionNotConfigured(swarmId);
        if (cfg.mode != mode) revert LeaderElectionWrongMode(swarmId, cfg.mode);
    }

    /// @dev Reverts unless `term` is the current term and the caller is its leader.
    function _requireLeader(uint256 swarmId, uint64 term, Seat memory seat) private view {
        if (term < seat.term) revert LeaderElectionStaleTerm(swarmId, term, seat.term);
        if (term > seat.term) revert LeaderElectionUnknownTerm(swarmId, term, seat.term);
        if (seat.leader != msg.sender || seat.leader == address(0)) {
            revert LeaderElectionNotLeader(swarmId, msg.sender, term, seat.leader);
        }
    }

    function _nextTerm(uint256 swarmId, uint48 term) private pure returns (uint48) {
        if (term == type(uint48).max) revert LeaderElectionTermTooLarge(swarmId, uint64(term) + 1);
        // cannot overflow: checked just above
        unchecked {
            return term + 1;
        }
    }

    function _leaseEnd(ElectionConfig memory cfg) private view returns (uint48) {
        return uint48(block.timestamp) + cfg.leaseDuration;
    }

    function _quorumReached(uint256 weight, uint256 total, QuorumKind kind) private pure returns (bool) {
        if (weight == 0) return false;
        return kind == QuorumKind.Majority ? weight * 2 > total : weight * 3 > total * 2;
    }

    function _hashBallot(uint256 swarmId, uint64 term, address candidate, address voter) private view returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(_domainSeparatorV4(), _ballotStructHash(swarmId, term, candidate, voter));
    }

    function _ballotStructHash(uint256 swarmId, uint64 term, address candidate, address voter) private pure returns (bytes32 structHash) {
        bytes32 typeHash = ELECTION_BALLOT_TYPEHASH;
        // hashes 5 words in scratch memory past the free memory pointer, which is not moved
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), swarmId)
            mstore(add(ptr, 0x40), and(term, 0xffffffffffffffff))
            mstore(add(ptr, 0x60), and(candidate, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x80), and(voter, 0xffffffffffffffffffffffffffffffffffffffff))
            structHash := keccak256(ptr, 0xa0)
        }
    }

    /// @dev Decodes `abi.encode(ElectionBallot)`, reverting with BallotSourceMalformedBallot on any bad length/value.
    function _decodeBallot(bytes calldata data, uint8 index) private pure returns (ElectionBallot memory ballot) {
        if (data.length != _BALLOT_LENGTH) revert BallotSourceMalformedBallot(index);
        uint256 swarmId;
        uint256 term;
        uint256 candidate;
        uint256 voter;
        assembly ("memory-safe") {
            swarmId := calldataload(data.offset)
            term := calldataload(add(data.offset, 0x20))
            candidate := calldataload(add(data.offset, 0x40))
            voter := calldataload(add(data.offset, 0x60))
        }
        if (term > type(uint64).max || candidate > type(uint160).max || voter > type(uint160).max) {
            revert BallotSourceMalformedBallot(index);
        }
        ballot = ElectionBallot({
            swarmId: swarmId,
            term: uint64(term),
            candidate: address(uint160(candidate)),
            voter: address(uint160(voter))
        });
    }
}
