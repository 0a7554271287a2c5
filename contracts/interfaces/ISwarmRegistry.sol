// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ISwarmRegistry
 * @notice Swarms are the unit of membership in Concord. Every other Concord contract asks this registry
 * whether an account is a member of a swarm (`isMember`) before it lets the account act in that swarm.
 *
 * Swarm ids are assigned sequentially from 1; id 0 is never a swarm.
 *
 * Roles: each swarm has exactly one owner, who is always an admin and always a member (the owner cannot leave
 * or be removed; hand the swarm over with `transferSwarmOwnership` first). Admins (granted by the owner) manage
 * the allowlist, invites, metadata and membership; they are not members unless they join.
 *
 * Membership policies:
 * - Open: anyone may `join`.
 * - Allowlist: accounts an admin put on the allowlist may `join` (the entry is kept after joining).
 * - Invite: holders of an EIP-712 `Invite` signed by a current admin (an EOA or an EIP-1271 smart account) may
 *   `joinWithInvite`. EIP-712 domain: name "Concord SwarmRegistry", version "1", this chain, this contract.
 *   The signer must be an admin when the invite is used, so revoking an admin voids its outstanding invites.
 * - TokenGated: accounts holding at least `gateMinBalance` of the ERC-20 / ERC-721 `gateToken` may `join`;
 *   anyone may remove a member whose balance fell below the minimum (`removeIneligible`). The owner is exempt.
 *
 * Changing the policy keeps existing members. Every state change emits an event carrying what an indexer needs.
 */
interface ISwarmRegistry {
    /// @notice How accounts may join a swarm.
    enum MembershipPolicy {
        Open, // anyone may join
        Allowlist, // accounts the admins put on the allowlist
        Invite, // holders of an EIP-712 invite signed by an admin (max uses, expiry)
        TokenGated // holders of at least `gateMinBalance` of an ERC-20 or ERC-721 `gateToken`
    }

    /// @notice What kind of token gates a token-gated swarm.
    enum GateKind {
        None,
        ERC20,
        ERC721
    }

    /**
     * @notice The configuration a swarm is created with.
     * @dev TokenGated requires `gateKind != None`, a `gateToken` with code (an ERC-721 must report ERC-165
     * support for IERC721) and `gateMinBalance > 0`. Every other policy requires `gateKind == None`,
     * `gateToken == address(0)` and `gateMinBalance == 0`.
     */
    struct SwarmConfig {
        MembershipPolicy policy;
        GateKind gateKind;
        address gateToken;
        uint256 gateMinBalance;
        string metadataURI;
    }

