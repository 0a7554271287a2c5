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
 * Storage of a task (5 slots, the first three touched by a claim):
 *  - slot 0: claimant (160) | epoch (40) | leaseExpiry (48) | status (8)      — all a claim changes
 *  - slot 1: deadline (48) | leaseTtl (32) | priority (8) | counted (8) | swarmId (64) | typedIndex (56)
 *  - slot 2: typedPrev | typedNext | anyPrev | anyNext (4 x 64); zeroed when the task leaves the queues (the
 *    refund pays for most of that read; reopening writes it again)
 *  - slot 3: poster (160) | rewardAmount (96)
 *  - slot 4: rewardToken (only written for ERC-20 rewards)
 * A level of a queue is one slot: head | tail | claimCap (the swarm's cap, copied into each level of its
 * any-type queue so a claim reads it from a slot it reads anyway). Epochs are stored in 40 bits (2^40 - 1
 * claims per task) and exposed as uint64.
 *
 * Gas of a claim therefore depends on the task's position, never on the number of open tasks: at the head or
 * tail of its levels it writes the two level slots (~50k for `claim`, ~52-55k for `claimNext`); in the middle it
 * writes the neighbours' link slots instead (~52k when both lists share the neighbours, up to ~62k when the typed
 * and any-type neighbours are four different tasks: the typed level is then not read, see {_unlink}). A task
 * that heads or ends its typed level but not its any-type level pays one or two cold reads (~2-4k) for that
 * probe. A first claim counted against a cap pays ~22k more for the member's counter.
 */
