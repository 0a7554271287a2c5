/**
 * Deployment files: what `npm run dev` (or an Ignition deployment) writes to indexer/deployments/<chainId>.json:
 *
 *   { "chainId": 31337, "rpcUrl": "http://127.0.0.1:8545", "startBlock": 1,
 *     "contracts": { "SwarmRegistry": { "address": "0x…", "startBlock": 1 }, … } }
 */
import { readFile } from "node:fs/promises";
import { getAddress, isAddress, type Address } from "viem";
import { CONSENSUS_CONTRACTS, COORDINATION_CONTRACTS, type ConsensusContractName, type CoordinationContractName } from "./abis.ts";
import { DeploymentError } from "./errors.ts";

/** A deployed contract: its address and the block it was created in (where an indexer starts). */
export type DeployedContract = { address: Address; startBlock: number };

/** A Concord deployment on one chain. */
export type ConcordDeployment = {
  chainId: number;
  /** JSON-RPC URL of the chain, when the deployer knew one (local chains). */
  rpcUrl?: string;
  /** The lowest start block of all contracts. */
  startBlock: number;
  contracts: Record<string, DeployedContract>;
};

/** The addresses of the coordination contracts. */
export type ConcordAddresses = Record<CoordinationContractName, Address>;

/** The addresses of the consensus contracts. */
export type ConsensusAddresses = Record<ConsensusContractName, Address>;

function fail(message: string, details: Record<string, unknown>): never {
  throw new DeploymentError("deployment_invalid", message, details);
}

function blockNumber(value: unknown, where: string, source: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(`${source}: ${where} must be a non-negative integer, got ${JSON.stringify(value)}`, { source, where });
  }
  return value;
}

/** Validates a parsed deployment JSON (addresses checksummed on the way). `source` names it in errors. */
export function parseDeployment(json: unknown, source = "deployment"): ConcordDeployment {
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail(`${source} is not a JSON object`, { source });
  const record = json as Record<string, unknown>;
  const chainId = record.chainId;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) {
    fail(`${source}: chainId must be a positive integer, got ${JSON.stringify(chainId)}`, { source });
  }
  if (record.rpcUrl !== undefined && typeof record.rpcUrl !== "string") fail(`${source}: rpcUrl must be a string`, { source });
  const rawContracts = record.contracts;
  if (rawContracts === null || typeof rawContracts !== "object" || Array.isArray(rawContracts)) {
    fail(`${source}: contracts must be an object of { address, startBlock } by contract name`, { source });
  }
  const contracts: Record<string, DeployedContract> = {};
  for (const [name, entry] of Object.entries(rawContracts as Record<string, unknown>)) {
    const { address, startBlock } = (entry ?? {}) as Record<string, unknown>;
    if (typeof address !== "string" || !isAddress(address, { strict: false })) {
      fail(`${source}: contracts.${name}.address is not an address: ${JSON.stringify(address)}`, { source, contract: name });
    }
    contracts[name] = { address: getAddress(address), startBlock: blockNumber(startBlock, `contracts.${name}.startBlock`, source) };
  }
  const starts = Object.values(contracts).map((c) => c.startBlock);
  const startBlock =
    record.startBlock === undefined ? (starts.length > 0 ? Math.min(...starts) : 0) : blockNumber(record.startBlock, "startBlock", source);
  return { chainId, ...(record.rpcUrl === undefined ? {} : { rpcUrl: record.rpcUrl as string }), startBlock, contracts };
}

/** Reads and validates a deployment file. Throws DeploymentError (`deployment_not_found` / `deployment_invalid`). */
export async function readDeployment(file: string): Promise<ConcordDeployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new DeploymentError("deployment_not_found", `No deployment file at ${file} (start the local stack with \`npm run dev\`)`, { file }, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DeploymentError("deployment_invalid", `${file} is not valid JSON`, { file }, { cause: error });
  }
  return parseDeployment(json, file);
}

/** The coordination contracts' addresses; throws DeploymentError (`contract_missing`) if one is not deployed. */
export function coordinationAddresses(deployment: ConcordDeployment): ConcordAddresses {
  const missing = COORDINATION_CONTRACTS.filter((name) => deployment.contracts[name] === undefined);
  if (missing.length > 0) {
    throw new DeploymentError("contract_missing", `The deployment on chain ${deployment.chainId} has no ${missing.join(", ")}`, { missing });
  }
  return Object.fromEntries(COORDINATION_CONTRACTS.map((name) => [name, deployment.contracts[name]!.address])) as ConcordAddresses;
}

/** The consensus contracts' addresses; throws DeploymentError (`contract_missing`) if one is not deployed. */
export function consensusAddresses(deployment: ConcordDeployment): ConsensusAddresses {
  const missing = CONSENSUS_CONTRACTS.filter((name) => deployment.contracts[name] === undefined);
  if (missing.length > 0) {
    throw new DeploymentError("contract_missing", `The deployment on chain ${deployment.chainId} has no ${missing.join(", ")}`, { missing });
  }
  return Object.fromEntries(CONSENSUS_CONTRACTS.map((name) => [name, deployment.contracts[name]!.address])) as ConsensusAddresses;
}