    /**
     * @notice An invite to join `swarmId`, signed (EIP-712) by an admin of the swarm.
     * @dev `invitee` zero means anyone holding the signature may use it. An invite may be used `maxUses`
     * times while `block.timestamp <= expiry` (unix seconds); `salt` tells apart otherwise identical invites.
     * EIP-712 type: `Invite(uint256 swarmId,address invitee,uint32 maxUses,uint48 expiry,bytes32 salt)`.
     */
    struct Invite {
        uint256 swarmId;
        address invitee;
        uint32 maxUses;
        uint48 expiry;
        bytes32 salt;
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice A swarm was created. Followed by `SwarmAdminUpdated` (owner, then extra admins) and `MemberJoined` (owner).
    event SwarmCreated(
        uint256 indexed swarmId,
        address indexed owner,
        MembershipPolicy policy,
        GateKind gateKind,
        address gateToken,
        uint256 gateMinBalance,
        string metadataURI
    );
    /// @notice The owner changed the membership policy / gate. Existing members stay.
    event SwarmPolicyUpdated(
        uint256 indexed swarmId,
        MembershipPolicy policy,
        GateKind gateKind,
        address gateToken,
        uint256 gateMinBalance
    );
    /// @notice An admin changed the swarm's metadata URI.
    event SwarmMetadataUpdated(uint256 indexed swarmId, string metadataURI);
    /// @notice Ownership moved. Emitted after the matching `SwarmAdminUpdated` events (previous owner false, new owner true).
    event SwarmOwnershipTransferred(uint256 indexed swarmId, address indexed previousOwner, address indexed newOwner);
    /// @notice `account`'s admin right was set to `isAdmin` (also emitted for the owner on creation and transfer).
    event SwarmAdminUpdated(uint256 indexed swarmId, address indexed account, bool isAdmin);
    /// @notice `account` was put on (`allowed`) or taken off the allowlist.
    event SwarmAllowlistUpdated(uint256 indexed swarmId, address indexed account, bool allowed);
    /// @notice `member` joined under policy `via`, with its metadata URI; `memberCount` is the count after joining.
    event MemberJoined(uint256 indexed swarmId, address indexed member, MembershipPolicy via, string metadataURI, uint256 memberCount);
    /// @notice `member` left; `memberCount` is the count after leaving.
    event MemberLeft(uint256 indexed swarmId, address indexed member, uint256 memberCount);
    /// @notice `member` was removed by `by` (an admin, or anyone for an ineligible token-gated member).
    event MemberRemoved(uint256 indexed swarmId, address indexed member, address indexed by, uint256 memberCount);
    /// @notice `member` changed its metadata URI (agent card).
    event MemberMetadataUpdated(uint256 indexed swarmId, address indexed member, string metadataURI);
    /// @notice An invite was used; `uses` is its use count after this use.
    event InviteUsed(uint256 indexed swarmId, bytes32 indexed inviteHash, address indexed member, uint32 uses);
    /// @notice An admin revoked an invite (it may not have been used or even seen on-chain before).
    event InviteRevoked(uint256 indexed swarmId, bytes32 indexed inviteHash);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice `swarmId` does not exist.
    error SwarmRegistryUnknownSwarm(uint256 swarmId);
    /// @notice `account` is not the owner of `swarmId`.
    error SwarmRegistryNotOwner(uint256 swarmId, address account);
    /// @notice `account` is not an admin of `swarmId`.
    error SwarmRegistryNotAdmin(uint256 swarmId, address account);
    /// @notice `account` is already a member of `swarmId`.
    error SwarmRegistryAlreadyMember(uint256 swarmId, address account);
    /// @notice `account` is not a member of `swarmId`.
    error SwarmRegistryNotMember(uint256 swarmId, address account);
    /// @notice The operation does not apply to a swarm whose policy is `policy`.
    error SwarmRegistryWrongPolicy(uint256 swarmId, MembershipPolicy policy);
    /// @notice `account` is not on the allowlist of `swarmId`.
    error SwarmRegistryNotAllowlisted(uint256 swarmId, address account);
    /// @notice `account` holds `balance` of the gate token but `required` is needed.
    error SwarmRegistryInsufficientTokenBalance(uint256 swarmId, address account, uint256 balance, uint256 required);
    /// @notice `account` still holds enough of the gate token to stay.
    error SwarmRegistryStillEligible(uint256 swarmId, address account);
    /// @notice The gate configuration does not fit the policy (see `SwarmConfig`).
    error SwarmRegistryInvalidGate(GateKind gateKind, address gateToken, uint256 gateMinBalance);
    /// @notice The invite expired at `expiry`.
    error SwarmRegistryInviteExpired(bytes32 inviteHash, uint48 expiry);
    /// @notice The invite has been used `maxUses` times already.
    error SwarmRegistryInviteExhausted(bytes32 inviteHash, uint32 maxUses);
    /// @notice The invite was revoked.
    error SwarmRegistryInviteRevoked(bytes32 inviteHash);
    /// @notice The invite is for `invitee`, not `account`.
    error SwarmRegistryInviteWrongInvitee(bytes32 inviteHash, address invitee, address account);
    /// @notice `signer` is not an admin of the invite's swarm.
    error SwarmRegistryInvalidInviteSigner(bytes32 inviteHash, address signer);
    /// @notice The signature is not a valid signature of `inviteHash` by `signer` (ECDSA or EIP-1271).
    error SwarmRegistryInvalidInviteSignature(bytes32 inviteHash, address signer);
    /// @notice The invite is for `inviteSwarmId`, not `swarmId`.
    error SwarmRegistryInviteSwarmMismatch(uint256 swarmId, uint256 inviteSwarmId);
    /// @notice An account argument was the zero address.
    error SwarmRegistryZeroAddress();
    /// @notice The owner cannot leave `swarmId` (transfer ownership first).
    error SwarmRegistryOwnerCannotLeave(uint256 swarmId);
    /// @notice The owner of `swarmId` cannot be removed.
    error SwarmRegistryCannotRemoveOwner(uint256 swarmId);
    /// @notice The owner's admin right cannot be changed with `setAdmin` (it follows ownership).
    error SwarmRegistryOwnerAdminImmutable(uint256 swarmId);
    /// @notice `account` already owns `swarmId`.
    error SwarmRegistryAlreadyOwner(uint256 swarmId, address account);
    /// @notice A URI of `length` bytes exceeds `maxLength`.
    error SwarmRegistryURITooLong(uint256 length, uint256 maxLength);

