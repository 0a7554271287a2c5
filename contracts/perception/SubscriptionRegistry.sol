// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISubscriptionRegistry, KIND_ALL_SWARM, KIND_RAW} from "../interfaces/ISubscriptionRegistry.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title SubscriptionRegistry
 * @notice Webhook subscriptions to Concord events. See {ISubscriptionRegistry}.
 * @dev A subscription is four storage slots (five with a raw address): owner + status + options + kinds,
 * member + timestamps, swarm id, endpoint hash. Endpoint, label and raw topics live in events only (the
 * indexer rebuilds everything from them); `endpointHash` lets a contract check an endpoint it is given.
 */
contract SubscriptionRegistry is ISubscriptionRegistry {
    /// @inheritdoc ISubscriptionRegistry
    uint256 public constant MAX_ENDPOINT_LENGTH = 512;
    /// @inheritdoc ISubscriptionRegistry
    uint256 public constant MAX_LABEL_LENGTH = 128;
    /// @inheritdoc ISubscriptionRegistry
    uint256 public constant MAX_TOPICS = 4;

    ISwarmRegistry private immutable _registry;

    uint256 private _count;
    mapping(uint256 subscriptionId => Subscription) private _subscriptions;

    constructor(ISwarmRegistry registry_) {
        if (address(registry_) == address(0)) revert SubscriptionRegistryZeroAddress();
        _registry = registry_;
    }

    /// @inheritdoc ISubscriptionRegistry
    function subscribe(Filter calldata filter, string calldata endpoint, string calldata label, DeliveryOptions calldata opts)
        external
        returns (uint256 id)
    {
        _checkFilter(filter);
        _checkEndpoint(endpoint);
        if (bytes(label).length > MAX_LABEL_LENGTH) {
            revert SubscriptionRegistryLabelTooLong(bytes(label).length, MAX_LABEL_LENGTH);
        }
        bool needsConfirmations = opts.mode != DeliveryMode.Immediate;
        if (needsConfirmations != (opts.confirmations > 0)) {
            revert SubscriptionRegistryInvalidDeliveryOptions(opts.mode, opts.confirmations);
        }

        // cannot overflow: one id per transaction, 2^256 transactions will never happen
        unchecked {
            id = ++_count;
        }
        Subscription storage s = _subscriptions[id];
        s.owner = msg.sender;
        s.status = Status.Active;
        s.mode = opts.mode;
        s.ordered = opts.ordered;
        s.kinds = filter.kinds;
        s.confirmations = opts.confirmations;
        s.member = filter.member;
        s.createdAt = uint48(block.timestamp);
        s.updatedAt = uint48(block.timestamp);
        // Zero slots are left unwritten (raw address of swarm filters, swarm id of raw filters).
        if (filter.rawAddress != address(0)) s.rawAddress = filter.rawAddress;
        if (filter.swarmId != 0) s.swarmId = filter.swarmId;
        s.endpointHash = keccak256(bytes(endpoint));

        _emitCreated(id, filter, endpoint, label, opts);
    }

    /// @inheritdoc ISubscriptionRegistry
    function pause(uint256 id) external {
        Subscription storage s = _ownedLive(id);
        if (s.status == Status.Paused) revert SubscriptionRegistryAlreadyPaused(id);
        s.status = Status.Paused;
        s.updatedAt = uint48(block.timestamp);
        emit SubscriptionPaused(id, msg.sender, s.swarmId);
    }

    /// @inheritdoc ISubscriptionRegistry
    function resume(uint256 id) external {
        Subscription storage s = _ownedLive(id);
        if (s.status != Status.Paused) revert SubscriptionRegistryNotPaused(id);
        s.status = Status.Active;
        s.updatedAt = uint48(block.timestamp);
        emit SubscriptionResumed(id, msg.sender, s.swarmId);
    }

    /// @inheritdoc ISubscriptionRegistry
    function updateEndpoint(uint256 id, string calldata endpoint) external {
        Subscription storage s = _ownedLive(id);
        _checkEndpoint(endpoint);
        bytes32 endpointHash = keccak256(bytes(endpoint));
        if (endpointHash == s.endpointHash) revert SubscriptionRegistryEndpointUnchanged(id);
        s.endpointHash = endpointHash;
        s.updatedAt = uint48(block.timestamp);
        emit SubscriptionEndpointUpdated(id, msg.sender, s.swarmId, endpoint);
    }

    /// @inheritdoc ISubscriptionRegistry
    function cancel(uint256 id) external {
        Subscription storage s = _ownedLive(id);
        s.status = Status.Cancelled;
        s.updatedAt = uint48(block.timestamp);
        emit SubscriptionCancelled(id, msg.sender, s.swarmId);
    }

    /// @inheritdoc ISubscriptionRegistry
    function getSubscription(uint256 id) external view returns (Subscription memory) {
        return _subscriptions[id];
    }

    /// @inheritdoc ISubscriptionRegistry
    function subscriptionCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc ISubscriptionRegistry
    function swarmRegistry() external view returns (address) {
        return address(_registry);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev The caller's subscription `id`, which exists and is not cancelled.
    function _ownedLive(uint256 id) private view returns (Subscription storage s) {
        s = _subscriptions[id];
        Status status = s.status;
        if (status == Status.None) revert SubscriptionRegistryUnknownSubscription(id);
        if (s.owner != msg.sender) revert SubscriptionRegistryNotOwner(id, msg.sender, s.owner);
        if (status == Status.Cancelled) revert SubscriptionRegistryAlreadyCancelled(id);
    }

    function _checkFilter(Filter calldata filter) private view {
        uint16 kinds = filter.kinds;
        if (kinds == KIND_RAW) {
            if (filter.swarmId != 0 || filter.member != address(0)) {
                revert SubscriptionRegistrySwarmFieldsInRawFilter(filter.swarmId, filter.member);
            }
            if (filter.rawAddress == address(0)) revert SubscriptionRegistryMissingRawAddress();
            if (filter.topics.length > MAX_TOPICS) {
                revert SubscriptionRegistryTooManyTopics(filter.topics.length, MAX_TOPICS);
            }
            return;
        }
        // A swarm filter: at least one known swarm kind, nothing else (KIND_RAW included).
        if (kinds == 0 || kinds & ~KIND_ALL_SWARM != 0) revert SubscriptionRegistryInvalidKinds(kinds);
        if (filter.rawAddress != address(0) || filter.topics.length != 0) {
            revert SubscriptionRegistryRawFieldsInSwarmFilter(filter.rawAddress, filter.topics.length);
        }
        if (!_registry.swarmExists(filter.swarmId)) revert SubscriptionRegistryUnknownSwarm(filter.swarmId);
    }

    /// @dev Non-empty, at most MAX_ENDPOINT_LENGTH bytes, "https://" or "http://" and at least one more byte.
    function _checkEndpoint(string calldata endpoint) private pure {
        bytes calldata b = bytes(endpoint);
        uint256 length = b.length;
        if (length == 0) revert SubscriptionRegistryEmptyEndpoint();
        if (length > MAX_ENDPOINT_LENGTH) revert SubscriptionRegistryEndpointTooLong(length, MAX_ENDPOINT_LENGTH);
        if (length > 8 && bytes8(b[:8]) == "https://") return;
        if (length > 7 && bytes7(b[:7]) == "http://") return;
        revert SubscriptionRegistryInvalidEndpointScheme();
    }

    /// @dev In its own frame to keep the stack of `subscribe` shallow.
    function _emitCreated(
        uint256 id,
        Filter calldata filter,
        string calldata endpoint,
        string calldata label,
        DeliveryOptions calldata opts
    ) private {
        emit SubscriptionCreated(
            id,
            msg.sender,
            filter.swarmId,
            filter.kinds,
            filter.member,
            filter.rawAddress,
            filter.topics,
            endpoint,
            label,
            opts.confirmations,
            opts.mode,
            opts.ordered
        );
    }
}
