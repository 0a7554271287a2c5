/**
 * The whole local stack, step by step: build → ABIs → chain → deploy → indexer → relay (opt-in: `relay`).
 * `npm run dev` (scripts/dev.ts) runs it on the default ports; test/e2e/harness.ts and the benchmarks run
 * it on free ports in a temp dir. Every child joins one ProcessGroup, so `stop()` ends them all.
 *
 * Adding a process (e.g. the relay): write scripts/lib/startRelay.ts like startIndexer.ts, then add one
 * step below with `group` and the URLs it needs, and put its URLs in `Stack`.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { deployConcord, type ConcordDeployment } from "./deployConcord.ts";
import { exportAbis } from "./exportAbis.ts";
import { DEFAULTS, HARDHAT_CLI, ROOT_DIR } from "./paths.ts";
import { ProcessGroup, type ManagedProcess } from "./processes.ts";
import { startHardhatNode, type HardhatNode } from "./startHardhatNode.ts";
import { startIndexer, type Indexer } from "./startIndexer.ts";
import { startRelay, type RelayProcess } from "./startRelay.ts";

export type StackOptions = {
  host?: string;
  chainPort?: number;
  indexerPort?: number;
  /** Logs (and, unless given elsewhere, the deployment file) go here. */
  workDir: string;
  /** Default <workDir>/deployments/<chainId>.json. */
  deploymentFile?: string;
  /** Ignition deployment id (see deployConcord); distinct per concurrently running stack. */
  deploymentId?: string;
  /** PGlite data dir; default <indexerDir>/.ponder/pglite. */
  pgliteDir?: string;
  indexerDir?: string;
  indexerSchema?: string;
  /** Delete the indexer's PGlite data before starting it (see startIndexer's `wipe`). */
  wipeIndexer?: boolean;
  /** Run `hardhat build` first (default true). */
  build?: boolean;
  /** Regenerate indexer/abis from the artifacts (default true). */
  exportAbis?: boolean;
  echoChain?: boolean;
  echoIndexer?: boolean | ((line: string) => boolean);
  indexerEnv?: NodeJS.ProcessEnv;
  /**
   * Also start the relay (indexer/relay/main.ts) on this port, PGlite in `dataDir` (wiped first when `wipe`).
   * Off by default: tests start their own relays.
   */
  relay?: { port: number; dataDir: string; wipe?: boolean; echo?: boolean | ((line: string) => boolean); env?: NodeJS.ProcessEnv };
  /** Progress messages (default: silent). */
  log?: (message: string) => void;
  /** The group children join (default: a new one). Pass one to stop children started before a failure. */
  group?: ProcessGroup;
  /** A child exited on its own after start-up. */
  onUnexpectedExit?: (proc: ManagedProcess) => void;
};

export type Stack = {
  group: ProcessGroup;
  chain: HardhatNode;
  deployment: ConcordDeployment;
  deploymentFile: string;
  indexer: Indexer;
  /** Present when `relay` was asked for. */
  relay?: RelayProcess;
  workDir: string;
  /** Stops every child process (newest first) and waits until they are gone. Idempotent. */
  stop: () => Promise<void>;
};

export async function startStack(options: StackOptions): Promise<Stack> {
  const {
    host = DEFAULTS.host,
    chainPort = DEFAULTS.chainPort,
    indexerPort = DEFAULTS.indexerPort,
    workDir,
    log = () => {},
  } = options;
  const logsDir = path.join(workDir, "logs");
  const group = options.group ?? new ProcessGroup();
  if (options.onUnexpectedExit) group.onUnexpectedExit(options.onUnexpectedExit);
  try {
    if (options.build ?? true) {
      log("Compiling contracts (hardhat build)…");
      execFileSync(process.execPath, [HARDHAT_CLI, "build", "--quiet"], { cwd: ROOT_DIR, stdio: "inherit" });
    }
    if (options.exportAbis ?? true) {
      const names = exportAbis();
      log(`Exported ${names.length} ABIs to indexer/abis/: ${names.join(", ")}`);
    }

    log(`Starting the Hardhat node on ${host}:${chainPort}…`);
    const chain = await startHardhatNode({
      group,
      host,
      port: chainPort,
      logFile: path.join(logsDir, "chain.log"),
      echo: options.echoChain,
    });

    log("Deploying Concord with Ignition (ignition/modules/Concord.ts)…");
    const deploymentFile = options.deploymentFile ?? path.join(workDir, "deployments", `${chain.chainId}.json`);
    const deployment = await deployConcord({
      rpcUrl: chain.rpcUrl,
      deploymentId: options.deploymentId,
      outFile: deploymentFile,
    });
    log(`Wrote ${path.relative(ROOT_DIR, deploymentFile) || deploymentFile}`);

    log(`Starting the Ponder indexer on ${host}:${indexerPort} and waiting for /ready…`);
    const indexer = await startIndexer({
      group,
      host,
      port: indexerPort,
      deploymentFile,
      indexerDir: options.indexerDir,
      pgliteDir: options.pgliteDir,
      schema: options.indexerSchema,
      wipe: options.wipeIndexer,
      logFile: path.join(logsDir, "indexer.log"),
      echo: options.echoIndexer,
      env: options.indexerEnv,
    });

    let relay: RelayProcess | undefined;
    if (options.relay) {
      log(`Starting the relay on ${host}:${options.relay.port}…`);
      relay = await startRelay({
        group,
        host,
        port: options.relay.port,
        indexerUrl: indexer.urls.api,
        deploymentFile,
        dataDir: options.relay.dataDir,
        wipe: options.relay.wipe,
        logFile: path.join(logsDir, "relay.log"),
        echo: options.relay.echo,
        env: options.relay.env,
      });
    }

    return { group, chain, deployment, deploymentFile, indexer, relay, workDir, stop: () => group.stopAll() };
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}
