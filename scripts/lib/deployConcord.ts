/**
 * Deploys the Concord Ignition module (ignition/modules/Concord.ts, the same module that goes to Base)
 * to a JSON-RPC endpoint, and writes the deployment file the indexer reads:
 *
 *   { "chainId": 31337, "rpcUrl": "http://127.0.0.1:8545", "startBlock": 1,
 *     "contracts": { "SwarmRegistry": { "address": "0x…", "startBlock": 1 }, … } }
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Address } from "viem";
import type { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import ConcordModule from "../../ignition/modules/Concord.ts";
import { ROOT_DIR } from "./paths.ts";

export type ConcordDeployment = {
  chainId: number;
  /** Set for the local chain; real networks take the RPC from PONDER_RPC_URL_<chainId>. */
  rpcUrl?: string;
  /** The lowest start block of all contracts (where an indexer starts). */
  startBlock: number;
  contracts: Record<string, { address: Address; startBlock: number }>;
};

/** Any Ignition module whose results are contracts (what `buildModule` returns). */
export type ConcordLikeModule = ReturnType<typeof buildModule>;

export type DeployConcordOptions = {
  rpcUrl: string;
  /**
   * Ignition's deployment id: its journal lives in ignition/deployments/<id>. Default `chain-<chainId>`.
   * Stacks that run side by side (tests) must use distinct ids.
   */
  deploymentId?: string;
  /** Start from scratch: remove the deployment's journal first (default true: local chains are fresh). */
  reset?: boolean;
  /** Write the deployment JSON here too. */
  outFile?: string;
  /** The Ignition module (default ignition/modules/Concord.ts). */
  module?: ConcordLikeModule;
};

/** Deploys every Concord contract; returns addresses and the block each was deployed in. */
export async function deployConcord(options: DeployConcordOptions): Promise<ConcordDeployment> {
  const { rpcUrl, reset = true, outFile, module = ConcordModule } = options;
  // Imported lazily: loading Hardhat reads hardhat.config.ts, which only the deploy step needs.
  const { artifacts, network } = await import("hardhat");
  const connection = await network.connect({ network: "localhost", override: { url: rpcUrl } });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const chainId = await publicClient.getChainId();
    const deploymentId = options.deploymentId ?? `chain-${chainId}`;
    if (reset) rmSync(path.join(ROOT_DIR, "ignition", "deployments", deploymentId), { recursive: true, force: true });

    const firstBlock = (await publicClient.getBlockNumber()) + 1n;
    let deployed: Awaited<ReturnType<typeof connection.ignition.deploy>>;
    try {
      deployed = await connection.ignition.deploy(module, { deploymentId, displayUi: false });
    } catch (error) {
      throw new Error(`Ignition could not deploy ${module.id}: ${(error as Error).message}${await explainDeployFailure(module, artifacts)}`, {
        cause: error,
      });
    }
    const lastBlock = await publicClient.getBlockNumber();

    // The block each contract was created in: scan the (few) blocks the deployment mined.
    const createdAt = new Map<string, number>();
    for (let n = firstBlock; n <= lastBlock; n++) {
      const block = await publicClient.getBlock({ blockNumber: n, includeTransactions: true });
      for (const tx of block.transactions) {
        if (tx.to !== null) continue;
        const receipt = await publicClient.getTransactionReceipt({ hash: tx.hash });
        if (receipt.contractAddress) createdAt.set(receipt.contractAddress.toLowerCase(), Number(n));
      }
    }

    const contracts: ConcordDeployment["contracts"] = {};
    for (const [key, future] of Object.entries(module.results)) {
      const contract = (deployed as Record<string, { address: Address }>)[key];
      if (contract === undefined) throw new Error(`Ignition returned no contract for ${key}`);
      contracts[future.contractName] = {
        address: contract.address,
        startBlock: createdAt.get(contract.address.toLowerCase()) ?? Number(firstBlock),
      };
    }
    const startBlocks = Object.values(contracts).map((c) => c.startBlock);
    const deployment: ConcordDeployment = {
      chainId,
      rpcUrl,
      startBlock: startBlocks.length > 0 ? Math.min(...startBlocks) : Number(firstBlock),
      contracts,
    };
    if (outFile) writeDeployment(outFile, deployment);
    return deployment;
  } finally {
    await connection.close();
  }
}

export function writeDeployment(file: string, deployment: ConcordDeployment): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(deployment, null, 2) + "\n");
}

/** EIP-170: the largest runtime bytecode a chain accepts (Base and the Hardhat node enforce it). */
const MAX_RUNTIME_BYTES = 24_576;

/** A hint for the usual cause of "Reverted without reason" at deployment: a contract over EIP-170. */
async function explainDeployFailure(
  module: ConcordLikeModule,
  artifacts: { readArtifact: (name: string) => Promise<{ deployedBytecode: string }> },
): Promise<string> {
  const names = new Set<string>();
  const visit = (m: ConcordLikeModule) => {
    for (const future of m.futures) if ("contractName" in future) names.add(String(future.contractName));
    for (const sub of m.submodules) visit(sub as ConcordLikeModule);
  };
  visit(module);
  const tooBig: string[] = [];
  for (const name of names) {
    try {
      const bytes = ((await artifacts.readArtifact(name)).deployedBytecode.length - 2) / 2;
      if (bytes > MAX_RUNTIME_BYTES) tooBig.push(`${name} (${bytes} bytes)`);
    } catch {
      // Not a compiled artifact (e.g. a contractAt by ABI): nothing to measure.
    }
  }
  return tooBig.length === 0
    ? ""
    : `\nLikely cause: runtime bytecode over the EIP-170 limit of ${MAX_RUNTIME_BYTES} bytes: ${tooBig.join(", ")}.`;
}
