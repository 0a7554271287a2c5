/**
 * The relay's on-chain loops, wired by relay.ts: the keeper (keeper/, RELAY_KEEPER_PRIVATE_KEY) and the attestor
 * (attestor/, RELAY_ATTESTOR_PRIVATE_KEY), each off without its key, plus the public proof routes
 * (attestor/proofs.ts; mounted whenever an Attestations address is known, so proofs stay readable with the
 * attestor off). `create` builds clients and routes; `start(publicUrl)` starts the loops once the API listens
 * (the attestor's batch uri names it); `stop()` ends both (rounds in flight finish first).
 */
import type { Hono } from "hono";
import { Attestor } from "./attestor/attestor.ts";
import { proofRoutes } from "./attestor/proofs.ts";
import { createChainClients } from "./chainClients.ts";
import type { RelayConfig } from "./config.ts";
import type { Db } from "./db/Db.ts";
import { Keeper } from "./keeper/keeper.ts";
import { chainScheduleSource, indexerScheduleSource } from "./keeper/scheduleSource.ts";

export type ChainLoops = {
  keeper: Keeper | undefined;
  attestor: Attestor | undefined;
  /** GET /v1/proofs/:id, GET /v1/attestation-batches/:seq (undefined without an Attestations address). */
  routes: Hono | undefined;
  start: (publicUrl: string) => void;
  stop: () => Promise<void>;
  stats: () => Record<string, unknown>;
};

export async function createChainLoops(config: RelayConfig, { db, log }: { db: Db; log: (message: string) => void }): Promise<ChainLoops> {
  const debug = process.env.RELAY_LOG_LEVEL === "debug" ? log : undefined;
  let chainId: number | undefined = config.chainId;
  let publicUrl = config.publicUrl;

  let keeper: Keeper | undefined;
  if (config.keeper && config.rpcUrl) {
    const clients = await createChainClients(config.rpcUrl, config.keeper.privateKey);
    chainId ??= clients.publicClient.chain?.id;
    keeper = new Keeper({
      ...clients,
      registry: config.keeper.scheduleRegistry,
      source:
        config.keeper.source === "chain"
          ? chainScheduleSource(clients.publicClient, config.keeper.scheduleRegistry)
          : indexerScheduleSource(config.indexerUrl),
      intervalMs: config.keeper.intervalMs,
      refreshMs: config.keeper.refreshMs,
      ...(config.keeper.maxFeePerGas !== undefined ? { maxFeePerGas: config.keeper.maxFeePerGas } : {}),
      log,
      debug,
    });
  }

  let attestor: Attestor | undefined;
  if (config.attestor && config.rpcUrl) {
    const clients = await createChainClients(config.rpcUrl, config.attestor.privateKey);
    chainId ??= clients.publicClient.chain?.id;
    attestor = new Attestor({
      db,
      ...clients,
      attestations: config.attestor.attestations,
      holder: config.workerId,
      intervalMs: config.attestor.intervalMs,
      maxLeaves: config.attestor.maxLeaves,
      uriFor: (seq) => `${publicUrl ?? ""}/v1/attestation-batches/${seq}`,
      log,
      debug,
    });
  }

  const attestations = config.attestor?.attestations ?? config.attestations;
  const routes = attestations ? proofRoutes({ db, attestations, chainId: () => chainId }) : undefined;

  return {
    keeper,
    attestor,
    routes,
    start: (url) => {
      publicUrl ??= url;
      if (keeper) {
        log(`keeper: on (${keeper.options.walletClient.account.address}, ScheduleRegistry ${keeper.options.registry}, schedules from the ${keeper.options.source.name})`);
        keeper.start();
      }
      if (attestor) {
        log(`attestor: on (${attestor.options.walletClient.account.address}, Attestations ${attestor.options.attestations}, every ${attestor.options.intervalMs} ms)`);
        attestor.start();
      }
    },
    stop: async () => {
      await Promise.all([keeper?.stop(), attestor?.stop()]);
    },
    // Copies, for /health (in memory, no store or RPC access).
    stats: () => ({
      ...(keeper ? { keeper: { ...keeper.stats } } : {}),
      ...(attestor ? { attestor: { ...attestor.stats } } : {}),
    }),
  };
}
