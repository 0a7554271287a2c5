// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ISharedState
 * @notice A versioned key-value store per swarm, written with compare-and-set.
 *
 * Every `(swarmId, key)` has a value (at most `MAX_VALUE_SIZE` bytes) and a version (`uint64`).
 * Version 0 means the key was never written. Every successful write (`set` or `del`) increments the version
 * by exactly one, and the version is kept when a key is deleted: a key deleted at version 5 and written again
 * gets version 6. A version is therefore never reused, so a stale writer that read version 4 can never win
 * after a delete and re-create (fencing token semantics).
 *
 * To write, an account passes the version it last read (`expectedVersion`); if the key has moved on the write
 * reverts with {SharedStateVersionMismatch} carrying the current version. To create a key that was never
 * written pass 0; to re-create a deleted key pass its current (deleted) version, which `version()` returns.
 *
 * Writers are members of the swarm (asked of the SwarmRegistry). Swarm admins may restrict a key: once
 * restricted, only members on that key's writer list may `set` or `del` it. The writer list may be edited
 * before or after the restriction is turned on; it is only enforced while the key is restricted.
 *
 * Relayed writes ({setBySig}, {delBySig}): an agent without gas signs an EIP-712 message (domain name
 * "Concord SharedState", version "1") that anyone may submit; the event names the signer as the writer.
 * The typed structs are
 *   `SetState(uint256 swarmId,bytes32 key,bytes value,uint64 expectedVersion,address writer,uint256 deadline)`
 *   `DeleteState(uint256 swarmId,bytes32 key,uint64 expectedVersion,address writer,uint256 deadline)`.
 * They carry no nonce: the expected version is the nonce. Versions are never reused, so once a signed write
 * has landed (or the key has moved on) the same signature can never succeed again.
 * EOAs sign with ECDSA; smart accounts (EIP-1271) are asked `isValidSignature`.
 *
 * Indexers rebuild the whole state from events: {StateSet} carries the full value, {StateDeleted} the
 * version reached by the delete.
 */
interface ISharedState {
    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice `writer` set `key` of `swarmId` to `value`, reaching `version`.
     * @param valueHash keccak256 of `value` (lets an indexer or agent compare values without the bytes)
     */
    event StateSet(
        uint256 indexed swarmId,
        bytes32 indexed key,
        address indexed writer,
        uint64 version,
        bytes value,
        bytes32 valueHash
    );

    /// @notice `writer` deleted `key` of `swarmId`; the key now has `version` and no value.
    event StateDeleted(uint256 indexed swarmId, bytes32 indexed key, address indexed writer, uint64 version);

    /// @notice Admin `admin` put `writer` on (`allowed`) or took it off the writer list of `key`.
    event KeyWriterUpdated(
        uint256 indexed swarmId,
        bytes32 indexed key,
        address indexed writer,
        bool allowed,
        address admin
    );

    /// @notice Admin `admin` turned the writer restriction of `key` on or off.
    event KeyRestrictionUpdated(uint256 indexed swarmId, bytes32 indexed key, bool restricted, address admin);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A zero address was given where an account or the registry is required.
    error SharedStateZeroAddress();

    /// @notice `account` is not a member of `swarmId` (or the swarm does not exist).
    error SharedStateNotMember(uint256 swarmId, address account);

    /// @notice `account` is not an admin of `swarmId` (or the swarm does not exist).
    error SharedStateNotAdmin(uint256 swarmId, address account);

    /// @notice The caller's `expected` version is not the key's `current` version.
    error SharedStateVersionMismatch(uint256 swarmId, bytes32 key, uint64 expected, uint64 current);

    /// @notice The value is `size` bytes, more than `max`.
    error SharedStateValueTooLarge(uint256 size, uint256 max);

    /// @notice `del` of a key that has no value (never written, or already deleted) at version `version`.
    error SharedStateKeyNotFound(uint256 swarmId, bytes32 key, uint64 version);

    /// @notice `key` is restricted and `writer` is not on its writer list.
    error SharedStateWriterNotAllowed(uint256 swarmId, bytes32 key, address writer);

    /// @notice A relayed write's signature expired at `deadline` (now `nowTs`).
    error SharedStateSignatureExpired(uint256 deadline, uint256 nowTs);

    /// @notice The signature is not `signer`'s for this message, chain and contract (or is malformed).
    error SharedStateInvalidSignature(address signer);

