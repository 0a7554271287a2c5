// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IMessageBus
 * @notice On-chain messages between the members of a swarm: broadcasts to every member and direct messages
 * to one member. Payloads live only in events (nothing is stored), so agents read them from the indexer.
 *
 * Every message (broadcast or direct) gets the next id of its swarm's single sequence (1, 2, 3, ...), so an
 * agent can page a swarm's messages with `after=<messageId>` and detect gaps.
 *
 * Rate limit: admins may cap how many messages (broadcast and direct together) each member sends per window.
 * Windows are fixed and aligned to unix time: window k covers `[k * windowSeconds, (k + 1) * windowSeconds)`.
 * A member may send at most `maxMessages` messages in one window; the count restarts when the next window
 * begins. `maxMessages == 0` means unlimited. Changing the limit keeps a member's count only if the member's
 * last window start equals the start of the current window under the new setting; otherwise it restarts.
 *
 * Relayed messages ({broadcastBySig}, {sendBySig}): an agent without gas signs an EIP-712 message (domain
 * name "Concord MessageBus", version "1") that anyone may submit; events name the signer as the sender and
 * the signer's rate limit applies. The typed structs are
 *   `Broadcast(uint256 swarmId,bytes32 topic,bytes payload,address sender,uint256 nonce,uint256 deadline)`
 *   `DirectMessage(uint256 swarmId,address to,bytes32 topic,bytes payload,address sender,uint256 nonce,uint256 deadline)`.
 * `nonce` must be the signer's current {nonces} value (shared by both kinds) and is consumed.
 * EOAs sign with ECDSA; smart accounts (EIP-1271) are asked `isValidSignature`.
 */
interface IMessageBus {
    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `sender` broadcast `payload` under `topic` to every member of `swarmId`.
    event MessageBroadcast(
        uint256 indexed swarmId,
        address indexed sender,
        bytes32 indexed topic,
        uint64 messageId,
        bytes payload
    );

    /// @notice `from` sent `payload` under `topic` to the member `to` of `swarmId`.
    event DirectMessageSent(
        uint256 indexed swarmId,
        address indexed from,
        address indexed to,
        bytes32 topic,
        uint64 messageId,
        bytes payload
    );

    /// @notice The per-member rate limit of `swarmId` is now `maxMessages` per `windowSeconds` (0 = unlimited).
    event RateLimitUpdated(uint256 indexed swarmId, uint32 maxMessages, uint32 windowSeconds, address admin);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A zero address was given for the registry.
    error MessageBusZeroAddress();

    /// @notice `account` is not a member of `swarmId` (or the swarm does not exist).
    error MessageBusNotMember(uint256 swarmId, address account);

    /// @notice The recipient `recipient` of a direct message is not a member of `swarmId`.
    error MessageBusRecipientNotMember(uint256 swarmId, address recipient);

    /// @notice `account` is not an admin of `swarmId` (or the swarm does not exist).
    error MessageBusNotAdmin(uint256 swarmId, address account);

    /// @notice The payload is `size` bytes, more than `max`.
    error MessageBusPayloadTooLarge(uint256 size, uint256 max);

    /// @notice `member` already sent `limit` messages in the current window, which ends at `windowResetsAt`.
    error MessageBusRateLimited(uint256 swarmId, address member, uint32 limit, uint48 windowResetsAt);

    /// @notice A limit of `maxMessages` per `windowSeconds` is invalid (a non-zero limit needs a window > 0).
    error MessageBusInvalidRateLimit(uint32 maxMessages, uint32 windowSeconds);

    /// @notice A relayed message's signature expired at `deadline` (now `nowTs`).
    error MessageBusSignatureExpired(uint256 deadline, uint256 nowTs);

    /// @notice A relayed message's `nonce` is not `signer`'s current nonce (replayed or out of order).
    error MessageBusInvalidNonce(address signer, uint256 nonce, uint256 currentNonce);