    // ---------------------------------------------------------------------------------------------
    // Swarm lifecycle (owner / admins)
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Creates a swarm owned by the caller, who becomes an admin and its first member.
     * @dev Emits `SwarmCreated`, `SwarmAdminUpdated` for the owner and each extra admin, then `MemberJoined`
     * for the owner (with an empty member metadata URI).
     * @param config membership policy, token gate (only for TokenGated) and metadata URI (<= MAX_URI_LENGTH bytes)
     * @param admins extra admins (they are not made members); zero addresses are rejected
     * @return swarmId the new swarm's id
     */
    function createSwarm(SwarmConfig calldata config, address[] calldata admins) external returns (uint256 swarmId);

    /// @notice Changes the membership policy and gate (validated as in `SwarmConfig`). Existing members stay. Owner only.
    function setPolicy(uint256 swarmId, MembershipPolicy policy, GateKind gateKind, address gateToken, uint256 gateMinBalance) external;

    /// @notice Changes the swarm's metadata URI. Admins only.
    function setSwarmMetadata(uint256 swarmId, string calldata metadataURI) external;

    /// @notice Grants or revokes admin rights of `account` (not the owner, not zero). Owner only.
    function setAdmin(uint256 swarmId, address account, bool isAdmin_) external;

    /**
     * @notice Hands the swarm to `newOwner`, who must already be a member. Owner only.
     * @dev The new owner becomes an admin; the previous owner loses its admin right but stays a member.
     */
    function transferSwarmOwnership(uint256 swarmId, address newOwner) external;

    /// @notice Adds (`allowed`) or removes accounts from the allowlist. Admins only. Works under any policy.
    function setAllowlist(uint256 swarmId, address[] calldata accounts, bool allowed) external;

    /// @notice Revokes an invite (by its `hashInvite` hash) so no further joins use it. Admins only.
    function revokeInvite(uint256 swarmId, bytes32 inviteHash) external;

    // ---------------------------------------------------------------------------------------------
    // Membership
    // ---------------------------------------------------------------------------------------------

    /// @notice Joins an Open, Allowlist or TokenGated swarm, with the member's metadata URI (an agent card).
    function join(uint256 swarmId, string calldata metadataURI) external;

    /**
     * @notice Joins an Invite swarm with an invite signed by one of its admins (EOA or EIP-1271 account).
     * @param signer the admin that signed (needed because EIP-1271 signatures cannot be recovered)
     * @param signature the signer's signature of `hashInvite(invite)`
     */
    function joinWithInvite(uint256 swarmId, Invite calldata invite, address signer, bytes calldata signature, string calldata metadataURI) external;

