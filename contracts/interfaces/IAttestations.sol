// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IAttestations
 * @notice Hash-chained Merkle roots of the relay's batches of schedule fires and webhook deliveries, so anyone can
 * later prove that a fire or a delivery was recorded (and when) without trusting the relay's database.
 *
 * Posting: an attestor (set by the contract owner; one or more) posts batch `seq` = last + 1 (the first is 1)
 * with `prevRoot` equal to the root of batch `seq - 1` (bytes32(0) for the first batch), so a batch cannot be
 * posted twice, skipped, or forked. The contract keeps a running chained head over every batch:
 *     head_0 = bytes32(0)
 *     head_seq = keccak256(abi.encode(head_{seq-1}, root_seq, seq))   // seq as uint64
 * so one 32-byte value commits to the whole history in order. `fromTime <= toTime` (unix seconds) is the span
 * of the fires / deliveries in the batch; `uri` (at most MAX_URI_LENGTH bytes) points to the batch's leaves.
 *
 * Trees follow OpenZeppelin's StandardMerkleTree convention: leaves are double-hashed, inner nodes are the
 * keccak256 of the sorted pair of children (MerkleProof's commutative hash). A leaf is
 *     keccak256(bytes.concat(keccak256(abi.encode(<values>))))
 * with <values> one of (the first value tells the kinds apart):
 * - a fire:     (uint8 LEAF_FIRE = 1, uint256 scheduleId, uint48 scheduledTime, uint32 runNumber, uint48 firedAt,
 *                bytes32 deliveryId)
 * - a delivery: (uint8 LEAF_DELIVERY = 2, bytes32 deliveryId, uint256 subscriptionId, bytes32 bodyHash,
 *                uint16 statusCode, uint32 attempt, uint48 deliveredAt)
 * where `deliveryId = keccak256(bytes(webhookId))` of the Standard Webhooks `webhook-id` (bytes32(0) for a fire
 * with no webhook), `runNumber` is the occurrence k (from 0), `subscriptionId` is the SubscriptionRegistry id
 * (0 for a schedule's webhook), `bodyHash = keccak256(body bytes)`, `statusCode` the HTTP status (0 = no
 * response), `attempt` from 1. `fireLeaf` / `deliveryLeaf` compute these hashes.
 */
interface IAttestations {
    /// @notice A posted batch as stored.
    struct Attestation {
        bytes32 root;
        bytes32 chainedHead;
        uint32 leafCount;
        uint48 fromTime;
        uint48 toTime;
        uint48 postedAt;
        address attestor;
    }

    /// @notice A schedule fire, as leaf values (see the interface comment).
    struct Fire {
        uint256 scheduleId;
        uint48 scheduledTime;
        uint32 runNumber;
        uint48 firedAt;
        bytes32 deliveryId;
    }

    /// @notice A webhook delivery attempt, as leaf values (see the interface comment).
    struct Delivery {
        bytes32 deliveryId;
        uint256 subscriptionId;
        bytes32 bodyHash;
        uint16 statusCode;
        uint32 attempt;
        uint48 deliveredAt;
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `attestor` posted batch `seq` with Merkle `root`, chained to `prevRoot`; the running head is now
    /// `chainedHead`.
    event AttestationPosted(
        uint64 indexed seq,
        bytes32 indexed root,
        bytes32 prevRoot,
        bytes32 chainedHead,
        uint32 leafCount,
        uint48 fromTime,
        uint48 toTime,
        string uri,
        address indexed attestor
    );

    /// @notice The owner allowed (`allowed`) or revoked `attestor`.
    event AttestorUpdated(address indexed attestor, bool allowed);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A zero address was given as an attestor.
    error AttestationsZeroAddress();
    /// @notice `account` is not an attestor.
    error AttestationsNotAttestor(address account);
    /// @notice `attestor` already has the requested status (`allowed`).
    error AttestationsAttestorUnchanged(address attestor, bool allowed);
    /// @notice Batch `seq` was posted, but the next batch is `expected`.
    error AttestationsWrongSequence(uint64 seq, uint64 expected);
    /// @notice `prevRoot` does not match `expected`, the root of the previous batch.
    error AttestationsWrongPrevRoot(bytes32 prevRoot, bytes32 expected);
    /// @notice A batch needs a non-zero root and at least one leaf (`root`, `leafCount` given).
    error AttestationsEmptyBatch(bytes32 root, uint32 leafCount);
    /// @notice `fromTime` is after `toTime`.
    error AttestationsInvalidWindow(uint48 fromTime, uint48 toTime);
    /// @notice The uri is `length` bytes, more than `maxLength`.
    error AttestationsURITooLong(uint256 length, uint256 maxLength);

    // ---------------------------------------------------------------------------------------------
    // Functions
    // ---------------------------------------------------------------------------------------------

    /// @notice Allows or revokes an attestor (contract owner only).
    function setAttestor(address attestor, bool allowed) external;

    /**
     * @notice Posts batch `seq` (an attestor only); see the interface comment for the chaining rules.
     * @return chainedHead the new running head
     */
    function attest(
        uint64 seq,
        bytes32 root,
        bytes32 prevRoot,
        uint32 leafCount,
        uint48 fromTime,
        uint48 toTime,
        string calldata uri
    ) external returns (bytes32 chainedHead);

    /// @notice Whether `leaf` (a double-hashed leaf) is in batch `seq` by `proof`; false for an unknown batch.
    function verify(uint64 seq, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);

    /// @notice Whether `fire` is in batch `seq` by `proof`.
    function verifyFire(uint64 seq, Fire calldata fire, bytes32[] calldata proof) external view returns (bool);

    /// @notice Whether `delivery` is in batch `seq` by `proof`.
    function verifyDelivery(uint64 seq, Delivery calldata delivery, bytes32[] calldata proof) external view returns (bool);

    /// @notice The leaf hash of `fire`.
    function fireLeaf(Fire calldata fire) external pure returns (bytes32);

    /// @notice The leaf hash of `delivery`.
    function deliveryLeaf(Delivery calldata delivery) external pure returns (bytes32);

    /// @notice Batch `seq` (all zero when not posted).
    function getAttestation(uint64 seq) external view returns (Attestation memory);

    /// @notice The last posted batch (0 = none) and the running chained head.
    function head() external view returns (uint64 seq, bytes32 chainedHead, bytes32 root);

    /// @notice Whether `account` may post batches.
    function isAttestor(address account) external view returns (bool);

    /// @notice How many accounts may post batches.
    function attestorCount() external view returns (uint256);

    /// @notice Longest uri accepted, in bytes.
    function MAX_URI_LENGTH() external view returns (uint256);

    /// @notice First leaf value of a fire.
    function LEAF_FIRE() external view returns (uint8);

    /// @notice First leaf value of a delivery.
    function LEAF_DELIVERY() external view returns (uint8);
}
