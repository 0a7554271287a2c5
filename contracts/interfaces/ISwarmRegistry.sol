// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ISwarmRegistry
 * @notice Swarms are the unit of membership in Concord. Every other Concord contract asks this registry
 * whether an account is a member of a swarm (`isMember`) before it lets the account act in that swarm.
 *
 * Swarm ids are assigned sequentially from 1; id 0 is never a swarm.
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

    /// @notice The configuration a swarm is created with.
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
     * times before `expiry` (unix seconds); `salt` tells apart otherwise identical invites.
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

    event SwarmCreated(
        uint256 indexed swarmId,
        address indexed owner,
        MembershipPolicy policy,
        GateKind gateKind,
        address gateToken,
        uint256 gateMinBalance,
        string metadataURI
    );
    event SwarmPolicyUpdated(
        uint256 indexed swarmId,
        MembershipPolicy policy,
        GateKind gateKind,
        address gateToken,
        uint256 gateMinBalance
    );
    event SwarmMetadataUpdated(uint256 indexed swarmId, string metadataURI);
    event SwarmOwnershipTransferred(uint256 indexed swarmId, address indexed previousOwner, address indexed newOwner);
    event SwarmAdminUpdated(uint256 indexed swarmId, address indexed account, bool isAdmin);
    event SwarmAllowlistUpdated(uint256 indexed swarmId, address indexed account, bool allowed);
    event MemberJoined(uint256 indexed swarmId, address indexed member, MembershipPolicy via, string metadataURI, uint256 memberCount);
    event MemberLeft(uint256 indexed swarmId, address indexed member, uint256 memberCount);
    event MemberRemoved(uint256 indexed swarmId, address indexed member, address indexed by, uint256 memberCount);
    event MemberMetadataUpdated(uint256 indexed swarmId, address indexed member, string metadataURI);
    event InviteUsed(uint256 indexed swarmId, bytes32 indexed inviteHash, address indexed member, uint32 uses);
    event InviteRevoked(uint256 indexed swarmId, bytes32 indexed inviteHash);

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error SwarmRegistryUnknownSwarm(uint256 swarmId);
    error SwarmRegistryNotOwner(uint256 swarmId, address account);
    error SwarmRegistryNotAdmin(uint256 swarmId, address account);
    error SwarmRegistryAlreadyMember(uint256 swarmId, address account);
    error SwarmRegistryNotMember(uint256 swarmId, address account);
    error SwarmRegistryWrongPolicy(uint256 swarmId, MembershipPolicy policy);
    error SwarmRegistryNotAllowlisted(uint256 swarmId, address account);
    error SwarmRegistryInsufficientTokenBalance(uint256 swarmId, address account, uint256 balance, uint256 required);
    error SwarmRegistryStillEligible(uint256 swarmId, address account);
    error SwarmRegistryInvalidGate(GateKind gateKind, address gateToken, uint256 gateMinBalance);
    error SwarmRegistryInviteExpired(bytes32 inviteHash, uint48 expiry);
    error SwarmRegistryInviteExhausted(bytes32 inviteHash, uint32 maxUses);
    error SwarmRegistryInviteRevoked(bytes32 inviteHash);
    error SwarmRegistryInviteWrongInvitee(bytes32 inviteHash, address invitee, address account);
    error SwarmRegistryInvalidInviteSigner(bytes32 inviteHash, address signer);
    error SwarmRegistryInviteSwarmMismatch(uint256 swarmId, uint256 inviteSwarmId);
    error SwarmRegistryZeroAddress();
    error SwarmRegistryOwnerCannotLeave(uint256 swarmId);

    // ---------------------------------------------------------------------------------------------
    // Swarm lifecycle (owner / admins)
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Creates a swarm owned by the caller, who becomes an admin and its first member.
     * @param config membership policy, token gate (only for TokenGated) and metadata URI
     * @param admins extra admins (they are not made members)
     * @return swarmId the new swarm's id
     */
    function createSwarm(SwarmConfig calldata config, address[] calldata admins) external returns (uint256 swarmId);

    /// @notice Changes the membership policy and gate. Existing members stay. Owner only.
    function setPolicy(uint256 swarmId, MembershipPolicy policy, GateKind gateKind, address gateToken, uint256 gateMinBalance) external;

    /// @notice Changes the swarm's metadata URI. Admins only.
    function setSwarmMetadata(uint256 swarmId, string calldata metadataURI) external;

    /// @notice Grants or revokes admin rights. Owner only.
    function setAdmin(uint256 swarmId, address account, bool isAdmin_) external;

    /// @notice Hands the swarm to `newOwner` (who becomes an admin). Owner only.
    function transferSwarmOwnership(uint256 swarmId, address newOwner) external;

    /// @notice Adds or removes accounts from the allowlist. Admins only.
    function setAllowlist(uint256 swarmId, address[] calldata accounts, bool allowed) external;

    /// @notice Revokes an invite so no further joins use it. Admins only.
    function revokeInvite(uint256 swarmId, bytes32 inviteHash) external;

    // ---------------------------------------------------------------------------------------------
    // Membership
    // ---------------------------------------------------------------------------------------------

    /// @notice Joins an Open, Allowlist or TokenGated swarm, with the member's metadata URI (an agent card).
    function join(uint256 swarmId, string calldata metadataURI) external;

    /// @notice Joins an Invite swarm with an invite signed by one of its admins (EOA or EIP-1271 account).
    function joinWithInvite(uint256 swarmId, Invite calldata invite, address signer, bytes calldata signature, string calldata metadataURI) external;

    /// @notice Leaves a swarm. The owner cannot leave (transfer ownership first).
    function leave(uint256 swarmId) external;

    /// @notice Removes a member. Admins only; the owner cannot be removed.
    function removeMember(uint256 swarmId, address member) external;

    /// @notice Removes a member of a TokenGated swarm whose balance fell below the minimum. Anyone may call.
    function removeIneligible(uint256 swarmId, address member) external;

    /// @notice Sets the caller's member metadata URI (an agent card).
    function setMemberMetadata(uint256 swarmId, string calldata metadataURI) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice Whether `account` is currently a member of `swarmId`.
    function isMember(uint256 swarmId, address account) external view returns (bool);

    /// @notice Whether `account` is the owner or an admin of `swarmId`.
    function isAdmin(uint256 swarmId, address account) external view returns (bool);

    /// @notice The owner of `swarmId`; reverts for an unknown swarm.
    function swarmOwner(uint256 swarmId) external view returns (address);

    /// @notice Number of current members of `swarmId`.
    function memberCount(uint256 swarmId) external view returns (uint256);

    /// @notice Whether `swarmId` exists.
    function swarmExists(uint256 swarmId) external view returns (bool);

    /// @notice Number of swarms created so far (the latest id).
    function swarmCount() external view returns (uint256);

    /// @notice The swarm's policy and gate.
    function swarmConfig(uint256 swarmId) external view returns (SwarmConfig memory);

    /// @notice The EIP-712 hash of an invite (what an admin signs).
    function hashInvite(Invite calldata invite) external view returns (bytes32);

    /// @notice Times an invite has been used.
    function inviteUses(bytes32 inviteHash) external view returns (uint32);
}
