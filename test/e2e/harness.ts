/**
 * Whole-stack test harness: a Hardhat node, the Concord Ignition deployment and the Ponder indexer (on
 * PGlite), on free ports with every file in a fresh temp dir, plus viem clients for the dev accounts.
 *
 *   const stack = await startStack();
 *   await stack.walletClients[0].writeContract({ address: stack.addresses.SwarmRegistry, abi, … });
 *   await stack.waitForIndexed(receipt.blockNumber);   // or poll a query:
 *   await stack.waitForGraphql(`{ swarm(id: "1") { id } }`, (d) => d.swarm !== null);
 *   await stack.stop(); // in afterAll
 *
 * The children are started by scripts/lib (the same code as `npm run dev`). Contracts must be compiled
 * (vitest's globalSetup runs `hardhat build`; pass `build: true` elsewhere, e.g. in benchmarks).
 * CONCORD_E2E_KEEP=1 keeps the temp dir (logs: <workDir>/logs/{chain,indexer}.log) after stop().
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  http,
  type Account,
  type Address,
  type Chain,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { ConcordDeployment } from "../../scripts/lib/deployConcord.ts";
import { ROOT_DIR } from "../../scripts/lib/paths.ts";
import { startStack as startLocalStack, type Stack } from "../../scripts/lib/stack.ts";
import { waitForIndexedBlock, type IndexerStatus, type IndexerUrls } from "../../scripts/lib/startIndexer.ts";
import { getFreePort, waitFor } from "../../scripts/lib/waitFor.ts";
import { startRelay, type RelayProcess } from "../../scripts/lib/startRelay.ts";

/** The mnemonic `hardhat node` funds (10000 ETH on each of its first 20 accounts). Public: dev only. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

export type StartStackOptions = {
  /** Run `hardhat build` first (default false: vitest's globalSetup already built). */
  build?: boolean;
  /** How many funded dev accounts get a wallet client (max 20, default 10). */
  accounts?: number;
  /** Print the indexer's (and chain's) output on stdout, prefixed. Default: CONCORD_E2E_ECHO=1. */
  echo?: boolean;
  /** Keep the temp dir after stop() (default: CONCORD_E2E_KEEP=1). */
  keepWorkDir?: boolean;
  /** Extra env for the indexer, e.g. { PONDER_LOG_LEVEL: "debug" }. */
  indexerEnv?: NodeJS.ProcessEnv;
};

export type DevWalletClient = WalletClient<Transport, Chain, Account>;

export type TestStack = {
  /** Chain JSON-RPC, e.g. http://127.0.0.1:40123 (chain id 31337). */
  rpcUrl: string;
  /** Indexer HTTP base URL (Hono app + Ponder's /health, /ready, /status, /metrics). */
  apiUrl: string;
  urls: IndexerUrls;
  /** Deployed address by contract name: SwarmRegistry, TaskBoard, SharedState, MessageBus, … */
  addresses: Record<string, Address>;
  deployment: ConcordDeployment;
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** One per funded dev account (local signing with the dev mnemonic), account #0 first. */
  walletClients: DevWalletClient[];
  /** Temp dir with logs/, deployments/, pglite/. */
  workDir: string;
  /** Ignition's journal of this deployment (ignition/deployments/e2e-…), removed on stop(). */
  ignitionDir: string;
  /** The underlying stack (process group, child processes) for harness extensions, e.g. a relay. */
  stack: Stack;
  /** POSTs a GraphQL query; throws on HTTP or GraphQL errors; returns `data`. */
  graphql: <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => Promise<T>;
  /** Polls a GraphQL query until `until(data)` is true (the indexer follows the chain within ~1 s). */
  waitForGraphql: <T = Record<string, unknown>>(
    query: string,
    until: (data: T) => boolean,
    options?: { variables?: Record<string, unknown>; timeoutMs?: number },
  ) => Promise<T>;
  /**
   * Waits until the indexer has indexed block `blockNumber` (default: the chain's current head), e.g.
   * `await stack.waitForIndexed(receipt.blockNumber)` before reading what a transaction did.
   */
  waitForIndexed: (blockNumber?: bigint) => Promise<IndexerStatus>;
  /** Stops every child process and removes the temp dir. Idempotent. */
  stop: () => Promise<void>;
};

