// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IScheduleRegistry
 * @notice Shared time: schedules that fire for agents that run no background process.
 *
 * Timing (exactly one per schedule):
 * - a cron schedule: `cron` is a UTC cron expression of 5 fields (minute hour day-of-month month day-of-week) or
 *   6 fields (second first), `period` is 0. On-chain the expression is only checked syntactically (5 or 6
 *   fields separated by single spaces, characters `0-9 * , - /`, at most MAX_CRON_LENGTH bytes); the relay's API
 *   validates it fully. Its fires (webhooks) are the relay's job; cron schedules have no on-chain call.
 * - an interval schedule: `cron` is empty, `period` > 0 seconds. Occurrence k (k = 0, 1, 2, ...) is due at
 *   `scheduledAt(k) = startTime + k * period`. Both actions follow this series.
 *
 * Bounds: occurrence k exists while `k < maxRuns` (0 = unlimited, i.e. below 2^32 - 1) and, when `endTime` != 0,
 * `scheduledAt(k) <= endTime`.
 *
 * Actions (at least one):
 * - a webhook: the relay POSTs the payload to `endpoint` (http:// or https://, at most MAX_ENDPOINT_LENGTH bytes)
 *   at each occurrence, signed (Standard Webhooks v1) with a secret the owner gets from the relay off-chain; the
 *   endpoint is public, the secret is never on-chain.
 * - an on-chain call (interval schedules only): `target.call{value: valuePerRun, gas: callGasLimit}(callData)`.
 *   ANYONE may `execute(scheduleId, k)` once occurrence k is due (keeper pattern); the contract checks on-chain
 *   that k is due, allowed by the catch-up policy, and not consumed yet, so no occurrence runs twice.
 *   `valuePerRun` is paid from the schedule's funds (deposited with `register` or `fund`, refunded on `cancel`).
 *
 * Executed state: one counter per schedule, `nextOccurrence`: every k below it is consumed (executed or skipped
 * by the catch-up policy) and can never execute again. Executing k sets it to k + 1.
 *
 * Catch-up policy (runs missed while the relay or every keeper was down; a pause counts as such a downtime):
 * - FireAll: every occurrence runs, in order: only k == nextOccurrence may execute, at any time once due.
 * - FireLatestOnce: only the latest due occurrence may execute (the highest k with scheduledAt(k) <= now within
 *   the bounds), at any time; executing it skips every older unconsumed occurrence (counted in `skipped`).
 * - Skip: like FireLatestOnce, but an occurrence expires one period after it was due: k may execute only while
 *   `now < scheduledAt(k) + period`. A missed occurrence is dropped; the last occurrence of a bounded series
 *   expires one period after its time. For webhooks the relay drops fires missed during its downtime.
 *
 * A failing target call consumes the occurrence (the event says `success = false`), so a broken or hostile
 * target cannot be retried forever; its value stays in the schedule's funds. A keeper cannot starve the call to
 * make it fail: if the call fails with less than `callGasLimit / 63` gas left, `execute` reverts
 * (ScheduleRegistryInsufficientGas) and the occurrence stays executable.
 *
 * The owner (the registering account) may pause, resume, update (cron, end, maxRuns, payload, endpoint) and
 * cancel (final; refunds the remaining funds to the owner). A swarm schedule (`swarmId` != 0) requires the owner
 * to be a member of the swarm when registering. Cron, payload, endpoint and call data of a webhook live in events
 * (the indexer rebuilds schedules from them); storage keeps what `execute` needs.
 */
interface IScheduleRegistry {
    /// @notice Life cycle of a schedule (`None` = no such id).
    enum Status {
        None,
        Active,
        Paused,
        Cancelled
    }

    /// @notice What happens to occurrences missed while nobody fired them (see the interface comment).
    enum CatchUpPolicy {
        FireLatestOnce,
        FireAll,
        Skip
    }

    /// @notice What `register` takes.
    struct ScheduleParams {
        uint256 swarmId; // 0 = none; else the caller must be a member
        string cron; // "" for an interval schedule
        uint32 period; // seconds; 0 for a cron schedule
        uint48 startTime; // 0 = now; else >= now
        uint48 endTime; // 0 = none; else >= startTime
        uint32 maxRuns; // 0 = unlimited
        CatchUpPolicy catchUp;
        bytes payload; // at most MAX_PAYLOAD_LENGTH bytes
        string endpoint; // "" = no webhook
        address target; // address(0) = no on-chain call
        bytes callData; // at most MAX_CALLDATA_LENGTH bytes
        uint96 valuePerRun; // wei sent with each call
        uint32 callGasLimit; // gas given to each call, 1..MAX_CALL_GAS_LIMIT (0 without a target)
    }

    /// @notice What `update` replaces (every field; pass the current value to keep it).
    struct ScheduleUpdate {
        string cron; // non-empty for a cron schedule, empty for an interval schedule
        uint48 endTime; // 0 = none; else >= startTime
        uint32 maxRuns; // 0 = unlimited
        bytes payload;
        string endpoint; // "" only if the schedule has an on-chain call
    }

    /// @notice A schedule as stored. Slot 1: status..callGasLimit (everything `execute` checks); slot 2: target
    /// and value; then owner and webhook flag, swarm id, funds (read by `execute` only when valuePerRun > 0).
    struct Schedule {
        Status status;
        CatchUpPolicy catchUp;
        uint48 startTime;
        uint32 period;
        uint48 endTime;
        uint32 maxRuns;
        uint32 nextOccurrence;
        uint32 callGasLimit;
        address target;
        uint96 valuePerRun;
        address owner;
        bool hasWebhook;
        uint48 createdAt;
        uint256 swarmId;
        uint256 funds;
    }

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `owner` registered schedule `scheduleId` with the full configuration `params` (as given), starting
    /// at `startTime` (the block time when `params.startTime` was 0); `funds` wei were deposited.
    event ScheduleRegistered(
        uint256 indexed scheduleId,
        address indexed owner,
        uint256 indexed swarmId,
        ScheduleParams params,
        uint48 startTime,
        uint256 funds
    );

    /// @notice The owner paused schedule `scheduleId` at `pausedAt`.
    event SchedulePaused(uint256 indexed scheduleId, address indexed owner, uint256 indexed swarmId, uint48 pausedAt);

    /// @notice The owner resumed schedule `scheduleId` at `resumedAt`; `nextOccurrence` is the lowest unconsumed k.
    event ScheduleResumed(
        uint256 indexed scheduleId,
        address indexed owner,
        uint256 indexed swarmId,
        uint48 resumedAt,
        uint32 nextOccurrence
    );

    /// @notice The owner replaced the mutable fields of schedule `scheduleId` with these values.
    event ScheduleUpdated(
        uint256 indexed scheduleId,
        address indexed owner,
        uint256 indexed swarmId,
        string cron,
        uint48 endTime,
        uint32 maxRuns,
        bytes payload,
        string endpoint
    );

    /// @notice The owner cancelled schedule `scheduleId` (final) and got `refunded` wei back.
    event ScheduleCancelled(uint256 indexed scheduleId, address indexed owner, uint256 indexed swarmId, uint256 refunded);

    /// @notice `from` added `amount` wei to the funds of schedule `scheduleId`, which now hold `funds`.
    event ScheduleFunded(uint256 indexed scheduleId, address indexed from, uint256 amount, uint256 funds);

    /**
     * @notice `executor` executed occurrence `occurrence` (due at `scheduledAt`) of schedule `scheduleId`.
     * @param success whether the target call succeeded (a failed call consumes the occurrence too)
     * @param returnDataHash keccak256 of the call's return data (or revert data)
     * @param skipped how many older occurrences this execution skipped (FireLatestOnce / Skip)
     * @param valuePaid wei sent to the target (0 when the call failed); the funds went down by it
     */
    event ScheduleExecuted(
        uint256 indexed scheduleId,
        uint32 indexed occurrence,
        address indexed executor,
        uint48 scheduledAt,
        bool success,
        bytes32 returnDataHash,
        uint32 skipped,
        uint256 valuePaid
    );

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice A zero address was given where an account or contract is required.
    error ScheduleRegistryZeroAddress();
    /// @notice No schedule has id `scheduleId`.
    error ScheduleRegistryUnknownSchedule(uint256 scheduleId);
    /// @notice Only `owner` may change schedule `scheduleId`; `caller` is not it.
    error ScheduleRegistryNotOwner(uint256 scheduleId, address caller, address owner);
    /// @notice `account` is not a member of swarm `swarmId`.
    error ScheduleRegistryNotMember(uint256 swarmId, address account);
    /// @notice The cron expression `expr` is malformed; `field` is the 1-based field at fault, 0 when the whole
    /// expression is (empty, too long, not 5 or 6 fields).
    error ScheduleRegistryInvalidCron(string expr, uint8 field);
    /// @notice A schedule needs exactly one timing: a cron expression (`cronLength` > 0) or a period (> 0).
    error ScheduleRegistryInvalidTiming(uint256 cronLength, uint32 period);
    /// @notice `startTime` (non-zero) is before the block time `nowTime`.
    error ScheduleRegistryStartInPast(uint48 startTime, uint48 nowTime);
    /// @notice `endTime` (non-zero) is before `startTime`.
    error ScheduleRegistryInvalidEndTime(uint48 startTime, uint48 endTime);
    /// @notice A schedule needs a webhook endpoint, an on-chain call target, or both.
    error ScheduleRegistryNoAction();
    /// @notice `endpoint` does not start with http:// or https:// followed by a host.
    error ScheduleRegistryInvalidEndpoint(string endpoint);
    /// @notice The endpoint is `length` bytes, more than `maxLength`.
    error ScheduleRegistryEndpointTooLong(uint256 length, uint256 maxLength);
    /// @notice The payload is `length` bytes, more than `maxLength`.
    error ScheduleRegistryPayloadTooLong(uint256 length, uint256 maxLength);
    /// @notice The call data is `length` bytes, more than `maxLength`.
    error ScheduleRegistryCallDataTooLong(uint256 length, uint256 maxLength);
    /// @notice An on-chain call needs an interval schedule (period > 0).
    error ScheduleRegistryCallNeedsInterval();
    /// @notice `target` cannot be called (this contract).
    error ScheduleRegistryInvalidTarget(address target);
    /// @notice Without a target, call data, value and gas limit must be empty / zero.
    error ScheduleRegistryCallFieldsWithoutTarget();
    /// @notice `callGasLimit` is 0 or above `maxGasLimit`.
    error ScheduleRegistryInvalidGasLimit(uint32 callGasLimit, uint32 maxGasLimit);
    /// @notice Wei were sent to schedule `scheduleId` (0 = register), which has no on-chain call to pay.
    error ScheduleRegistryUnexpectedValue(uint256 scheduleId, uint256 value);
    /// @notice Schedule `scheduleId` is paused.
    error ScheduleRegistryPaused(uint256 scheduleId);
    /// @notice Schedule `scheduleId` is not paused.
    error ScheduleRegistryNotPaused(uint256 scheduleId);
    /// @notice Schedule `scheduleId` is cancelled: it cannot run or change any more.
    error ScheduleRegistryCancelled(uint256 scheduleId);
    /// @notice Schedule `scheduleId` has no on-chain call to execute.
    error ScheduleRegistryNoCall(uint256 scheduleId);
    /// @notice Occurrence `occurrence` is below `nextOccurrence`: it was executed or skipped already.
    error ScheduleRegistryAlreadyExecuted(uint256 scheduleId, uint32 occurrence, uint32 nextOccurrence);
    /// @notice Occurrence `occurrence` is not below `maxRuns` (0 = unlimited: the bound is 2^32 - 1).
    error ScheduleRegistryBeyondMaxRuns(uint256 scheduleId, uint32 occurrence, uint32 maxRuns);
    /// @notice Occurrence `occurrence` would be due at `scheduledAt`, after the schedule's `endTime`.
    error ScheduleRegistryPastEnd(uint256 scheduleId, uint32 occurrence, uint48 scheduledAt, uint48 endTime);
    /// @notice Occurrence `occurrence` is due at `scheduledAt`, later than the block time `nowTime`.
    error ScheduleRegistryNotDue(uint256 scheduleId, uint32 occurrence, uint48 scheduledAt, uint48 nowTime);
    /// @notice FireAll runs in order: `occurrence` may not execute before `expected` (= nextOccurrence).
    error ScheduleRegistryOutOfOrder(uint256 scheduleId, uint32 occurrence, uint32 expected);
    /// @notice FireLatestOnce / Skip run only the latest due occurrence, `latest`, not `occurrence`.
    error ScheduleRegistryNotLatest(uint256 scheduleId, uint32 occurrence, uint32 latest);
    /// @notice Skip: occurrence `occurrence` expired at `deadline` (one period after it was due).
    error ScheduleRegistryExpired(uint256 scheduleId, uint32 occurrence, uint48 deadline);
    /// @notice The schedule holds `funds` wei, less than the `required` value per run.
    error ScheduleRegistryInsufficientFunds(uint256 scheduleId, uint256 funds, uint256 required);
    /// @notice The target call failed with only `gasLeft` gas left: it may have been starved of its
    /// `callGasLimit`; retry with more gas.
    error ScheduleRegistryInsufficientGas(uint256 scheduleId, uint256 gasLeft, uint32 callGasLimit);

    // ---------------------------------------------------------------------------------------------
    // Owner functions
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Registers a schedule owned by the caller; `msg.value` becomes its funds (only with a target).
     * @return scheduleId the new id (from 1)
     */
    function register(ScheduleParams calldata params) external payable returns (uint256 scheduleId);

    /// @notice Pauses an active schedule (owner only). Execution reverts until `resume`.
    function pause(uint256 scheduleId) external;

    /// @notice Resumes a paused schedule (owner only). Occurrences that fell due meanwhile follow the catch-up policy.
    function resume(uint256 scheduleId) external;

    /// @notice Replaces cron, end time, max runs, payload and endpoint of a live schedule (owner only).
    function update(uint256 scheduleId, ScheduleUpdate calldata changes) external;

    /// @notice Cancels a live schedule for good (owner only) and refunds its remaining funds to the owner.
    function cancel(uint256 scheduleId) external;

    /// @notice Adds `msg.value` to the funds of a live schedule with an on-chain call (anyone may fund).
    function fund(uint256 scheduleId) external payable;

    // ---------------------------------------------------------------------------------------------
    // Keeper
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice Executes occurrence `occurrence` of an active interval schedule's on-chain call. Anyone may call.
     * @dev Reverts unless the occurrence exists (maxRuns, endTime), is due, is not consumed, and is allowed by the
     * catch-up policy, and the funds cover `valuePerRun`. Emits ScheduleExecuted. The caller must leave enough gas
     * for `callGasLimit` (see ScheduleRegistryInsufficientGas).
     */
    function execute(uint256 scheduleId, uint32 occurrence) external;

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /**
     * @notice The occurrence a keeper may execute now, if any: `ready` is false when the schedule is not active,
     * has no call, nothing is due, or the funds are short. `scheduledAt` is that occurrence's time.
     */
    function executable(uint256 scheduleId) external view returns (bool ready, uint32 occurrence, uint48 scheduledAt);

    /// @notice The stored schedule (status None for an unknown id).
    function getSchedule(uint256 scheduleId) external view returns (Schedule memory);

    /// @notice The call data of a schedule's on-chain call.
    function callDataOf(uint256 scheduleId) external view returns (bytes memory);

    /// @notice How many schedules were registered (the highest id).
    function scheduleCount() external view returns (uint256);

    /// @notice The SwarmRegistry asked about membership.
    function swarmRegistry() external view returns (address);

    /// @notice Longest cron expression accepted, in bytes.
    function MAX_CRON_LENGTH() external view returns (uint256);

    /// @notice Longest endpoint accepted, in bytes.
    function MAX_ENDPOINT_LENGTH() external view returns (uint256);

    /// @notice Longest payload accepted, in bytes.
    function MAX_PAYLOAD_LENGTH() external view returns (uint256);

    /// @notice Longest call data accepted, in bytes.
    function MAX_CALLDATA_LENGTH() external view returns (uint256);

    /// @notice Highest `callGasLimit` accepted.
    function MAX_CALL_GAS_LIMIT() external view returns (uint32);
}
