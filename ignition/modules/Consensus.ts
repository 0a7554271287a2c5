/**
 * Consensus: stake-weighted voting and slashing (Staking), leased locks with fencing tokens (LockManager),
 * leader election with fencing terms (LeaderElection) and multi-option proposals (Proposals). Every contract
 * asks the registry of CoordinationModule who is a member.
 *
 * Staking is Ownable (owner = the deployer account): only the owner trusts the ballot sources whose signed
 * ballots may prove equivocation, so the module registers LeaderElection and Proposals right after deploying
 * them. On a real network, transfer Staking's ownership to a multisig afterwards.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CoordinationModule from "./Coordination.ts";

export default buildModule("Consensus", (m) => {
  const { swarmRegistry } = m.useModule(CoordinationModule);
  const staking = m.contract("Staking", [swarmRegistry]);
  const lockManager = m.contract("LockManager", [swarmRegistry]);
  const leaderElection = m.contract("LeaderElection", [swarmRegistry, staking]);
  const proposals = m.contract("Proposals", [swarmRegistry, staking]);
  // Two calls of the same function need distinct future ids.
  m.call(staking, "setBallotSource", [leaderElection, true], { id: "Staking_trust_LeaderElection" });
  m.call(staking, "setBallotSource", [proposals, true], { id: "Staking_trust_Proposals" });
  return { staking, lockManager, leaderElection, proposals };
});
