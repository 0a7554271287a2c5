/**
 * Ponder config: chain and contracts come from a deployment file, never from hand-edited addresses.
 *
 * - Deployment: $CONCORD_DEPLOYMENT (a path to a deployment JSON, or a chain id meaning
 *   indexer/deployments/<id>.json); default indexer/deployments/31337.json, which `npm run dev` writes.
 * - RPC: $PONDER_RPC_URL_<chainId> if set (real networks), else the deployment's rpcUrl (local chain).
 * - New heads: over WebSocket from $PONDER_WS_URL_<chainId> if set, else (local chain) the rpcUrl's port
 *   (`hardhat node` serves WebSocket there); polling otherwise.
 * - Contracts: every ABI in indexer/abis (generated from the artifacts) that the deployment has an address
 *   for, under its contract name (`ponder.on("TaskBoard:TaskClaimed", …)`), from its deployment block.
 * - Database: PGlite in $CONCORD_PGLITE_DIR if set; else Postgres when $DATABASE_URL is set; else PGlite in
 *   indexer/.ponder/pglite (Ponder's default).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createConfig } from "ponder";
import type { Abi, Address } from "viem";
import { concordAbis } from "./abis/index.ts";

type Deployment = {
  chainId: number;
  rpcUrl?: string;
  startBlock: number;
  contracts: Record<string, { address: Address; startBlock: number }>;
};

const LOCAL_CHAIN_ID = 31337;
const CHAIN_NAMES: Record<number, string> = { 31337: "localhost", 84532: "baseSepolia", 8453: "base" };

const indexerDir = path.dirname(fileURLToPath(import.meta.url));

function deploymentPath(): string {
  const selected = process.env.CONCORD_DEPLOYMENT?.trim() || String(LOCAL_CHAIN_ID);
  if (/^\d+$/.test(selected)) return path.join(indexerDir, "deployments", `${selected}.json`);
  return path.resolve(selected);
}

function readDeployment(file: string): Deployment {
  if (!existsSync(file)) {
    throw new Error(
      `No Concord deployment at ${file}. For the local chain run \`npm run dev\` (it deploys and writes it); ` +
        "for a real network deploy with Ignition and write indexer/deployments/<chainId>.json (see README).",
    );
  }
  const deployment = JSON.parse(readFileSync(file, "utf8")) as Deployment;
  if (!Number.isInteger(deployment.chainId) || typeof deployment.contracts !== "object" || deployment.contracts === null) {
    throw new Error(`${file} is not a Concord deployment (needs chainId and contracts)`);
  }
  return deployment;
}

const deployment = readDeployment(deploymentPath());
const chainId = deployment.chainId;
const chainName = CHAIN_NAMES[chainId] ?? `chain${chainId}`;
const rpc = process.env[`PONDER_RPC_URL_${chainId}`] ?? deployment.rpcUrl;
if (!rpc) throw new Error(`Set PONDER_RPC_URL_${chainId} (the deployment has no rpcUrl)`);
/** WebSocket RPC for new heads: $PONDER_WS_URL_<chainId>, else on the local chain the node's own port. */
const wsUrl =
  process.env[`PONDER_WS_URL_${chainId}`] ??
  (chainId === LOCAL_CHAIN_ID && /^https?:\/\//.test(rpc) ? rpc.replace(/^http/, "ws") : undefined);

type ConcordContracts<abis extends Record<string, Abi>> = {
  [name in keyof abis]: { abi: abis[name]; chain: string; address: Address; startBlock: number };
};

/** One Ponder contract per ABI the deployment has an address for. */
function concordContracts<const abis extends Record<string, Abi>>(abis: abis): ConcordContracts<abis> {
  const contracts: Record<string, ConcordContracts<abis>[keyof abis]> = {};
  for (const [name, abi] of Object.entries(abis)) {
    const deployed = deployment.contracts[name];
    // A contract that is compiled but not (yet) deployed by ignition/modules/Concord.ts is not indexed.
    if (deployed === undefined) continue;
    contracts[name] = { abi, chain: chainName, address: deployed.address, startBlock: deployed.startBlock } as ConcordContracts<abis>[keyof abis];
  }
  return contracts as ConcordContracts<abis>;
}

export default createConfig({
  database: process.env.CONCORD_PGLITE_DIR ? { kind: "pglite", directory: process.env.CONCORD_PGLITE_DIR } : undefined,
  chains: {
    [chainName]: {
      id: chainId,
      rpc,
      // A local chain restarts from block 0 with the same id: never reuse cached RPC answers for it.
      disableCache: chainId === LOCAL_CHAIN_ID,
      // New heads pushed over WebSocket (`eth_subscribe newHeads`) instead of polled: `hardhat node` serves
      // WebSocket on its HTTP port; $PONDER_WS_URL_<chainId> for real networks. Ponder falls back to polling
      // after repeated WebSocket failures.
      ws: wsUrl,
      // Blocks come every few ms on the local chain (automine): poll often (Ponder's minimum is 100 ms) when
      // Ponder has to poll (no WebSocket, or it failed).
      pollingInterval: chainId === LOCAL_CHAIN_ID ? 100 : 1_000,
    },
  },
  contracts: concordContracts(concordAbis),
});
