// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IBallotSource} from "../interfaces/IBallotSource.sol";

/**
 * @dev Test-only ballot source (a model for LeaderElection / Proposals): an EIP-712 ballot
 * `Ballot(uint256 swarmId,uint256 key,uint256 choice,uint256 nonce,address voter)` where `key` is the subject
 * (a term or a proposal id) and `nonce` lets a voter re-sign the same vote (same vote, different digest:
 * not equivocation). Domain: name "Concord MockBallotSource", version "1".
 */
contract MockBallotSource is IBallotSource, EIP712 {
    struct Ballot {
        uint256 swarmId;
        uint256 key;
        uint256 choice;
        uint256 nonce;
        address voter;
    }

    bytes32 public constant BALLOT_TYPEHASH =
        keccak256("Ballot(uint256 swarmId,uint256 key,uint256 choice,uint256 nonce,address voter)");

    /// @dev abi.encode(Ballot) is 5 static words.
    uint256 private constant _BALLOT_LENGTH = 5 * 32;

    constructor() EIP712("Concord MockBallotSource", "1") {}

    /// @notice Calls `target` with this contract as `msg.sender` (it has no receive function, so it rejects
    /// ETH): lets tests exercise a reporter that cannot take an ETH reward.
    function callAs(address target, bytes calldata data) external returns (bytes memory) {
        return Address.functionCall(target, data);
    }

    /// @notice The EIP-712 digest a voter signs for `ballot`.
    function hashBallot(Ballot memory ballot) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(BALLOT_TYPEHASH, ballot.swarmId, ballot.key, ballot.choice, ballot.nonce, ballot.voter))
        );
    }

    /// @inheritdoc IBallotSource
    function checkEquivocation(
        bytes calldata ballotA,
        bytes calldata sigA,
        bytes calldata ballotB,
        bytes calldata sigB
    ) external view returns (uint256 swarmId, address signer, bytes32 conflictKey) {
        Ballot memory a = _decode(ballotA, 0);
        Ballot memory b = _decode(ballotB, 1);
        bytes32 digestA = hashBallot(a);
        bytes32 digestB = hashBallot(b);
        if (digestA == digestB) revert BallotSourceSameBallot(digestA);
        if (a.voter != b.voter) revert BallotSourceDifferentVoters(a.voter, b.voter);
        if (a.swarmId != b.swarmId || a.key != b.key) revert BallotSourceDifferentSubjects(a.swarmId, a.key, b.swarmId, b.key);
        if (a.choice == b.choice) revert BallotSourceNotConflicting(digestA, digestB);
        if (!SignatureChecker.isValidSignatureNow(a.voter, digestA, sigA)) revert BallotSourceInvalidSignature(0, a.voter, digestA);
        if (!SignatureChecker.isValidSignatureNow(b.voter, digestB, sigB)) revert BallotSourceInvalidSignature(1, b.voter, digestB);
        return (a.swarmId, a.voter, keccak256(abi.encode(address(this), a.swarmId, a.key, a.voter)));
    }

    /// @dev Decodes a ballot, reverting with BallotSourceMalformedBallot instead of an empty revert.
    function _decode(bytes calldata data, uint8 index) private pure returns (Ballot memory ballot) {
        if (data.length != _BALLOT_LENGTH) revert BallotSourceMalformedBallot(index);
        (uint256 swarmId, uint256 key, uint256 choice, uint256 nonce, uint256 voter) = abi.decode(
            data,
            (uint256, uint256, uint256, uint256, uint256)
        );
        if (voter > type(uint160).max || voter == 0) revert BallotSourceMalformedBallot(index);
        ballot = Ballot(swarmId, key, choice, nonce, address(uint160(voter)));
    }
}
