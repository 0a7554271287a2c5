/**
 * The relay's configuration, read once from the environment (see README.md in this folder for the table).
 * Invalid values fail start-up with a RelayConfigError naming the variable.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
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
  batchSize: number;
  subscriptionsRefreshMs: number;
  concurrency: number;
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
  /**
   * EIP-712 domain of wallet-signed requests: chain id and SubscriptionRegistry address (RELAY_CHAIN_ID,
   * RELAY_SUBSCRIPTION_REGISTRY, else read from the deployment file CONCORD_DEPLOYMENT; chain id else the
   * indexer's /status).
   */
  chainId: number | undefined;
  verifyingContract: `0x${string}` | null;
  /** JSON-RPC for EIP-1271 (smart account) signatures on the API; EOAs are verified offline without it. */
  rpcUrl: string | undefined;
};

function readDeployment(env: NodeJS.ProcessEnv, cwd: string): { chainId?: number; registry?: string; rpcUrl?: string } {
  const file = env.CONCORD_DEPLOYMENT?.trim();
  if (!file || /^\d+$/.test(file)) return {};
  try {
    const deployment = JSON.parse(readFileSync(path.resolve(cwd, file), "utf8")) as {
      chainId?: number;
      rpcUrl?: string;
      contracts?: Record<string, { address?: string }>;
    };
    return { chainId: deployment.chainId, registry: deployment.contracts?.SubscriptionRegistry?.address, rpcUrl: deployment.rpcUrl };
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
    batchSize: int(env, "RELAY_BATCH", 500, 1, 1000),
    subscriptionsRefreshMs: int(env, "RELAY_SUBSCRIPTIONS_REFRESH_MS", 1_000, 10),
    concurrency: int(env, "RELAY_CONCURRENCY", 32, 1, 1024),
    timeoutMs,
    leaseMs,
    retry: { baseMs: base, capMs: cap, maxAttempts: int(env, "RELAY_MAX_ATTEMPTS", 60, 1, 1000) },
    reorgDepth: int(env, "RELAY_REORG_DEPTH", 64, 0, 10_000),
    reorgCheckMs: int(env, "RELAY_REORG_CHECK_MS", 1_000, 10),
    allowLoopback: bool(env, "RELAY_ALLOW_LOOPBACK", false),
    allowPrivate: bool(env, "RELAY_ALLOW_PRIVATE", false),
    workerId: env.RELAY_WORKER_ID?.trim() || `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    retentionMs: int(env, "RELAY_RETENTION_MS", 7 * 24 * 3_600_000, 0),
  };
}
