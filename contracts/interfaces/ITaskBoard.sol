// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ITaskBoard
 * @notice A per-swarm task board with atomic claims, leases and fencing tokens.
 *
 * Members of a swarm (asked of the SwarmRegistry) post tasks with a spec (URI + hash), a type tag, a priority
 * (0..15, higher first), a lease TTL, an optional deadline and an optional reward in escrow (ETH or ERC-20).
 * A member claims a task by id (`claim`) or takes the best open task of a type, or of any type
 * (`claimNext(swarmId, bytes32(0))`), in one call whose gas does not grow with the number of open tasks.
 *
 * Fencing: every claim increments the task's `epoch` (starting at 1 for the first claim); an epoch is never
 * reused. Actions of the claimant (`renew`, `complete`, `release`) name the epoch and revert with
 * {TaskBoardStaleEpoch} when it is not the current one. The epoch travels in every claim-related event.
 *
 * Lifecycle:
 * - `Open`: claimable while `deadline == 0 || block.timestamp <= deadline`.
 * - `Claimed`: the lease is live while `block.timestamp < leaseExpiry`; the claimant may renew (the lease becomes
 *   `now + leaseTtl`), complete (reward paid to the claimant) or release (task reopens). Once the lease has run
 *   out, anyone may call `expire`, which reopens the task; the claimant can then no longer renew or complete.
 * - A task that would reopen after its deadline, or an open task found past its deadline (by `expire` or
 *   `claimNext`), becomes `Expired`: it leaves the queues and its escrow waits for the poster to `cancel`.
 * - `Completed` and `Cancelled` are final.
 *
 * Queue order: within a (swarm, type) or (swarm, any type) queue, higher priority first; within a priority,
 * oldest first (posting order). A task that reopens (released, or lease expired) goes to the FRONT of its
 * priority level, so it is retried before any task that has not been tried yet (among reopened tasks the most
 * recently reopened goes first). Tasks are claimed from the front, so a reopened task is almost always older
 * than everything behind it: this keeps "oldest first" in O(1), without a sorted insert.
 *
 * Type tag `bytes32(0)` means "untyped": such tasks are only reachable by `claim(taskId)` and by
 * `claimNext(swarmId, bytes32(0))` (any type).
 *
 * Anti-hoarding: swarm admins may set a cap on the number of concurrent claims per member (0 = unlimited, the
 * default). Only claims taken while a cap is set count against it; lowering the cap revokes no claim.
 *
 * Gas-less agents sign EIP-712 messages (domain name "Concord TaskBoard", version "1") that anyone may relay:
 * {claimBySig}, {renewBySig}, {completeBySig}. Each carries the signer's current nonce (OpenZeppelin Nonces,
 * shared by the three kinds) and a deadline; the signer may be an EOA or an EIP-1271 smart account.
 */
interface ITaskBoard {
    /// @notice The state of a task.
    enum TaskStatus {
        None, // no such task
        Open, // waiting in the queues for a claim
        Claimed, // leased to `claimant` until `leaseExpiry`
        Completed, // done; reward paid (final)
        Cancelled, // withdrawn by the poster; escrow refunded (final)
        Expired // deadline passed while unclaimed; out of the queues, escrow refundable by `cancel`
    }

    /// @notice What a poster gives to `post`.
    struct PostParams {
        uint256 swarmId; // the swarm; the caller must be a member
        bytes32 typeTag; // the kind of work (bytes32(0) = untyped)
        uint8 priority; // 0..15, higher is claimed first
        uint32 leaseTtl; // seconds a claim (or renewal) lasts; > 0
        uint48 deadline; // last unix second the task may be claimed; 0 = none
        string specURI; // where the task's spec lives (ipfs://, https://, ...)
        bytes32 specHash; // hash of the spec document
        address rewardToken; // address(0) = ETH (send `rewardAmount` as msg.value)
        uint256 rewardAmount; // 0 = no reward; must fit in uint96
    }

    /// @notice A task as the contract holds it (see {getTask}).
    struct Task {
        uint256 swarmId;
        address poster;
        bytes32 typeTag;
        uint8 priority;
        TaskStatus status;
        address claimant; // address(0) unless Claimed (or Completed: who completed it)
        uint64 epoch; // epoch of the latest claim (0 = never claimed)
        uint48 leaseExpiry; // end of the current lease (meaningful while Claimed)
        uint48 deadline; // 0 = none
        uint32 leaseTtl;
        address rewardToken; // address(0) = ETH
        uint256 rewardAmount; // held in escrow while not Completed / Cancelled
    }

