// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/**
 * @title BallotSignatures
 * @notice Signature checks for relayed ballots (LeaderElection, Proposals), read straight from calldata.
 * @dev An ECDSA signature of 65 bytes (r, s, v) or 64 bytes (EIP-2098: r, yParity << 255 | s) is recovered with the
 * ecrecover precompile without copying it to memory or ABI-decoding it; high-s signatures are rejected (EIP-2),
 * as OpenZeppelin's ECDSA does. Only if that does not yield the signer is the signer asked through EIP-1271
 * (OpenZeppelin SignatureChecker, with the full ABI checks), so smart accounts work and EOAs pay no EXTCODESIZE.
 * Internal functions only: inlined into the caller, nothing to link.
 */
library BallotSignatures {
    /// @dev Upper bound of s (secp256k1 order / 2).
    uint256 private constant _HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @dev Whether `signatures[i]` is `signer`'s signature of `digest`. Requires `i < signatures.length`.
    function isValidAt(bytes[] calldata signatures, uint256 i, address signer, bytes32 digest) internal view returns (bool) {
        return recovers(offsetAt(signatures, i), signer, digest) || SignatureChecker.isValidERC1271SignatureNow(signer, digest, signatures[i]);
    }

    /// @dev Calldata offset of the length word of `signatures[i]` (`i < signatures.length`), without ABI checks:
    /// reads past the end of calldata yield zeros, i.e. no valid ECDSA signature, and the EIP-1271 path decodes
    /// `signatures[i]` with the full checks.
    function offsetAt(bytes[] calldata signatures, uint256 i) internal pure returns (uint256 at) {
        // the i-th head word is the offset of the element's length word, relative to the array's start
        assembly ("memory-safe") {
            at := add(signatures.offset, calldataload(add(signatures.offset, shl(5, i))))
        }
    }

    /// @dev Whether `signature` is `signer`'s signature of `digest`.
    function isValid(bytes calldata signature, address signer, bytes32 digest) internal view returns (bool) {
        uint256 at;
        // in ABI-encoded calldata the length word directly precedes the bytes
        assembly ("memory-safe") {
            at := sub(signature.offset, 0x20)
        }
        return recovers(at, signer, digest) || SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }

    /// @dev Whether the ECDSA signature whose length word is at calldata offset `at` recovers to `signer`.
    function recovers(uint256 at, address signer, bytes32 digest) internal view returns (bool ok) {
        // writes the precompile's input over the scratch space, the free memory pointer and the zero slot, and
        // restores the latter two before leaving
        assembly ("memory-safe") {
            let len := calldataload(at)
            let r := calldataload(add(at, 0x20))
            let s := calldataload(add(at, 0x40))
            let v := 0
            switch len
            case 65 {
                v := byte(0, calldataload(add(at, 0x60)))
            }
            case 64 {
                v := add(27, shr(255, s))
                s := and(s, 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff)
            }
            // v == 0: another length; a v other than 27/28 makes the precompile answer nothing
            if and(iszero(iszero(v)), iszero(gt(s, _HALF_ORDER))) {
                let fmp := mload(0x40)
                mstore(0x00, digest)
                mstore(0x20, v)
                mstore(0x40, r)
                mstore(0x60, s)
                if staticcall(gas(), 0x01, 0x00, 0x80, 0x00, 0x20) {
                    ok := and(gt(returndatasize(), 0x1f), eq(mload(0x00), and(signer, 0xffffffffffffffffffffffffffffffffffffffff)))
                }
                mstore(0x40, fmp)
                mstore(0x60, 0)
            }
        }
    }
}
