// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// -------------------------------------------------------------------------------------------------
// Kind bits of {ISubscriptionRegistry.Filter.kinds}. Each bit selects a family of Concord events (the
// indexer's `type` prefixes, see indexer/src/api/README.md). KIND_RAW is exclusive: a raw filter has no
// other bit.
// -------------------------------------------------------------------------------------------------

/// @dev TaskBoard: `task.*`
uint16 constant KIND_TASK = 1 << 0;
/// @dev SharedState: `state.*`
uint16 constant KIND_STATE = 1 << 1;
/// @dev MessageBus: `message.*`
uint16 constant KIND_MESSAGE = 1 << 2;
/// @dev LockManager: `lock.*`
uint16 constant KIND_LOCK = 1 << 3;
/// @dev LeaderElection: `leader.*`
uint16 constant KIND_LEADER = 1 << 4;
/// @dev Proposals: `proposal.*`
uint16 constant KIND_PROPOSAL = 1 << 5;
/// @dev ScheduleRegistry: `schedule.*` (the schedule fires of the relay)
uint16 constant KIND_SCHEDULE = 1 << 6;
/// @dev SwarmRegistry: `swarm.*` and `member.*`
uint16 constant KIND_SWARM = 1 << 7;
/// @dev Staking: `stake.*`
uint16 constant KIND_STAKE = 1 << 8;
/// @dev Every swarm kind above.
uint16 constant KIND_ALL_SWARM = (1 << 9) - 1;
/// @dev Raw logs of any contract (`Filter.rawAddress` + `Filter.topics`), delivered by the relay as `log.raw` webhooks.
uint16 constant KIND_RAW = 1 << 15;

/**
 * @title ISubscriptionRegistry
 * @notice On-chain registry of webhook subscriptions to Concord events: who wants which events of which swarm,
 * delivered where and how. The relay (indexer/relay) learns subscriptions from the indexer, which rebuilds
 * them from this contract's events only; the relay then POSTs each matching event as a signed webhook.
 *
 * Filters:
 * - A swarm filter (`kinds` = any non-empty combination of KIND_TASK .. KIND_STAKE) selects those event
 *   families of one existing swarm (`swarmId`); with `member` != 0 only the events that touch that address
 *   (actor, claimant, holder, recipient, voter, ...: the indexer's `members` list). Anyone may subscribe to any
 *   swarm, member or not: every event is public on-chain anyway, a subscription only saves polling.
 * - A raw filter (`kinds` = KIND_RAW exactly, `swarmId` = 0, `member` = 0) names a contract (`rawAddress`)
 *   and up to 4 topics (topic0 = event signature, ...; bytes32(0) = any value at that position, so a raw
 *   filter cannot require a topic to be exactly zero). The relay reads matching logs from the chain's RPC
 *   and delivers them as `log.raw` webhooks (undecoded topics and data; see indexer/relay/README.md).
 *
 * Delivery: `confirmations` blocks (0 = deliver as soon as indexed); `mode` Immediate (confirmations must be
 * 0), AfterConfirmations (deliver once `confirmations` blocks deep, >= 1) or Both (deliver at once, then a
 * second `confirmed` notice once `confirmations` deep, >= 1); `ordered` keeps chain order per endpoint
 * (recommended default: true).
 *
 * Secrets: the endpoint URL is public (it is in calldata and events); the webhook signing secret is never put
 * on-chain: the owner registers it with the relay, which signs every delivery (Standard Webhooks v1), so a
 * receiver rejects anything not signed with it.
 *
 * Only the owner (the account that subscribed) may pause, resume, change the endpoint of, or cancel a
 * subscription. A cancelled subscription is final.
 */
interface ISubscriptionRegistry {
    /// @notice How a subscription wants matched events delivered relative to confirmations.
    enum DeliveryMode {
        Immediate,
        AfterConfirmations,
        Both
    }

    /// @notice Life cycle of a subscription (`None` = no such id).
    enum Status {
        None,
        Active,
        Paused,
        Cancelled
    }

    /// @notice Which events a subscription matches (see the interface comment).
    struct Filter {
        uint256 swarmId;
        uint16 kinds;
        address member;
        address rawAddress;
        bytes32[] topics;
    }

    /// @notice How matched events are delivered.
    struct DeliveryOptions {
        uint16 confirmations;
        DeliveryMode mode;
        bool ordered;
    }

    /// @notice A subscription as stored (endpoint, label and raw topics live in events only; see `endpointHash`).
    struct Subscription {
        address owner;
        Status status;
        DeliveryMode mode;
        bool ordered;
        uint16 kinds;
        uint16 confirmations;
        address member;
        uint48 createdAt;
        uint48 updatedAt;
        address rawAddress;
        uint256 swarmId;
        bytes32 endpointHash;
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `owner` created subscription `id`, active from now on.
    event SubscriptionCreated(
        uint256 indexed id,
        address indexed owner,
        uint256 indexed swarmId,
        uint16 kinds,
        address member,
        address rawAddress,
        bytes32[] topics,
        string endpoint,
        string label,
        uint16 confirmations,
        DeliveryMode mode,
        bool ordered
    );

