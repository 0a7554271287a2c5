// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILockManager} from "../interfaces/ILockManager.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title LockManager
 * @notice Leased locks with fencing tokens, per swarm. See {ILockManager}.
 * @dev Each lock is one storage slot: holder (160 bits) + expiresAt (48) + token (48). Tokens are exposed as
 * uint64 in the API; 2^48 - 1 acquisitions of one lock are more than any chain will ever process, and the
 * contract refuses to wrap (LockManagerTokensExhausted) rather than reuse a token.
 */
contract LockManager is ILockManager {
    struct Lock {
        address holder; // zero when never held or released
        uint48 expiresAt; // end of the lease (exclusive); zero after a release
        uint48 token; // last issued fencing token; never decreases
    }

    /// @inheritdoc ILockManager
    uint32 public constant MIN_TTL = 1;
    /// @inheritdoc ILockManager
    uint32 public constant MAX_TTL = 30 days;

    ISwarmRegistry private immutable _registry;

    mapping(uint256 swarmId => mapping(bytes32 lockName => Lock)) private _locks;

    constructor(ISwarmRegistry registry_) {
        if (address(registry_) == address(0)) revert LockManagerZeroAddress();
        _registry = registry_;
    }

    /// @inheritdoc ILockManager
    function acquire(uint256 swarmId, bytes32 lockName, uint32 ttl) external returns (uint64) {
        uint48 expiresAt = _expiry(ttl);
        _requireMember(swarmId);
        Lock storage lock = _locks[swarmId][lockName];
        Lock memory prev = lock;
        if (prev.holder != address(0) && block.timestamp < prev.expiresAt) {
            revert LockManagerLockHeld(swarmId, lockName, prev.holder, prev.expiresAt);
        }
        if (prev.token == type(uint48).max) revert LockManagerTokensExhausted(swarmId, lockName);
        uint48 token;
        // cannot overflow: prev.token < type(uint48).max was checked just above
        unchecked {
            token = prev.token + 1;
        }
        lock.holder = msg.sender;
        lock.expiresAt = expiresAt;
        lock.token = token;
        // a non-zero stored holder here means the previous lease expired without a release
        emit LockAcquired(
            swarmId,
            lockName,
            msg.sender,
            token,
            expiresAt,
            prev.holder,
            prev.holder == address(0) ? 0 : prev.token
        );
        return token;
    }

    /// @inheritdoc ILockManager
    function renew(uint256 swarmId, bytes32 lockName, uint64 token, uint32 ttl) external returns (uint48) {
        uint48 expiresAt = _expiry(ttl);
        Lock storage lock = _locks[swarmId][lockName];
        Lock memory cur = lock;
        _requireHolder(swarmId, lockName, cur, token);
        if (block.timestamp >= cur.expiresAt) revert LockManagerLeaseExpired(swarmId, lockName, token, cur.expiresAt);
        _requireMember(swarmId);
        lock.expiresAt = expiresAt;
        emit LockRenewed(swarmId, lockName, msg.sender, token, expiresAt);
        return expiresAt;
    }

    /// @inheritdoc ILockManager
    function release(uint256 swarmId, bytes32 lockName, uint64 token) external {
        Lock storage lock = _locks[swarmId][lockName];
        _requireHolder(swarmId, lockName, lock, token);
        // keep the token (the next acquisition continues from it); clear holder and lease in the same slot
        lock.holder = address(0);
        lock.expiresAt = 0;
        emit LockReleased(swarmId, lockName, msg.sender, token);
    }

    /// @inheritdoc ILockManager
    function isCurrent(uint256 swarmId, bytes32 lockName, uint64 token) external view returns (bool) {
        Lock memory lock = _locks[swarmId][lockName];
        return token != 0 && token == lock.token && lock.holder != address(0) && block.timestamp < lock.expiresAt;
    }

    /// @inheritdoc ILockManager
    function getLock(uint256 swarmId, bytes32 lockName) external view returns (address holder, uint64 token, uint48 expiresAt) {
        Lock memory lock = _locks[swarmId][lockName];
        return (lock.holder, lock.token, lock.expiresAt);
    }

    /// @inheritdoc ILockManager
    function registry() external view returns (ISwarmRegistry) {
        return _registry;
    }

    /// @dev End of a lease of `ttl` seconds starting now; reverts if `ttl` is out of bounds.
    function _expiry(uint32 ttl) private view returns (uint48) {
        if (ttl < MIN_TTL || ttl > MAX_TTL) revert LockManagerInvalidTtl(ttl, MIN_TTL, MAX_TTL);
        return uint48(block.timestamp) + ttl;
    }

    function _requireMember(uint256 swarmId) private view {
        if (!_registry.isMember(swarmId, msg.sender)) revert LockManagerNotMember(swarmId, msg.sender);
    }

    /// @dev The caller must hold `token`, the lock's current token (the lease may have expired).
    function _requireHolder(uint256 swarmId, bytes32 lockName, Lock memory lock, uint64 token) private view {
        if (token != lock.token || token == 0) revert LockManagerStaleToken(swarmId, lockName, token, lock.token);
        if (lock.holder != msg.sender) revert LockManagerNotHolder(swarmId, lockName, msg.sender, lock.holder);
    }
}
