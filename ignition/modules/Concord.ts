/**
 * Everything Concord deploys, one area module per line. The same module goes to the local chain
 * (`npm run dev`, `npm run deploy:local`) and to Base Sepolia / Base
 * (`npx hardhat ignition deploy ignition/modules/Concord.ts --network baseSepolia --verify`).
 *
 * Adding an area: write ignition/modules/<Area>.ts (take the registry from CoordinationModule with
 * m.useModule), then add one `...m.useModule(<Area>Module),` line below. Result keys become the contract
 * names in indexer/deployments/<chainId>.json, so each future's contract name is what Ponder indexes.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import CoordinationModule from "./Coordination.ts";
import ConsensusModule from "./Consensus.ts"; // Staking, LockManager, LeaderElection, Proposals
import PerceptionModule from "./Perception.ts"; // SubscriptionRegistry
import TimeModule from "./Time.ts"; // ScheduleRegistry, Attestations

export default buildModule("Concord", (m) => {
  return {
    ...m.useModule(CoordinationModule),
    ...m.useModule(ConsensusModule),
    ...m.useModule(PerceptionModule),
    ...m.useModule(TimeModule),
  };
});