contract TaskBoard is ITaskBoard, EIP712, Nonces, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc ITaskBoard
    uint8 public constant MAX_PRIORITY = 15;

    /// @inheritdoc ITaskBoard
    uint256 public constant MAX_EXPIRED_SKIPS = 8;

    uint256 private constant _LINK_MASK = 0xffffffffffffffff; // one 64-bit link

    bytes32 private constant _CLAIM_TYPEHASH =
        keccak256("ClaimTask(uint256 taskId,address claimant,uint256 nonce,uint256 deadline)");
    bytes32 private constant _RENEW_TYPEHASH =
        keccak256("RenewLease(uint256 taskId,uint64 epoch,address claimant,uint256 nonce,uint256 deadline)");
    bytes32 private constant _COMPLETE_TYPEHASH =
        keccak256(
            "CompleteTask(uint256 taskId,uint64 epoch,address claimant,string resultURI,bytes32 resultHash,uint256 nonce,uint256 deadline)"
        );

    struct TaskRecord {
        // slot 0: everything a claim writes
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
        uint64 typedPrev;
        uint64 typedNext;
        uint64 anyPrev;
        uint64 anyNext;
        // slot 3
        address poster;
        uint96 rewardAmount;
        // slot 4
        address rewardToken;
    }

    /// @dev One priority level of one queue: a single slot, read by every claim of a task in it.
    struct Level {
        uint64 head;
        uint64 tail;
        uint32 claimCap; // any-type queues only: the swarm's cap, copied into all its levels (read for free)
    }

    struct Queue {
        uint16 bitmap; // bit p set <=> level p is non-empty
        mapping(uint256 priority => Level) levels;
    }

    ISwarmRegistry private immutable _registry;

    uint256 private _taskCount;
    uint56 private _typedQueueCount;

    mapping(uint256 taskId => TaskRecord) private _tasks;
    mapping(uint256 queueKey => Queue) private _queues;
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
        TaskRecord storage t = _tasks[taskId];
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
        _link(t, uint64(taskId), false);
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
            _unlink(t, uint64(taskId), _word(t, 1), false);
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
        Queue storage q = _queues[key];
        uint256 skipped;
        while (true) {
            uint256 bitmap = q.bitmap;
            if (bitmap == 0) {
                if (skipped == 0) revert TaskBoardNoOpenTask(swarmId, typeTag);
                return (0, 0);
            }
            taskId = q.levels[Math.log2(bitmap)].head;
            TaskRecord storage t = _tasks[taskId];
            uint48 deadline = t.deadline;
            if (deadline != 0 && block.timestamp > deadline) {
                if (skipped == MAX_EXPIRED_SKIPS) return (0, 0);
                _unlink(t, uint64(taskId), _word(t, 1), typeTag != bytes32(0));
                t.status = TaskStatus.Expired;
                emit TaskExpired(taskId, swarmId, deadline, msg.sender);
                // cannot overflow: bounded by MAX_EXPIRED_SKIPS
                unchecked {
                    ++skipped;
                }
                continue;
            }
            epoch = _claimOpen(t, taskId, swarmId, msg.sender, typeTag != bytes32(0));
            return (taskId, epoch);
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
            _unlink(t, uint64(taskId), _word(t, 1), false);
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
        Queue storage q = _queues[swarmId];
        for (uint256 p = 0; p <= MAX_PRIORITY; ++p) {
            q.levels[p].claimCap = cap;
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
        task.claimant = t.claimant;
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
        return key != 0 && _queues[key].bitmap != 0;
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
        Level storage level = _queues[key].levels[priority];
        bool typed = typeTag != bytes32(0);
        uint256 n;
        taskIds = new uint256[](limit);
        uint64 id = level.head;
        uint64 tail = level.tail;
        while (id != 0 && n < limit) {
            taskIds[n++] = id;
            if (id == tail) break;
            id = typed ? _tasks[id].typedNext : _tasks[id].anyNext;
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
        Queue storage q = _queues[key];
        uint256 bitmap = q.bitmap;
        return bitmap == 0 ? 0 : q.levels[Math.log2(bitmap)].head;
    }

    /// @inheritdoc ITaskBoard
    function claimCap(uint256 swarmId) external view returns (uint32) {
        return swarmId == 0 || swarmId > type(uint64).max ? 0 : _queues[swarmId].levels[0].claimCap;
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

    function _claimById(uint256 taskId, address claimant) private returns (uint64) {
        TaskRecord storage t = _existing(taskId);
        TaskStatus status = t.status;
        if (status != TaskStatus.Open) {
            if (status == TaskStatus.Claimed) revert TaskBoardAlreadyClaimed(taskId, t.claimant, t.epoch);
            revert TaskBoardNotOpen(taskId, status);
        }
        uint48 deadline = t.deadline;
        if (deadline != 0 && block.timestamp > deadline) revert TaskBoardDeadlinePassed(taskId, deadline);
        uint256 swarmId = t.swarmId;
        _requireMember(swarmId, claimant);
        return _claimOpen(t, taskId, swarmId, claimant, false);
    }

    /// @dev Claims an Open, not past-deadline task for a member: unlink (which returns the cap), cap, new epoch,
    /// lease. The task's slots are read as whole words (see the layout of {TaskRecord}) so no field is read twice.
    function _claimOpen(
        TaskRecord storage t,
        uint256 taskId,
        uint256 swarmId,
        address claimant,
        bool typedHead
    ) private returns (uint64 epoch) {
        uint256 meta = _word(t, 1);
        uint32 cap = _unlink(t, uint64(taskId), meta, typedHead);
        bool counted;
        if (cap != 0) {
            uint32 active = _activeClaims[swarmId][claimant];
            if (active >= cap) revert TaskBoardClaimCapReached(swarmId, claimant, cap);
            // cannot overflow: active < cap <= type(uint32).max
            unchecked {
                _activeClaims[swarmId][claimant] = active + 1;
            }
            counted = true;
        }
        uint40 previous = uint40(_word(t, 0) >> 160);
        if (previous == type(uint40).max) revert TaskBoardEpochExhausted(taskId);
        // cannot overflow: checked against type(uint40).max just above
        unchecked {
            epoch = uint64(previous) + 1;
        }
        uint48 leaseExpiry = uint48(block.timestamp) + uint32(meta >> 48);
        // slot 0 = claimant | epoch << 160 | leaseExpiry << 200 | status << 248
        _setWord(
            t,
            0,
            uint256(uint160(claimant)) |
                (uint256(epoch) << 160) |
                (uint256(leaseExpiry) << 200) |
                (uint256(uint8(TaskStatus.Claimed)) << 248)
        );
        if (counted) t.counted = true;
        emit TaskClaimed(taskId, swarmId, claimant, epoch, leaseExpiry, msg.sender);
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
        if (!_registry.isMember(swarmId, account)) revert TaskBoardNotMember(swarmId, account);
    }

    function _existing(uint256 taskId) private view returns (TaskRecord storage t) {
        t = _tasks[taskId];
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
    /// or at the front (a reopened task).
    function _link(TaskRecord storage t, uint64 id, bool front) private {
        uint256 priority = t.priority;
        uint56 typedIndex = t.typedIndex;
        if (typedIndex != 0) _linkInto(_queues[uint256(typedIndex) << 64], priority, id, true, front);
        _linkInto(_queues[t.swarmId], priority, id, false, front);
    }

    function _linkInto(Queue storage q, uint256 priority, uint64 id, bool typed, bool front) private {
        Level storage level = q.levels[priority];
        if (front) {
            uint64 head = level.head;
            if (head == 0) {
                _initLevel(q, level, priority, id);
            } else {
                TaskRecord storage h = _tasks[head];
                TaskRecord storage n = _tasks[id];
                if (typed) {
                    h.typedPrev = id;
                    n.typedNext = head;
                } else {
                    h.anyPrev = id;
                    n.anyNext = head;
                }
                level.head = id;
            }
        } else {
            uint64 tail = level.tail;
            if (tail == 0) {
                _initLevel(q, level, priority, id);
            } else {
                TaskRecord storage tl = _tasks[tail];
                TaskRecord storage n = _tasks[id];
                if (typed) {
                    tl.typedNext = id;
                    n.typedPrev = tail;
                } else {
                    tl.anyNext = id;
                    n.anyPrev = tail;
                }
                level.tail = id;
            }
        }
    }

    function _initLevel(Queue storage q, Level storage level, uint256 priority, uint64 id) private {
        level.head = id;
        level.tail = id;
        q.bitmap |= uint16(1 << priority);
    }

    /// @dev Takes task `id` out of both its queues in O(1). `typedHead`: the caller knows `id` heads its typed level
    /// (claimNext on a typed queue), so the neighbour probe below would be wasted.
    ///
    /// The any-type level is read anyway (a claim reads its cap), so it says for free whether `id` is the head or
    /// the tail there. The typed level of a task in the middle of its any-type level is not read: since the typed
    /// list of a level is the subsequence of the any-type list of that level holding one type (both are FIFO, both
    /// get reopened tasks at the front, a task leaves both at once), a task that heads (ends) the any-type list
    /// heads (ends) the typed one, and otherwise the typed neighbours tell: `id` is strictly inside its typed list
    /// iff `prev != 0 && _tasks[prev].typedNext == id && next != 0 && _tasks[next].typedPrev == id`. Proof sketch:
    /// a meaningful link always has its back link; a stale `prev` of a head (left by removing the head before it)
    /// names a task that has left the queues (its links are zero) and that cannot come back without a front insert,
    /// which rewrites this `prev`; a stale `next` of a tail names a task that left the queues, and if it came back
    /// (at the front) its `prev` is never set to a task behind it. In the middle both neighbour slots are written
    /// anyway, so the probe saves the cold read of the typed level; at a typed head or tail that is not an
    /// any-type head or tail it costs one or two cold reads, and the exact level path runs as before.
    function _unlink(TaskRecord storage t, uint64 id, uint256 meta, bool typedHead) private returns (uint32 cap) {
        // meta (slot 1) = deadline | leaseTtl << 48 | priority << 80 | counted << 88 | swarmId << 96 | typedIndex << 160
        uint256 priority = uint8(meta >> 80);
        uint256 typedIndex = uint56(meta >> 160);
        Queue storage anyQueue = _queues[uint64(meta >> 96)];
        Level storage anyLevel = anyQueue.levels[priority];
        // level = head | tail << 64 | claimCap << 128
        uint256 level;
        assembly ("memory-safe") {
            level := sload(anyLevel.slot)
        }
        cap = uint32(level >> 128);
        bool anyHead = uint64(level) == id;
        bool anyTail = uint64(level >> 64) == id;
        // links (slot 2) = typedPrev | typedNext << 64 | anyPrev << 128 | anyNext << 192
        uint256 links = _word(t, 2);
        if (typedIndex != 0) _unlinkTyped(id, priority, typedIndex, links, typedHead || anyHead || anyTail);
        uint64 anyPrev = uint64(links >> 128);
        uint64 anyNext = uint64(links >> 192);
        if (anyHead || anyTail) {
            if (!anyHead) {
                level = (level & ~(_LINK_MASK << 64)) | (uint256(anyPrev) << 64); // `prev` is meaningful: not the head
            } else if (!anyTail) {
                level = (level & ~_LINK_MASK) | anyNext; // `next` is meaningful: not the tail
            } else {
                level &= ~((_LINK_MASK << 64) | _LINK_MASK);
                anyQueue.bitmap &= ~uint16(1 << priority);
            }
            assembly ("memory-safe") {
                sstore(anyLevel.slot, level)
            }
        } else {
            _setLink(anyPrev, 192, anyNext);
            _setLink(anyNext, 128, anyPrev);
        }
        // Links of a node out of the queues are never read: zero them (gas refund on claim).
        _setWord(t, 2, 0);
    }

    /// @dev Typed half of {_unlink}; `atEnd`: `id` is known to head or end its typed level (skip the probe).
    function _unlinkTyped(uint64 id, uint256 priority, uint256 typedIndex, uint256 links, bool atEnd) private {
        uint64 prev = uint64(links);
        uint64 next = uint64(links >> 64);
        if (atEnd || !_unlinkInsideTyped(id, prev, next)) {
            _unlinkFrom(_queues[typedIndex << 64], priority, id, prev, next, true);
        }
    }

    /// @dev If `id` is strictly inside its typed list (see {_unlink}), takes it out and returns true; otherwise
    /// (head or tail of its typed level) changes nothing and returns false.
    function _unlinkInsideTyped(uint64 id, uint64 prev, uint64 next) private returns (bool) {
        if (prev == 0 || next == 0) return false;
        uint256 prevSlot = _linksSlot(prev);
        uint256 prevLinks;
        assembly ("memory-safe") {
            prevLinks := sload(prevSlot)
        }
        if (uint64(prevLinks >> 64) != id) return false;
        uint256 nextSlot = _linksSlot(next);
        uint256 nextLinks;
        assembly ("memory-safe") {
            nextLinks := sload(nextSlot)
        }
        if (uint64(nextLinks) != id) return false;
        prevLinks = (prevLinks & ~(_LINK_MASK << 64)) | (uint256(next) << 64);
        nextLinks = (nextLinks & ~_LINK_MASK) | prev;
        assembly ("memory-safe") {
            sstore(prevSlot, prevLinks)
            sstore(nextSlot, nextLinks)
        }
        return true;
    }

    /// @dev Sets the 64-bit link at bit `shift` of task `node`'s link slot to `value`.
    function _setLink(uint64 node, uint256 shift, uint64 value) private {
        uint256 slot = _linksSlot(node);
        assembly ("memory-safe") {
            // `value` may carry dirty high bits on the stack: mask it
            sstore(slot, or(and(sload(slot), not(shl(shift, _LINK_MASK))), shl(shift, and(value, _LINK_MASK))))
        }
    }

    function _linksSlot(uint64 node) private view returns (uint256 slot) {
        TaskRecord storage n = _tasks[node];
        assembly ("memory-safe") {
            slot := add(n.slot, 2)
        }
    }

    /// @dev Word `offset` (0, 1 or 2) of a task record, laid out as documented on {TaskRecord}.
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

    function _unlinkFrom(Queue storage q, uint256 priority, uint64 id, uint64 prev, uint64 next, bool typed) private {
        Level storage level = q.levels[priority];
        bool isHead = level.head == id;
        bool isTail = level.tail == id;
        if (isHead && isTail) {
            level.head = 0;
            level.tail = 0;
            q.bitmap &= ~uint16(1 << priority);
        } else if (isHead) {
            level.head = next; // `next` is meaningful: id is not the tail
        } else if (isTail) {
            level.tail = prev; // `prev` is meaningful: id is not the head
        } else if (typed) {
            _tasks[prev].typedNext = next;
            _tasks[next].typedPrev = prev;
        } else {
            _tasks[prev].anyNext = next;
            _tasks[next].anyPrev = prev;
        }
    }
}
