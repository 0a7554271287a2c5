// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title ConsensusReads
 * @notice Cheap reads of SwarmRegistry and Staking for the voting paths of LeaderElection and Proposals.
 * @dev Calls encoded by hand, without the ABI coder's copies and checks (they run once per vote or once per batch
 * with one word per ballot). Internal functions only: inlined into the caller, nothing to link.
 */
library ConsensusReads {
    /// @dev `target.<selector>(swarmId, account)` for a view returning one word. If the call fails or answers
    /// malformed data, returns `onFailure` (callers pass the answer that denies).
    function viewCall(address target, bytes4 selector, uint256 swarmId, address account, uint256 onFailure)
        internal
        view
        returns (uint256 result)
    {
        // encodes the call in scratch memory past the free memory pointer, which is not moved
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), swarmId)
            mstore(add(ptr, 0x24), and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            let ok := staticcall(gas(), target, ptr, 0x44, ptr, 0x20)
            result := onFailure
            if and(ok, gt(returndatasize(), 0x1f)) {
                result := mload(ptr)
            }
        }
    }

    /// @dev `target.<selector>(swarmId, accounts)` for a view returning `uint256[]` with one word per account
    /// (`ISwarmRegistry.memberIndexes`, `IStaking.stakesOf`). Bubbles the callee's revert; reverts without data
    /// if the answer is not exactly `abi.encode(uint256[accounts.length])`.
    function batchCall(address target, bytes4 selector, uint256 swarmId, address[] memory accounts)
        internal
        view
        returns (uint256[] memory out)
    {
        // encodes the call past the free memory pointer, then makes the answer's array the new allocation
        assembly ("memory-safe") {
            let n := mload(accounts)
            let size := shl(5, n)
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), swarmId)
            mstore(add(ptr, 0x24), 0x40)
            mcopy(add(ptr, 0x44), accounts, add(size, 0x20)) // length + elements
            if iszero(staticcall(gas(), target, ptr, add(size, 0x64), 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if iszero(eq(returndatasize(), add(size, 0x40))) {
                revert(0, 0)
            }
            returndatacopy(ptr, 0, returndatasize())
            if iszero(and(eq(mload(ptr), 0x20), eq(mload(add(ptr, 0x20)), n))) {
                revert(0, 0)
            }
            out := add(ptr, 0x20)
            mstore(0x40, add(out, add(size, 0x20)))
        }
    }
}
