// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBallotSource} from "../interfaces/IBallotSource.sol";
import {IProposals} from "../interfaces/IProposals.sol";
import {BallotSignatures} from "./BallotSignatures.sol";

/**
 * @title ProposalsEvidence
 * @notice Equivocation checks for {Proposals} ballots (IBallotSource), split out of Proposals to keep it under the
 * EVM contract size limit. Proposals deploys one in its constructor and forwards `checkEquivocation` to it
 * unchanged (a static call; answers and revert data pass through), so Staking keeps trusting the Proposals address.
 * @dev Ballots are hashed under Proposals' EIP-712 domain ("Concord Proposals", "1", this chain, the Proposals
 * address), recomputed per call so it follows the chain id. Proposal swarms are read back from Proposals.
 */
contract ProposalsEvidence is IBallotSource {
    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _BALLOT_TYPEHASH = keccak256("ProposalBallot(uint256 proposalId,uint8 option,address voter)");
    /// @dev Length of `abi.encode(ProposalBallot)`: three static words.
    uint256 private constant _BALLOT_LENGTH = 96;

    /// @notice The Proposals contract whose ballots this checks.
    IProposals public immutable proposals;

    constructor(IProposals proposals_) {
        proposals = proposals_;
    }

    /// @inheritdoc IBallotSource
    /// @dev Same answers and errors as if Proposals checked the evidence itself (conflictKey is keyed by Proposals).
    function checkEquivocation(
        bytes calldata ballotA,
        bytes calldata sigA,
        bytes calldata ballotB,
        bytes calldata sigB
    ) external view returns (uint256 swarmId, address signer, bytes32 conflictKey) {
        IProposals.ProposalBallot memory a = _decodeBallot(ballotA, 0);
        IProposals.ProposalBallot memory b = _decodeBallot(ballotB, 1);
        bytes32 domainSeparator = keccak256(
            abi.encode(_DOMAIN_TYPEHASH, keccak256("Concord Proposals"), keccak256("1"), block.chainid, address(proposals))
        );
        bytes32 digestA = _digest(domainSeparator, a);
        bytes32 digestB = _digest(domainSeparator, b);
        if (digestA == digestB) revert BallotSourceSameBallot(digestA);
        if (a.voter != b.voter) revert BallotSourceDifferentVoters(a.voter, b.voter);
        if (a.proposalId != b.proposalId) {
            revert BallotSourceDifferentSubjects(_swarmOf(a.proposalId), a.proposalId, _swarmOf(b.proposalId), b.proposalId);
        }
        // same voter and proposal but different digests: the options differ, a real conflict if both are signed
        swarmId = _swarmOf(a.proposalId);
        if (swarmId == 0) revert IProposals.ProposalsUnknownProposal(a.proposalId);
        if (!BallotSignatures.isValid(sigA, a.voter, digestA)) revert BallotSourceInvalidSignature(0, a.voter, digestA);
        if (!BallotSignatures.isValid(sigB, b.voter, digestB)) revert BallotSourceInvalidSignature(1, b.voter, digestB);
        return (swarmId, a.voter, keccak256(abi.encode(address(proposals), swarmId, a.proposalId, a.voter)));
    }

    /// @dev The proposal's swarm, 0 for an unknown proposal.
    function _swarmOf(uint256 proposalId) private view returns (uint256) {
        try proposals.proposalConfig(proposalId) returns (IProposals.ProposalConfig memory config) {
            return config.swarmId;
        } catch {
            return 0;
        }
    }

    function _digest(bytes32 domainSeparator, IProposals.ProposalBallot memory ballot) private pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(_BALLOT_TYPEHASH, ballot.proposalId, ballot.option, ballot.voter));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator, structHash));
    }

    /// @dev Decodes `abi.encode(ProposalBallot)`, reverting with BallotSourceMalformedBallot on any bad length/value.
    function _decodeBallot(bytes calldata data, uint8 index) private pure returns (IProposals.ProposalBallot memory) {
        if (data.length != _BALLOT_LENGTH) revert BallotSourceMalformedBallot(index);
        (uint256 proposalId, uint256 option, uint256 voter) = abi.decode(data, (uint256, uint256, uint256));
        if (option > type(uint8).max || voter > type(uint160).max) revert BallotSourceMalformedBallot(index);
        return IProposals.ProposalBallot({proposalId: proposalId, option: uint8(option), voter: address(uint160(voter))});
    }
}