    // ---------------------------------------------------------------------------------------------
    // Events (every task event has `taskId` and `swarmId` indexed)
    // ---------------------------------------------------------------------------------------------

    /// @notice A task was posted and entered the queues. `rewardAmount` is what the board actually received.
    event TaskPosted(
        uint256 indexed taskId,
        uint256 indexed swarmId,
        address indexed poster,
        bytes32 typeTag,
        uint8 priority,
        string specURI,
        bytes32 specHash,
        uint32 leaseTtl,
        uint48 deadline,
        address rewardToken,
        uint256 rewardAmount
    );

    /**
     * @notice `claimant` claimed the task with fencing token `epoch`, leased until `leaseExpiry`.
     * @dev `relayer` is the account that sent the transaction: the claimant itself, or whoever relayed a
     * {claimBySig} signature.
     */
    event TaskClaimed(
        uint256 indexed taskId,
        uint256 indexed swarmId,
        address indexed claimant,
        uint64 epoch,
        uint48 leaseExpiry,
        address relayer
    );

    /// @notice The claimant renewed its lease (heartbeat) for `epoch`; the lease now ends at `leaseExpiry`.
    event TaskLeaseRenewed(
        uint256 indexed taskId,
        uint256 indexed swarmId,
        address indexed claimant,
        uint64 epoch,
        uint48 leaseExpiry
    );

    /// @notice The claimant completed the task under `epoch`; `rewardAmount` of `rewardToken` was paid to it.
    event TaskCompleted(
        uint256 indexed taskId,
        uint256 indexed swarmId,
        address indexed claimant,
        uint64 epoch,
        string resultURI,
        bytes32 resultHash,
        address rewardToken,
        uint256 rewardAmount
    );

    /**
     * @notice The claimant gave the task back; `epoch` is now stale. The task is Open again (front of its level)
     * unless a {TaskExpired} follows in the same transaction (deadline passed).
     */
    event TaskReleased(uint256 indexed taskId, uint256 indexed swarmId, address indexed claimant, uint64 epoch);

    /**
     * @notice The lease of `claimant` for `epoch` ran out at `leaseExpiry` and `by` called `expire`; `epoch` is now
     * stale. The task is Open again (front of its level) unless a {TaskExpired} follows in the same transaction.
     */
    event TaskLeaseExpired(
        uint256 indexed taskId,
        uint256 indexed swarmId,
        address indexed claimant,
        uint64 epoch,
        uint48 leaseExpiry,
        address by
    );

    /// @notice The task's deadline passed while it was not claimed: it left the queues (status Expired).
    event TaskExpired(uint256 indexed taskId, uint256 indexed swarmId, uint48 deadline, address by);

    /// @notice The poster cancelled the task; `refundAmount` of `rewardToken` went back to the poster.
    event TaskCancelled(
        uint256 indexed taskId,
        uint256 indexed swarmId,
        address indexed poster,
        address rewardToken,
        uint256 refundAmount
    );