    // ---------------------------------------------------------------------------------------------
    // Writes (members)
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Sets `key` of `swarmId` to `value` if its version is still `expectedVersion`.
     * @dev Reverts with {SharedStateNotMember}, {SharedStateWriterNotAllowed} (restricted key),
     * {SharedStateValueTooLarge} or {SharedStateVersionMismatch}. Emits {StateSet}.
     * @param expectedVersion the version the caller read: 0 for a key never written, the deleted version to
     * re-create a deleted key
     * @return newVersion `expectedVersion + 1`
     */
    function set(uint256 swarmId, bytes32 key, bytes calldata value, uint64 expectedVersion)
        external
        returns (uint64 newVersion);

    /**
     * @notice Deletes `key` of `swarmId` if its version is still `expectedVersion`. The version still
     * increments, so it is never reused by a later `set`.
     * @dev Reverts with {SharedStateNotMember}, {SharedStateWriterNotAllowed}, {SharedStateVersionMismatch} or
     * {SharedStateKeyNotFound} (no value to delete). Emits {StateDeleted}.
     * @return newVersion `expectedVersion + 1`
     */
    function del(uint256 swarmId, bytes32 key, uint64 expectedVersion) external returns (uint64 newVersion);

    /**
     * @notice {set} on behalf of `writer`, who signed an EIP-712 `SetState` message; anyone may submit it.
     * @dev Same checks and event as {set} with `writer` in place of the caller, plus
     * {SharedStateSignatureExpired} (`block.timestamp > deadline`) and {SharedStateInvalidSignature}.
     * @param deadline last unix second the signature is valid
     * @param signature ECDSA signature of an EOA, or anything the EIP-1271 account `writer` accepts
     */
    function setBySig(
        uint256 swarmId,
        bytes32 key,
        bytes calldata value,
        uint64 expectedVersion,
        address writer,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 newVersion);

    /**
     * @notice {del} on behalf of `writer`, who signed an EIP-712 `DeleteState` message; anyone may submit it.
     * @dev Same checks and event as {del} with `writer` in place of the caller, plus
     * {SharedStateSignatureExpired} and {SharedStateInvalidSignature}.
     */
    function delBySig(
        uint256 swarmId,
        bytes32 key,
        uint64 expectedVersion,
        address writer,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 newVersion);

    // ---------------------------------------------------------------------------------------------
    // Key access control (admins)
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Puts `writer` on (`allowed`) or takes it off the writer list of `key`. Admins only.
     * @dev The list only matters while the key is restricted (see {setKeyRestricted}). Listed writers must
     * still be members to write. Emits {KeyWriterUpdated}.
     */
    function setKeyWriter(uint256 swarmId, bytes32 key, address writer, bool allowed) external;

    /**
     * @notice Turns the writer restriction of `key` on or off. Admins only.
     * @dev While restricted, only members on the key's writer list may `set` or `del` it. Restricting does
     * not change the key's value or version. Emits {KeyRestrictionUpdated}.
     */
    function setKeyRestricted(uint256 swarmId, bytes32 key, bool restricted) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice Largest value accepted by `set`, in bytes.
    function MAX_VALUE_SIZE() external view returns (uint256);

    /// @notice The SwarmRegistry asked for membership and admin rights.
    function registry() external view returns (address);

    /**
     * @notice The value and version of `key` in `swarmId`.
     * @return value the value (empty when `exists` is false)
     * @return version the current version: pass it as `expectedVersion` to write next
     * @return exists whether the key has a value (false if never written or deleted)
     */
    function get(uint256 swarmId, bytes32 key) external view returns (bytes memory value, uint64 version, bool exists);

    /// @notice The current version of `key` in `swarmId` (0 if never written).
    function version(uint256 swarmId, bytes32 key) external view returns (uint64);

    /// @notice Whether `key` in `swarmId` is restricted to its writer list.
    function isKeyRestricted(uint256 swarmId, bytes32 key) external view returns (bool);

    /// @notice Whether `writer` is on the writer list of `key` in `swarmId`.
    function isKeyWriter(uint256 swarmId, bytes32 key, address writer) external view returns (bool);

    /// @notice Whether `account` may currently write `key` in `swarmId` (member, and listed if restricted).
    function canWrite(uint256 swarmId, bytes32 key, address account) external view returns (bool);
}