    /// @notice Leaves a swarm. The owner cannot leave (transfer ownership first).
    function leave(uint256 swarmId) external;

    /// @notice Removes a member. Admins only; the owner cannot be removed.
    function removeMember(uint256 swarmId, address member) external;

    /// @notice Removes a non-owner member of a TokenGated swarm whose balance fell below the minimum. Anyone may call.
    function removeIneligible(uint256 swarmId, address member) external;

    /// @notice Sets the caller's member metadata URI (an agent card). Members only.
    function setMemberMetadata(uint256 swarmId, string calldata metadataURI) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice Maximum length in bytes of a swarm or member metadata URI.
    function MAX_URI_LENGTH() external view returns (uint256);

    /// @notice Whether `account` is currently a member of `swarmId` (false for unknown swarms). One SLOAD.
    function isMember(uint256 swarmId, address account) external view returns (bool);

    /**
     * @notice `account`'s member index in `swarmId` if it is a member now, else 0. One SLOAD (the membership flag
     * and the index share a slot).
     * @dev Indexes are per swarm, 1, 2, 3, ... in the order of first joins (the owner, at creation, gets 1). An
     * account keeps its index after leaving or being removed and gets the same one back when it rejoins, and an
     * index is never given to another account, so (swarmId, index) names one account forever: other contracts use
     * it for compact per-member bitmaps (e.g. "has voted"). No event carries it: an indexer derives it from the
     * order of each account's first `MemberJoined` in the swarm.
     */
    function memberIndex(uint256 swarmId, address account) external view returns (uint256);

    /// @notice `memberIndex` of every account, in order (0 for non-members). One SLOAD per account.
    function memberIndexes(uint256 swarmId, address[] calldata accounts) external view returns (uint256[] memory indexes);

    /// @notice Whether `account` is a member of `swarmId` now, and its member index even if it left (0 = never joined).
    function membership(uint256 swarmId, address account) external view returns (bool isMember_, uint256 index);

    /// @notice Number of member indexes handed out in `swarmId` (accounts that ever joined; 0 for unknown swarms).
    function memberIndexCount(uint256 swarmId) external view returns (uint256);

    /// @notice Whether `account` is the owner or an admin of `swarmId` (false for unknown swarms). One SLOAD.
    function isAdmin(uint256 swarmId, address account) external view returns (bool);

    /// @notice The owner of `swarmId`; reverts for an unknown swarm.
    function swarmOwner(uint256 swarmId) external view returns (address);

    /// @notice Number of current members of `swarmId` (0 for unknown swarms).
    function memberCount(uint256 swarmId) external view returns (uint256);

    /// @notice Whether `swarmId` exists.
    function swarmExists(uint256 swarmId) external view returns (bool);

    /// @notice Number of swarms created so far (the latest id).
    function swarmCount() external view returns (uint256);

    /// @notice The swarm's policy, gate and metadata URI; reverts for an unknown swarm.
    function swarmConfig(uint256 swarmId) external view returns (SwarmConfig memory);

    /// @notice Whether `account` is on the allowlist of `swarmId`.
    function isAllowlisted(uint256 swarmId, address account) external view returns (bool);

    /// @notice The member metadata URI (agent card) of `account` in `swarmId` ("" if none or not a member).
    function memberMetadata(uint256 swarmId, address account) external view returns (string memory);

    /// @notice The EIP-712 hash of an invite (what an admin signs).
    function hashInvite(Invite calldata invite) external view returns (bytes32);

    /// @notice Times the invite `inviteHash` of `swarmId` has been used.
    function inviteUses(uint256 swarmId, bytes32 inviteHash) external view returns (uint32);

    /// @notice Whether the invite `inviteHash` of `swarmId` has been revoked.
    function isInviteRevoked(uint256 swarmId, bytes32 inviteHash) external view returns (bool);
}