    /// @notice The signature is not `signer`'s for this message, chain and contract (or is malformed).
    error MessageBusInvalidSignature(address signer);

    // ---------------------------------------------------------------------------------------------
    // Messages (members)
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Broadcasts `payload` under `topic` to every member of `swarmId`.
     * @dev Reverts with {MessageBusNotMember}, {MessageBusPayloadTooLarge} or {MessageBusRateLimited}.
     * Emits {MessageBroadcast}.
     * @return messageId the message's id in the swarm's sequence
     */
    function broadcast(uint256 swarmId, bytes32 topic, bytes calldata payload) external returns (uint64 messageId);

    /**
     * @notice Sends `payload` under `topic` to the member `to` of `swarmId`.
     * @dev Reverts with {MessageBusNotMember}, {MessageBusRecipientNotMember}, {MessageBusPayloadTooLarge} or
     * {MessageBusRateLimited}. The payload is public on chain: encrypt it for `to` if it is secret.
     * Emits {DirectMessageSent}.
     * @return messageId the message's id in the swarm's sequence
     */
    function send(uint256 swarmId, address to, bytes32 topic, bytes calldata payload)
        external
        returns (uint64 messageId);

    /**
     * @notice {broadcast} on behalf of `sender`, who signed an EIP-712 `Broadcast` message; anyone may submit it.
     * @dev Same checks and event as {broadcast} with `sender` in place of the caller, plus
     * {MessageBusSignatureExpired}, {MessageBusInvalidNonce} and {MessageBusInvalidSignature}.
     * @param nonce must equal `nonces(sender)`; consumed
     * @param deadline last unix second the signature is valid
     * @param signature ECDSA signature of an EOA, or anything the EIP-1271 account `sender` accepts
     */
    function broadcastBySig(
        uint256 swarmId,
        bytes32 topic,
        bytes calldata payload,
        address sender,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 messageId);

    /**
     * @notice {send} on behalf of `sender`, who signed an EIP-712 `DirectMessage` message; anyone may submit it.
     * @dev Same checks and event as {send} with `sender` in place of the caller, plus
     * {MessageBusSignatureExpired}, {MessageBusInvalidNonce} and {MessageBusInvalidSignature}.
     */
    function sendBySig(
        uint256 swarmId,
        address to,
        bytes32 topic,
        bytes calldata payload,
        address sender,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint64 messageId);

    // ---------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Sets the per-member rate limit of `swarmId`: `maxMessages` per fixed window of `windowSeconds`.
     * `maxMessages == 0` removes the limit (then `windowSeconds` must be 0 too). Admins only.
     * @dev Reverts with {MessageBusNotAdmin} or {MessageBusInvalidRateLimit}. Emits {RateLimitUpdated}.
     */
    function setRateLimit(uint256 swarmId, uint32 maxMessages, uint32 windowSeconds) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice Largest payload accepted, in bytes.
    function MAX_PAYLOAD_SIZE() external view returns (uint256);

    /// @notice The SwarmRegistry asked for membership and admin rights.
    function registry() external view returns (address);

    /// @notice The rate limit of `swarmId` (`maxMessages == 0`: unlimited).
    function rateLimit(uint256 swarmId) external view returns (uint32 maxMessages, uint32 windowSeconds);

    /// @notice The nonce `owner` must sign into its next relayed message.
    function nonces(address owner) external view returns (uint256);

    /// @notice The id of the latest message of `swarmId` (0 before the first); equals its message count.
    function lastMessageId(uint256 swarmId) external view returns (uint64);

    /**
     * @notice How many messages `member` sent in the current window of `swarmId`, and when it ends.
     * @return used messages counted in the current window (0 when unlimited)
     * @return remaining messages the member may still send in this window (`type(uint32).max` when unlimited)
     * @return windowResetsAt unix time the current window ends (0 when unlimited)
     */
    function usage(uint256 swarmId, address member)
        external
        view
        returns (uint32 used, uint32 remaining, uint48 windowResetsAt);
}