    /// @notice An admin of `swarmId` set the per-member cap on concurrent claims (0 = unlimited).
    event ClaimCapUpdated(uint256 indexed swarmId, uint32 cap, address indexed by);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @dev The registry given to the constructor is the zero address.
    error TaskBoardZeroAddress();
    /// @dev `account` is not a member of `swarmId` (also for unknown swarms).
    error TaskBoardNotMember(uint256 swarmId, address account);
    /// @dev `account` is not an admin of `swarmId`.
    error TaskBoardNotAdmin(uint256 swarmId, address account);
    /// @dev `swarmId` is 0 or larger than the board can store (uint64).
    error TaskBoardInvalidSwarm(uint256 swarmId);
    /// @dev `priority` is above `maxPriority`.
    error TaskBoardInvalidPriority(uint8 priority, uint8 maxPriority);
    /// @dev The lease TTL is 0.
    error TaskBoardInvalidLeaseTtl(uint32 leaseTtl);
    /// @dev The deadline is not in the future (`deadline` <= `nowTs`).
    error TaskBoardInvalidDeadline(uint48 deadline, uint256 nowTs);
    /// @dev Reward token, amount and msg.value do not agree (ETH: value == amount; ERC-20 or none: value == 0;
    /// a token with amount 0).
    error TaskBoardInvalidReward(address rewardToken, uint256 rewardAmount, uint256 value);
    /// @dev The reward (as received) does not fit in uint96.
    error TaskBoardRewardTooLarge(uint256 rewardAmount);
    /// @dev No task with this id.
    error TaskBoardUnknownTask(uint256 taskId);
    /// @dev The task has been claimed 2^40 - 1 times; its epochs are used up (never reused), so it cannot be claimed.
    error TaskBoardEpochExhausted(uint256 taskId);
    /// @dev The task is already claimed by `claimant` under `epoch`.
    error TaskBoardAlreadyClaimed(uint256 taskId, address claimant, uint64 epoch);
    /// @dev The task is not Open (it is `status`).
    error TaskBoardNotOpen(uint256 taskId, TaskStatus status);
    /// @dev The task's claim deadline has passed.
    error TaskBoardDeadlinePassed(uint256 taskId, uint48 deadline);
    /// @dev No open task of `typeTag` (bytes32(0) = any type) in `swarmId`.
    error TaskBoardNoOpenTask(uint256 swarmId, bytes32 typeTag);
    /// @dev The task is not Claimed (it is `status`).
    error TaskBoardNotClaimed(uint256 taskId, TaskStatus status);
    /// @dev `account` is not the current claimant `claimant`.
    error TaskBoardNotClaimant(uint256 taskId, address account, address claimant);
    /// @dev `epoch` is not the task's current epoch `currentEpoch` (fencing).
    error TaskBoardStaleEpoch(uint256 taskId, uint64 epoch, uint64 currentEpoch);
    /// @dev The lease ended at `leaseExpiry`: the claimant may no longer renew or complete.
    error TaskBoardLeaseExpired(uint256 taskId, uint64 epoch, uint48 leaseExpiry);
    /// @dev `expire` was called before the lease ran out (at `leaseExpiry`), or on an open task before its deadline.
    error TaskBoardNotExpired(uint256 taskId, TaskStatus status, uint48 expiresAt);
    /// @dev `account` is not the poster `poster`.
    error TaskBoardNotPoster(uint256 taskId, address account, address poster);
    /// @dev `member` already holds `cap` concurrent claims in `swarmId`.
    error TaskBoardClaimCapReached(uint256 swarmId, address member, uint32 cap);
    /// @dev A signed message's deadline has passed.
    error TaskBoardSignatureExpired(uint256 deadline, uint256 nowTs);
    /// @dev A signed message's nonce is not the signer's current nonce (replayed or out of order).
    error TaskBoardInvalidNonce(address signer, uint256 nonce, uint256 currentNonce);
    /// @dev The signature is not `signer`'s for this message, chain and contract (or is malformed).
    error TaskBoardInvalidSignature(address signer);

    // ---------------------------------------------------------------------------------------------
    // Posting and cancelling
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Posts a task to `params.swarmId`. Members only. An ETH reward is sent as msg.value; an ERC-20
     * reward is pulled from the caller with `transferFrom` (approve first); the amount actually received is
     * held in escrow and emitted.
     * @return taskId the new task's id (sequential from 1)
     */
    function post(PostParams calldata params) external payable returns (uint256 taskId);

    /// @notice Cancels an Open or Expired task and refunds the escrow to the poster. Poster only.
    function cancel(uint256 taskId) external;

    // ---------------------------------------------------------------------------------------------
    // Claiming
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Claims an open task (first caller wins). Members of the task's swarm only.
     * @return epoch the new fencing token (previous epoch + 1)
     */
    function claim(uint256 taskId) external returns (uint64 epoch);

    /**
     * @notice Claims the highest-priority, oldest open task of `typeTag` in `swarmId` (`bytes32(0)`: of any type).
     * Gas does not depend on the number of open tasks.
     * @dev Past-deadline tasks met at the front are moved to Expired (event {TaskExpired}) and skipped, at most
     * {MAX_EXPIRED_SKIPS} per call; if that many were skipped and the next is also past its deadline, the call
     * returns `(0, 0)` with the clean-up kept (call again). Reverts {TaskBoardNoOpenTask} when the queue is empty.
     * @return taskId the claimed task (0 if only expired tasks were cleaned up)
     * @return epoch its new fencing token (0 if none)
     */
    function claimNext(uint256 swarmId, bytes32 typeTag) external returns (uint256 taskId, uint64 epoch);

    /**
     * @notice Claims `taskId` for `claimant`, who signed an EIP-712 `ClaimTask` message. Anyone may submit.
     * @param nonce must equal `nonces(claimant)`; consumed
     * @param deadline last unix second the signature is valid
     * @param signature ECDSA signature of an EOA, or anything the EIP-1271 account `claimant` accepts
     */
    function claimBySig(
        uint256 taskId,
        address claimant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 epoch);

    // ---------------------------------------------------------------------------------------------
    // Claimant actions (fenced by epoch)
    // ---------------------------------------------------------------------------------------------

