// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

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
contract MessageBus is IMessageBus {
    /// @inheritdoc IMessageBus
    uint256 public constant MAX_PAYLOAD_SIZE = 8192;

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

    constructor(ISwarmRegistry registry_) {
        if (address(registry_) == address(0)) revert MessageBusZeroAddress();
        _registry = registry_;
    }

    // ---------------------------------------------------------------------------------------------
    // Messages
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IMessageBus
    function broadcast(uint256 swarmId, bytes32 topic, bytes calldata payload) external returns (uint64 messageId) {
        messageId = _admit(swarmId, payload.length);
        emit MessageBroadcast(swarmId, msg.sender, topic, messageId, payload);
    }

    /// @inheritdoc IMessageBus
    function send(uint256 swarmId, address to, bytes32 topic, bytes calldata payload)
        external
        returns (uint64 messageId)
    {
        if (!_registry.isMember(swarmId, to)) revert MessageBusRecipientNotMember(swarmId, to);
        messageId = _admit(swarmId, payload.length);
        emit DirectMessageSent(swarmId, msg.sender, to, topic, messageId, payload);
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

    /// @dev Checks the sender's membership, the payload size and the rate limit, counts the message and
    /// returns its id.
    function _admit(uint256 swarmId, uint256 payloadLength) private returns (uint64 messageId) {
        if (payloadLength > MAX_PAYLOAD_SIZE) revert MessageBusPayloadTooLarge(payloadLength, MAX_PAYLOAD_SIZE);
        if (!_registry.isMember(swarmId, msg.sender)) revert MessageBusNotMember(swarmId, msg.sender);

        SwarmBus storage bus = _swarms[swarmId];
        uint32 maxMessages = bus.maxMessages;
        if (maxMessages != 0) {
            (uint48 windowStart, uint48 resetsAt) = _currentWindow(bus.windowSeconds);
            MemberUsage storage memberUsage = _usage[swarmId][msg.sender];
            uint32 count = memberUsage.windowStart == windowStart ? memberUsage.count : 0;
            if (count >= maxMessages) revert MessageBusRateLimited(swarmId, msg.sender, maxMessages, resetsAt);
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

    /// @dev The current fixed window `[start, resetsAt)` for a window length `windowSeconds` > 0.
    function _currentWindow(uint32 windowSeconds) private view returns (uint48 start, uint48 resetsAt) {
        uint256 now_ = block.timestamp;
        uint256 start_ = now_ - (now_ % windowSeconds);
        // block.timestamp and windowSeconds are far below 2^47: both fit in uint48
        start = uint48(start_);
        resetsAt = uint48(start_ + windowSeconds);
    }
}
