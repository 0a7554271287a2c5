// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISwarmRegistry} from "./ISwarmRegistry.sol";

/**
 * @title IStaking
 * @notice Members of a swarm stake ETH or the swarm's ERC-20 to get voting weight, and lose part of it when
 * they are caught equivocating (signing two conflicting ballots for the same proposal or election term).
 *
 * - Stake token: each swarm has one stake token, `address(0)` meaning ETH. A swarm admin may set it once,
 *   before the first stake; the first stake fixes it (to ETH if no admin set it).
 * - Weight: `stakeOf` is a member's active stake; `totalStake` is the sum of active stakes in the swarm.
 *   Stake whose withdrawal was requested is no longer active (no weight) but stays slashable until withdrawn.
 *   A flagged (slashed) member has no weight at all: `stakeOf` returns 0 and `totalStake` excludes them; they
 *   may still withdraw what is left of their stake, but may not stake again in that swarm.
 *   Membership is NOT checked by the views: voting contracts combine `stakeOf` with `ISwarmRegistry.isMember`.
 * - Snapshots: every change of a member's weight and of the swarm's total is checkpointed by timestamp, so a
 *   vote can count weight as of a past moment (`stakeOfAt`, `totalStakeAt`; timepoint < block.timestamp) and
 *   stake cannot be recycled (vote, withdraw after the delay, hand to another member, vote again).
 * - Withdrawal: `requestWithdrawal` moves stake from active to pending and (re)starts the swarm's withdrawal
 *   delay (default 7 days) for the whole pending amount; `withdraw` pays out the pending amount after it.
 *   The delay gives reporters time to submit equivocation evidence before stake can leave.
 * - Slashing: anyone submits `Evidence` (two signed ballots) checked by a trusted `IBallotSource`. The member
 *   loses `slashBps` (default 50%) of their total stake (active first, then pending); the reporter receives
 *   `rewardBps` (default 10%) of the slashed amount; the rest is burned: sent to `BURN_ADDRESS` (0x…dEaD),
 *   so no one — not even the swarm owner — profits from slashing beyond the reporter reward. The member is
 *   flagged in that swarm forever. A member is slashed once per conflict (source, subject, voter).
 */
interface IStaking {
    /// @notice A member's position in a swarm.
    struct StakeInfo {
        uint256 active; // stake with weight (0 weight if flagged, but still stored here)
        uint256 pending; // stake whose withdrawal was requested
        uint48 unlockAt; // when `pending` may be withdrawn (unix seconds); 0 if nothing pending
        bool flagged; // caught equivocating in this swarm
    }

    /// @notice Two signed ballots from a ballot source, proving equivocation (see IBallotSource).
    struct Evidence {
        address source; // a trusted IBallotSource (LeaderElection, Proposals)
        bytes ballotA;
        bytes sigA;
        bytes ballotB;
        bytes sigB;
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice The swarm's stake token was fixed (`address(0)` = ETH), by an admin or by the first stake.
    event StakeTokenSet(uint256 indexed swarmId, address indexed token, address indexed by);
    /// @notice The swarm's withdrawal delay (seconds) changed; applies to withdrawal requests made from now on.
    event WithdrawalDelaySet(uint256 indexed swarmId, uint32 delay, address indexed by);
    /// @notice The swarm's slash fraction and reporter reward share (basis points) changed.
    event SlashParamsSet(uint256 indexed swarmId, uint16 slashBps, uint16 rewardBps, address indexed by);
    /// @notice `member` staked `amount` (as received) of `token`; new active stake and swarm total.
    event Staked(
        uint256 indexed swarmId,
        address indexed member,
        address indexed token,
        uint256 amount,
        uint256 activeStake,
        uint256 totalStake
    );
    /// @notice `amount` moved from active to pending; all pending stake unlocks at `unlockAt`.
    event WithdrawalRequested(
        uint256 indexed swarmId,
        address indexed member,
        uint256 amount,
        uint256 activeStake,
        uint256 pendingWithdrawal,
        uint48 unlockAt,
        uint256 totalStake
    );
    /// @notice All pending stake (`amount`) moved back to active.
    event WithdrawalCancelled(
        uint256 indexed swarmId,
        address indexed member,
        uint256 amount,
        uint256 activeStake,
        uint256 totalStake
    );
    /// @notice Pending stake `amount` of `token` was paid out to `member`.
    event Withdrawn(uint256 indexed swarmId, address indexed member, address indexed token, uint256 amount);
    /// @notice The owner trusted or distrusted a ballot source.
    event BallotSourceSet(address indexed source, bool trusted);
    /**
     * @notice `member` was slashed `amount` (reporter got `reward`, `amount - reward` burned) for the conflict
     * `conflictKey` proven through `source`; `activeStake`/`pendingWithdrawal` are what is left; `totalStake`
     * is the swarm's new total weight (the member is flagged and has no weight).
     */
    event MemberSlashed(
        uint256 indexed swarmId,
        address indexed member,
        address indexed reporter,
        uint256 amount,
        uint256 reward,
        bytes32 conflictKey,
        address source,
        uint256 activeStake,
        uint256 pendingWithdrawal,
        uint256 totalStake
    );

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    error StakingNotMember(uint256 swarmId, address account);
    error StakingNotAdmin(uint256 swarmId, address account);
    error StakingZeroAmount();
    error StakingZeroAddress();
    /// @notice The stake token is already fixed (set by an admin or by the first stake).
    error StakingStakeTokenFixed(uint256 swarmId, address token);
    /// @notice A stake token must be `address(0)` (ETH) or a contract.
    error StakingInvalidToken(address token);
    /// @notice ETH stake: `msg.value` must equal `amount`; token stake: `msg.value` must be 0.
    error StakingWrongValue(uint256 swarmId, uint256 expected, uint256 value);
    error StakingInvalidWithdrawalDelay(uint256 delay, uint256 min, uint256 max);
    error StakingInvalidSlashParams(uint256 slashBps, uint256 rewardBps);
    error StakingInsufficientStake(uint256 swarmId, address member, uint256 requested, uint256 available);
    error StakingNothingPending(uint256 swarmId, address member);
    error StakingWithdrawalLocked(uint256 swarmId, address member, uint48 unlockAt);
    error StakingMemberFlagged(uint256 swarmId, address member);
    error StakingUnknownBallotSource(address source);
    error StakingAlreadySlashed(address source, bytes32 conflictKey);
    error StakingEthTransferFailed(address to, uint256 amount);
    /// @notice Snapshots are only final for past timepoints: `timepoint` must be < `currentTime` (block.timestamp).
    error StakingFutureLookup(uint256 timepoint, uint48 currentTime);