    /// @notice Extends the caller's live lease to `now + leaseTtl`. Current claimant, current epoch, still a member.
    function renew(uint256 taskId, uint64 epoch) external returns (uint48 leaseExpiry);

    /// @notice {renew} for `claimant`, who signed an EIP-712 `RenewLease` message. Anyone may submit.
    function renewBySig(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint48 leaseExpiry);

    /**
     * @notice Completes the task with its result and pays the reward to the claimant. Current claimant, current
     * epoch, live lease, still a member.
     */
    function complete(uint256 taskId, uint64 epoch, string calldata resultURI, bytes32 resultHash) external;

    /// @notice {complete} for `claimant`, who signed an EIP-712 `CompleteTask` message. Anyone may submit.
    function completeBySig(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        string calldata resultURI,
        bytes32 resultHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice Gives the task back (it reopens at the front of its level, or expires if past its deadline).
    /// Current claimant, current epoch (membership not required; also after the lease ran out, until someone
    /// calls {expire}).
    function release(uint256 taskId, uint64 epoch) external;

    /**
     * @notice Anyone: reopens a Claimed task whose lease has run out (the epoch becomes stale), or moves an Open
     * task past its deadline to Expired. A lease that runs out after the deadline leaves the task Expired.
     */
    function expire(uint256 taskId) external;

    // ---------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------

    /// @notice Sets the per-member cap on concurrent claims in `swarmId` (0 = unlimited). Swarm admins only.
    function setClaimCap(uint256 swarmId, uint32 cap) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice Highest allowed priority (priorities are 0..MAX_PRIORITY).
    function MAX_PRIORITY() external view returns (uint8);

    /// @notice At most this many past-deadline tasks are skipped by one {claimNext}.
    function MAX_EXPIRED_SKIPS() external view returns (uint256);

    /// @notice The registry asked for membership and admin rights.
    function registry() external view returns (address);

    /// @notice Number of tasks posted so far (the latest id).
    function taskCount() external view returns (uint256);

    /// @notice The task; reverts {TaskBoardUnknownTask} for an unknown id.
    function getTask(uint256 taskId) external view returns (Task memory);

    /**
     * @notice Whether `swarmId` has an open task of `typeTag` (`bytes32(0)`: of any type), past-deadline ones
     * included until something moves them to Expired.
     * @dev There is no on-chain open-task counter: keeping one costs every claim of a task in the middle of a
     * queue two more storage writes. The indexer counts open tasks from the events.
     */
    function hasOpenTask(uint256 swarmId, bytes32 typeTag) external view returns (bool);

    /**
     * @notice Up to `limit` open tasks of one priority level of a queue, in the order {claimNext} takes them
     * (`typeTag` `bytes32(0)`: the any-type queue). For off-chain use: gas grows with `limit`.
     */
    function openTasks(
        uint256 swarmId,
        bytes32 typeTag,
        uint8 priority,
        uint256 limit
    ) external view returns (uint256[] memory taskIds);

    /// @notice The task {claimNext} would look at first (0 if none); it may be past its deadline.
    function peekNext(uint256 swarmId, bytes32 typeTag) external view returns (uint256 taskId);

    /// @notice The per-member cap on concurrent claims in `swarmId` (0 = unlimited).
    function claimCap(uint256 swarmId) external view returns (uint32);

    /// @notice Claims of `member` in `swarmId` that count against the cap (taken while a cap was set).
    function activeClaims(uint256 swarmId, address member) external view returns (uint32);

    /// @notice The signer's next nonce for {claimBySig}, {renewBySig} and {completeBySig} (shared counter).
    function nonces(address owner) external view returns (uint256);

    /// @notice The EIP-712 digest a member signs for {claimBySig}.
    /// `ClaimTask(uint256 taskId,address claimant,uint256 nonce,uint256 deadline)`
    function hashClaim(uint256 taskId, address claimant, uint256 nonce, uint256 deadline) external view returns (bytes32);

    /// @notice The EIP-712 digest a member signs for {renewBySig}.
    /// `RenewLease(uint256 taskId,uint64 epoch,address claimant,uint256 nonce,uint256 deadline)`
    function hashRenew(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest a member signs for {completeBySig}.
    /// `CompleteTask(uint256 taskId,uint64 epoch,address claimant,string resultURI,bytes32 resultHash,uint256 nonce,uint256 deadline)`
    function hashComplete(
        uint256 taskId,
        uint64 epoch,
        address claimant,
        string calldata resultURI,
        bytes32 resultHash,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32);
}
