/**
 * Typed viem bindings of the coordination contracts:
 *
 *   const concord = getConcordContracts(coordinationAddresses(deployment), { public: publicClient, wallet });
 *   await concord.TaskBoard.write.claimNext([swarmId, zeroHash]);
 *   const task = await concord.TaskBoard.read.getTask([taskId]);
 */
import { getContract, type Client, type GetContractReturnType } from "viem";
import { LeaderElectionAbi, LockManagerAbi, MessageBusAbi, ProposalsAbi, SharedStateAbi, StakingAbi, SwarmRegistryAbi, TaskBoardAbi } from "./abis.ts";
import type { ConcordAddresses, ConsensusAddresses } from "./deployment.ts";

/** The clients a binding uses: `public` for reads, `wallet` (with an account) for writes; at least one. */
export type ConcordClients = { public?: Client; wallet: Client } | { public: Client; wallet?: Client };

export type ConcordContracts<clients extends ConcordClients> = {
  SwarmRegistry: GetContractReturnType<typeof SwarmRegistryAbi, clients>;
  TaskBoard: GetContractReturnType<typeof TaskBoardAbi, clients>;
  SharedState: GetContractReturnType<typeof SharedStateAbi, clients>;
  MessageBus: GetContractReturnType<typeof MessageBusAbi, clients>;
};

/** viem contract instances of SwarmRegistry, TaskBoard, SharedState and MessageBus. */
export function getConcordContracts<const clients extends ConcordClients>(
  addresses: ConcordAddresses,
  client: clients,
): ConcordContracts<clients> {
  return {
    SwarmRegistry: getContract({ address: addresses.SwarmRegistry, abi: SwarmRegistryAbi, client }),
    TaskBoard: getContract({ address: addresses.TaskBoard, abi: TaskBoardAbi, client }),
    SharedState: getContract({ address: addresses.SharedState, abi: SharedStateAbi, client }),
    MessageBus: getContract({ address: addresses.MessageBus, abi: MessageBusAbi, client }),
  } as ConcordContracts<clients>;
}

export type ConsensusContracts<clients extends ConcordClients> = {
  Staking: GetContractReturnType<typeof StakingAbi, clients>;
  LockManager: GetContractReturnType<typeof LockManagerAbi, clients>;
  LeaderElection: GetContractReturnType<typeof LeaderElectionAbi, clients>;
  Proposals: GetContractReturnType<typeof ProposalsAbi, clients>;
};

/** viem contract instances of Staking, LockManager, LeaderElection and Proposals. */
export function getConsensusContracts<const clients extends ConcordClients>(
  addresses: ConsensusAddresses,
  client: clients,
): ConsensusContracts<clients> {
  return {
    Staking: getContract({ address: addresses.Staking, abi: StakingAbi, client }),
    LockManager: getContract({ address: addresses.LockManager, abi: LockManagerAbi, client }),
    LeaderElection: getContract({ address: addresses.LeaderElection, abi: LeaderElectionAbi, client }),
    Proposals: getContract({ address: addresses.Proposals, abi: ProposalsAbi, client }),
  } as ConsensusContracts<clients>;
}
