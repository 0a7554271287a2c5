/** Reads what Ignition deployed (addresses and deployment blocks) from a deployment's journal. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Address } from "viem";
import type { ConcordDeployment } from "./deployConcord.ts";

type JournalMessage = {
  type: string;
  futureId?: string;
  receipt?: { blockNumber: number; contractAddress?: Address; status: string };
};

/**
 * Every contract the journal shows deployed (a TRANSACTION_CONFIRM with a contract address), named after
 * the part of its future id after `#` (`Coordination#TaskBoard` → TaskBoard). rpcUrl is left out: real
 * networks take it from PONDER_RPC_URL_<chainId>.
 */
export function readIgnitionDeployment(deploymentDir: string, chainId: number): ConcordDeployment {
  const journal = path.join(deploymentDir, "journal.jsonl");
  if (!existsSync(journal)) throw new Error(`No Ignition journal at ${journal}: deploy with Ignition first.`);
  const contracts: ConcordDeployment["contracts"] = {};
  for (const line of readFileSync(journal, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const message = JSON.parse(line) as JournalMessage;
    if (message.type !== "TRANSACTION_CONFIRM" || !message.futureId || !message.receipt?.contractAddress) continue;
    if (message.receipt.status !== "SUCCESS") continue;
    const name = message.futureId.slice(message.futureId.indexOf("#") + 1);
    if (contracts[name] && contracts[name].address.toLowerCase() !== message.receipt.contractAddress.toLowerCase()) {
      throw new Error(`Two deployments named ${name} in ${journal}; give the futures distinct contract names.`);
    }
    contracts[name] = { address: message.receipt.contractAddress, startBlock: Number(message.receipt.blockNumber) };
  }
  const blocks = Object.values(contracts).map((c) => c.startBlock);
  if (blocks.length === 0) throw new Error(`${journal} shows no deployed contract.`);
  return { chainId, startBlock: Math.min(...blocks), contracts };
}
