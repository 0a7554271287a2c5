import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Runs once before any test file: compiles the contracts (tests deploy from artifacts/) and regenerates the
 * ABIs in indexer/abis/ (generated, not committed), which the SDK, the indexer and the e2e tests import.
 * A child process, because the stack's path helpers use `import.meta.resolve`, which vite's runner lacks.
 */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/export-abis.ts", "--build"], { cwd: root, stdio: "inherit" });
}
