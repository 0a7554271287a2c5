/**
 * `npm run demo`: simulated agents exercise the coordination contracts on a running local stack
 * (`npm run dev` in another terminal), then the indexer's view is compared with the chain's.
 * Exit code 0 when they agree, 1 when they differ (the differences are printed), 2 when the demo failed.
 *
 * Env: CONCORD_RPC_URL (default http://127.0.0.1:8545), CONCORD_API_URL (default http://127.0.0.1:42069),
 * CONCORD_DEPLOYMENT (a deployment JSON path, or a chain id meaning indexer/deployments/<id>.json;
 * default indexer/deployments/31337.json), CONCORD_DEMO_TASKS (default 20), CONCORD_DEMO_DEBUG=1 (full errors).
 */
import path from "node:path";
import { DEMO_DEFAULTS, runDemo } from "./lib/demo/runDemo.ts";

function deploymentFile(): string {
  const selected = process.env.CONCORD_DEPLOYMENT?.trim();
  if (!selected) return DEMO_DEFAULTS.deploymentFile;
  if (/^\d+$/.test(selected)) return path.join(path.dirname(DEMO_DEFAULTS.deploymentFile), `${selected}.json`);
  return path.resolve(selected);
}

function taskCount(): number | undefined {
  const raw = process.env.CONCORD_DEMO_TASKS?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 8 || Number(raw) > 200) {
    console.error(`CONCORD_DEMO_TASKS must be an integer between 8 and 200, got "${raw}"`);
    process.exit(2);
  }
  return Number(raw);
}

try {
  const report = await runDemo({
    rpcUrl: process.env.CONCORD_RPC_URL?.trim() || DEMO_DEFAULTS.rpcUrl,
    apiUrl: process.env.CONCORD_API_URL?.trim() || DEMO_DEFAULTS.apiUrl,
    deploymentFile: deploymentFile(),
    tasks: taskCount(),
  });
  process.exitCode = report.consistent ? 0 : 1;
} catch (error) {
  // viem errors are long (request body, version): the first line and the node's details say enough.
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split("\n").filter((line, i) => i === 0 || line.startsWith("URL:") || line.startsWith("Details:"));
  console.error(`\ndemo failed: ${lines.join("\n  ")}`);
  if (process.env.CONCORD_DEMO_DEBUG === "1") console.error(error);
  console.error("Is the stack running? Start it with `npm run dev` (or point CONCORD_RPC_URL / CONCORD_API_URL / CONCORD_DEPLOYMENT at one).");
  process.exitCode = 2;
}