    // ---------------------------------------------------------------------------------------------
    // Configuration
    // ---------------------------------------------------------------------------------------------

    /// @notice Sets the swarm's stake token (`address(0)` = ETH). Admins only, once, before the first stake.
    function setStakeToken(uint256 swarmId, address token) external;

    /// @notice Sets the swarm's withdrawal delay in seconds (bounds: MIN/MAX_WITHDRAWAL_DELAY). Admins only.
    function setWithdrawalDelay(uint256 swarmId, uint32 delay) external;

    /// @notice Sets the slash fraction and the reporter's share of it, in basis points (each <= 10_000). Admins only.
    function setSlashParams(uint256 swarmId, uint16 slashBps, uint16 rewardBps) external;

    /// @notice Trusts or distrusts a ballot source whose evidence may slash. Contract owner only.
    function setBallotSource(address source, bool trusted) external;

    // ---------------------------------------------------------------------------------------------
    // Staking
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Stakes `amount` in `swarmId`. Members only, not flagged. ETH: send `msg.value == amount`;
     * ERC-20: approve first, `msg.value == 0` (the amount actually received counts, for fee-on-transfer tokens).
     */
    function stake(uint256 swarmId, uint256 amount) external payable;

    /// @notice Moves `amount` of active stake to pending and restarts the withdrawal delay for all pending stake.
    function requestWithdrawal(uint256 swarmId, uint256 amount) external;

    /// @notice Moves all pending stake back to active. Not for flagged members.
    function cancelWithdrawal(uint256 swarmId) external;

    /// @notice Pays out all pending stake once the delay has passed. Works for former members and flagged ones.
    function withdraw(uint256 swarmId) external;

    /**
     * @notice Slashes the member proven to equivocate by `evidence` and rewards the caller.
     * @dev Reverts with StakingUnknownBallotSource, the source's own error (not equivocation), or
     * StakingAlreadySlashed. A member with no stake left is still flagged (amount 0).
     * @return amount the amount slashed (reward included)
     */
    function slash(Evidence calldata evidence) external returns (uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The registry asked for membership and admin rights.
    function registry() external view returns (ISwarmRegistry);

    /// @notice A member's voting weight: active stake, 0 if flagged.
    function stakeOf(uint256 swarmId, address member) external view returns (uint256);

    /// @notice Sum of the voting weight of all members of the swarm.
    function totalStake(uint256 swarmId) external view returns (uint256);

    /// @notice A member's voting weight at the end of second `timepoint` (unix seconds, < block.timestamp).
    function stakeOfAt(uint256 swarmId, address member, uint48 timepoint) external view returns (uint256);

    /// @notice The swarm's total weight at the end of second `timepoint` (unix seconds, < block.timestamp).
    function totalStakeAt(uint256 swarmId, uint48 timepoint) external view returns (uint256);

    /// @notice Whether `member` was ever slashed in `swarmId`.
    function isFlagged(uint256 swarmId, address member) external view returns (bool);

    /// @notice `stakeOf` of every member, in order (0 for flagged or unknown members). One SLOAD per member.
    function stakesOf(uint256 swarmId, address[] calldata members) external view returns (uint256[] memory stakes);

    /// @notice Number of members of `swarmId` ever flagged (flags are permanent). At 0 nobody is flagged, so a
    /// caller may skip per-member `isFlagged` reads.
    function flaggedCount(uint256 swarmId) external view returns (uint256);

    /// @notice A member's full position (active, pending, unlock time, flag).
    function stakeInfo(uint256 swarmId, address member) external view returns (StakeInfo memory);

    /// @notice The swarm's stake token (`address(0)` = ETH) and whether it is fixed yet.
    function stakeToken(uint256 swarmId) external view returns (address token, bool isFixed);

    /// @notice The swarm's withdrawal delay in seconds.
    function withdrawalDelay(uint256 swarmId) external view returns (uint32);

    /// @notice The swarm's slash fraction and reporter share, in basis points.
    function slashParams(uint256 swarmId) external view returns (uint16 slashBps, uint16 rewardBps);

    /// @notice Whether `source` is a trusted ballot source.
    function isBallotSource(address source) external view returns (bool);

    /// @notice Whether the conflict `conflictKey` from `source` was already slashed.
    function isSlashed(address source, bytes32 conflictKey) external view returns (bool);
}
