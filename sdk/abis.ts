/**
 * The ABIs of the Concord contracts an agent talks to, re-exported from the generated modules in
 * indexer/abis/ (written from Hardhat's artifacts by `npm run abis` / `npm run dev`; never edited by hand).
 * The SDK takes them from there so it never loads Hardhat.
 */
import { MessageBusAbi } from "../indexer/abis/MessageBusAbi.ts";
import { SharedStateAbi } from "../indexer/abis/SharedStateAbi.ts";
import { SwarmRegistryAbi } from "../indexer/abis/SwarmRegistryAbi.ts";
import { TaskBoardAbi } from "../indexer/abis/TaskBoardAbi.ts";

export { MessageBusAbi, SharedStateAbi, SwarmRegistryAbi, TaskBoardAbi };

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
