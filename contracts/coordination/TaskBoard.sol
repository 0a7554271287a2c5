// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";
import {ITaskBoard} from "../interfaces/ITaskBoard.sol";

/**
 * @title TaskBoard
 * @notice Per-swarm task board: atomic claims with leases and never-reused epochs (fencing tokens), O(1)
 * `claimNext` by priority and age, ETH / ERC-20 rewards in escrow, EIP-712 relayed claims for gas-less agents.
 *
 * @dev Queues. Every open task sits in two doubly linked FIFO lists at once:
 *  - the typed queue of (swarm, typeTag, priority), keyed `typedIndex << 64` (`typedIndex` is allocated per
 *    (swarm, typeTag) on first post; untyped tasks have none), and
 *  - the any-type queue of (swarm, priority), keyed `swarmId` (< 2^64, so the two key ranges never meet).
 * Each queue keeps a 16-bit bitmap of its non-empty priority levels; `Math.log2(bitmap)` is the highest one, so
 * `claimNext` finds its task in O(1). Removing a task (claim, cancel, expiry) unlinks it from both lists in O(1);
 * reopening pushes it to the front of both lists in O(1).
 *
 * Link invariant (saves neighbour writes): in a level with head H and tail T, a node's `prev` is meaningful only
 * when the node is not H, and its `next` only when it is not T. Removing the head therefore only moves
 * `level.head` (the new head's stale `prev` is never read), and removing the tail only moves `level.tail`.
 *
 * Storage of a task (4 slots at arithmetic addresses, see {_task}; a claim touches the first two):
 *  - slot 0: claimant (160) | epoch (40) | leaseExpiry (48) | status (8)      — all a claim changes. While the task
 *    is Open its claimant is zero, and those 160 bits hold its links instead: typedPrev | typedNext | anyPrev |
 *    anyNext (4 x 40-bit task ids; a board holds at most 2^40 - 1 tasks). A claim overwrites them with the
 *    claimant; cancel and deadline expiry zero them. A neighbour's word counts as links only while it is Open.
 *  - slot 1: deadline (48) | leaseTtl (32) | priority (8) | counted (8) | swarmId (64) | typedIndex (56)
 *  - slot 2: poster (160) | rewardAmount (96)
 *  - slot 3: rewardToken (only written for ERC-20 rewards)
 * A level of a queue is one slot: head | tail | claimCap (the swarm's cap, copied into each level of its
 * any-type queue so a claim reads it from a slot it reads anyway). Epochs are stored in 40 bits (2^40 - 1
 * claims per task) and exposed as uint64. Tasks, levels and bitmaps live at `base + index` slots, not in
 * mappings, so no access pays for a keccak.
 *
 * Gas of a claim therefore depends on the task's position, never on the number of open tasks. `claim` and
 * `claimBySig` run {_claimFast} (one assembly function): ~48k at the head or tail of its levels (it writes the
 * level slots), ~50k in the middle when both lists share the neighbours, ~59.8k in the worst case, the middle
 * of both lists with four different neighbours (four cold link words written; the typed level is not read,
 * see {_unlink}). A task that heads or ends its typed level but not its any-type level pays one or two cold
 * reads (~2-4k) for the neighbour probe. In a capped swarm a counted claim pays ~8k more (the member's counter
 * and the `counted` flag), ~25k more for a member's first counted claim (its counter goes 0 -> 1).
 */
