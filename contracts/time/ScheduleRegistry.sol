// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IScheduleRegistry} from "../interfaces/IScheduleRegistry.sol";
import {ISwarmRegistry} from "../interfaces/ISwarmRegistry.sol";

/**
 * @title ScheduleRegistry
 * @notice Cron and interval schedules with webhook and keeper-executed on-chain actions. See {IScheduleRegistry}.
 * @dev `execute` reads two slots (status..callGasLimit; target + value), the call data (one slot when shorter
 * than 32 bytes) and, only when value is sent, the funds; it writes the first slot (the consumed counter) and,
 * on a paid success, the funds. Cron, payload and endpoint live in events only.
 */
contract ScheduleRegistry is IScheduleRegistry, ReentrancyGuardTransient {
    /// @inheritdoc IScheduleRegistry
    uint256 public constant MAX_CRON_LENGTH = 128;
    /// @inheritdoc IScheduleRegistry
    uint256 public constant MAX_ENDPOINT_LENGTH = 512;
    /// @inheritdoc IScheduleRegistry
    uint256 public constant MAX_PAYLOAD_LENGTH = 2048;
    /// @inheritdoc IScheduleRegistry
    uint256 public constant MAX_CALLDATA_LENGTH = 1024;
    /// @inheritdoc IScheduleRegistry
    uint32 public constant MAX_CALL_GAS_LIMIT = 5_000_000;

    /// @dev Occurrences are numbered below this when maxRuns is 0 (so that k + 1 fits in uint32).
    uint32 private constant _UNLIMITED_RUNS = type(uint32).max;

    ISwarmRegistry private immutable _registry;

    uint256 private _count;
    mapping(uint256 scheduleId => Schedule) private _schedules;
    mapping(uint256 scheduleId => bytes) private _callData;

    constructor(ISwarmRegistry registry_) {
        if (address(registry_) == address(0)) revert ScheduleRegistryZeroAddress();
        _registry = registry_;
    }

    // ---------------------------------------------------------------------------------------------
    // Owner functions
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IScheduleRegistry
    function register(ScheduleParams calldata p) external payable returns (uint256 scheduleId) {
        if (p.swarmId != 0 && !_registry.isMember(p.swarmId, msg.sender)) {
            revert ScheduleRegistryNotMember(p.swarmId, msg.sender);
        }
        uint256 cronLength = bytes(p.cron).length;
        if ((cronLength == 0) == (p.period == 0)) revert ScheduleRegistryInvalidTiming(cronLength, p.period);
        if (cronLength != 0) _checkCron(p.cron);

        uint48 nowTime = uint48(block.timestamp);
        uint48 start = p.startTime;
        if (start == 0) start = nowTime;
        else if (start < nowTime) revert ScheduleRegistryStartInPast(start, nowTime);
        if (p.endTime != 0 && p.endTime < start) revert ScheduleRegistryInvalidEndTime(start, p.endTime);

        bool hasWebhook = bytes(p.endpoint).length != 0;
        if (hasWebhook) _checkEndpoint(p.endpoint);
        if (p.payload.length > MAX_PAYLOAD_LENGTH) {
            revert ScheduleRegistryPayloadTooLong(p.payload.length, MAX_PAYLOAD_LENGTH);
        }
        _checkCall(p);
        if (!hasWebhook && p.target == address(0)) revert ScheduleRegistryNoAction();

        // cannot overflow: one id per transaction, 2^256 transactions will never happen
        unchecked {
            scheduleId = ++_count;
        }
        Schedule storage s = _schedules[scheduleId];
        s.status = Status.Active;
        s.catchUp = p.catchUp;
        s.startTime = start;
        s.period = p.period;
        s.endTime = p.endTime;
        s.maxRuns = p.maxRuns;
        s.callGasLimit = p.callGasLimit;
        s.owner = msg.sender;
        s.hasWebhook = hasWebhook;
        s.createdAt = nowTime;
        // Zero slots are left unwritten (no target, no swarm, no funds, no call data).
        if (p.target != address(0)) {
            s.target = p.target;
            s.valuePerRun = p.valuePerRun;
            if (p.callData.length != 0) _callData[scheduleId] = p.callData;
        }
        if (p.swarmId != 0) s.swarmId = p.swarmId;
        if (msg.value != 0) s.funds = msg.value;

        emit ScheduleRegistered(scheduleId, msg.sender, p.swarmId, p, start, msg.value);
    }

    /// @inheritdoc IScheduleRegistry
    function pause(uint256 scheduleId) external {
        Schedule storage s = _ownedLive(scheduleId);
        if (s.status == Status.Paused) revert ScheduleRegistryPaused(scheduleId);
        s.status = Status.Paused;
        emit SchedulePaused(scheduleId, msg.sender, s.swarmId, uint48(block.timestamp));
    }

    /// @inheritdoc IScheduleRegistry
    function resume(uint256 scheduleId) external {
        Schedule storage s = _ownedLive(scheduleId);
        if (s.status != Status.Paused) revert ScheduleRegistryNotPaused(scheduleId);
        s.status = Status.Active;
        emit ScheduleResumed(scheduleId, msg.sender, s.swarmId, uint48(block.timestamp), s.nextOccurrence);
    }

    /// @inheritdoc IScheduleRegistry
    function update(uint256 scheduleId, ScheduleUpdate calldata u) external {
        Schedule storage s = _ownedLive(scheduleId);
        uint256 cronLength = bytes(u.cron).length;
        // The timing kind is fixed: a cron schedule keeps a cron expression, an interval schedule has none.
        if ((cronLength == 0) != (s.period != 0)) revert ScheduleRegistryInvalidTiming(cronLength, s.period);
        if (cronLength != 0) _checkCron(u.cron);
        if (u.endTime != 0 && u.endTime < s.startTime) revert ScheduleRegistryInvalidEndTime(s.startTime, u.endTime);
        bool hasWebhook = bytes(u.endpoint).length != 0;
        if (hasWebhook) _checkEndpoint(u.endpoint);
        else if (s.target == address(0)) revert ScheduleRegistryNoAction();
        if (u.payload.length > MAX_PAYLOAD_LENGTH) {
            revert ScheduleRegistryPayloadTooLong(u.payload.length, MAX_PAYLOAD_LENGTH);
        }
        s.endTime = u.endTime;
        s.maxRuns = u.maxRuns;
        s.hasWebhook = hasWebhook;
        emit ScheduleUpdated(scheduleId, msg.sender, s.swarmId, u.cron, u.endTime, u.maxRuns, u.payload, u.endpoint);
    }

    /// @inheritdoc IScheduleRegistry
    function cancel(uint256 scheduleId) external nonReentrant {
        Schedule storage s = _ownedLive(scheduleId);
        s.status = Status.Cancelled;
        uint256 refund = s.funds;
        if (refund != 0) s.funds = 0;
        emit ScheduleCancelled(scheduleId, msg.sender, s.swarmId, refund);
        if (refund != 0) Address.sendValue(payable(msg.sender), refund);
    }

    /// @inheritdoc IScheduleRegistry
    function fund(uint256 scheduleId) external payable nonReentrant {
        Schedule storage s = _schedules[scheduleId];
        Status status = s.status;
        if (status == Status.None) revert ScheduleRegistryUnknownSchedule(scheduleId);
        if (status == Status.Cancelled) revert ScheduleRegistryCancelled(scheduleId);
        if (s.target == address(0) || msg.value == 0) revert ScheduleRegistryUnexpectedValue(scheduleId, msg.value);
        uint256 funds = s.funds + msg.value;
        s.funds = funds;
        emit ScheduleFunded(scheduleId, msg.sender, msg.value, funds);
    }

    // ---------------------------------------------------------------------------------------------
    // Keeper
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IScheduleRegistry
    function execute(uint256 scheduleId, uint32 k) external nonReentrant {
        Schedule storage s = _schedules[scheduleId];
        (uint48 scheduledAt, uint32 skipped) = _consume(s, scheduleId, k);

        address target = s.target;
        uint256 value = s.valuePerRun;
        if (value != 0) {
            uint256 funds = s.funds;
            if (funds < value) revert ScheduleRegistryInsufficientFunds(scheduleId, funds, value);
            // cannot underflow: checked just above
            unchecked {
                s.funds = funds - value;
            }
        }
        uint32 gasLimit = s.callGasLimit;
        (bool success, bytes memory returnData) = target.call{gas: gasLimit, value: value}(_callData[scheduleId]);
        if (!success) {
            // The callee got min(gasLimit, 63/64 of what was left); if what is left now is below gasLimit / 63 it
            // may have been starved by the keeper, so the whole execution reverts and k stays executable.
            if (gasleft() < gasLimit / 63) revert ScheduleRegistryInsufficientGas(scheduleId, gasleft(), gasLimit);
            if (value != 0) {
                s.funds += value;
                value = 0;
            }
        }
        emit ScheduleExecuted(scheduleId, k, msg.sender, scheduledAt, success, keccak256(returnData), skipped, value);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IScheduleRegistry
    function executable(uint256 scheduleId) external view returns (bool ready, uint32 occurrence, uint48 scheduledAt) {
        Schedule storage s = _schedules[scheduleId];
        if (s.status != Status.Active || s.target == address(0)) return (false, 0, 0);
        if (s.valuePerRun != 0 && s.funds < s.valuePerRun) return (false, 0, 0);
        uint256 start = s.startTime;
        uint32 period = s.period;
        if (block.timestamp < start) return (false, 0, 0);
        uint32 maxRuns = s.maxRuns;
        uint48 end = s.endTime;
        uint32 next = s.nextOccurrence;
        uint32 k;
        if (s.catchUp == CatchUpPolicy.FireAll) {
            k = next;
        } else {
            k = _latestDue(start, period, end, maxRuns);
        }
        if (k < next || k >= (maxRuns == 0 ? _UNLIMITED_RUNS : maxRuns)) return (false, 0, 0);
        uint256 at = start + uint256(k) * period;
        if ((end != 0 && at > end) || at > block.timestamp) return (false, 0, 0);
        if (s.catchUp == CatchUpPolicy.Skip && block.timestamp >= at + period) return (false, 0, 0);
        return (true, k, uint48(at));
    }

    /// @inheritdoc IScheduleRegistry
    function getSchedule(uint256 scheduleId) external view returns (Schedule memory) {
        return _schedules[scheduleId];
    }

    /// @inheritdoc IScheduleRegistry
    function callDataOf(uint256 scheduleId) external view returns (bytes memory) {
        return _callData[scheduleId];
    }

    /// @inheritdoc IScheduleRegistry
    function scheduleCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IScheduleRegistry
    function swarmRegistry() external view returns (address) {
        return address(_registry);
    }

    // ---------------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------------

    /// @dev The caller's schedule `scheduleId`, which exists and is not cancelled.
    function _ownedLive(uint256 scheduleId) private view returns (Schedule storage s) {
        s = _schedules[scheduleId];
        Status status = s.status;
        if (status == Status.None) revert ScheduleRegistryUnknownSchedule(scheduleId);
        if (s.owner != msg.sender) revert ScheduleRegistryNotOwner(scheduleId, msg.sender, s.owner);
        if (status == Status.Cancelled) revert ScheduleRegistryCancelled(scheduleId);
    }

    /**
     * @dev Checks that occurrence `k` of schedule `s` may execute now (see {IScheduleRegistry-execute}) and marks it
     * and every older one consumed. Returns its time and how many older unconsumed occurrences it skipped.
     */
    function _consume(Schedule storage s, uint256 scheduleId, uint32 k)
        private
        returns (uint48 scheduledAt, uint32 skipped)
    {
        // First slot: status, policy, start, period, end, maxRuns, next, gas limit.
        Status status = s.status;
        if (status != Status.Active) {
            if (status == Status.None) revert ScheduleRegistryUnknownSchedule(scheduleId);
            if (status == Status.Paused) revert ScheduleRegistryPaused(scheduleId);
            revert ScheduleRegistryCancelled(scheduleId);
        }
        // Second slot: cron schedules and webhook-only schedules have no target.
        if (s.target == address(0)) revert ScheduleRegistryNoCall(scheduleId);
        uint32 next = s.nextOccurrence;
        if (k < next) revert ScheduleRegistryAlreadyExecuted(scheduleId, k, next);
        uint32 maxRuns = s.maxRuns;
        if (k >= (maxRuns == 0 ? _UNLIMITED_RUNS : maxRuns)) revert ScheduleRegistryBeyondMaxRuns(scheduleId, k, maxRuns);
        uint256 start = s.startTime;
        uint32 period = s.period;
        uint256 at = start + uint256(k) * period;
        uint48 end = s.endTime;
        if (end != 0 && at > end) revert ScheduleRegistryPastEnd(scheduleId, k, _toUint48(at), end);
        if (block.timestamp < at) revert ScheduleRegistryNotDue(scheduleId, k, uint48(at), uint48(block.timestamp));
        CatchUpPolicy policy = s.catchUp;
        if (policy == CatchUpPolicy.FireAll) {
            if (k != next) revert ScheduleRegistryOutOfOrder(scheduleId, k, next);
        } else {
            // k is due and within the bounds, so the latest due occurrence exists and is >= k.
            uint32 latest = _latestDue(start, period, end, maxRuns);
            if (k != latest) revert ScheduleRegistryNotLatest(scheduleId, k, latest);
            if (policy == CatchUpPolicy.Skip && block.timestamp >= at + period) {
                revert ScheduleRegistryExpired(scheduleId, k, _toUint48(at + period));
            }
        }
        // cannot overflow: k < maxRuns <= type(uint32).max, or k < _UNLIMITED_RUNS; k >= next checked above
        unchecked {
            s.nextOccurrence = k + 1;
            skipped = k - next;
        }
        // at <= block.timestamp fits in uint48
        scheduledAt = uint48(at);
    }

    /**
     * @dev The highest k with start + k * period <= now, k < maxRuns (or the unlimited bound) and, when end != 0,
     * start + k * period <= end. Callers make sure now >= start (occurrence 0 is due) and period > 0.
     */
    function _latestDue(uint256 start, uint32 period, uint48 end, uint32 maxRuns) private view returns (uint32) {
        uint256 horizon = block.timestamp;
        if (end != 0 && end < horizon) horizon = end;
        uint256 latest = (horizon - start) / period;
        uint256 cap = (maxRuns == 0 ? _UNLIMITED_RUNS : maxRuns) - 1;
        return uint32(latest < cap ? latest : cap);
    }

    function _toUint48(uint256 value) private pure returns (uint48) {
        return value > type(uint48).max ? type(uint48).max : uint48(value);
    }

    /**
     * @dev Syntactic cron check: at most MAX_CRON_LENGTH bytes, 5 or 6 non-empty fields separated by single
     * spaces, each made of `0-9 * , - /` only.
     */
    function _checkCron(string calldata expr) private pure {
        bytes calldata b = bytes(expr);
        uint256 length = b.length;
        if (length > MAX_CRON_LENGTH) revert ScheduleRegistryInvalidCron(expr, 0);
        uint8 field = 1;
        uint256 fieldLength;
        for (uint256 i; i < length; ++i) {
            bytes1 c = b[i];
            if (c == 0x20) {
                if (fieldLength == 0) revert ScheduleRegistryInvalidCron(expr, field);
                if (field == 6) revert ScheduleRegistryInvalidCron(expr, 0);
                // cannot overflow: field <= 5 here
                unchecked {
                    ++field;
                }
                fieldLength = 0;
            } else if ((c >= 0x30 && c <= 0x39) || c == 0x2a || c == 0x2c || c == 0x2d || c == 0x2f) {
                // cannot overflow: bounded by length <= MAX_CRON_LENGTH
                unchecked {
                    ++fieldLength;
                }
            } else {
                revert ScheduleRegistryInvalidCron(expr, field);
            }
        }
        if (fieldLength == 0) revert ScheduleRegistryInvalidCron(expr, length == 0 ? 0 : field);
        if (field < 5) revert ScheduleRegistryInvalidCron(expr, 0);
    }

    /// @dev http:// or https:// followed by at least one byte, at most MAX_ENDPOINT_LENGTH bytes.
    function _checkEndpoint(string calldata endpoint) private pure {
        bytes calldata b = bytes(endpoint);
        if (b.length > MAX_ENDPOINT_LENGTH) revert ScheduleRegistryEndpointTooLong(b.length, MAX_ENDPOINT_LENGTH);
        bool ok;
        if (b.length > 8 && bytes8(b[:8]) == bytes8("https://")) ok = true;
        else if (b.length > 7 && bytes7(b[:7]) == bytes7("http://")) ok = true;
        if (!ok) revert ScheduleRegistryInvalidEndpoint(endpoint);
    }

    function _checkCall(ScheduleParams calldata p) private view {
        if (p.target == address(0)) {
            if (p.callData.length != 0 || p.valuePerRun != 0 || p.callGasLimit != 0) {
                revert ScheduleRegistryCallFieldsWithoutTarget();
            }
            if (msg.value != 0) revert ScheduleRegistryUnexpectedValue(0, msg.value);
            return;
        }
        if (p.period == 0) revert ScheduleRegistryCallNeedsInterval();
        if (p.target == address(this)) revert ScheduleRegistryInvalidTarget(p.target);
        if (p.callGasLimit == 0 || p.callGasLimit > MAX_CALL_GAS_LIMIT) {
            revert ScheduleRegistryInvalidGasLimit(p.callGasLimit, MAX_CALL_GAS_LIMIT);
        }
        if (p.callData.length > MAX_CALLDATA_LENGTH) {
            revert ScheduleRegistryCallDataTooLong(p.callData.length, MAX_CALLDATA_LENGTH);
        }
    }
}
