// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev Test-only target of ScheduleRegistry on-chain calls: a no-op, a counter, a revert, a gas burner and a
/// re-entrant caller.
contract MockScheduleTarget {
    uint256 public calls;
    uint256 public received;
    address public lastCaller;

    error MockScheduleTargetFailed(uint256 code);

    /// @dev Does nothing (the cheapest possible target).
    function noop() external payable {}

    /// @dev Counts calls and value, returns the new count.
    function ping() external payable returns (uint256) {
        received += msg.value;
        lastCaller = msg.sender;
        return ++calls;
    }

    /// @dev Always reverts with `code`.
    function fail(uint256 code) external payable {
        revert MockScheduleTargetFailed(code);
    }

    /// @dev Burns gas until none is left (an out-of-gas failure).
    function burn() external payable {
        while (true) {}
    }

    /// @dev Calls `target` with `data` (e.g. ScheduleRegistry.execute / cancel) and bubbles nothing.
    function reenter(address target, bytes calldata data) external payable returns (bool ok) {
        (ok,) = target.call(data);
        calls += 1;
    }

    receive() external payable {
        received += msg.value;
    }
}
