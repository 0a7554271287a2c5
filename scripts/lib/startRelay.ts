/**
 * Starts the Concord relay (`node indexer/relay/main.ts`) against an indexer and waits for its /health.
 * Storage: PGlite in `dataDir` (default), or Postgres with `databaseUrl` (+ `dbSchema`). DATABASE_URL from
 * our own environment is NOT passed on unless given here, like startIndexer.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { ROOT_DIR } from "./paths.ts";
import type { ManagedProcess, ProcessGroup } from "./processes.ts";
import { assertPortFree, waitForHttpOk } from "./waitFor.ts";

export const RELAY_MAIN = path.join(ROOT_DIR, "indexer", "relay", "main.ts");

export type RelayOptions = {
  group: ProcessGroup;
  host: string;
  port: number;
  /** The indexer's base URL (its /v1/events, /v1/subscriptions, /status). */
  indexerUrl: string;
  /** Deployment JSON (chain id + SubscriptionRegistry for the EIP-712 domain of signed requests). */
  deploymentFile?: string;
  /** PGlite data dir (RELAY_DATA_DIR); ignored with databaseUrl. */
  dataDir?: string;
  /** Delete the PGlite data dir first (a fresh chain makes old cursors meaningless). */
  wipe?: boolean;
  databaseUrl?: string;
  dbSchema?: string;
  /** Process name in logs (default "relay"; e.g. "relay-2" for a second worker). */
  name?: string;
  logFile?: string;
  echo?: boolean | ((line: string) => boolean);
  /** Extra environment, e.g. { RELAY_ALLOW_LOOPBACK: "1", RELAY_RETRY_BASE_MS: "50" }. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
};

export type RelayProcess = { process: ManagedProcess; url: string };

export async function startRelay(options: RelayOptions): Promise<RelayProcess> {
  const { group, host, port, timeoutMs = 60_000, name = "relay" } = options;
  await assertPortFree(port, host, `the Concord relay (${name})`);
  if (options.wipe && options.dataDir && !options.databaseUrl) rmSync(options.dataDir, { recursive: true, force: true });

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  Object.assign(env, {
    RELAY_HOST: host,
    RELAY_PORT: String(port),
    RELAY_INDEXER_URL: options.indexerUrl,
    FORCE_COLOR: "0",
  });
  if (options.deploymentFile) env.CONCORD_DEPLOYMENT = path.resolve(options.deploymentFile);
  if (options.databaseUrl) {
    env.DATABASE_URL = options.databaseUrl;
    if (options.dbSchema) env.RELAY_DB_SCHEMA = options.dbSchema;
  } else if (options.dataDir) {
    env.RELAY_DATA_DIR = path.resolve(options.dataDir);
  }
  Object.assign(env, options.env);

  const proc = group.spawn({
    name,
    command: process.execPath,
    args: [RELAY_MAIN],
    cwd: ROOT_DIR,
    env,
    logFile: options.logFile,
    echo: options.echo,
    stopSignal: "SIGTERM",
    stopTimeoutMs: 15_000,
  });
  const url = `http://${host}:${port}`;
  try {
    await waitForHttpOk(`${url}/health`, {
      timeoutMs,
      intervalMs: 200,
      abortReason: () => (proc.running ? undefined : proc.describeExit()),
    });
  } catch (error) {
    const tail = proc.running ? `\n--- last relay output (log: ${proc.logFile ?? "not kept"}) ---\n${proc.tail()}` : "";
    throw new Error(`The Concord relay did not become healthy at ${url}/health: ${(error as Error).message}${tail}`);
  }
  return { process: proc, url };
}
