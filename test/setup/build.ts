import { execFileSync } from "node:child_process";
import { exportAbis } from "../../scripts/lib/exportAbis.ts";
import { HARDHAT_CLI, ROOT_DIR } from "../../scripts/lib/paths.ts";

/**
 * Runs once before any test file: compiles the contracts (tests deploy from artifacts/) and regenerates the
 * ABIs in indexer/abis/ (generated, not committed), which the SDK, the indexer and the e2e tests import.
 */
export default function setup(): void {
  execFileSync(process.execPath, [HARDHAT_CLI, "build", "--quiet"], { cwd: ROOT_DIR, stdio: "inherit" });
  exportAbis();
}
