/**
 * The relay's configuration, read once from the environment (see README.md in this folder for the table).
 * Invalid values fail start-up with a RelayConfigError naming the variable.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { parseGwei } from "viem";
import { RelayConfigError } from "./errors.ts";
import type { RetrySchedule } from "./retrySchedule.ts";

export type RelayConfig = {
  /** Base URL of the Concord indexer (its /v1/events, /v1/subscriptions and /status). */
  indexerUrl: string;
  host: string;
  port: number;
  /** Postgres connection string; when absent the relay uses PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /** Postgres schema for the relay's tables (created if missing); default "public". */
  dbSchema: string;
  dataDir: string;
  pollMs: number;
  /**
   * RELAY_FEED_SIGNAL (on by default): new feed events are pushed by the indexer's live query (feedSignal.ts); the
   * feed is then read on each push and every `feedSignalFallbackMs` (RELAY_FEED_SIGNAL_FALLBACK_MS) instead of
   * being long-polled. Off, or while the stream is down: long-poll every `pollMs`.
   */
  feedSignal: boolean;
  feedSignalFallbackMs: number;
  /** RELAY_FEED_SIGNAL_ACTIVE_MS: after the last new feed event the feed is long-polled this long before waiting on pushes. */
  feedSignalActiveMs: number;
  batchSize: number;
  subscriptionsRefreshMs: number;
  concurrency: number;
  /** Most new rows the ingesting process queues for itself already leased (RELAY_HANDOFF_MAX; 0 = off; default the pool's). */
  handOffMax?: number;
  timeoutMs: number;
  leaseMs: number;
  retry: RetrySchedule;
  /** How many blocks below the indexer head are re-checked for reorgs. */
  reorgDepth: number;
  /** Minimum time between two reorg checks. */
  reorgCheckMs: number;
  allowLoopback: boolean;
  allowPrivate: boolean;
  workerId: string;
  /** Keep delivered/cancelled outbox rows this long (then they are purged). */
  retentionMs: number;
  /** Keeper (keeper/): executes due ScheduleRegistry calls; on when RELAY_KEEPER_PRIVATE_KEY is set. */
  keeper: KeeperConfig | undefined;
  /** Attestor (attestor/): posts Merkle roots to Attestations; on when RELAY_ATTESTOR_PRIVATE_KEY is set. */
  attestor: AttestorConfig | undefined;
  /** Attestations contract named by GET /v1/proofs (RELAY_ATTESTATIONS, else the deployment's), attestor on or off. */
  attestations: `0x${string}` | null;
  /** This relay's base URL as others reach it (RELAY_PUBLIC_URL; the attestor's batch uri); default http://host:port. */
  publicUrl: string | undefined;
  /**
   * EIP-712 domain of wallet-signed requests: chain id and SubscriptionRegistry address (RELAY_CHAIN_ID,
   * RELAY_SUBSCRIPTION_REGISTRY, else read from the deployment file CONCORD_DEPLOYMENT; chain id else the
   * indexer's /status).
   */
  chainId: number | undefined;
  verifyingContract: `0x${string}` | null;
  /** JSON-RPC for EIP-1271 (smart account) signatures on the API; EOAs are verified offline without it. */
  rpcUrl: string | undefined;
  /** The scheduler (scheduler/): fires schedules' webhooks (RELAY_SCHEDULER, on by default). */
  scheduler: {
    enabled: boolean;
    /** Longest sleep between two passes; also how often the feed's schedule.* events are read (RELAY_SCHEDULER_TICK_MS). */
    tickMs: number;
    /** Full reload of the active schedules (RELAY_SCHEDULES_REFRESH_MS). */
    refreshMs: number;
    /** Cron schedules with catchUp skip: how late an occurrence may still fire (RELAY_SCHEDULER_SKIP_GRACE_MS). */
    skipGraceMs: number;
  };
};

export type KeeperConfig = {
  privateKey: `0x${string}`;
  scheduleRegistry: `0x${string}`;
  /** RELAY_KEEPER_INTERVAL_MS: one round (chain time, due schedules, sends) every this often. */
  intervalMs: number;
  /** RELAY_KEEPER_REFRESH_MS: the schedule list is re-read this often. */
  refreshMs: number;
  /** RELAY_KEEPER_SOURCE: the indexer's /v1/schedules (default) or the registry's getters ("chain"). */
  source: "indexer" | "chain";
  /** RELAY_KEEPER_MAX_FEE_GWEI: highest max fee per gas (wei) it pays; executions wait while the base fee is above. */
  maxFeePerGas: bigint | undefined;
};

export type AttestorConfig = {
  privateKey: `0x${string}`;
  attestations: `0x${string}`;
  /** RELAY_ATTEST_INTERVAL_MS: one batch every this often (default 60 s). */
  intervalMs: number;
  /** RELAY_ATTEST_MAX_LEAVES: most leaves per batch. */
  maxLeaves: number;
};

