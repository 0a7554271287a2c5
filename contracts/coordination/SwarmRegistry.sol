// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title SwarmRegistry
 * @notice Swarms, their owners and admins, and who is a member. See {ISwarmRegistry}.
 * @dev `isMember`, `memberIndex` and `isAdmin` are one SLOAD each (nested mappings; a member's flag and its
 * per-swarm index share one slot); `memberCount` and `swarmOwner` read the swarm's first (packed) slot. The owner's admin flag is kept in `_admins` so `isAdmin` needs no
 * second read.
 */
contract SwarmRegistry is ISwarmRegistry, EIP712 {
    /// @inheritdoc ISwarmRegistry
    uint256 public constant MAX_URI_LENGTH = 512;

    /// @notice EIP-712 type hash of {ISwarmRegistry-Invite}.
    bytes32 public constant INVITE_TYPEHASH =
        keccak256("Invite(uint256 swarmId,address invitee,uint32 maxUses,uint48 expiry,bytes32 salt)");

    /// @dev Slot 0: owner (20) + policy (1) + gateKind (1) + memberCount (5) + indexCount (5) = 32 bytes, so a
    /// join reads and writes one swarm slot. 2^40 - 1 joins (or indexes) are far beyond any chain's capacity.
    struct Swarm {
        address owner;
        MembershipPolicy policy;
        GateKind gateKind;
        uint40 memberCount;
        uint40 indexCount; // member indexes handed out so far (never reused)
        address gateToken;
        uint256 gateMinBalance;
        string metadataURI;
    }

    /// @dev Per-swarm invite bookkeeping (keyed by swarm so an admin of one swarm cannot touch another's invites).
    struct InviteState {
        uint32 uses;
        bool revoked;
    }

    /// @dev One slot per (swarm, account): whether it is a member now, and its per-swarm index (0 = never joined;
    /// assigned on the first join and kept after leaving, so a rejoining account gets the same index back).
    struct Membership {
        bool member;
        uint40 index;
    }

    uint256 private _swarmCount;
    mapping(uint256 swarmId => Swarm) private _swarms;
    mapping(uint256 swarmId => mapping(address account => Membership)) private _members;
    mapping(uint256 swarmId => mapping(address account => bool)) private _admins;
    mapping(uint256 swarmId => mapping(address account => bool)) private _allowlist;
    mapping(uint256 swarmId => mapping(address account => string)) private _memberMetadata;
    mapping(uint256 swarmId => mapping(bytes32 inviteHash => InviteState)) private _invites;

    constructor() EIP712("Concord SwarmRegistry", "1") {}

    // ---------------------------------------------------------------------------------------------
    // Modifiers-as-functions
    // ---------------------------------------------------------------------------------------------

    function _requireExists(uint256 swarmId) private view {
        if (!swarmExists(swarmId)) revert SwarmRegistryUnknownSwarm(swarmId);
    }

    function _requireOwner(uint256 swarmId) private view {
        _requireExists(swarmId);
        if (_swarms[swarmId].owner != msg.sender) revert SwarmRegistryNotOwner(swarmId, msg.sender);
    }

    function _requireAdmin(uint256 swarmId) private view {
        _requireExists(swarmId);
        if (!_admins[swarmId][msg.sender]) revert SwarmRegistryNotAdmin(swarmId, msg.sender);
    }

    function _requireURI(string calldata uri) private pure {
        if (bytes(uri).length > MAX_URI_LENGTH) revert SwarmRegistryURITooLong(bytes(uri).length, MAX_URI_LENGTH);
    }

    // ---------------------------------------------------------------------------------------------
    // Swarm lifecycle
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ISwarmRegistry
    function createSwarm(SwarmConfig calldata config, address[] calldata admins) external returns (uint256 swarmId) {
        _requireURI(config.metadataURI);
        _validateGate(config.policy, config.gateKind, config.gateToken, config.gateMinBalance);
        for (uint256 i = 0; i < admins.length; ++i) {
            if (admins[i] == address(0)) revert SwarmRegistryZeroAddress();
        }

        swarmId = ++_swarmCount;
        Swarm storage swarm = _swarms[swarmId];
        swarm.owner = msg.sender;
        swarm.policy = config.policy;
        swarm.gateKind = config.gateKind;
        swarm.gateToken = config.gateToken;
        swarm.gateMinBalance = config.gateMinBalance;
        swarm.metadataURI = config.metadataURI;
        emit SwarmCreated(
            swarmId,
            msg.sender,
            config.policy,
            config.gateKind,
            config.gateToken,
            config.gateMinBalance,
            config.metadataURI
        );

        _admins[swarmId][msg.sender] = true;
        emit SwarmAdminUpdated(swarmId, msg.sender, true);
        for (uint256 i = 0; i < admins.length; ++i) {
            _admins[swarmId][admins[i]] = true;
            emit SwarmAdminUpdated(swarmId, admins[i], true);
        }

        _addMember(swarmId, msg.sender, config.policy, "");
    }

    /// @inheritdoc ISwarmRegistry
    function setPolicy(
        uint256 swarmId,
        MembershipPolicy policy,
        GateKind gateKind,
        address gateToken,
        uint256 gateMinBalance
    ) external {
        _requireOwner(swarmId);
        _validateGate(policy, gateKind, gateToken, gateMinBalance);
        Swarm storage swarm = _swarms[swarmId];
        swarm.policy = policy;
        swarm.gateKind = gateKind;
        swarm.gateToken = gateToken;
        swarm.gateMinBalance = gateMinBalance;
        emit SwarmPolicyUpdated(swarmId, policy, gateKind, gateToken, gateMinBalance);
    }

    /// @inheritdoc ISwarmRegistry
    function setSwarmMetadata(uint256 swarmId, string calldata metadataURI) external {
        _requireAdmin(swarmId);
        _requireURI(metadataURI);
        _swarms[swarmId].metadataURI = metadataURI;
        emit SwarmMetadataUpdated(swarmId, metadataURI);
    }

    /// @inheritdoc ISwarmRegistry
    function setAdmin(uint256 swarmId, address account, bool isAdmin_) external {
        _requireOwner(swarmId);
        if (account == address(0)) revert SwarmRegistryZeroAddress();
        if (account == msg.sender) revert SwarmRegistryOwnerAdminImmutable(swarmId);
        _admins[swarmId][account] = isAdmin_;
        emit SwarmAdminUpdated(swarmId, account, isAdmin_);
    }

    /// @inheritdoc ISwarmRegistry
    function transferSwarmOwnership(uint256 swarmId, address newOwner) external {
        _requireOwner(swarmId);
        if (newOwner == address(0)) revert SwarmRegistryZeroAddress();
        if (newOwner == msg.sender) revert SwarmRegistryAlreadyOwner(swarmId, newOwner);
        if (!_members[swarmId][newOwner].member) revert SwarmRegistryNotMember(swarmId, newOwner);

        _swarms[swarmId].owner = newOwner;
        _admins[swarmId][msg.sender] = false;
        emit SwarmAdminUpdated(swarmId, msg.sender, false);
        _admins[swarmId][newOwner] = true;
        emit SwarmAdminUpdated(swarmId, newOwner, true);
        emit SwarmOwnershipTransferred(swarmId, msg.sender, newOwner);
    }

    /// @inheritdoc ISwarmRegistry
    function setAllowlist(uint256 swarmId, address[] calldata accounts, bool allowed) external {
        _requireAdmin(swarmId);
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == address(0)) revert SwarmRegistryZeroAddress();
        }
        for (uint256 i = 0; i < accounts.length; ++i) {
            _allowlist[swarmId][accounts[i]] = allowed;
            emit SwarmAllowlistUpdated(swarmId, accounts[i], allowed);
        }
    }

    /// @inheritdoc ISwarmRegistry
    function revokeInvite(uint256 swarmId, bytes32 inviteHash) external {
        _requireAdmin(swarmId);
        _invites[swarmId][inviteHash].revoked = true;
        emit InviteRevoked(swarmId, inviteHash);
    }

    // ---------------------------------------------------------------------------------------------
    // Membership
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ISwarmRegistry
    function join(uint256 swarmId, string calldata metadataURI) external {
        _requireExists(swarmId);
        _requireURI(metadataURI);
        if (_members[swarmId][msg.sender].member) revert SwarmRegistryAlreadyMember(swarmId, msg.sender);

        Swarm storage swarm = _swarms[swarmId];
        MembershipPolicy policy = swarm.policy;
        if (policy == MembershipPolicy.Allowlist) {
            if (!_allowlist[swarmId][msg.sender]) revert SwarmRegistryNotAllowlisted(swarmId, msg.sender);
        } else if (policy == MembershipPolicy.TokenGated) {
            uint256 balance = _gateBalance(swarm, msg.sender);
            uint256 required = swarm.gateMinBalance;
            if (balance < required) {
                revert SwarmRegistryInsufficientTokenBalance(swarmId, msg.sender, balance, required);
            }
        } else if (policy == MembershipPolicy.Invite) {
            revert SwarmRegistryWrongPolicy(swarmId, policy);
        }
        _addMember(swarmId, msg.sender, policy, metadataURI);
    }

    /// @inheritdoc ISwarmRegistry
    function joinWithInvite(
        uint256 swarmId,
        Invite calldata invite,
        address signer,
        bytes calldata signature,
        string calldata metadataURI
    ) external {
        _requireExists(swarmId);
        _requireURI(metadataURI);
        MembershipPolicy policy = _swarms[swarmId].policy;
        if (policy != MembershipPolicy.Invite) revert SwarmRegistryWrongPolicy(swarmId, policy);
        if (invite.swarmId != swarmId) revert SwarmRegistryInviteSwarmMismatch(swarmId, invite.swarmId);
        if (_members[swarmId][msg.sender].member) revert SwarmRegistryAlreadyMember(swarmId, msg.sender);

        bytes32 inviteHash = hashInvite(invite);
        InviteState storage state = _invites[swarmId][inviteHash];
        if (state.revoked) revert SwarmRegistryInviteRevoked(inviteHash);
        if (block.timestamp > invite.expiry) revert SwarmRegistryInviteExpired(inviteHash, invite.expiry);
        if (invite.invitee != address(0) && invite.invitee != msg.sender) {
            revert SwarmRegistryInviteWrongInvitee(inviteHash, invite.invitee, msg.sender);
        }
        uint32 uses = state.uses;
        if (uses >= invite.maxUses) revert SwarmRegistryInviteExhausted(inviteHash, invite.maxUses);
        if (!_admins[swarmId][signer]) revert SwarmRegistryInvalidInviteSigner(inviteHash, signer);
        if (!SignatureChecker.isValidSignatureNow(signer, inviteHash, signature)) {
            revert SwarmRegistryInvalidInviteSignature(inviteHash, signer);
        }

        // Cannot overflow: uses < invite.maxUses <= type(uint32).max was checked above.
        unchecked {
            ++uses;
        }
        state.uses = uses;
        emit InviteUsed(swarmId, inviteHash, msg.sender, uses);
        _addMember(swarmId, msg.sender, MembershipPolicy.Invite, metadataURI);
    }

    /// @inheritdoc ISwarmRegistry
    function leave(uint256 swarmId) external {
        _requireExists(swarmId);
        if (!_members[swarmId][msg.sender].member) revert SwarmRegistryNotMember(swarmId, msg.sender);
        if (_swarms[swarmId].owner == msg.sender) revert SwarmRegistryOwnerCannotLeave(swarmId);
        uint256 count = _removeMember(swarmId, msg.sender);
        emit MemberLeft(swarmId, msg.sender, count);
    }

    /// @inheritdoc ISwarmRegistry
    function removeMember(uint256 swarmId, address member) external {
        _requireAdmin(swarmId);
        if (!_members[swarmId][member].member) revert SwarmRegistryNotMember(swarmId, member);
        if (_swarms[swarmId].owner == member) revert SwarmRegistryCannotRemoveOwner(swarmId);
        uint256 count = _removeMember(swarmId, member);
        emit MemberRemoved(swarmId, member, msg.sender, count);
    }

    /// @inheritdoc ISwarmRegistry
    function removeIneligible(uint256 swarmId, address member) external {
        _requireExists(swarmId);
        Swarm storage swarm = _swarms[swarmId];
        MembershipPolicy policy = swarm.policy;
        if (policy != MembershipPolicy.TokenGated) revert SwarmRegistryWrongPolicy(swarmId, policy);
        if (!_members[swarmId][member].member) revert SwarmRegistryNotMember(swarmId, member);
        if (swarm.owner == member) revert SwarmRegistryCannotRemoveOwner(swarmId);
        if (_gateBalance(swarm, member) >= swarm.gateMinBalance) revert SwarmRegistryStillEligible(swarmId, member);
        uint256 count = _removeMember(swarmId, member);
        emit MemberRemoved(swarmId, member, msg.sender, count);
    }

    /// @inheritdoc ISwarmRegistry
    function setMemberMetadata(uint256 swarmId, string calldata metadataURI) external {
        _requireExists(swarmId);
        _requireURI(metadataURI);
        if (!_members[swarmId][msg.sender].member) revert SwarmRegistryNotMember(swarmId, msg.sender);
        _memberMetadata[swarmId][msg.sender] = metadataURI;
        emit MemberMetadataUpdated(swarmId, msg.sender, metadataURI);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ISwarmRegistry
    function isMember(uint256 swarmId, address account) external view returns (bool) {
        return _members[swarmId][account].member;
    }

    /// @inheritdoc ISwarmRegistry
    function memberIndex(uint256 swarmId, address account) external view returns (uint256) {
        Membership memory m = _members[swarmId][account];
        return m.member ? m.index : 0;
    }

    /// @inheritdoc ISwarmRegistry
    function memberIndexes(uint256 swarmId, address[] calldata accounts) external view returns (uint256[] memory) {
        // The hot path of batched votes and elections: one keccak and one SLOAD per account, the answer encoded in
        // place and returned directly (no ABI-encoder copy). Layout of a Membership slot: byte 0 = member,
        // bytes 1..5 = index. The decoder checked that `accounts` lies within calldata.
        assembly ("memory-safe") {
            let n := accounts.length
            let ptr := mload(0x40)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), n)
            let out := add(ptr, 0x40)
            mstore(0x00, swarmId)
            mstore(0x20, _members.slot)
            mstore(0x20, keccak256(0x00, 0x40)) // slot of _members[swarmId]
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let account := calldataload(add(accounts.offset, shl(5, i)))
                if shr(160, account) {
                    revert(0, 0) // not an address, like the ABI decoder
                }
                mstore(0x00, account)
                let m := sload(keccak256(0x00, 0x40))
                mstore(add(out, shl(5, i)), mul(and(m, 0xff), and(shr(8, m), 0xffffffffff)))
            }
            return(ptr, add(0x40, shl(5, n)))
        }
    }

    /// @inheritdoc ISwarmRegistry
    function membership(uint256 swarmId, address account) external view returns (bool isMember_, uint256 index) {
        Membership memory m = _members[swarmId][account];
        return (m.member, m.index);
    }

    /// @inheritdoc ISwarmRegistry
    function memberIndexCount(uint256 swarmId) external view returns (uint256) {
        return _swarms[swarmId].indexCount;
    }

    /// @inheritdoc ISwarmRegistry
    function isAdmin(uint256 swarmId, address account) external view returns (bool) {
        return _admins[swarmId][account];
    }

    /// @inheritdoc ISwarmRegistry
    function swarmOwner(uint256 swarmId) external view returns (address) {
        _requireExists(swarmId);
        return _swarms[swarmId].owner;
    }

    /// @inheritdoc ISwarmRegistry
    function memberCount(uint256 swarmId) external view returns (uint256) {
        return _swarms[swarmId].memberCount;
    }

    /// @inheritdoc ISwarmRegistry
    function swarmExists(uint256 swarmId) public view returns (bool) {
        return swarmId != 0 && swarmId <= _swarmCount;
    }

    /// @inheritdoc ISwarmRegistry
    function swarmCount() external view returns (uint256) {
        return _swarmCount;
    }

    /// @inheritdoc ISwarmRegistry
    function swarmConfig(uint256 swarmId) external view returns (SwarmConfig memory) {
        _requireExists(swarmId);
        Swarm storage swarm = _swarms[swarmId];
        return SwarmConfig({
            policy: swarm.policy,
            gateKind: swarm.gateKind,
            gateToken: swarm.gateToken,
            gateMinBalance: swarm.gateMinBalance,
            metadataURI: swarm.metadataURI
        });
    }

    /// @inheritdoc ISwarmRegistry
    function isAllowlisted(uint256 swarmId, address account) external view returns (bool) {
        return _allowlist[swarmId][account];
    }

    /// @inheritdoc ISwarmRegistry
    function memberMetadata(uint256 swarmId, address account) external view returns (string memory) {
        return _memberMetadata[swarmId][account];
    }

    /// @inheritdoc ISwarmRegistry
    function hashInvite(Invite calldata invite) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(INVITE_TYPEHASH, invite.swarmId, invite.invitee, invite.maxUses, invite.expiry, invite.salt)
            )
        );
    }

    /// @inheritdoc ISwarmRegistry
    function inviteUses(uint256 swarmId, bytes32 inviteHash) external view returns (uint32) {
        return _invites[swarmId][inviteHash].uses;
    }

    /// @inheritdoc ISwarmRegistry
    function isInviteRevoked(uint256 swarmId, bytes32 inviteHash) external view returns (bool) {
        return _invites[swarmId][inviteHash].revoked;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _addMember(uint256 swarmId, address account, MembershipPolicy via, string memory metadataURI) private {
        mapping(address => Membership) storage members = _members[swarmId];
        Swarm storage swarm = _swarms[swarmId];
        uint40 index = members[account].index;
        uint40 count;
        // Cannot overflow: every new index and every count increment is a join someone paid for; 2^40 joins
        // (~5.5e16 gas) are infeasible. The count never exceeds the number of indexes handed out.
        unchecked {
            if (index == 0) index = ++swarm.indexCount;
            count = ++swarm.memberCount;
        }
        members[account] = Membership({member: true, index: index});
        if (bytes(metadataURI).length != 0) _memberMetadata[swarmId][account] = metadataURI;
        emit MemberJoined(swarmId, account, via, metadataURI, count);
    }

    /// @dev Callers checked that `account` is a member, so the count is at least 1.
    function _removeMember(uint256 swarmId, address account) private returns (uint256 count) {
        _members[swarmId][account].member = false; // the index stays with the account
        delete _memberMetadata[swarmId][account];
        // Cannot underflow: `account` was a member, so it was counted.
        unchecked {
            count = --_swarms[swarmId].memberCount;
        }
    }

    function _gateBalance(Swarm storage swarm, address account) private view returns (uint256) {
        // Both standards expose `balanceOf(address) returns (uint256)`; the kind is kept for clients and indexers.
        if (swarm.gateKind == GateKind.ERC721) return IERC721(swarm.gateToken).balanceOf(account);
        return IERC20(swarm.gateToken).balanceOf(account);
    }

    function _validateGate(MembershipPolicy policy, GateKind gateKind, address gateToken, uint256 gateMinBalance)
        private
        view
    {
        if (policy == MembershipPolicy.TokenGated) {
            if (
                gateKind == GateKind.None ||
                gateToken.code.length == 0 ||
                gateMinBalance == 0 ||
                (gateKind == GateKind.ERC721 &&
                    !ERC165Checker.supportsInterface(gateToken, type(IERC721).interfaceId))
            ) revert SwarmRegistryInvalidGate(gateKind, gateToken, gateMinBalance);
        } else if (gateKind != GateKind.None || gateToken != address(0) || gateMinBalance != 0) {
            revert SwarmRegistryInvalidGate(gateKind, gateToken, gateMinBalance);
        }
    }
}
