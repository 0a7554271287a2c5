/**
 * Starts the Ponder indexer (`ponder start`) on a deployment file, by default on PGlite (embedded Postgres),
 * and waits until it has caught up with the chain (`/ready` answers 200).
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { DEFAULTS, INDEXER_DIR, PONDER_CLI } from "./paths.ts";
import type { ManagedProcess, ProcessGroup } from "./processes.ts";
import { assertPortFree, waitFor, waitForHttpOk } from "./waitFor.ts";

export type IndexerOptions = {
  group: ProcessGroup;
  host: string;
  port: number;
  /** The deployment JSON ponder.config.ts reads (passed as CONCORD_DEPLOYMENT). */
  deploymentFile: string;
  /** Ponder project root (default indexer/). */
  indexerDir?: string;
  /** PGlite data directory (CONCORD_PGLITE_DIR); default <indexerDir>/.ponder/pglite. Ignored with databaseUrl. */
  pgliteDir?: string;
  /** Use Postgres instead of PGlite. DATABASE_URL from our own environment is NOT passed on otherwise. */
  databaseUrl?: string;
  /** Database schema for `ponder start --schema`. */
  schema?: string;
  /**
   * Delete the PGlite data dir first (pgliteDir, or <indexerDir>/.ponder/pglite), so nothing indexed from an
   * earlier chain survives a restart (default false). Other stacks' dirs and Ponder's build cache stay.
   */
  wipe?: boolean;
  logFile?: string;
  echo?: boolean | ((line: string) => boolean);
  /** Extra environment, e.g. { PONDER_LOG_LEVEL: "warn" }. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
};

export type IndexerUrls = {
  api: string;
  graphql: string;
  sql: string;
  health: string;
  ready: string;
  status: string;
  metrics: string;
};

export type Indexer = { process: ManagedProcess; urls: IndexerUrls };

export function indexerUrls(host: string, port: number): IndexerUrls {
  const api = `http://${host}:${port}`;
  return {
    api,
    graphql: `${api}/graphql`,
    sql: `${api}/sql`,
    health: `${api}/health`,
    ready: `${api}/ready`,
    status: `${api}/status`,
    metrics: `${api}/metrics`,
  };
}

export async function startIndexer(options: IndexerOptions): Promise<Indexer> {
  const {
    group,
    host,
    port,
    deploymentFile,
    indexerDir = INDEXER_DIR,
    schema = DEFAULTS.indexerSchema,
    timeoutMs = 180_000,
  } = options;
  // Ponder itself would silently move to the next free port; we want the one we print.
  await assertPortFree(port, host, "the Ponder indexer (GraphQL/SQL/REST)");
  if (options.wipe && !options.databaseUrl) {
    rmSync(options.pgliteDir ?? path.join(indexerDir, ".ponder", "pglite"), { recursive: true, force: true });
  }

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  delete env.PORT; // Ponder prefers $PORT over --port.
  Object.assign(env, {
    PONDER_TELEMETRY_DISABLED: "true",
    CONCORD_DEPLOYMENT: path.resolve(deploymentFile),
    // The API's own address, for its long-polls' push (indexer/src/api/v1/events.ts).
    CONCORD_API_SELF_URL: `http://${host}:${port}`,
    FORCE_COLOR: "0",
    ...options.env,
  });
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  else if (options.pgliteDir) env.CONCORD_PGLITE_DIR = path.resolve(options.pgliteDir);

  const proc = group.spawn({
    name: "indexer",
    command: process.execPath,
    args: [PONDER_CLI, "start", "--root", indexerDir, "--schema", schema, "--hostname", host, "--port", String(port)],
    // Ponder writes generated/schema.graphql under its cwd (not --root) and reads .env.local from there.
    cwd: indexerDir,
    env,
    logFile: options.logFile,
    echo: options.echo,
    stopSignal: "SIGTERM",
  });
  const urls = indexerUrls(host, port);
  try {
    await waitForHttpOk(urls.ready, {
      timeoutMs,
      intervalMs: 300,
      abortReason: () => (proc.running ? undefined : proc.describeExit()),
    });
  } catch (error) {
    const tail = proc.running ? `\n--- last indexer output (log: ${proc.logFile ?? "not kept"}) ---\n${proc.tail()}` : "";
    throw new Error(`The Ponder indexer did not become ready at ${urls.ready}: ${(error as Error).message}${tail}`);
  }
  return { process: proc, urls };
}

/** Ponder's /status: per chain, the latest block it has fully indexed. */
export type IndexerStatus = Record<string, { id: number; block: { number: number; timestamp: number } }>;

/** Waits until the indexer has indexed `blockNumber` on every chain (Ponder's /status), e.g. a tx's block. */
export async function waitForIndexedBlock(
  urls: Pick<IndexerUrls, "status">,
  blockNumber: bigint | number,
  options: { timeoutMs?: number; intervalMs?: number; abortReason?: () => string | undefined } = {},
): Promise<IndexerStatus> {
  return waitFor(
    async () => {
      const response = await fetch(urls.status, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) return undefined;
      const status = (await response.json()) as IndexerStatus;
      const chains = Object.values(status);
      return chains.length > 0 && chains.every((c) => c.block.number >= Number(blockNumber)) ? status : undefined;
    },
    { label: `the indexer to reach block ${blockNumber}`, timeoutMs: 120_000, intervalMs: 100, ...options },
  );
}
