// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IBallotSource} from "../interfaces/IBallotSource.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title Staking
 * @notice Per-swarm stake (ETH or one ERC-20) giving voting weight, with a withdrawal delay and slashing of
 * equivocators on evidence checked by trusted ballot sources. See {IStaking}.
 * @dev Slashed funds: the reporter's share goes to the caller of `slash`, the rest to `BURN_ADDRESS`.
 * Burning (rather than paying the swarm owner or keeping a treasury) keeps anyone who can influence slashing
 * from profiting from it beyond the published reporter reward, and keeps the invariant
 * `balance(token) >= sum of active + pending stakes of swarms using token` simple.
 * The contract owner only curates ballot sources; it cannot touch stake.
 */
contract Staking is IStaking, Ownable, ReentrancyGuard {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    /// @notice Withdrawal delay of a swarm whose admins never set one.
    uint32 public constant DEFAULT_WITHDRAWAL_DELAY = 7 days;
    /// @notice Bounds of the withdrawal delay (a zero delay would let an equivocator leave before evidence lands).
    uint32 public constant MIN_WITHDRAWAL_DELAY = 1 hours;
    uint32 public constant MAX_WITHDRAWAL_DELAY = 90 days;
    /// @notice Slash fraction and reporter share of a swarm whose admins never set them (basis points).
    uint16 public constant DEFAULT_SLASH_BPS = 5_000;
    uint16 public constant DEFAULT_REWARD_BPS = 1_000;
    /// @notice Where the burned part of slashed stake goes.
    address public constant BURN_ADDRESS = 0x000000000000000000000000000000000000dEaD;

    uint16 private constant _BPS = 10_000;

    /// @dev One slot: 160 + 8 + 8 + 8 + 32 + 16 + 16 = 248 bits.
    struct SwarmSettings {
        address token; // address(0) = ETH
        bool tokenFixed; // set by an admin or by the first stake
        bool delaySet; // false = DEFAULT_WITHDRAWAL_DELAY
        bool slashSet; // false = DEFAULT_SLASH_BPS / DEFAULT_REWARD_BPS
        uint32 withdrawalDelay;
        uint16 slashBps;
        uint16 rewardBps;
    }

    /// @dev A member's stake in a swarm. Slot 0 holds what a vote reads (`active`, `flagged`) so `stakeOf` and
    /// `isFlagged` cost one SLOAD; `pending` is a second slot. `active` is bounded to uint128 (SafeCast on every
    /// increase); 2^128 - 1 base units exceed any real token supply.
    struct Position {
        uint128 active; // stake with weight (0 weight if flagged, but still stored here)
        uint48 unlockAt; // when `pending` may be withdrawn; 0 if nothing pending
        bool flagged; // caught equivocating in this swarm
        uint256 pending; // stake whose withdrawal was requested
    }

    /// @dev What a slash took and left, for the event.
    struct SlashOutcome {
        uint256 amount;
        uint256 reward;
        uint256 active;
        uint256 pending;
        uint256 total;
    }

    ISwarmRegistry private immutable _registry;

    mapping(uint256 swarmId => SwarmSettings) private _settings;
    mapping(uint256 swarmId => mapping(address member => Position)) private _stakes;
    /// @dev Members ever flagged per swarm (flags are permanent), so voters can skip per-member flag reads at 0.
    mapping(uint256 swarmId => uint256 count) private _flaggedCounts;
    /// @dev Weight (0 once flagged, else active stake) per member, checkpointed by block timestamp.
    mapping(uint256 swarmId => mapping(address member => Checkpoints.Trace208)) private _weights;
    /// @dev Sum of the weights, checkpointed by block timestamp; its latest value is `totalStake`.
    mapping(uint256 swarmId => Checkpoints.Trace208) private _totals;
    mapping(address source => bool trusted) private _ballotSources;
    mapping(address source => mapping(bytes32 conflictKey => bool)) private _slashed;

    modifier onlySwarmAdmin(uint256 swarmId) {
        if (!_registry.isAdmin(swarmId, msg.sender)) revert StakingNotAdmin(swarmId, msg.sender);
        _;
    }

    constructor(ISwarmRegistry registry_) Ownable(msg.sender) {
        if (address(registry_) == address(0)) revert StakingZeroAddress();
        _registry = registry_;
    }

    // ---------------------------------------------------------------------------------------------
    // Configuration
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IStaking
    function setStakeToken(uint256 swarmId, address token) external onlySwarmAdmin(swarmId) {
        SwarmSettings storage s = _settings[swarmId];
        if (s.tokenFixed) revert StakingStakeTokenFixed(swarmId, s.token);
        if (token != address(0) && token.code.length == 0) revert StakingInvalidToken(token);
        s.token = token;
        s.tokenFixed = true;
        emit StakeTokenSet(swarmId, token, msg.sender);
    }

    /// @inheritdoc IStaking
    function setWithdrawalDelay(uint256 swarmId, uint32 delay) external onlySwarmAdmin(swarmId) {
        if (delay < MIN_WITHDRAWAL_DELAY || delay > MAX_WITHDRAWAL_DELAY) {
            revert StakingInvalidWithdrawalDelay(delay, MIN_WITHDRAWAL_DELAY, MAX_WITHDRAWAL_DELAY);
        }
        SwarmSettings storage s = _settings[swarmId];
        s.withdrawalDelay = delay;
        s.delaySet = true;
        emit WithdrawalDelaySet(swarmId, delay, msg.sender);
    }

    /// @inheritdoc IStaking
    function setSlashParams(uint256 swarmId, uint16 slashBps, uint16 rewardBps) external onlySwarmAdmin(swarmId) {
        if (slashBps > _BPS || rewardBps > _BPS) revert StakingInvalidSlashParams(slashBps, rewardBps);
        SwarmSettings storage s = _settings[swarmId];
        s.slashBps = slashBps;
        s.rewardBps = rewardBps;
        s.slashSet = true;
        emit SlashParamsSet(swarmId, slashBps, rewardBps, msg.sender);
    }

    /// @inheritdoc IStaking
    function setBallotSource(address source, bool trusted) external onlyOwner {
        if (source == address(0)) revert StakingZeroAddress();
        _ballotSources[source] = trusted;
        emit BallotSourceSet(source, trusted);
    }

    // ---------------------------------------------------------------------------------------------
    // Staking
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IStaking
    function stake(uint256 swarmId, uint256 amount) external payable nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        if (!_registry.isMember(swarmId, msg.sender)) revert StakingNotMember(swarmId, msg.sender);
        Position storage info = _stakes[swarmId][msg.sender];
        if (info.flagged) revert StakingMemberFlagged(swarmId, msg.sender);

        SwarmSettings storage s = _settings[swarmId];
        address token = s.token;
        if (!s.tokenFixed) {
            // the first stake of a swarm whose admins chose no token fixes ETH
            s.tokenFixed = true;
            emit StakeTokenSet(swarmId, address(0), msg.sender);
        }

        uint256 received;
        if (token == address(0)) {
            if (msg.value != amount) revert StakingWrongValue(swarmId, amount, msg.value);
            received = amount;
        } else {
            if (msg.value != 0) revert StakingWrongValue(swarmId, 0, msg.value);
            uint256 before = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            // count what arrived (fee-on-transfer tokens deliver less than `amount`)
            received = IERC20(token).balanceOf(address(this)) - before;
            if (received == 0) revert StakingZeroAmount();
        }

        uint256 active = info.active + received;
        info.active = SafeCast.toUint128(active);
        uint256 total = _totals[swarmId].latest() + received;
        _checkpoint(swarmId, msg.sender, active, total);
        emit Staked(swarmId, msg.sender, token, received, active, total);
    }

    /// @inheritdoc IStaking
    function requestWithdrawal(uint256 swarmId, uint256 amount) external {
        if (amount == 0) revert StakingZeroAmount();
        Position storage info = _stakes[swarmId][msg.sender];
        uint256 active = info.active;
        if (amount > active) revert StakingInsufficientStake(swarmId, msg.sender, amount, active);
        uint256 total = _totals[swarmId].latest();
        // cannot underflow: amount <= active, and an unflagged member's active stake is part of the total
        unchecked {
            active -= amount;
        }
        uint256 pending = info.pending + amount;
        uint48 unlockAt = uint48(block.timestamp) + withdrawalDelay(swarmId);
        // fits: active only decreased
        info.active = uint128(active);
        info.pending = pending;
        info.unlockAt = unlockAt;
        if (!info.flagged) {
            // cannot underflow: see above
            unchecked {
                total -= amount;
            }
            _checkpoint(swarmId, msg.sender, active, total);
        }
        emit WithdrawalRequested(swarmId, msg.sender, amount, active, pending, unlockAt, total);
    }

    /// @inheritdoc IStaking
    function cancelWithdrawal(uint256 swarmId) external {
        if (!_registry.isMember(swarmId, msg.sender)) revert StakingNotMember(swarmId, msg.sender);
        Position storage info = _stakes[swarmId][msg.sender];
        if (info.flagged) revert StakingMemberFlagged(swarmId, msg.sender);
        uint256 pending = info.pending;
        if (pending == 0) revert StakingNothingPending(swarmId, msg.sender);
        uint256 active = info.active + pending;
        uint256 total = _totals[swarmId].latest() + pending;
        info.active = SafeCast.toUint128(active);
        info.pending = 0;
        info.unlockAt = 0;
        _checkpoint(swarmId, msg.sender, active, total);
        emit WithdrawalCancelled(swarmId, msg.sender, pending, active, total);
    }

    /// @inheritdoc IStaking
    function withdraw(uint256 swarmId) external nonReentrant {
        Position storage info = _stakes[swarmId][msg.sender];
        uint256 pending = info.pending;
        if (pending == 0) revert StakingNothingPending(swarmId, msg.sender);
        if (block.timestamp < info.unlockAt) revert StakingWithdrawalLocked(swarmId, msg.sender, info.unlockAt);
        info.pending = 0;
        info.unlockAt = 0;
        address token = _settings[swarmId].token;
        emit Withdrawn(swarmId, msg.sender, token, pending);
        _pay(token, msg.sender, pending);
    }

    /// @inheritdoc IStaking
    function slash(Evidence calldata evidence) external nonReentrant returns (uint256 amount) {
        address source = evidence.source;
        if (!_ballotSources[source]) revert StakingUnknownBallotSource(source);
        // reverts with the source's error when the evidence is not equivocation
        (uint256 swarmId, address member, bytes32 conflictKey) = IBallotSource(source).checkEquivocation(
            evidence.ballotA,
            evidence.sigA,
            evidence.ballotB,
            evidence.sigB
        );
        if (_slashed[source][conflictKey]) revert StakingAlreadySlashed(source, conflictKey);
        _slashed[source][conflictKey] = true;

        SlashOutcome memory o = _takeStake(swarmId, member);
        emit MemberSlashed(swarmId, member, msg.sender, o.amount, o.reward, conflictKey, source, o.active, o.pending, o.total);

        address token = _settings[swarmId].token;
        if (o.reward != 0) _pay(token, msg.sender, o.reward);
        // cannot underflow: reward = amount * rewardBps / 10_000 with rewardBps <= 10_000
        unchecked {
            if (o.amount - o.reward != 0) _pay(token, BURN_ADDRESS, o.amount - o.reward);
        }
        return o.amount;
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IStaking
    function registry() external view returns (ISwarmRegistry) {
        return _registry;
    }

    /// @inheritdoc IStaking
    function stakeOf(uint256 swarmId, address member) external view returns (uint256) {
        Position storage info = _stakes[swarmId][member];
        return info.flagged ? 0 : info.active;
    }

    /// @inheritdoc IStaking
    function totalStake(uint256 swarmId) external view returns (uint256) {
        return _totals[swarmId].latest();
    }

    /// @inheritdoc IStaking
    function stakeOfAt(uint256 swarmId, address member, uint48 timepoint) external view returns (uint256) {
        _requirePast(timepoint);
        return _weights[swarmId][member].upperLookupRecent(timepoint);
    }

    /// @inheritdoc IStaking
    function totalStakeAt(uint256 swarmId, uint48 timepoint) external view returns (uint256) {
        _requirePast(timepoint);
        return _totals[swarmId].upperLookupRecent(timepoint);
    }

    /// @inheritdoc IStaking
    function isFlagged(uint256 swarmId, address member) external view returns (bool) {
        return _stakes[swarmId][member].flagged;
    }

    /// @inheritdoc IStaking
    function stakeInfo(uint256 swarmId, address member) external view returns (StakeInfo memory) {
        Position storage info = _stakes[swarmId][member];
        return StakeInfo({active: info.active, pending: info.pending, unlockAt: info.unlockAt, flagged: info.flagged});
    }

    /// @inheritdoc IStaking
    function stakesOf(uint256 swarmId, address[] calldata members) external view returns (uint256[] memory) {
        // The hot path of stake-weighted batches and elections: one keccak and one SLOAD per member, the answer
        // encoded in place and returned directly. Slot 0 of a Position: active = bits 0..127, unlockAt = 128..175,
        // flagged = 176..183. The decoder checked that `members` lies within calldata.
        assembly ("memory-safe") {
            let n := members.length
            let ptr := mload(0x40)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), n)
            let out := add(ptr, 0x40)
            mstore(0x00, swarmId)
            mstore(0x20, _stakes.slot)
            mstore(0x20, keccak256(0x00, 0x40)) // slot of _stakes[swarmId]
            for {
                let i := 0
            } lt(i, n) {
                i := add(i, 1)
            } {
                let member := calldataload(add(members.offset, shl(5, i)))
                if shr(160, member) {
                    revert(0, 0) // not an address, like the ABI decoder
                }
                mstore(0x00, member)
                let p := sload(keccak256(0x00, 0x40))
                mstore(add(out, shl(5, i)), mul(iszero(and(shr(176, p), 0xff)), and(p, 0xffffffffffffffffffffffffffffffff)))
            }
            return(ptr, add(0x40, shl(5, n)))
        }
    }

    /// @inheritdoc IStaking
    function flaggedCount(uint256 swarmId) external view returns (uint256) {
        return _flaggedCounts[swarmId];
    }

    /// @inheritdoc IStaking
    function stakeToken(uint256 swarmId) external view returns (address token, bool isFixed) {
        SwarmSettings storage s = _settings[swarmId];
        return (s.token, s.tokenFixed);
    }

    /// @inheritdoc IStaking
    function withdrawalDelay(uint256 swarmId) public view returns (uint32) {
        SwarmSettings storage s = _settings[swarmId];
        return s.delaySet ? s.withdrawalDelay : DEFAULT_WITHDRAWAL_DELAY;
    }

    /// @inheritdoc IStaking
    function slashParams(uint256 swarmId) public view returns (uint16 slashBps, uint16 rewardBps) {
        SwarmSettings storage s = _settings[swarmId];
        return s.slashSet ? (s.slashBps, s.rewardBps) : (DEFAULT_SLASH_BPS, DEFAULT_REWARD_BPS);
    }

    /// @inheritdoc IStaking
    function isBallotSource(address source) external view returns (bool) {
        return _ballotSources[source];
    }

    /// @inheritdoc IStaking
    function isSlashed(address source, bytes32 conflictKey) external view returns (bool) {
        return _slashed[source][conflictKey];
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    /// @dev Flags `member` and takes the swarm's slash fraction of its stake (active first, then pending).
    function _takeStake(uint256 swarmId, address member) private returns (SlashOutcome memory o) {
        (uint16 slashBps, uint16 rewardBps) = slashParams(swarmId);
        Position storage info = _stakes[swarmId][member];
        uint256 active = info.active;
        uint256 pending = info.pending;
        o.amount = ((active + pending) * slashBps) / _BPS;
        o.reward = (o.amount * rewardBps) / _BPS;

        o.total = _totals[swarmId].latest();
        if (!info.flagged) {
            // a flagged member has no weight: their whole active stake leaves the total
            o.total -= active;
            _checkpoint(swarmId, member, 0, o.total);
            info.flagged = true;
            // cannot overflow: one increment per distinct (swarm, member) flagged
            unchecked {
                ++_flaggedCounts[swarmId];
            }
        }
        // amount <= active + pending because slashBps <= 10_000
        if (o.amount <= active) {
            active -= o.amount;
        } else {
            pending -= o.amount - active;
            active = 0;
            if (pending == 0) info.unlockAt = 0;
        }
        // fits: active only decreased
        info.active = uint128(active);
        info.pending = pending;
        o.active = active;
        o.pending = pending;
    }

    /// @dev Records `member`'s new weight and the swarm's new total at the current timestamp.
    function _checkpoint(uint256 swarmId, address member, uint256 weight, uint256 total) private {
        _weights[swarmId][member].push(uint48(block.timestamp), SafeCast.toUint208(weight));
        _totals[swarmId].push(uint48(block.timestamp), SafeCast.toUint208(total));
    }

    function _requirePast(uint48 timepoint) private view {
        if (timepoint >= block.timestamp) revert StakingFutureLookup(timepoint, uint48(block.timestamp));
    }

    /// @dev Sends `amount` of `token` (address(0) = ETH) to `to`.
    function _pay(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert StakingEthTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