function readDeployment(
  env: NodeJS.ProcessEnv,
  cwd: string,
): { chainId?: number; registry?: string; rpcUrl?: string; scheduleRegistry?: string; attestations?: string } {
  const file = env.CONCORD_DEPLOYMENT?.trim();
  if (!file || /^\d+$/.test(file)) return {};
  try {
    const deployment = JSON.parse(readFileSync(path.resolve(cwd, file), "utf8")) as {
      chainId?: number;
      rpcUrl?: string;
      contracts?: Record<string, { address?: string }>;
    };
    return {
      chainId: deployment.chainId,
      registry: deployment.contracts?.SubscriptionRegistry?.address,
      rpcUrl: deployment.rpcUrl,
      scheduleRegistry: deployment.contracts?.ScheduleRegistry?.address,
      attestations: deployment.contracts?.Attestations?.address,
    };
  } catch (error) {
    throw new RelayConfigError("CONCORD_DEPLOYMENT", file, `a readable deployment JSON (${(error as Error).message})`);
  }
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new RelayConfigError(name, raw, `an integer in [${min}, ${max}]`);
  return value;
}

/** A positive decimal amount of gwei (at most 9 decimals) as wei; undefined when unset. */
function gwei(env: NodeJS.ProcessEnv, name: string): bigint | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const wei = /^\d{1,12}(\.\d{1,9})?$/.test(raw) ? parseGwei(raw) : 0n;
  if (wei <= 0n) throw new RelayConfigError(name, raw, "a positive number of gwei (e.g. 2 or 0.05)");
  return wei;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  if (["1", "true", "yes"].includes(raw.trim().toLowerCase())) return true;
  if (["0", "false", "no"].includes(raw.trim().toLowerCase())) return false;
  throw new RelayConfigError(name, raw, "1/true/yes or 0/false/no");
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    throw new RelayConfigError(name, raw, "an http(s) URL");
  }
  return raw.replace(/\/+$/, "");
}

function address(env: NodeJS.ProcessEnv, name: string, fallback: string | undefined): `0x${string}` | undefined {
  const raw = env[name]?.trim() || fallback;
  if (raw === undefined) return undefined;
  if (!/^0x[0-9a-fA-F]{40}$/.test(raw)) throw new RelayConfigError(name, raw, "an address");
  return raw as `0x${string}`;
}

/** Keeper and attestor settings: each on when its key is set, which then needs an RPC URL and its contract. */
function chainLoopsConfig(
  env: NodeJS.ProcessEnv,
  deployment: ReturnType<typeof readDeployment>,
  rpcUrl: string | undefined,
): Pick<RelayConfig, "keeper" | "attestor" | "attestations"> {
  const key = (name: string): `0x${string}` | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw new RelayConfigError(name, "(hidden)", "a private key (0x + 64 hex digits)");
    if (!rpcUrl) throw new RelayConfigError("RELAY_RPC_URL", undefined, `a JSON-RPC URL (needed by ${name}; or CONCORD_DEPLOYMENT with rpcUrl)`);
    return raw as `0x${string}`;
  };
  const keeperKey = key("RELAY_KEEPER_PRIVATE_KEY");
  const attestorKey = key("RELAY_ATTESTOR_PRIVATE_KEY");
  const scheduleRegistry = address(env, "RELAY_SCHEDULE_REGISTRY", deployment.scheduleRegistry);
  const attestations = address(env, "RELAY_ATTESTATIONS", deployment.attestations);
  const source = env.RELAY_KEEPER_SOURCE?.trim() || "indexer";
  if (source !== "indexer" && source !== "chain") throw new RelayConfigError("RELAY_KEEPER_SOURCE", source, "indexer or chain");
  if (keeperKey && !scheduleRegistry) throw new RelayConfigError("RELAY_SCHEDULE_REGISTRY", undefined, "the ScheduleRegistry address (or CONCORD_DEPLOYMENT)");
  if (attestorKey && !attestations) throw new RelayConfigError("RELAY_ATTESTATIONS", undefined, "the Attestations address (or CONCORD_DEPLOYMENT)");
  return {
    keeper: keeperKey
      ? {
          privateKey: keeperKey,
          scheduleRegistry: scheduleRegistry!,
          intervalMs: int(env, "RELAY_KEEPER_INTERVAL_MS", 1_000, 10),
          refreshMs: int(env, "RELAY_KEEPER_REFRESH_MS", 5_000, 0),
          source,
          maxFeePerGas: gwei(env, "RELAY_KEEPER_MAX_FEE_GWEI"),
        }
      : undefined,
    attestor: attestorKey
      ? {
          privateKey: attestorKey,
          attestations: attestations!,
          intervalMs: int(env, "RELAY_ATTEST_INTERVAL_MS", 60_000, 10),
          maxLeaves: int(env, "RELAY_ATTEST_MAX_LEAVES", 4_096, 1, 100_000),
        }
      : undefined,
    attestations: attestations ?? null,
  };
}