contract TaskBoard is ITaskBoard, EIP712, Nonces, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc ITaskBoard
    uint8 public constant MAX_PRIORITY = 15;

    /// @inheritdoc ITaskBoard
    uint256 public constant MAX_EXPIRED_SKIPS = 8;

    uint256 private constant _LINK_MASK = 0xffffffffff; // one 40-bit link (task ids are < 2^40, see `_taskCount`)
    uint256 private constant _HEAD_MASK = 0xffffffffffffffff; // head or tail of a Level (64 bits)
    uint256 private constant _LINKS_MASK = (1 << 160) - 1; // the 4 links = the claimant bits

    /// @dev topic 0 of {ITaskBoard.TaskClaimed} (emitted in assembly by {_claimOpen})
    // = keccak256("TaskClaimed(uint256,uint256,address,uint64,uint48,address)"), checked by the tests that decode it
    uint256 private constant _TASK_CLAIMED = 0xc922ed7f3ba34858f7e7d1982854d4c10bdb8a345e7fd033cba8b3840be4dfce;

    bytes32 private constant _CLAIM_TYPEHASH =
        keccak256("ClaimTask(uint256 taskId,address claimant,uint256 nonce,uint256 deadline)");
    bytes32 private constant _RENEW_TYPEHASH =
        keccak256("RenewLease(uint256 taskId,uint64 epoch,address claimant,uint256 nonce,uint256 deadline)");
    bytes32 private constant _COMPLETE_TYPEHASH =
        keccak256(
            "CompleteTask(uint256 taskId,uint64 epoch,address claimant,string resultURI,bytes32 resultHash,uint256 nonce,uint256 deadline)"
        );

    struct TaskRecord {
        // slot 0: everything a claim writes. While the task is Open the claimant bits hold its links instead
        // (typedPrev | typedNext << 40 | anyPrev << 80 | anyNext << 120); read `claimant` only when not Open.
        address claimant;
        uint40 epoch; // exposed as uint64; 2^40 - 1 claims per task at most ({TaskBoardEpochExhausted})
        uint48 leaseExpiry;
        TaskStatus status;
        // slot 1: read by a claim, written only when a claim counts against a cap
        uint48 deadline;
        uint32 leaseTtl;
        uint8 priority;
        bool counted; // the current claim was counted in `_activeClaims` (a cap was set when it was taken)
        uint64 swarmId;
        uint56 typedIndex; // 0 = untyped (only in the any-type queue)
        // slot 2
        address poster;
        uint96 rewardAmount;
        // slot 3
        address rewardToken;
    }

    /// @dev One priority level of one queue: a single slot, read by every claim of a task in it.
    struct Level {
        uint64 head;
        uint64 tail;
        uint32 claimCap; // any-type queues only: the swarm's cap, copied into all its levels (read for free)
    }

    /// @dev The non-empty levels of one queue: bit p set <=> level p is non-empty.
    struct Bitmap {
        uint16 bits;
    }

    // Storage regions addressed by arithmetic instead of mappings (no keccak per access; ERC-7201-style bases:
    // keccak256 of the name with the low 128 bits cleared, so no region can wrap or meet another):
    //  - task `id` (< 2^40, see {post}): 4 slots at _TASKS + 4 * id
    //  - level `p` of queue `key` (< 2^120, see {_queueKey}): _LEVELS + 16 * key + p
    //  - bitmap of queue `key`: _BITMAPS + key
    uint256 private constant _TASKS = 0x823673afefc5c4ea47bea9dcb276178c00000000000000000000000000000000; // "concord.TaskBoard.tasks"
    uint256 private constant _LEVELS = 0x87aac5b4e5046386baa69cd96ec7c39900000000000000000000000000000000; // "concord.TaskBoard.levels"
    uint256 private constant _BITMAPS = 0x0c12c1ee4ec5f8b70412ff71b6ea5f6400000000000000000000000000000000; // "concord.TaskBoard.bitmaps"
    uint256 private constant _MAX_TASK_ID = 0xffffffffff; // 2^40 - 1: links are 40-bit

    ISwarmRegistry private immutable _registry;

    uint40 private _taskCount; // task ids are < 2^40 (40-bit links): the checked increment in {post} stops there
    uint56 private _typedQueueCount;

    mapping(uint256 swarmId => mapping(bytes32 typeTag => uint56 typedIndex)) private _typedIndexOf;
    mapping(uint56 typedIndex => bytes32 typeTag) private _typeTagOf;
    mapping(uint256 swarmId => mapping(address member => uint32 count)) private _activeClaims;

    constructor(ISwarmRegistry registry_) EIP712("Concord TaskBoard", "1") {
        if (address(registry_) == address(0)) revert TaskBoardZeroAddress();
        _registry = registry_;
    }

    // ---------------------------------------------------------------------------------------------
    // Posting and cancelling
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskBoard
    function post(PostParams calldata params) external payable nonReentrant returns (uint256 taskId) {
        uint256 swarmId = params.swarmId;
        if (swarmId == 0 || swarmId > type(uint64).max) revert TaskBoardInvalidSwarm(swarmId);
        _requireMember(swarmId, msg.sender);
        if (params.priority > MAX_PRIORITY) revert TaskBoardInvalidPriority(params.priority, MAX_PRIORITY);
        if (params.leaseTtl == 0) revert TaskBoardInvalidLeaseTtl(params.leaseTtl);
        if (params.deadline != 0 && params.deadline <= block.timestamp) {
            revert TaskBoardInvalidDeadline(params.deadline, block.timestamp);
        }
        uint256 reward = _collectReward(params.rewardToken, params.rewardAmount);

        // links are 40-bit task ids: 2^40 - 1 tasks (~10^17 gas of posts) per board, then Panic(0x11)
        taskId = ++_taskCount;
        _store(taskId, params, reward);
        _emitPosted(taskId, params, reward);
    }

    function _store(uint256 taskId, PostParams calldata params, uint256 reward) private {
        uint256 swarmId = params.swarmId;
        uint56 typedIndex;
        if (params.typeTag != bytes32(0)) {
            typedIndex = _typedIndexOf[swarmId][params.typeTag];
            if (typedIndex == 0) {
                typedIndex = ++_typedQueueCount;
                _typedIndexOf[swarmId][params.typeTag] = typedIndex;
                _typeTagOf[typedIndex] = params.typeTag;
            }
        }
        TaskRecord storage t = _task(taskId);
        t.status = TaskStatus.Open;
        t.deadline = params.deadline;
        t.leaseTtl = params.leaseTtl;
        t.priority = params.priority;
        t.swarmId = uint64(swarmId);
        t.typedIndex = typedIndex;
        t.poster = msg.sender;
        if (reward != 0) {
            t.rewardAmount = uint96(reward);
            if (params.rewardToken != address(0)) t.rewardToken = params.rewardToken;
        }
        _link(t, taskId, false);
    }

    function _emitPosted(uint256 taskId, PostParams calldata params, uint256 reward) private {
        emit TaskPosted(
            taskId,
            params.swarmId,
            msg.sender,
            params.typeTag,
            params.priority,
            params.specURI,
            params.specHash,
            params.leaseTtl,
            params.deadline,
            params.rewardToken,
            reward
        );
    }

    /// @inheritdoc ITaskBoard
    function cancel(uint256 taskId) external nonReentrant {
        TaskRecord storage t = _existing(taskId);
        if (t.poster != msg.sender) revert TaskBoardNotPoster(taskId, msg.sender, t.poster);
        TaskStatus status = t.status;
        if (status == TaskStatus.Open) {
            _unlink(_word(t, 0), taskId, _word(t, 1), false);
            _clearLinks(t);
        } else if (status != TaskStatus.Expired) {
            revert TaskBoardNotOpen(taskId, status);
        }
        t.status = TaskStatus.Cancelled;
        address token = t.rewardToken;
        uint256 amount = t.rewardAmount;
        emit TaskCancelled(taskId, t.swarmId, msg.sender, token, amount);
        _pay(token, msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Claiming
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskBoard
    function claim(uint256 taskId) external returns (uint64 epoch) {
        return _claimById(taskId, msg.sender);
    }

    /// @inheritdoc ITaskBoard
    function claimNext(uint256 swarmId, bytes32 typeTag) external returns (uint256 taskId, uint64 epoch) {
        if (swarmId == 0 || swarmId > type(uint64).max) revert TaskBoardInvalidSwarm(swarmId);
        _requireMember(swarmId, msg.sender);
        uint256 key = _queueKey(swarmId, typeTag);
        bool typed = typeTag != bytes32(0);
        uint256 skipped;
        while (true) {
            {
                uint256 bitmap = _bitmap(key).bits;
                if (bitmap == 0) {
                    if (skipped == 0) revert TaskBoardNoOpenTask(swarmId, typeTag);
                    return (0, 0);
                }
                taskId = _level(key, Math.log2(bitmap)).head;
            }
            TaskRecord storage t = _task(taskId);
            uint256 meta = _word(t, 1);
            uint48 deadline = uint48(meta);
            if (deadline != 0 && block.timestamp > deadline) {
                if (skipped == MAX_EXPIRED_SKIPS) return (0, 0);
                _unlink(_word(t, 0), taskId, meta, typed);
                _clearLinks(t);
                t.status = TaskStatus.Expired;
                emit TaskExpired(taskId, swarmId, deadline, msg.sender);
                // cannot overflow: bounded by MAX_EXPIRED_SKIPS
                unchecked {
                    ++skipped;
                }
                continue;
            }
            return (taskId, _claimOpen(t, _word(t, 0), meta, taskId, msg.sender, typed));
        }
    }

    /// @inheritdoc ITaskBoard
    function claimBySig(
        uint256 taskId,
        address claimant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 epoch) {
        _verifySig(claimant, nonce, deadline, keccak256(abi.encode(_CLAIM_TYPEHASH, taskId, claimant, nonce, deadline)), signature);
        return _claimById(taskId, claimant);
    }

    // ---------------------------------------------------------------------------------------------
    // Claimant actions
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskBoard
    function renew(uint256 taskId, uint64 epoch) external returns (uint48 leaseExpiry) {
        return _renew(taskId, epoch, msg.sender);
    }

    /// @inheritdoc ITaskBoard
    function renewBySig(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint48 leaseExpiry) {
        _verifySig(
            claimant,
            nonce,
            deadline,
            keccak256(abi.encode(_RENEW_TYPEHASH, taskId, epoch, claimant, nonce, deadline)),
            signature
        );
        return _renew(taskId, epoch, claimant);
    }

    /// @inheritdoc ITaskBoard
    function complete(uint256 taskId, uint64 epoch, string calldata resultURI, bytes32 resultHash) external nonReentrant {
        _complete(taskId, epoch, msg.sender, resultURI, resultHash);
    }

    /// @inheritdoc ITaskBoard
    function completeBySig(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        string calldata resultURI,
        bytes32 resultHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external nonReentrant {
        _verifySig(
            claimant,
            nonce,
            deadline,
            _completeStructHash(taskId, epoch, claimant, resultURI, resultHash, nonce, deadline),
            signature
        );
        _complete(taskId, epoch, claimant, resultURI, resultHash);
    }

    /// @inheritdoc ITaskBoard
    function release(uint256 taskId, uint64 epoch) external {
        TaskRecord storage t = _existing(taskId);
        _requireClaimant(t, taskId, epoch, msg.sender);
        uint256 swarmId = t.swarmId;
        _endClaim(t, swarmId, msg.sender);
        emit TaskReleased(taskId, swarmId, msg.sender, epoch);
        _reopen(t, taskId, swarmId, msg.sender);
    }

    /// @inheritdoc ITaskBoard
    function expire(uint256 taskId) external {
        TaskRecord storage t = _existing(taskId);
        TaskStatus status = t.status;
        uint256 swarmId = t.swarmId;
        if (status == TaskStatus.Claimed) {
            uint48 leaseExpiry = t.leaseExpiry;
            if (block.timestamp < leaseExpiry) revert TaskBoardNotExpired(taskId, status, leaseExpiry);
            address claimant = t.claimant;
            _endClaim(t, swarmId, claimant);
            emit TaskLeaseExpired(taskId, swarmId, claimant, t.epoch, leaseExpiry, msg.sender);
            _reopen(t, taskId, swarmId, msg.sender);
        } else if (status == TaskStatus.Open) {
            uint48 deadline = t.deadline;
            if (deadline == 0 || block.timestamp <= deadline) revert TaskBoardNotExpired(taskId, status, deadline);
            _unlink(_word(t, 0), taskId, _word(t, 1), false);
            _clearLinks(t);
            t.status = TaskStatus.Expired;
            emit TaskExpired(taskId, swarmId, deadline, msg.sender);
        } else {
            revert TaskBoardNotExpired(taskId, status, 0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskBoard
    function setClaimCap(uint256 swarmId, uint32 cap) external {
        if (swarmId == 0 || swarmId > type(uint64).max) revert TaskBoardInvalidSwarm(swarmId);
        if (!_registry.isAdmin(swarmId, msg.sender)) revert TaskBoardNotAdmin(swarmId, msg.sender);
        for (uint256 p = 0; p <= MAX_PRIORITY; ++p) {
            _level(swarmId, p).claimCap = cap;
        }
        emit ClaimCapUpdated(swarmId, cap, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ITaskBoard
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ITaskBoard
    function taskCount() external view returns (uint256) {
        return _taskCount;
    }

    /// @inheritdoc ITaskBoard
    function getTask(uint256 taskId) external view returns (Task memory task) {
        TaskRecord storage t = _existing(taskId);
        task.swarmId = t.swarmId;
        task.poster = t.poster;
        task.typeTag = t.typedIndex == 0 ? bytes32(0) : _typeTagOf[t.typedIndex];
        task.priority = t.priority;
        task.status = t.status;
        if (task.status != TaskStatus.Open) task.claimant = t.claimant; // Open: the bits are the links
        task.epoch = t.epoch;
        task.leaseExpiry = t.leaseExpiry;
        task.deadline = t.deadline;
        task.leaseTtl = t.leaseTtl;
        task.rewardToken = t.rewardToken;
        task.rewardAmount = t.rewardAmount;
    }

    /// @inheritdoc ITaskBoard
    function hasOpenTask(uint256 swarmId, bytes32 typeTag) external view returns (bool) {
        uint256 key = _viewQueueKey(swarmId, typeTag);
        return key != 0 && _bitmap(key).bits != 0;
    }

    /// @inheritdoc ITaskBoard
    function openTasks(
        uint256 swarmId,
        bytes32 typeTag,
        uint8 priority,
        uint256 limit
    ) external view returns (uint256[] memory taskIds) {
        uint256 key = _viewQueueKey(swarmId, typeTag);
        if (key == 0 || priority > MAX_PRIORITY) return new uint256[](0);
        Level storage level = _level(key, priority);
        bool typed = typeTag != bytes32(0);
        uint256 n;
        taskIds = new uint256[](limit);
        uint64 id = level.head;
        uint64 tail = level.tail;
        while (id != 0 && n < limit) {
            taskIds[n++] = id;
            if (id == tail) break;
            id = uint64(_getLink(id, typed ? 40 : 120));
        }
        // shrink the array to the number of ids found
        assembly ("memory-safe") {
            mstore(taskIds, n)
        }
    }

    /// @inheritdoc ITaskBoard
    function peekNext(uint256 swarmId, bytes32 typeTag) external view returns (uint256) {
        uint256 key = _viewQueueKey(swarmId, typeTag);
        if (key == 0) return 0;
        uint256 bitmap = _bitmap(key).bits;
        return bitmap == 0 ? 0 : _level(key, Math.log2(bitmap)).head;
    }

    /// @inheritdoc ITaskBoard
    function claimCap(uint256 swarmId) external view returns (uint32) {
        return swarmId == 0 || swarmId > type(uint64).max ? 0 : _level(swarmId, 0).claimCap;
    }

    /// @inheritdoc ITaskBoard
    function activeClaims(uint256 swarmId, address member) external view returns (uint32) {
        return _activeClaims[swarmId][member];
    }

    /// @inheritdoc ITaskBoard
    function nonces(address owner) public view override(ITaskBoard, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @inheritdoc ITaskBoard
    function hashClaim(uint256 taskId, address claimant, uint256 nonce, uint256 deadline) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_CLAIM_TYPEHASH, taskId, claimant, nonce, deadline)));
    }

    /// @inheritdoc ITaskBoard
    function hashRenew(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_RENEW_TYPEHASH, taskId, epoch, claimant, nonce, deadline)));
    }

    /// @inheritdoc ITaskBoard
    function hashComplete(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        string calldata resultURI,
        bytes32 resultHash,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _hashTypedDataV4(_completeStructHash(taskId, epoch, claimant, resultURI, resultHash, nonce, deadline));
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: claims and leases
    // ---------------------------------------------------------------------------------------------

    /// @dev claim / claimBySig: {_claimFast}, which answers the call itself when it applies; otherwise (a failing
    /// check) the general path, which reverts with the error.
    function _claimById(uint256 taskId, address claimant) private returns (uint64) {
        _claimFast(taskId, claimant);
        TaskRecord storage t = _task(taskId);
        // slot 0 = claimant (links while Open) | epoch << 160 | leaseExpiry << 200 | status << 248
        uint256 w0 = _word(t, 0);
        if (w0 >> 248 != uint8(TaskStatus.Open)) _revertNotOpen(taskId, w0);
        // meta (slot 1) = deadline | leaseTtl << 48 | priority << 80 | counted << 88 | swarmId << 96 | typedIndex << 160
        uint256 meta = _word(t, 1);
        uint256 deadline = uint48(meta);
        if (deadline != 0 && block.timestamp > deadline) revert TaskBoardDeadlinePassed(taskId, uint48(deadline));
        _requireMember(uint64(meta >> 96), claimant);
        return _claimOpen(t, w0, meta, taskId, claimant, false);
    }

    /// @dev The whole claim by id in one assembly function, when task `taskId` is Open, not past its deadline and
    /// `claimant` is a member (checked as {_requireMember} does). It then does what {_claimOpen} does ({_unlink}
    /// with the middle of both lists inline, {_count} in a capped swarm, epoch, lease, slot 0, TaskClaimed; the
    /// same custom errors) and ENDS THE CALL, returning the epoch ABI-encoded: its callers, `claim` and
    /// `claimBySig`, return exactly that `uint64` and have nothing left to do. Otherwise it returns having
    /// written nothing, and the general path reverts with the right error.
    function _claimFast(uint256 taskId, address claimant) private {
        ISwarmRegistry registry_ = _registry;
        assembly ("memory-safe") {
            // typed list, `id` at its head or tail, or not strictly inside it (see {_unlink}): via the level
            function unlinkTypedEnd(id, meta_, prev, next) {
                let p := and(shr(80, meta_), 0xff)
                let key := shl(64, shr(160, meta_))
                let tls := add(_LEVELS, add(shl(4, key), p))
                let tl := sload(tls)
                let isHead := eq(and(tl, _HEAD_MASK), id)
                let isTail := eq(and(shr(64, tl), _HEAD_MASK), id)
                switch or(isHead, isTail)
                case 0 {
                    let ps := add(_TASKS, shl(2, prev))
                    sstore(ps, or(and(sload(ps), not(shl(40, _LINK_MASK))), shl(40, next)))
                    let ns := add(_TASKS, shl(2, next))
                    sstore(ns, or(and(sload(ns), not(_LINK_MASK)), prev))
                }
                default {
                    switch and(isHead, isTail)
                    case 1 {
                        sstore(tls, and(tl, not(or(shl(64, _HEAD_MASK), _HEAD_MASK))))
                        let bs := add(_BITMAPS, key)
                        sstore(bs, and(sload(bs), not(shl(p, 1))))
                    }
                    default {
                        switch isHead
                        case 1 { sstore(tls, or(and(tl, not(_HEAD_MASK)), next)) }
                        default { sstore(tls, or(and(tl, not(shl(64, _HEAD_MASK))), shl(64, prev))) }
                    }
                }
            }
            // any-type list, `id` at its head or tail: only the level changes
            function unlinkAnyEnd(id, meta_, prev, next) {
                let p := and(shr(80, meta_), 0xff)
                let swarm := and(shr(96, meta_), 0xffffffffffffffff)
                let ls := add(_LEVELS, add(shl(4, swarm), p))
                let level := sload(ls)
                let isHead := eq(and(level, _HEAD_MASK), id)
                switch and(isHead, eq(and(shr(64, level), _HEAD_MASK), id))
                case 1 {
                    sstore(ls, and(level, not(or(shl(64, _HEAD_MASK), _HEAD_MASK))))
                    let bs := add(_BITMAPS, swarm)
                    sstore(bs, and(sload(bs), not(shl(p, 1))))
                }
                default {
                    switch isHead
                    case 1 { sstore(ls, or(and(level, not(_HEAD_MASK)), next)) }
                    default { sstore(ls, or(and(level, not(shl(64, _HEAD_MASK))), shl(64, prev))) }
                }
            }

            // {_count}: the member's active claims (`_activeClaims[swarmId][who]`) + 1, or TaskBoardClaimCapReached;
            // marks the claim counted (slot 1, bit 88)
            function countClaim(ts, meta, who, cap) {
                let swarm := and(shr(96, meta), 0xffffffffffffffff)
                mstore(0x00, swarm)
                mstore(0x20, _activeClaims.slot)
                mstore(0x20, keccak256(0x00, 0x40))
                mstore(0x00, who)
                let cs := keccak256(0x00, 0x40)
                let cw := sload(cs)
                if iszero(lt(and(cw, 0xffffffff), cap)) {
                    // the call reverts: the scratch and free-memory words may be overwritten
                    mstore(0x00, 0xc2f5e7f0) // TaskBoardClaimCapReached(uint256,address,uint32)
                    mstore(0x20, swarm)
                    mstore(0x40, who)
                    mstore(0x60, cap)
                    revert(0x1c, 0x64)
                }
                sstore(cs, add(cw, 1)) // cannot carry out of the uint32: count < cap <= 2^32 - 1
                sstore(add(ts, 1), or(meta, shl(88, 1)))
            }
            function claimFast(id_, who, reg) {
                if gt(id_, _MAX_TASK_ID) { leave }
                let ts := add(_TASKS, shl(2, id_))
                let w0 := sload(ts)
                if iszero(eq(shr(248, w0), 1)) { leave } // not Open
                let meta := sload(add(ts, 1))
                {
                    let deadline := and(meta, 0xffffffffffff)
                    if deadline { if gt(timestamp(), deadline) { leave } }
                }
                // registry.isMember(swarmId, who) == true
                mstore(0x00, 0x7d9e10f5) // selector of isMember(uint256,address)
                mstore(0x20, and(shr(96, meta), 0xffffffffffffffff))
                mstore(0x40, who)
                if iszero(staticcall(gas(), reg, 0x1c, 0x44, 0x00, 0x20)) { leave }
                if lt(returndatasize(), 0x20) { leave }
                if iszero(eq(mload(0x00), 1)) { leave }
                let atEnd := 0
                let cap := 0
                {
                    let level := sload(add(_LEVELS, add(shl(4, and(shr(96, meta), 0xffffffffffffffff)), and(shr(80, meta), 0xff))))
                    cap := shr(128, level) // the swarm's claim cap, 0 = none (a level's bits above the cap are 0)
                    atEnd := or(eq(and(level, _HEAD_MASK), id_), eq(and(shr(64, level), _HEAD_MASK), id_))
                }
                if shr(160, meta) {
                    let prev := and(w0, _LINK_MASK)
                    let next := and(shr(40, w0), _LINK_MASK)
                    let done := 0
                    // the neighbour probe of {_unlink}: prev.typedNext == id and next.typedPrev == id, both Open
                    if iszero(atEnd) {
                        if mul(prev, next) {
                            let ps := add(_TASKS, shl(2, prev))
                            let pl := sload(ps)
                            if eq(and(pl, or(shl(248, 0xff), shl(40, _LINK_MASK))), or(shl(248, 1), shl(40, id_))) {
                                let ns := add(_TASKS, shl(2, next))
                                let nl := sload(ns)
                                if eq(and(nl, or(shl(248, 0xff), _LINK_MASK)), or(shl(248, 1), id_)) {
                                    sstore(ps, or(and(pl, not(shl(40, _LINK_MASK))), shl(40, next)))
                                    sstore(ns, or(and(nl, not(_LINK_MASK)), prev))
                                    done := 1
                                }
                            }
                        }
                    }
                    if iszero(done) { unlinkTypedEnd(id_, meta, prev, next) }
                }
                {
                    let prev := and(shr(80, w0), _LINK_MASK)
                    let next := and(shr(120, w0), _LINK_MASK)
                    switch atEnd
                    case 0 {
                        let ps := add(_TASKS, shl(2, prev))
                        sstore(ps, or(and(sload(ps), not(shl(120, _LINK_MASK))), shl(120, next)))
                        let ns := add(_TASKS, shl(2, next))
                        sstore(ns, or(and(sload(ns), not(shl(80, _LINK_MASK))), shl(80, prev)))
                    }
                    default { unlinkAnyEnd(id_, meta, prev, next) }
                }
                if cap { countClaim(ts, meta, who, cap) }
                let epoch := add(and(shr(160, w0), 0xffffffffff), 1)
                if gt(epoch, 0xffffffffff) {
                    mstore(0x00, 0xae4bb551) // TaskBoardEpochExhausted(uint256)
                    mstore(0x20, id_)
                    revert(0x1c, 0x24)
                }
                // uint48(block.timestamp) + leaseTtl, checked like Solidity's uint48 addition (Panic 0x11)
                let lease := add(and(timestamp(), 0xffffffffffff), and(shr(48, meta), 0xffffffff))
                if gt(lease, 0xffffffffffff) {
                    mstore(0x00, shl(224, 0x4e487b71))
                    mstore(0x04, 0x11)
                    revert(0x00, 0x24)
                }
                // slot 0 = who | epoch << 160 | leaseExpiry << 200 | status (Claimed = 2) << 248 (drops the links)
                sstore(ts, or(or(who, shl(160, epoch)), or(shl(200, lease), shl(248, 2))))
                // emit TaskClaimed(id_, swarmId, who, epoch, leaseExpiry, msg.sender)
                mstore(0x00, epoch)
                mstore(0x20, lease)
                mstore(0x40, caller())
                log4(0x00, 0x60, _TASK_CLAIMED, id_, and(shr(96, meta), 0xffffffffffffffff), who)
                // return (uint64 epoch)
                return(0x00, 0x20)
            }

            let fmp := mload(0x40)
            claimFast(taskId, and(claimant, 0xffffffffffffffffffffffffffffffffffffffff), registry_)
            mstore(0x40, fmp)
        }
    }

    function _revertNotOpen(uint256 taskId, uint256 w0) private pure {
        TaskStatus status = TaskStatus(uint8(w0 >> 248));
        if (status == TaskStatus.None) revert TaskBoardUnknownTask(taskId);
        if (status == TaskStatus.Claimed) revert TaskBoardAlreadyClaimed(taskId, address(uint160(w0)), uint40(w0 >> 160));
        revert TaskBoardNotOpen(taskId, status);
    }

    /// @dev Claims an Open, not past-deadline task for a member: unlink (which returns the cap), cap, new epoch,
    /// lease. `w0` and `meta` are the task's slots 0 and 1 (see the layout of {TaskRecord}), read once by the caller.
    function _claimOpen(
        TaskRecord storage t,
        uint256 w0,
        uint256 meta,
        uint256 taskId,
        address claimant,
        bool typedHead
    ) private returns (uint64 epoch) {
        return _finishClaim(t, w0, meta, taskId, claimant, _unlink(w0, taskId, meta, typedHead));
    }

    /// @dev The claim after the unlink: cap (`cap` = the swarm's, read from the level), new epoch, lease, event.
    function _finishClaim(
        TaskRecord storage t,
        uint256 w0,
        uint256 meta,
        uint256 taskId,
        address claimant,
        uint256 cap
    ) private returns (uint64 epoch) {
        uint256 swarmId = uint64(meta >> 96);
        if (cap != 0) _count(t, swarmId, claimant, cap);
        if (uint40(w0 >> 160) == type(uint40).max) revert TaskBoardEpochExhausted(taskId);
        assembly ("memory-safe") {
            // cannot overflow: checked against type(uint40).max just above
            epoch := add(and(shr(160, w0), 0xffffffffff), 1)
            // uint48(block.timestamp) + leaseTtl, checked like Solidity's uint48 addition (Panic 0x11)
            let lease := add(and(timestamp(), 0xffffffffffff), and(shr(48, meta), 0xffffffff))
            if gt(lease, 0xffffffffffff) {
                mstore(0x00, shl(224, 0x4e487b71))
                mstore(0x04, 0x11)
                revert(0x00, 0x24)
            }
            // slot 0 = claimant | epoch << 160 | leaseExpiry << 200 | status << 248 (Claimed = 2); this also drops
            // the links that the claimant bits held while the task was Open
            claimant := and(claimant, 0xffffffffffffffffffffffffffffffffffffffff)
            sstore(t.slot, or(or(claimant, shl(160, epoch)), or(shl(200, lease), shl(248, 2))))
            // emit TaskClaimed(taskId, swarmId, claimant, epoch, leaseExpiry, msg.sender)
            let fmp := mload(0x40)
            mstore(0x00, epoch)
            mstore(0x20, lease)
            mstore(0x40, caller())
            log4(0x00, 0x60, _TASK_CLAIMED, taskId, swarmId, claimant)
            mstore(0x40, fmp)
        }
    }

    /// @dev Counts a claim against the swarm's cap `cap` (a counted claim is marked so its end uncounts it).
    function _count(TaskRecord storage t, uint256 swarmId, address claimant, uint256 cap) private {
        uint32 active = _activeClaims[swarmId][claimant];
        if (active >= cap) revert TaskBoardClaimCapReached(swarmId, claimant, uint32(cap));
        // cannot overflow: active < cap <= type(uint32).max
        unchecked {
            _activeClaims[swarmId][claimant] = active + 1;
        }
        t.counted = true;
    }

    function _renew(uint256 taskId, uint64 epoch, address claimant) private returns (uint48 leaseExpiry) {
        TaskRecord storage t = _existing(taskId);
        _requireClaimant(t, taskId, epoch, claimant);
        _requireLive(t, taskId, epoch);
        uint256 swarmId = t.swarmId;
        _requireMember(swarmId, claimant);
        leaseExpiry = uint48(block.timestamp) + t.leaseTtl;
        t.leaseExpiry = leaseExpiry;
        emit TaskLeaseRenewed(taskId, swarmId, claimant, epoch, leaseExpiry);
    }

    function _complete(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        string calldata resultURI,
        bytes32 resultHash
    ) private {
        TaskRecord storage t = _existing(taskId);
        _requireClaimant(t, taskId, epoch, claimant);
        _requireLive(t, taskId, epoch);
        uint256 swarmId = t.swarmId;
        _requireMember(swarmId, claimant);
        t.status = TaskStatus.Completed;
        _uncount(t, swarmId, claimant);
        address token = t.rewardToken;
        uint256 amount = t.rewardAmount;
        emit TaskCompleted(taskId, swarmId, claimant, epoch, resultURI, resultHash, token, amount);
        _pay(token, claimant, amount);
    }

    /// @dev A claim ends without completion (release or lease expiry): the claimant is cleared (its epoch is stale
    /// from now on: the task is no longer Claimed, and the next claim increments the epoch).
    function _endClaim(TaskRecord storage t, uint256 swarmId, address claimant) private {
        _uncount(t, swarmId, claimant);
        t.claimant = address(0);
    }

    /// @dev After {_endClaim}: reopen at the front of the task's levels, or expire it if the deadline has passed.
    function _reopen(TaskRecord storage t, uint256 taskId, uint256 swarmId, address by) private {
        uint48 deadline = t.deadline;
        if (deadline != 0 && block.timestamp > deadline) {
            t.status = TaskStatus.Expired;
            emit TaskExpired(taskId, swarmId, deadline, by);
        } else {
            t.status = TaskStatus.Open;
            _link(t, uint64(taskId), true);
        }
    }

    function _uncount(TaskRecord storage t, uint256 swarmId, address claimant) private {
        if (t.counted) {
            t.counted = false;
            // cannot underflow: a counted claim incremented this counter
            unchecked {
                --_activeClaims[swarmId][claimant];
            }
        }
    }

    function _requireClaimant(TaskRecord storage t, uint256 taskId, uint64 epoch, address account) private view {
        TaskStatus status = t.status;
        if (status != TaskStatus.Claimed) revert TaskBoardNotClaimed(taskId, status);
        uint64 current = t.epoch;
        if (epoch != current) revert TaskBoardStaleEpoch(taskId, epoch, current);
        address claimant = t.claimant;
        if (account != claimant) revert TaskBoardNotClaimant(taskId, account, claimant);
    }

    function _requireLive(TaskRecord storage t, uint256 taskId, uint64 epoch) private view {
        uint48 leaseExpiry = t.leaseExpiry;
        if (block.timestamp >= leaseExpiry) revert TaskBoardLeaseExpired(taskId, epoch, leaseExpiry);
    }

    function _requireMember(uint256 swarmId, address account) private view {
        ISwarmRegistry registry_ = _registry;
        bool member;
        // `_registry.isMember(swarmId, account)` without the ABI encoder's memory allocation; like the compiler's
        // call it bubbles a revert and rejects short or non-boolean return data.
        assembly ("memory-safe") {
            let fmp := mload(0x40)
            mstore(0x00, 0x7d9e10f5) // selector of isMember(uint256,address)
            mstore(0x20, swarmId)
            mstore(0x40, and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            if iszero(staticcall(gas(), registry_, 0x1c, 0x44, 0x00, 0x20)) {
                returndatacopy(0x00, 0x00, returndatasize())
                revert(0x00, returndatasize())
            }
            member := mload(0x00)
            if or(lt(returndatasize(), 0x20), gt(member, 1)) {
                revert(0x00, 0x00)
            }
            mstore(0x40, fmp)
        }
        if (!member) revert TaskBoardNotMember(swarmId, account);
    }

    function _existing(uint256 taskId) private view returns (TaskRecord storage t) {
        t = _task(taskId);
        if (t.status == TaskStatus.None) revert TaskBoardUnknownTask(taskId);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: signatures
    // ---------------------------------------------------------------------------------------------

    function _verifySig(
        address signer,
        uint256 nonce,
        uint256 deadline,
        bytes32 structHash,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert TaskBoardSignatureExpired(deadline, block.timestamp);
        uint256 current = nonces(signer);
        if (nonce != current) revert TaskBoardInvalidNonce(signer, nonce, current);
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert TaskBoardInvalidSignature(signer);
        }
        _useNonce(signer);
    }

    function _completeStructHash(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        string calldata resultURI,
        bytes32 resultHash,
        uint256 nonce,
        uint256 deadline
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    _COMPLETE_TYPEHASH,
                    taskId,
                    epoch,
                    claimant,
                    keccak256(bytes(resultURI)),
                    resultHash,
                    nonce,
                    deadline
                )
            );
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: escrow
    // ---------------------------------------------------------------------------------------------

    /// @dev Takes the reward into escrow and returns the amount received.
    function _collectReward(address token, uint256 amount) private returns (uint256 received) {
        if (token == address(0)) {
            if (msg.value != amount) revert TaskBoardInvalidReward(token, amount, msg.value);
            received = amount;
        } else {
            if (msg.value != 0 || amount == 0) revert TaskBoardInvalidReward(token, amount, msg.value);
            uint256 before = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            received = IERC20(token).balanceOf(address(this)) - before;
        }
        if (received > type(uint96).max) revert TaskBoardRewardTooLarge(received);
    }

    function _pay(address token, address to, uint256 amount) private {
        if (amount == 0) return;
        if (token == address(0)) {
            Address.sendValue(payable(to), amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Internal: queues
    // ---------------------------------------------------------------------------------------------

    /// @dev The queue of (swarmId, typeTag); `swarmId` is already checked to fit in 64 bits.
    function _queueKey(uint256 swarmId, bytes32 typeTag) private view returns (uint256 key) {
        if (typeTag == bytes32(0)) return swarmId;
        uint56 typedIndex = _typedIndexOf[swarmId][typeTag];
        if (typedIndex == 0) revert TaskBoardNoOpenTask(swarmId, typeTag);
        return uint256(typedIndex) << 64;
    }

    /// @dev Like {_queueKey} but returns 0 instead of reverting.
    function _viewQueueKey(uint256 swarmId, bytes32 typeTag) private view returns (uint256) {
        if (swarmId == 0 || swarmId > type(uint64).max) return 0;
        if (typeTag == bytes32(0)) return swarmId;
        return uint256(_typedIndexOf[swarmId][typeTag]) << 64;
    }

    /// @dev Puts task `id` into its typed queue (if any) and its swarm's any-type queue, at the back (a new task)
    /// or at the front (a reopened task). Its links are zero (a new task, or the claimant was cleared).
    function _link(TaskRecord storage t, uint256 id, bool front) private {
        uint256 priority = t.priority;
        uint56 typedIndex = t.typedIndex;
        if (typedIndex != 0) _linkInto(uint256(typedIndex) << 64, priority, id, 0, front);
        _linkInto(t.swarmId, priority, id, 80, front);
    }

    /// @dev `shift`: 0 for the typed list (prev at bit 0, next at bit 40 of the links), 80 for the any-type list.
    function _linkInto(uint256 key, uint256 priority, uint256 id, uint256 shift, bool front) private {
        Level storage level = _level(key, priority);
        if (front) {
            uint64 head = level.head;
            if (head == 0) {
                _initLevel(key, level, priority, uint64(id));
            } else {
                _setLink(head, shift, id); // head.prev = id
                _setLink(id, shift + 40, head); // id.next = head
                level.head = uint64(id);
            }
        } else {
            uint64 tail = level.tail;
            if (tail == 0) {
                _initLevel(key, level, priority, uint64(id));
            } else {
                _setLink(tail, shift + 40, id); // tail.next = id
                _setLink(id, shift, tail); // id.prev = tail
                level.tail = uint64(id);
            }
        }
    }

    /// @dev The 40-bit link at bit `shift` of task `node`'s links (slot 0 while Open).
    function _getLink(uint256 node, uint256 shift) private view returns (uint256 link) {
        TaskRecord storage n = _task(node);
        assembly ("memory-safe") {
            link := and(shr(shift, sload(n.slot)), _LINK_MASK)
        }
    }

    /// @dev Sets the 40-bit link at bit `shift` of task `node`'s links to `value`.
    function _setLink(uint256 node, uint256 shift, uint256 value) private {
        TaskRecord storage n = _task(node);
        assembly ("memory-safe") {
            let slot := n.slot
            sstore(slot, or(and(sload(slot), not(shl(shift, _LINK_MASK))), shl(shift, and(value, _LINK_MASK))))
        }
    }

    /// @dev Zeroes the links of a task that left the queues without being claimed (cancel, deadline expiry).
    function _clearLinks(TaskRecord storage t) private {
        assembly ("memory-safe") {
            let slot := t.slot
            sstore(slot, and(sload(slot), not(_LINKS_MASK)))
        }
    }

    function _initLevel(uint256 key, Level storage level, uint256 priority, uint64 id) private {
        level.head = id;
        level.tail = id;
        _bitmap(key).bits |= uint16(1 << priority);
    }

    /// @dev Takes task `id` out of both its queues in O(1). `typedHead`: the caller knows `id` heads its typed level
    /// (claimNext on a typed queue), so the neighbour probe below would be wasted.
    ///
    /// The any-type level is read anyway (a claim reads its cap), so it says for free whether `id` is the head or
    /// the tail there. The typed level of a task in the middle of its any-type level is not read: since the typed
    /// list of a level is the subsequence of the any-type list of that level holding one type (both are FIFO, both
    /// get reopened tasks at the front, a task leaves both at once), a task that heads (ends) the any-type list
    /// heads (ends) the typed one, and otherwise the typed neighbours tell: `id` is strictly inside its typed list
    /// iff `prev != 0`, `prev` is Open with `typedNext == id`, `next != 0` and `next` is Open with `typedPrev == id`.
    /// Proof sketch: a meaningful link always has its back link; a stale `prev` of a head (left by removing the
    /// head before it) names a task that has left the queues (not Open: its link bits are zero or a claimant, which
    /// is why Open is checked) and that cannot come back without a front insert, which rewrites this `prev`; a stale
    /// `next` of a tail names a task that left the queues, and if it came back (at the front, its links zeroed when
    /// its claim ended) its `prev` is never set to a task behind it. In the middle both neighbour slots are written
    /// anyway, so the probe saves the cold read of the typed level; at a typed head or tail that is not an
    /// any-type head or tail it costs one or two cold reads, and the exact level path runs as before.
    function _unlink(uint256 w0, uint256 id, uint256 meta, bool typedHead) private returns (uint256 cap) {
        // meta (slot 1) = deadline | leaseTtl << 48 | priority << 80 | counted << 88 | swarmId << 96 | typedIndex << 160
        // level = head | tail << 64 | claimCap << 128; slot 0 of an Open task = typedPrev | typedNext << 40 |
        // anyPrev << 80 | anyNext << 120 | epoch << 160 | leaseExpiry << 200 | status (Open = 1) << 248.
        // Word-level assembly: every slot is read and written once; slots as in {_task}, {_level}, {_bitmap}.
        // `w0`: slot 0 of the task. The links of `id` are left in place: the caller overwrites (claim) or clears them
        // ({_clearLinks}).
        assembly ("memory-safe") {
            function taskSlot(node) -> s {
                s := add(_TASKS, shl(2, node))
            }
            // the 40-bit link at bit `shift` of `node`'s links := value
            function setLink(node, shift, value) {
                let s := taskSlot(node)
                sstore(s, or(and(sload(s), not(shl(shift, _LINK_MASK))), shl(shift, value)))
            }
            function bitmapSlot(key) -> s {
                s := add(_BITMAPS, key)
            }
            function levelSlot(key, p) -> s {
                s := add(_LEVELS, add(shl(4, key), p))
            }
            // If `id_` is strictly inside its typed list (see above) takes it out and returns 1, else changes nothing.
            // A neighbour word counts only while that task is Open (otherwise its link bits are a claimant).
            function unlinkInside(id_, prev, next) -> done {
                if prev {
                    if next {
                        let ps := taskSlot(prev)
                        let pl := sload(ps)
                        if eq(and(shr(40, pl), _LINK_MASK), id_) {
                            if eq(shr(248, pl), 1) {
                                let ns := taskSlot(next)
                                let nl := sload(ns)
                                if eq(and(nl, _LINK_MASK), id_) {
                                    if eq(shr(248, nl), 1) {
                                        sstore(ps, or(and(pl, not(shl(40, _LINK_MASK))), shl(40, next)))
                                        sstore(ns, or(and(nl, not(_LINK_MASK)), prev))
                                        done := 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // takes `id_` out of its typed list; `atEnd`: `id_` is known to head or end its typed level
            function unlinkTyped(id_, p, typedIndex, links, atEnd) {
                let prev := and(links, _LINK_MASK)
                let next := and(shr(40, links), _LINK_MASK)
                let done := 0
                if iszero(atEnd) { done := unlinkInside(id_, prev, next) }
                if iszero(done) {
                    let tq := shl(64, typedIndex)
                    let tls := levelSlot(tq, p)
                    let tl := sload(tls)
                    let isHead := eq(and(tl, _HEAD_MASK), id_)
                    let isTail := eq(and(shr(64, tl), _HEAD_MASK), id_)
                    switch or(isHead, isTail)
                    case 0 {
                        setLink(prev, 40, next)
                        setLink(next, 0, prev)
                    }
                    default {
                        switch and(isHead, isTail)
                        case 1 {
                            sstore(tls, and(tl, not(or(shl(64, _HEAD_MASK), _HEAD_MASK))))
                            let bs := bitmapSlot(tq)
                            sstore(bs, and(sload(bs), not(shl(p, 1))))
                        }
                        default {
                            switch isHead
                            case 1 { sstore(tls, or(and(tl, not(_HEAD_MASK)), next)) } // `next` is meaningful: not the tail
                            default { sstore(tls, or(and(tl, not(shl(64, _HEAD_MASK))), shl(64, prev))) } // `prev`: not the head
                        }
                    }
                }
            }
            // takes `id_` out of its any-type list, given its level word and whether it heads / ends it
            function unlinkAny(links, anyQueue, anyLevelSlot, level, p, anyHead, anyTail) {
                let anyPrev := and(shr(80, links), _LINK_MASK)
                let anyNext := and(shr(120, links), _LINK_MASK)
                switch or(anyHead, anyTail)
                case 0 {
                    setLink(anyPrev, 120, anyNext)
                    setLink(anyNext, 80, anyPrev)
                }
                default {
                    switch and(anyHead, anyTail)
                    case 1 {
                        sstore(anyLevelSlot, and(level, not(or(shl(64, _HEAD_MASK), _HEAD_MASK))))
                        let bs := bitmapSlot(anyQueue)
                        sstore(bs, and(sload(bs), not(shl(p, 1))))
                    }
                    default {
                        switch anyHead
                        case 1 { sstore(anyLevelSlot, or(and(level, not(_HEAD_MASK)), anyNext)) } // `next` is meaningful
                        default { sstore(anyLevelSlot, or(and(level, not(shl(64, _HEAD_MASK))), shl(64, anyPrev))) } // `prev`
                    }
                }
            }
            function unlinkBoth(links, id_, meta_, typedHead_) -> cap_ {
                let p := and(shr(80, meta_), 0xff)
                let anyQueue := and(shr(96, meta_), 0xffffffffffffffff)
                let anyLevelSlot := levelSlot(anyQueue, p)
                let level := sload(anyLevelSlot)
                cap_ := and(shr(128, level), 0xffffffff)
                let anyHead := eq(and(level, _HEAD_MASK), id_)
                let anyTail := eq(and(shr(64, level), _HEAD_MASK), id_)
                let typedIndex := and(shr(160, meta_), 0xffffffffffffff)
                if typedIndex {
                    unlinkTyped(id_, p, typedIndex, links, or(typedHead_, or(anyHead, anyTail)))
                }
                unlinkAny(links, anyQueue, anyLevelSlot, level, p, anyHead, anyTail)
            }

            cap := unlinkBoth(w0, id, meta, typedHead)
        }
    }

    /// @dev Task `id`'s record; ids past 2^40 - 1 cannot exist (their slot would alias another task's).
    function _task(uint256 id) private pure returns (TaskRecord storage t) {
        if (id > _MAX_TASK_ID) revert TaskBoardUnknownTask(id);
        assembly ("memory-safe") {
            t.slot := add(_TASKS, shl(2, id))
        }
    }

    function _level(uint256 key, uint256 priority) private pure returns (Level storage l) {
        assembly ("memory-safe") {
            l.slot := add(_LEVELS, add(shl(4, key), priority))
        }
    }

    function _bitmap(uint256 key) private pure returns (Bitmap storage b) {
        assembly ("memory-safe") {
            b.slot := add(_BITMAPS, key)
        }
    }

    /// @dev Word `offset` (0 or 1) of a task record, laid out as documented on {TaskRecord}.
    function _word(TaskRecord storage t, uint256 offset) private view returns (uint256 w) {
        assembly ("memory-safe") {
            w := sload(add(t.slot, offset))
        }
    }

    function _setWord(TaskRecord storage t, uint256 offset, uint256 w) private {
        assembly ("memory-safe") {
            sstore(add(t.slot, offset), w)
        }
    }
}
