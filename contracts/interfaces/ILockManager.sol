// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISwarmRegistry} from "./ISwarmRegistry.sol";

/**
 * @title ILockManager
 * @notice Leased mutual-exclusion locks for the members of a swarm, with fencing tokens.
 *
 * A lock is named by a `bytes32 lockName` inside a swarm: the key is (swarmId, lockName), and only current
 * members of the swarm may acquire or renew it. A holder gets a lease of `ttl` seconds (MIN_TTL..MAX_TTL);
 * the lease is live while `block.timestamp < expiresAt`. When the lease expires the lock is free again: any
 * member may acquire it, without anyone having to release it (expiry is implicit; the next `LockAcquired`
 * names the previous holder and token so that an indexer can record the expiry).
 *
 * Fencing: every acquisition issues a token one higher than the lock's previous token. Tokens strictly increase
 * per lock and are never reused — not after a release, not after an expiry. A downstream contract or service
 * that receives a token with a request asks `isCurrent` (or compares with the highest token it has seen) and
 * rejects a stale holder whose lease has expired or been taken over.
 */
interface ILockManager {
    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice `holder` acquired the lock with fencing `token`; the lease ends at `expiresAt`.
     * @dev `previousHolder`/`previousToken` name the previous lease if it ended by expiry (it was never
     * released): the indexer records that lease as expired. Both are zero if the lock was free (never held,
     * or released).
     */
    event LockAcquired(
        uint256 indexed swarmId,
        bytes32 indexed lockName,
        address indexed holder,
        uint64 token,
        uint48 expiresAt,
        address previousHolder,
        uint64 previousToken
    );

    /// @notice The holder extended (or shortened) its lease; the token does not change.
    event LockRenewed(uint256 indexed swarmId, bytes32 indexed lockName, address indexed holder, uint64 token, uint48 expiresAt);

    /// @notice The holder released the lock (possibly after its lease had expired, if no one took it meanwhile).
    event LockReleased(uint256 indexed swarmId, bytes32 indexed lockName, address indexed holder, uint64 token);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error LockManagerZeroAddress();
    error LockManagerNotMember(uint256 swarmId, address account);
    /// @notice The lock is held by `holder` until `expiresAt` (also when the caller itself holds it: renew instead).
    error LockManagerLockHeld(uint256 swarmId, bytes32 lockName, address holder, uint48 expiresAt);
    error LockManagerInvalidTtl(uint256 ttl, uint256 min, uint256 max);
    /// @notice `token` is not the lock's current token `currentToken` (stale, or never issued).
    error LockManagerStaleToken(uint256 swarmId, bytes32 lockName, uint64 token, uint64 currentToken);
    /// @notice The caller is not the holder of the current token (`holder` is zero if the lock was released).
    error LockManagerNotHolder(uint256 swarmId, bytes32 lockName, address account, address holder);
    /// @notice The lease of `token` ended at `expiresAt`; acquire the lock again instead of renewing.
    error LockManagerLeaseExpired(uint256 swarmId, bytes32 lockName, uint64 token, uint48 expiresAt);
    /// @notice The lock has issued 2^48 - 1 tokens; it cannot issue another without reusing one.
    error LockManagerTokensExhausted(uint256 swarmId, bytes32 lockName);

    // ---------------------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Acquires a free (never held, released or expired) lock for `ttl` seconds. Members only.
     * @return token the new fencing token (previous token + 1; the first token of a lock is 1)
     */
    function acquire(uint256 swarmId, bytes32 lockName, uint32 ttl) external returns (uint64 token);

    /**
     * @notice Sets the lease of the caller's live lock to end `ttl` seconds from now. Holder (still a member) only.
     * @return expiresAt the new end of the lease
     */
    function renew(uint256 swarmId, bytes32 lockName, uint64 token, uint32 ttl) external returns (uint48 expiresAt);

    /// @notice Releases the caller's lock. Holder only; allowed after expiry as long as no one took the lock.
    function release(uint256 swarmId, bytes32 lockName, uint64 token) external;

    /// @notice Whether `token` is the lock's current token and its lease is live (not released, not expired).
    function isCurrent(uint256 swarmId, bytes32 lockName, uint64 token) external view returns (bool);

    /**
     * @notice The lock's last holder, last issued token and end of lease, as stored.
     * @dev `holder` is zero after a release (`token` stays, as the last issued token). A non-zero `holder`
     * whose `expiresAt <= block.timestamp` is an expired lease: the lock is free.
     */
    function getLock(uint256 swarmId, bytes32 lockName) external view returns (address holder, uint64 token, uint48 expiresAt);

    /// @notice The registry asked for membership.
    function registry() external view returns (ISwarmRegistry);

    /// @notice Shortest lease, in seconds.
    function MIN_TTL() external view returns (uint32);

    /// @notice Longest lease, in seconds.
    function MAX_TTL() external view returns (uint32);
}