export function loadRelayConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RelayConfig {
  const dbSchema = env.RELAY_DB_SCHEMA?.trim() || "public";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbSchema)) throw new RelayConfigError("RELAY_DB_SCHEMA", dbSchema, "a lowercase SQL identifier");
  const base = int(env, "RELAY_RETRY_BASE_MS", 1_000, 1);
  const cap = int(env, "RELAY_RETRY_CAP_MS", 3_600_000, 1);
  if (cap < base) throw new RelayConfigError("RELAY_RETRY_CAP_MS", String(cap), `>= RELAY_RETRY_BASE_MS (${base})`);
  const timeoutMs = int(env, "RELAY_TIMEOUT_MS", 10_000, 100);
  const leaseMs = int(env, "RELAY_LEASE_MS", Math.max(30_000, timeoutMs * 3), 1);
  if (leaseMs <= timeoutMs) throw new RelayConfigError("RELAY_LEASE_MS", String(leaseMs), `> RELAY_TIMEOUT_MS (${timeoutMs})`);
  const deployment = readDeployment(env, cwd);
  const chainIdText = env.RELAY_CHAIN_ID?.trim();
  const chainId = chainIdText ? int(env, "RELAY_CHAIN_ID", 0, 1) : deployment.chainId;
  const registry = env.RELAY_SUBSCRIPTION_REGISTRY?.trim() || deployment.registry;
  if (registry !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(registry)) throw new RelayConfigError("RELAY_SUBSCRIPTION_REGISTRY", registry, "an address");
  return {
    chainId,
    verifyingContract: (registry as `0x${string}` | undefined) ?? null,
    rpcUrl: env.RELAY_RPC_URL?.trim() || deployment.rpcUrl,
    indexerUrl: url(env, "RELAY_INDEXER_URL", "http://127.0.0.1:42069"),
    host: env.RELAY_HOST?.trim() || "127.0.0.1",
    port: int(env, "RELAY_PORT", 42070, 0, 65535),
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    dbSchema,
    dataDir: path.resolve(cwd, env.RELAY_DATA_DIR?.trim() || ".concord/relay"),
    pollMs: int(env, "RELAY_POLL_MS", 100, 10),
    feedSignal: bool(env, "RELAY_FEED_SIGNAL", true),
    feedSignalFallbackMs: int(env, "RELAY_FEED_SIGNAL_FALLBACK_MS", 1_000, 10),
    feedSignalActiveMs: int(env, "RELAY_FEED_SIGNAL_ACTIVE_MS", 10_000, 0),
    batchSize: int(env, "RELAY_BATCH", 500, 1, 1000),
    subscriptionsRefreshMs: int(env, "RELAY_SUBSCRIPTIONS_REFRESH_MS", 1_000, 10),
    concurrency: int(env, "RELAY_CONCURRENCY", 128, 1, 1024),
    handOffMax: env.RELAY_HANDOFF_MAX?.trim() ? int(env, "RELAY_HANDOFF_MAX", 0, 0, 100_000) : undefined,
    timeoutMs,
    leaseMs,
    retry: { baseMs: base, capMs: cap, maxAttempts: int(env, "RELAY_MAX_ATTEMPTS", 60, 1, 1000) },
    reorgDepth: int(env, "RELAY_REORG_DEPTH", 64, 0, 10_000),
    reorgCheckMs: int(env, "RELAY_REORG_CHECK_MS", 1_000, 10),
    allowLoopback: bool(env, "RELAY_ALLOW_LOOPBACK", false),
    allowPrivate: bool(env, "RELAY_ALLOW_PRIVATE", false),
    workerId: env.RELAY_WORKER_ID?.trim() || `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    retentionMs: int(env, "RELAY_RETENTION_MS", 7 * 24 * 3_600_000, 0),
    ...chainLoopsConfig(env, deployment, env.RELAY_RPC_URL?.trim() || deployment.rpcUrl),
    publicUrl: env.RELAY_PUBLIC_URL?.trim() ? url(env, "RELAY_PUBLIC_URL", "") : undefined,
    scheduler: {
      enabled: bool(env, "RELAY_SCHEDULER", true),
      tickMs: int(env, "RELAY_SCHEDULER_TICK_MS", 1_000, 10, 60_000),
      refreshMs: int(env, "RELAY_SCHEDULES_REFRESH_MS", 60_000, 100),
      skipGraceMs: int(env, "RELAY_SCHEDULER_SKIP_GRACE_MS", 5_000, 0),
    },
  };
}
