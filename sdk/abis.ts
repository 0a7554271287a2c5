/**
 * The ABIs of the Concord contracts an agent talks to, re-exported from the generated modules in
 * indexer/abis/ (written from Hardhat's artifacts by `npm run abis` / `npm run dev`; never edited by hand).
 * The SDK takes them from there so it never loads Hardhat.
 */
import { LeaderElectionAbi } from "../indexer/abis/LeaderElectionAbi.ts";
import { LockManagerAbi } from "../indexer/abis/LockManagerAbi.ts";
import { MessageBusAbi } from "../indexer/abis/MessageBusAbi.ts";
import { ProposalsAbi } from "../indexer/abis/ProposalsAbi.ts";
import { SharedStateAbi } from "../indexer/abis/SharedStateAbi.ts";
import { StakingAbi } from "../indexer/abis/StakingAbi.ts";
import { SwarmRegistryAbi } from "../indexer/abis/SwarmRegistryAbi.ts";
import { TaskBoardAbi } from "../indexer/abis/TaskBoardAbi.ts";

export { LeaderElectionAbi, LockManagerAbi, MessageBusAbi, ProposalsAbi, SharedStateAbi, StakingAbi, SwarmRegistryAbi, TaskBoardAbi };

/** The coordination contracts' ABIs by contract name (the names used in deployment files). */
export const coordinationAbis = {
  SwarmRegistry: SwarmRegistryAbi,
  TaskBoard: TaskBoardAbi,
  SharedState: SharedStateAbi,
  MessageBus: MessageBusAbi,
} as const;

/** A coordination contract's name: SwarmRegistry | TaskBoard | SharedState | MessageBus. */
export type CoordinationContractName = keyof typeof coordinationAbis;

/** The names of the coordination contracts, in deployment order. */
export const COORDINATION_CONTRACTS = Object.keys(coordinationAbis) as CoordinationContractName[];

/** The consensus contracts' ABIs by contract name (the names used in deployment files). */
export const consensusAbis = {
  Staking: StakingAbi,
  LockManager: LockManagerAbi,
  LeaderElection: LeaderElectionAbi,
  Proposals: ProposalsAbi,
} as const;

/** A consensus contract's name: Staking | LockManager | LeaderElection | Proposals. */
export type ConsensusContractName = keyof typeof consensusAbis;

/** The names of the consensus contracts, in deployment order. */
export const CONSENSUS_CONTRACTS = Object.keys(consensusAbis) as ConsensusContractName[];
