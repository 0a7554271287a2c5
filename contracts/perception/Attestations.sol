// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IAttestations} from "../interfaces/IAttestations.sol";

/**
 * @title Attestations
 * @notice Hash-chained Merkle roots of the relay's fires and deliveries. See {IAttestations}.
 * @dev A batch is three slots (root, chained head, counts + times + attestor); the running head, last sequence
 * number and last root are kept in their own slots so `attest` checks the chain without reading a batch.
 */
contract Attestations is IAttestations, Ownable {
    /// @inheritdoc IAttestations
    uint256 public constant MAX_URI_LENGTH = 512;
    /// @inheritdoc IAttestations
    uint8 public constant LEAF_FIRE = 1;
    /// @inheritdoc IAttestations
    uint8 public constant LEAF_DELIVERY = 2;

    uint64 private _lastSeq;
    bytes32 private _head;
    bytes32 private _lastRoot;
    uint256 private _attestorCount;
    mapping(address account => bool) private _attestors;
    mapping(uint64 seq => Attestation) private _attestations;

    /// @param initialOwner manages the attestors
    /// @param initialAttestors accounts allowed to post from the start (may be empty)
    constructor(address initialOwner, address[] memory initialAttestors) Ownable(initialOwner) {
        for (uint256 i; i < initialAttestors.length; ++i) {
            _setAttestor(initialAttestors[i], true);
        }
    }

    /// @inheritdoc IAttestations
    function setAttestor(address attestor, bool allowed) external onlyOwner {
        _setAttestor(attestor, allowed);
    }

    /// @inheritdoc IAttestations
    function attest(
        uint64 seq,
        bytes32 root,
        bytes32 prevRoot,
        uint32 leafCount,
        uint48 fromTime,
        uint48 toTime,
        string calldata uri
    ) external returns (bytes32 chainedHead) {
        if (!_attestors[msg.sender]) revert AttestationsNotAttestor(msg.sender);
        uint64 expected = _lastSeq + 1;
        if (seq != expected) revert AttestationsWrongSequence(seq, expected);
        if (prevRoot != _lastRoot) revert AttestationsWrongPrevRoot(prevRoot, _lastRoot);
        if (root == bytes32(0) || leafCount == 0) revert AttestationsEmptyBatch(root, leafCount);
        if (fromTime > toTime) revert AttestationsInvalidWindow(fromTime, toTime);
        if (bytes(uri).length > MAX_URI_LENGTH) revert AttestationsURITooLong(bytes(uri).length, MAX_URI_LENGTH);

        chainedHead = keccak256(abi.encode(_head, root, seq));
        _lastSeq = seq;
        _head = chainedHead;
        _lastRoot = root;
        _attestations[seq] = Attestation({
            root: root,
            chainedHead: chainedHead,
            leafCount: leafCount,
            fromTime: fromTime,
            toTime: toTime,
            postedAt: uint48(block.timestamp),
            attestor: msg.sender
        });
        emit AttestationPosted(seq, root, prevRoot, chainedHead, leafCount, fromTime, toTime, uri, msg.sender);
    }

    /// @inheritdoc IAttestations
    function verify(uint64 seq, bytes32 leaf, bytes32[] calldata proof) public view returns (bool) {
        bytes32 root = _attestations[seq].root;
        if (root == bytes32(0)) return false;
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IAttestations
    function verifyFire(uint64 seq, Fire calldata fire, bytes32[] calldata proof) external view returns (bool) {
        return verify(seq, fireLeaf(fire), proof);
    }

    /// @inheritdoc IAttestations
    function verifyDelivery(uint64 seq, Delivery calldata delivery, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        return verify(seq, deliveryLeaf(delivery), proof);
    }

    /// @inheritdoc IAttestations
    function fireLeaf(Fire calldata fire) public pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        LEAF_FIRE, fire.scheduleId, fire.scheduledTime, fire.runNumber, fire.firedAt, fire.deliveryId
                    )
                )
            )
        );
    }

    /// @inheritdoc IAttestations
    function deliveryLeaf(Delivery calldata d) public pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(
                    abi.encode(
                        LEAF_DELIVERY, d.deliveryId, d.subscriptionId, d.bodyHash, d.statusCode, d.attempt, d.deliveredAt
                    )
                )
            )
        );
    }

    /// @inheritdoc IAttestations
    function getAttestation(uint64 seq) external view returns (Attestation memory) {
        return _attestations[seq];
    }

    /// @inheritdoc IAttestations
    function head() external view returns (uint64 seq, bytes32 chainedHead, bytes32 root) {
        return (_lastSeq, _head, _lastRoot);
    }

    /// @inheritdoc IAttestations
    function isAttestor(address account) external view returns (bool) {
        return _attestors[account];
    }

    /// @inheritdoc IAttestations
    function attestorCount() external view returns (uint256) {
        return _attestorCount;
    }

    function _setAttestor(address attestor, bool allowed) private {
        if (attestor == address(0)) revert AttestationsZeroAddress();
        if (_attestors[attestor] == allowed) revert AttestationsAttestorUnchanged(attestor, allowed);
        _attestors[attestor] = allowed;
        // cannot overflow or underflow: the count moves only when an account's status flips
        unchecked {
            if (allowed) ++_attestorCount;
            else --_attestorCount;
        }
        emit AttestorUpdated(attestor, allowed);
    }
}