export async function startStack(options: StartStackOptions = {}): Promise<TestStack> {
  const echo = options.echo ?? process.env.CONCORD_E2E_ECHO === "1";
  const keep = options.keepWorkDir ?? process.env.CONCORD_E2E_KEEP === "1";
  const workDir = mkdtempSync(path.join(os.tmpdir(), "concord-e2e-"));
  // Ignition keeps a journal per deployment id in ignition/deployments/<id>: one per stack, removed on stop.
  const deploymentId = `e2e-${path.basename(workDir)}`;
  const ignitionDir = path.join(ROOT_DIR, "ignition", "deployments", deploymentId);
  const cleanUp = () => {
    rmSync(ignitionDir, { recursive: true, force: true });
    if (!keep) rmSync(workDir, { recursive: true, force: true });
  };

  let stack: Stack;
  try {
    stack = await startLocalStack({
      workDir,
      chainPort: await getFreePort(),
      indexerPort: await getFreePort(),
      deploymentId,
      pgliteDir: path.join(workDir, "pglite"),
      build: options.build ?? false,
      exportAbis: true,
      echoChain: false,
      echoIndexer: echo,
      indexerEnv: { PONDER_LOG_LEVEL: echo ? "info" : "warn", ...options.indexerEnv },
    });
  } catch (error) {
    console.error(`startStack failed; logs in ${path.join(workDir, "logs")}`);
    rmSync(ignitionDir, { recursive: true, force: true });
    throw error;
  }

  const { deployment, indexer } = stack;
  const rpcUrl = stack.chain.rpcUrl;
  const chain: Chain = { ...hardhat, id: deployment.chainId, rpcUrls: { default: { http: [rpcUrl] } } };
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100, cacheTime: 0 }); // no cached block number: tests compare heights right after their own transactions
  const walletClients = Array.from({ length: Math.min(options.accounts ?? 10, 20) }, (_, addressIndex) =>
    createWalletClient({ chain, transport, account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex }) }),
  );
  const addresses = Object.fromEntries(Object.entries(deployment.contracts).map(([name, c]) => [name, c.address]));

  const graphql = async <T,>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const response = await fetch(indexer.urls.graphql, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`GraphQL HTTP ${response.status}: ${text}`);
    const body = JSON.parse(text) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`GraphQL errors: ${body.errors.map((e) => e.message).join("; ")}`);
    return body.data as T;
  };

  const waitForGraphql = async <T,>(
    query: string,
    until: (data: T) => boolean,
    { variables, timeoutMs = 120_000 }: { variables?: Record<string, unknown>; timeoutMs?: number } = {},
  ): Promise<T> =>
    waitFor(
      async () => {
        const data = await graphql<T>(query, variables);
        return until(data) ? data : undefined;
      },
      {
        label: `the indexer to answer ${query.replace(/\s+/g, " ").trim()}`,
        timeoutMs,
        intervalMs: 100,
        abortReason: () => (indexer.process.running ? undefined : indexer.process.describeExit()),
      },
    );

  const waitForIndexed = async (blockNumber?: bigint) =>
    waitForIndexedBlock(indexer.urls, blockNumber ?? (await publicClient.getBlockNumber()), {
      abortReason: () => (indexer.process.running ? undefined : indexer.process.describeExit()),
    });

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= stack.stop().finally(cleanUp);
    return stopped;
  };

  return {
    rpcUrl,
    apiUrl: indexer.urls.api,
    urls: indexer.urls,
    addresses,
    deployment,
    chain,
    publicClient,
    walletClients,
    workDir,
    ignitionDir,
    stack,
    graphql,
    waitForGraphql,
    waitForIndexed,
    stop,
  };
}

export type StackRelayOptions = {
  /** Process name, data directory and log file name (default "relay"). */
  name?: string;
  /** Extra environment (RELAY_*), on top of RELAY_ALLOW_LOOPBACK=1. */
  env?: NodeJS.ProcessEnv;
  /** PGlite data directory (default `<workDir>/<name>`), or Postgres. */
  dataDir?: string;
  databaseUrl?: string;
  dbSchema?: string;
};

/** Starts a relay process for `stack` on a free port (in the stack's process group: stack.stop() ends it too). */
export async function startStackRelay(stack: TestStack, options: StackRelayOptions = {}): Promise<RelayProcess> {
  const name = options.name ?? "relay";
  return startRelay({
    group: stack.stack.group,
    host: "127.0.0.1",
    port: await getFreePort(),
    indexerUrl: stack.apiUrl,
    deploymentFile: stack.stack.deploymentFile,
    dataDir: options.dataDir ?? path.join(stack.workDir, name),
    databaseUrl: options.databaseUrl,
    dbSchema: options.dbSchema,
    name,
    logFile: path.join(stack.workDir, "logs", `${name}.log`),
    echo: process.env.CONCORD_E2E_ECHO === "1",
    env: { RELAY_ALLOW_LOOPBACK: "1", ...options.env },
  });
}
