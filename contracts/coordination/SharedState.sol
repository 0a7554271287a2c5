// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ISharedState} from "../interfaces/ISharedState.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title SharedState
 * @notice Versioned compare-and-set key-value store per swarm. See {ISharedState}.
 *
 * @dev Storage layout per `(swarmId, key)`: one header slot (version, length, flags) plus the value's 32-byte
 * words in a mapping next to it. A 32-byte value update therefore touches exactly two slots (header and
 * word 0). Words beyond the current length are never read, so a shrinking write or a delete does not clear
 * them (the stale words are unobservable; the next write overwrites what it needs). The last word of a value
 * is stored zero-padded, so `get` never returns bytes past the value's length.
 *
 * Relayed writes need no nonce: the signed `expectedVersion` is consumed by the write itself and versions are
 * never reused, so a signature can succeed at most once.
 */
contract SharedState is ISharedState, EIP712 {
    /// @inheritdoc ISharedState
    uint256 public constant MAX_VALUE_SIZE = 4096;

    bytes32 private constant _SET_TYPEHASH = keccak256(
        "SetState(uint256 swarmId,bytes32 key,bytes value,uint64 expectedVersion,address writer,uint256 deadline)"
    );
    bytes32 private constant _DELETE_TYPEHASH = keccak256(
        "DeleteState(uint256 swarmId,bytes32 key,uint64 expectedVersion,address writer,uint256 deadline)"
    );

    struct Entry {
        uint64 version; // 0 = never written; +1 on every set/del; never reused
        uint32 length; // value length in bytes (0 when deleted)
        bool live; // the key has a value
        bool restricted; // only listed writers may write
        mapping(uint256 wordIndex => bytes32 word) words;
    }

    ISwarmRegistry private immutable _registry;

    mapping(uint256 swarmId => mapping(bytes32 key => Entry)) private _entries;
    mapping(uint256 swarmId => mapping(bytes32 key => mapping(address writer => bool allowed))) private _keyWriters;

    constructor(ISwarmRegistry registry_) EIP712("Concord SharedState", "1") {
        if (address(registry_) == address(0)) revert SharedStateZeroAddress();
        _registry = registry_;
    }

    // ---------------------------------------------------------------------------------------------
    // Writes
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ISharedState
    function set(uint256 swarmId, bytes32 key, bytes calldata value, uint64 expectedVersion)
        external
        returns (uint64 newVersion)
    {
        return _set(swarmId, key, value, expectedVersion, msg.sender);
    }

    /// @inheritdoc ISharedState
    function del(uint256 swarmId, bytes32 key, uint64 expectedVersion) external returns (uint64 newVersion) {
        return _del(swarmId, key, expectedVersion, msg.sender);
    }

    /// @inheritdoc ISharedState
    function setBySig(
        uint256 swarmId,
        bytes32 key,
        bytes calldata value,
        uint64 expectedVersion,
        address writer,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 newVersion) {
        bytes32 structHash = keccak256(
            abi.encode(_SET_TYPEHASH, swarmId, key, keccak256(value), expectedVersion, writer, deadline)
        );
        _checkSignature(writer, structHash, deadline, signature);
        return _set(swarmId, key, value, expectedVersion, writer);
    }

    /// @inheritdoc ISharedState
    function delBySig(
        uint256 swarmId,
        bytes32 key,
        uint64 expectedVersion,
        address writer,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 newVersion) {
        bytes32 structHash = keccak256(abi.encode(_DELETE_TYPEHASH, swarmId, key, expectedVersion, writer, deadline));
        _checkSignature(writer, structHash, deadline, signature);
        return _del(swarmId, key, expectedVersion, writer);
    }

    // ---------------------------------------------------------------------------------------------
    // Key access control
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ISharedState
    function setKeyWriter(uint256 swarmId, bytes32 key, address writer, bool allowed) external {
        _checkAdmin(swarmId);
        if (writer == address(0)) revert SharedStateZeroAddress();
        _keyWriters[swarmId][key][writer] = allowed;
        emit KeyWriterUpdated(swarmId, key, writer, allowed, msg.sender);
    }

    /// @inheritdoc ISharedState
    function setKeyRestricted(uint256 swarmId, bytes32 key, bool restricted) external {
        _checkAdmin(swarmId);
        _entries[swarmId][key].restricted = restricted;
        emit KeyRestrictionUpdated(swarmId, key, restricted, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ISharedState
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ISharedState
    function get(uint256 swarmId, bytes32 key) external view returns (bytes memory value, uint64 version_, bool exists) {
        Entry storage entry = _entries[swarmId][key];
        version_ = entry.version;
        exists = entry.live;
        uint256 length = entry.length;
        value = new bytes(length);
        uint256 wordCount = (length + 31) >> 5;
        for (uint256 i; i < wordCount; ) {
            bytes32 word = entry.words[i];
            // `new bytes(length)` allocates whole words, so writing word i stays inside the allocation; the
            // stored last word is zero-padded, so the bytes past `length` stay zero.
            assembly ("memory-safe") {
                mstore(add(add(value, 0x20), shl(5, i)), word)
            }
            // i < wordCount <= 128: cannot overflow
            unchecked {
                ++i;
            }
        }
    }

    /// @inheritdoc ISharedState
    function version(uint256 swarmId, bytes32 key) external view returns (uint64) {
        return _entries[swarmId][key].version;
    }

    /// @inheritdoc ISharedState
    function isKeyRestricted(uint256 swarmId, bytes32 key) external view returns (bool) {
        return _entries[swarmId][key].restricted;
    }

    /// @inheritdoc ISharedState
    function isKeyWriter(uint256 swarmId, bytes32 key, address writer) external view returns (bool) {
        return _keyWriters[swarmId][key][writer];
    }

    /// @inheritdoc ISharedState
    function canWrite(uint256 swarmId, bytes32 key, address account) external view returns (bool) {
        if (!_registry.isMember(swarmId, account)) return false;
        return !_entries[swarmId][key].restricted || _keyWriters[swarmId][key][account];
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    function _set(uint256 swarmId, bytes32 key, bytes calldata value, uint64 expectedVersion, address writer)
        private
        returns (uint64 newVersion)
    {
        uint256 length = value.length;
        if (length > MAX_VALUE_SIZE) revert SharedStateValueTooLarge(length, MAX_VALUE_SIZE);
        Entry storage entry = _entries[swarmId][key];
        newVersion = _checkWrite(swarmId, key, entry, expectedVersion, writer);

        entry.version = newVersion;
        // length <= MAX_VALUE_SIZE (4096) fits in uint32
        entry.length = uint32(length);
        entry.live = true;

        uint256 wordCount = (length + 31) >> 5;
        for (uint256 i; i < wordCount; ) {
            // bytes32(slice) zero-pads a final partial word, so no bytes past `length` are stored
            entry.words[i] = bytes32(value[i << 5:]);
            // i < wordCount <= 128: cannot overflow
            unchecked {
                ++i;
            }
        }

        emit StateSet(swarmId, key, writer, newVersion, value, keccak256(value));
    }

    function _del(uint256 swarmId, bytes32 key, uint64 expectedVersion, address writer)
        private
        returns (uint64 newVersion)
    {
        Entry storage entry = _entries[swarmId][key];
        newVersion = _checkWrite(swarmId, key, entry, expectedVersion, writer);
        if (!entry.live) revert SharedStateKeyNotFound(swarmId, key, entry.version);

        entry.version = newVersion;
        entry.length = 0;
        entry.live = false;

        emit StateDeleted(swarmId, key, writer, newVersion);
    }

    /// @dev Reverts unless `deadline` has not passed and `signature` is `signer`'s over the typed struct.
    function _checkSignature(address signer, bytes32 structHash, uint256 deadline, bytes calldata signature)
        private
        view
    {
        if (block.timestamp > deadline) revert SharedStateSignatureExpired(deadline, block.timestamp);
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert SharedStateInvalidSignature(signer);
        }
    }

    /// @dev Checks membership, the key's writer restriction and the expected version; returns the next version.
    function _checkWrite(uint256 swarmId, bytes32 key, Entry storage entry, uint64 expectedVersion, address writer)
        private
        view
        returns (uint64)
    {
        if (!_registry.isMember(swarmId, writer)) revert SharedStateNotMember(swarmId, writer);
        if (entry.restricted && !_keyWriters[swarmId][key][writer]) {
            revert SharedStateWriterNotAllowed(swarmId, key, writer);
        }
        uint64 current = entry.version;
        if (current != expectedVersion) revert SharedStateVersionMismatch(swarmId, key, expectedVersion, current);
        // checked: a uint64 version cannot realistically overflow, but if it did this reverts instead of reusing 0
        return current + 1;
    }

    function _checkAdmin(uint256 swarmId) private view {
        if (!_registry.isAdmin(swarmId, msg.sender)) revert SharedStateNotAdmin(swarmId, msg.sender);
    }
}