    /// @notice The owner paused subscription `id` (events are not delivered until it is resumed).
    event SubscriptionPaused(uint256 indexed id, address indexed owner, uint256 indexed swarmId);

    /// @notice The owner resumed subscription `id` (deliveries restart with events indexed from now on).
    event SubscriptionResumed(uint256 indexed id, address indexed owner, uint256 indexed swarmId);

    /// @notice The owner moved subscription `id` to `endpoint`.
    event SubscriptionEndpointUpdated(uint256 indexed id, address indexed owner, uint256 indexed swarmId, string endpoint);

    /// @notice The owner cancelled subscription `id` (final).
    event SubscriptionCancelled(uint256 indexed id, address indexed owner, uint256 indexed swarmId);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error SubscriptionRegistryZeroAddress();
    /// @notice No subscription has id `id`.
    error SubscriptionRegistryUnknownSubscription(uint256 id);
    /// @notice Only `owner` may change subscription `id`; `caller` is not it.
    error SubscriptionRegistryNotOwner(uint256 id, address caller, address owner);
    /// @notice Subscription `id` is cancelled: it cannot change any more.
    error SubscriptionRegistryAlreadyCancelled(uint256 id);
    error SubscriptionRegistryAlreadyPaused(uint256 id);
    error SubscriptionRegistryNotPaused(uint256 id);
    /// @notice `kinds` is empty, has unknown bits, or mixes KIND_RAW with swarm kinds.
    error SubscriptionRegistryInvalidKinds(uint16 kinds);
    /// @notice A swarm filter names swarm `swarmId`, which does not exist.
    error SubscriptionRegistryUnknownSwarm(uint256 swarmId);
    /// @notice A swarm filter must leave `rawAddress` zero and `topics` empty.
    error SubscriptionRegistryRawFieldsInSwarmFilter(address rawAddress, uint256 topicCount);
    /// @notice A raw filter must leave `swarmId` and `member` zero.
    error SubscriptionRegistrySwarmFieldsInRawFilter(uint256 swarmId, address member);
    /// @notice A raw filter needs a contract address.
    error SubscriptionRegistryMissingRawAddress();
    error SubscriptionRegistryTooManyTopics(uint256 count, uint256 max);
    error SubscriptionRegistryEmptyEndpoint();
    error SubscriptionRegistryEndpointTooLong(uint256 length, uint256 max);
    /// @notice The endpoint must start with "https://" or "http://" followed by at least one character.
    error SubscriptionRegistryInvalidEndpointScheme();
    /// @notice The new endpoint equals the current one.
    error SubscriptionRegistryEndpointUnchanged(uint256 id);
    error SubscriptionRegistryLabelTooLong(uint256 length, uint256 max);
    /// @notice Immediate needs 0 confirmations; AfterConfirmations and Both need at least 1.
    error SubscriptionRegistryInvalidDeliveryOptions(DeliveryMode mode, uint16 confirmations);

    // ---------------------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Creates an active subscription owned by the caller.
     * @param filter which events (a swarm filter or a raw filter, see the interface comment)
     * @param endpoint where the relay POSTs them: "https://..." or "http://...", at most MAX_ENDPOINT_LENGTH bytes
     * @param label free text for the owner (at most MAX_LABEL_LENGTH bytes, may be empty)
     * @param opts confirmations, mode and ordering
     * @return id the new subscription's id (1, 2, ...)
     */
    function subscribe(Filter calldata filter, string calldata endpoint, string calldata label, DeliveryOptions calldata opts)
        external
        returns (uint256 id);

    /// @notice Pauses an active subscription. Owner only.
    function pause(uint256 id) external;

    /// @notice Resumes a paused subscription. Owner only.
    function resume(uint256 id) external;

    /// @notice Moves a (not cancelled) subscription to another endpoint (validated like in subscribe). Owner only.
    function updateEndpoint(uint256 id, string calldata endpoint) external;

    /// @notice Cancels a (not cancelled) subscription, for good. Owner only.
    function cancel(uint256 id) external;

    /// @notice The subscription `id` (status None if it does not exist).
    function getSubscription(uint256 id) external view returns (Subscription memory);

    /// @notice The number of subscriptions ever created (= the highest id).
    function subscriptionCount() external view returns (uint256);

    /// @notice The registry asked whether a swarm exists.
    function swarmRegistry() external view returns (address);

    /// @notice Longest endpoint accepted, in bytes (512).
    function MAX_ENDPOINT_LENGTH() external view returns (uint256);

    /// @notice Longest label accepted, in bytes (128).
    function MAX_LABEL_LENGTH() external view returns (uint256);

    /// @notice Most topics a raw filter may name (4).
    function MAX_TOPICS() external view returns (uint256);
}
