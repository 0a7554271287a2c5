// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @dev Benchmark-only ERC20Votes token (bench/consensus.bench.ts): the voting token of {BenchGovernor}, the
 * OpenZeppelin Governor that Concord's Proposals is compared with. Standard OpenZeppelin 5 composition
 * (ERC20 + ERC20Permit + ERC20Votes, block-number clock); the supply is minted once, in the constructor.
 */
contract BenchVotesToken is ERC20, ERC20Permit, ERC20Votes {
    constructor(address[] memory holders, uint256 amountEach) ERC20("Bench Votes", "BVOTE") ERC20Permit("Bench Votes") {
        for (uint256 i; i < holders.length; ++i) {
            _mint(holders[i], amountEach);
        }
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
