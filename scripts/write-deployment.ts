/**
 * `npm run deployment:write -- <chainId> [deploymentId]`: turns an Ignition deployment (e.g. after
 * `npx hardhat ignition deploy ignition/modules/Concord.ts --network baseSepolia --verify`) into
 * indexer/deployments/<chainId>.json, the file indexer/ponder.config.ts reads
 * (`CONCORD_DEPLOYMENT=<chainId>`, RPC from `PONDER_RPC_URL_<chainId>`).
 *
 * Addresses and deployment blocks come from Ignition's journal (ignition/deployments/<id>/journal.jsonl,
 * default id chain-<chainId>): each contract is named after its future id `<Module>#<ContractName>`.
 */
import path from "node:path";
import { writeDeployment } from "./lib/deployConcord.ts";
import { readIgnitionDeployment } from "./lib/ignitionJournal.ts";
import { DEPLOYMENTS_DIR, ROOT_DIR } from "./lib/paths.ts";

const [chainIdArg, deploymentIdArg] = process.argv.slice(2);
if (!chainIdArg || !/^\d+$/.test(chainIdArg)) {
  console.error("Usage: npm run deployment:write -- <chainId> [ignitionDeploymentId]   (e.g. 84532)");
  process.exit(1);
}
const chainId = Number(chainIdArg);
const dir = path.join(ROOT_DIR, "ignition", "deployments", deploymentIdArg ?? `chain-${chainId}`);
const deployment = readIgnitionDeployment(dir, chainId);
const file = path.join(DEPLOYMENTS_DIR, `${chainId}.json`);
writeDeployment(file, deployment);
console.log(`Wrote ${path.relative(ROOT_DIR, file)}:`);
for (const [name, { address, startBlock }] of Object.entries(deployment.contracts)) {
  console.log(`  ${name.padEnd(16)} ${address}  (block ${startBlock})`);
}
