// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IMessageBus} from "../interfaces/IMessageBus.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title MessageBus
 * @notice Broadcast and direct messages between swarm members, with a per-member fixed-window rate limit.
 * See {IMessageBus}.
 *
 * @dev Payloads are only emitted, never stored. Per swarm, one slot holds the message sequence and the rate
 * limit; per member, one slot holds the start of the member's current window and its count, and is only
 * touched while the swarm has a limit.
 */
contract MessageBus is IMessageBus, EIP712, Nonces {
    /// @inheritdoc IMessageBus
    uint256 public constant MAX_PAYLOAD_SIZE = 8192;

    bytes32 private constant _BROADCAST_TYPEHASH = keccak256(
        "Broadcast(uint256 swarmId,bytes32 topic,bytes payload,address sender,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant _DIRECT_MESSAGE_TYPEHASH = keccak256(
        "DirectMessage(uint256 swarmId,address to,bytes32 topic,bytes payload,address sender,uint256 nonce,uint256 deadline)"
    );

    struct SwarmBus {
        uint64 lastMessageId; // id of the latest message (0 before the first)
        uint32 maxMessages; // per member per window; 0 = unlimited
        uint32 windowSeconds; // window length; 0 iff maxMessages == 0
    }

    struct MemberUsage {
        uint48 windowStart; // start of the window `count` belongs to
        uint32 count; // messages sent in that window
    }

    ISwarmRegistry private immutable _registry;

    mapping(uint256 swarmId => SwarmBus) private _swarms;
    mapping(uint256 swarmId => mapping(address member => MemberUsage)) private _usage;

    constructor(ISwarmRegistry registry_) EIP712("Concord MessageBus", "1") {
        if (address(registry_) == address(0)) revert MessageBusZeroAddress();
        _registry = registry_;
    }

    // ---------------------------------------------------------------------------------------------
    // Messages
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMessageBus
    function broadcast(uint256 swarmId, bytes32 topic, bytes calldata payload) external returns (uint64 messageId) {
        return _broadcast(swarmId, topic, payload, msg.sender);
    }

    /// @inheritdoc IMessageBus
    function send(uint256 swarmId, address to, bytes32 topic, bytes calldata payload)
        external
        returns (uint64 messageId)
    {
        return _send(swarmId, to, topic, payload, msg.sender);
    }

    /// @inheritdoc IMessageBus
    function broadcastBySig(
        uint256 swarmId,
        bytes32 topic,
        bytes calldata payload,
        address sender,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 messageId) {
        bytes32 structHash = keccak256(
            abi.encode(_BROADCAST_TYPEHASH, swarmId, topic, keccak256(payload), sender, nonce, deadline)
        );
        _checkSignature(sender, structHash, nonce, deadline, signature);
        return _broadcast(swarmId, topic, payload, sender);
    }

    /// @inheritdoc IMessageBus
    function sendBySig(
        uint256 swarmId,
        address to,
        bytes32 topic,
        bytes calldata payload,
        address sender,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 messageId) {
        bytes32 structHash = _directMessageHash(swarmId, to, topic, keccak256(payload), sender, nonce, deadline);
        _checkSignature(sender, structHash, nonce, deadline, signature);
        return _send(swarmId, to, topic, payload, sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMessageBus
    function setRateLimit(uint256 swarmId, uint32 maxMessages, uint32 windowSeconds) external {
        if (!_registry.isAdmin(swarmId, msg.sender)) revert MessageBusNotAdmin(swarmId, msg.sender);
        if ((maxMessages == 0) != (windowSeconds == 0)) revert MessageBusInvalidRateLimit(maxMessages, windowSeconds);
        SwarmBus storage bus = _swarms[swarmId];
        bus.maxMessages = maxMessages;
        bus.windowSeconds = windowSeconds;
        emit RateLimitUpdated(swarmId, maxMessages, windowSeconds, msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMessageBus
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IMessageBus
    function nonces(address owner) public view override(IMessageBus, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @inheritdoc IMessageBus
    function rateLimit(uint256 swarmId) external view returns (uint32 maxMessages, uint32 windowSeconds) {
        SwarmBus storage bus = _swarms[swarmId];
        return (bus.maxMessages, bus.windowSeconds);
    }

    /// @inheritdoc IMessageBus
    function lastMessageId(uint256 swarmId) external view returns (uint64) {
        return _swarms[swarmId].lastMessageId;
    }

    /// @inheritdoc IMessageBus
    function usage(uint256 swarmId, address member)
        external
        view
        returns (uint32 used, uint32 remaining, uint48 windowResetsAt)
    {
        SwarmBus storage bus = _swarms[swarmId];
        uint32 maxMessages = bus.maxMessages;
        if (maxMessages == 0) return (0, type(uint32).max, 0);
        (uint48 windowStart, uint48 resetsAt) = _currentWindow(bus.windowSeconds);
        MemberUsage storage memberUsage = _usage[swarmId][member];
        used = memberUsage.windowStart == windowStart ? memberUsage.count : 0;
        // used <= maxMessages unless the limit was lowered mid-window
        remaining = used >= maxMessages ? 0 : maxMessages - used;
        windowResetsAt = resetsAt;
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    function _broadcast(uint256 swarmId, bytes32 topic, bytes calldata payload, address sender)
        private
        returns (uint64 messageId)
    {
        _checkSender(swarmId, payload.length, sender);
        messageId = _consume(swarmId, sender);
        emit MessageBroadcast(swarmId, sender, topic, messageId, payload);
    }

    function _send(uint256 swarmId, address to, bytes32 topic, bytes calldata payload, address sender)
        private
        returns (uint64 messageId)
    {
        _checkSender(swarmId, payload.length, sender);
        if (!_registry.isMember(swarmId, to)) revert MessageBusRecipientNotMember(swarmId, to);
        messageId = _consume(swarmId, sender);
        emit DirectMessageSent(swarmId, sender, to, topic, messageId, payload);
    }

    /// @dev Checks the payload size and the sender's membership.
    function _checkSender(uint256 swarmId, uint256 payloadLength, address sender) private view {
        if (payloadLength > MAX_PAYLOAD_SIZE) revert MessageBusPayloadTooLarge(payloadLength, MAX_PAYLOAD_SIZE);
        if (!_registry.isMember(swarmId, sender)) revert MessageBusNotMember(swarmId, sender);
    }

    /// @dev Applies the rate limit to `sender`, counts the message and returns its id.
    function _consume(uint256 swarmId, address sender) private returns (uint64 messageId) {
        SwarmBus storage bus = _swarms[swarmId];
        uint32 maxMessages = bus.maxMessages;
        if (maxMessages != 0) {
            (uint48 windowStart, uint48 resetsAt) = _currentWindow(bus.windowSeconds);
            MemberUsage storage memberUsage = _usage[swarmId][sender];
            uint32 count = memberUsage.windowStart == windowStart ? memberUsage.count : 0;
            if (count >= maxMessages) revert MessageBusRateLimited(swarmId, sender, maxMessages, resetsAt);
            memberUsage.windowStart = windowStart;
            // count < maxMessages <= type(uint32).max: cannot overflow
            unchecked {
                memberUsage.count = count + 1;
            }
        }

        // checked: a uint64 sequence cannot realistically overflow, but if it did this reverts
        messageId = bus.lastMessageId + 1;
        bus.lastMessageId = messageId;
    }

    /// @dev Reverts unless `deadline` has not passed, `nonce` is `signer`'s current nonce (then consumed) and
    /// `signature` is `signer`'s over the typed struct.
    function _checkSignature(
        address signer,
        bytes32 structHash,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert MessageBusSignatureExpired(deadline, block.timestamp);
        uint256 current = _useNonce(signer);
        if (nonce != current) revert MessageBusInvalidNonce(signer, nonce, current);
        if (!SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature)) {
            revert MessageBusInvalidSignature(signer);
        }
    }

    function _directMessageHash(
        uint256 swarmId,
        address to,
        bytes32 topic,
        bytes32 payloadHash,
        address sender,
        uint256 nonce,
        uint256 deadline
    ) private pure returns (bytes32) {
        return keccak256(
            abi.encode(_DIRECT_MESSAGE_TYPEHASH, swarmId, to, topic, payloadHash, sender, nonce, deadline)
        );
    }

    /// @dev The current fixed window `[start, resetsAt)` for a window length `windowSeconds` > 0.
    function _currentWindow(uint32 windowSeconds) private view returns (uint48 start, uint48 resetsAt) {
        uint256 now_ = block.timestamp;
        uint256 start_ = now_ - (now_ % windowSeconds);
        // block.timestamp and windowSeconds are far below 2^47: both fit in uint48
        start = uint48(start_);
        resetsAt = uint48(start_ + windowSeconds);
    }
}
