/**
 * `npm run abis`: writes indexer/abis/*.ts from artifacts/ (run `npx hardhat build` first, or pass --build).
 */
import { execFileSync } from "node:child_process";
import { exportAbis } from "./lib/exportAbis.ts";
import { ABIS_DIR, HARDHAT_CLI, ROOT_DIR } from "./lib/paths.ts";

if (process.argv.includes("--build")) {
  execFileSync(process.execPath, [HARDHAT_CLI, "build", "--quiet"], { cwd: ROOT_DIR, stdio: "inherit" });
}
const names = exportAbis();
console.log(`Wrote ${names.length} ABIs to ${ABIS_DIR}: ${names.join(", ")}`);
