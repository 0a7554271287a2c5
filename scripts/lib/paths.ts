/** Where things are in the repository, and the local stack's defaults. */
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS_DIR = path.join(ROOT_DIR, "artifacts");
export const INDEXER_DIR = path.join(ROOT_DIR, "indexer");
export const ABIS_DIR = path.join(INDEXER_DIR, "abis");
export const DEPLOYMENTS_DIR = path.join(INDEXER_DIR, "deployments");
export const DEV_DIR = path.join(ROOT_DIR, ".dev");

/** CLIs are run with the Node that runs us (Node 24 from node_modules), not whatever `node` is on PATH. */
export const HARDHAT_CLI = path.join(path.dirname(require.resolve("hardhat/package.json")), "dist/src/cli.js");
// ponder exports neither package.json nor a CommonJS entry: its bin is found from the ESM entry.
export const PONDER_CLI = path.join(path.dirname(fileURLToPath(import.meta.resolve("ponder"))), "bin/ponder.js");

export const DEFAULTS = {
  host: "127.0.0.1",
  chainPort: 8545,
  chainId: 31337,
  indexerPort: 42069,
  relayPort: 42070,
  /** Postgres schema Ponder writes its tables to (`ponder start --schema`). */
  indexerSchema: "concord",
} as const;
