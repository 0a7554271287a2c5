/**
 * One relay process: store → ingest loop (leader only) → delivery pool (always) → HTTP API.
 * `startRelay(config, deps)` returns a handle whose stop() ends everything in order (API, ingest, in-flight
 * deliveries, store) so a SIGTERM loses nothing; a SIGKILL loses nothing either (outbox + leases).
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono, type MiddlewareHandler } from "hono";
import { Agent, type Dispatcher } from "undici";
import { createPublicClient, http } from "viem";
import { createWebhookSigner } from "../../sdk/webhooks.ts";
import { createRelayApi } from "./api.ts";
import { createChainLoops, type ChainLoops } from "./chainLoops.ts";
import type { EndpointCheck, SignFunction } from "./attemptDelivery.ts";
import { dbNonceStore, migrateAuth, signerOf, walletAuth, type TypedDataVerifyingClient } from "./auth/index.ts";
import type { RelayConfig } from "./config.ts";
import { writeHeadBlock } from "./cursor.ts";
import type { Db } from "./db/Db.ts";
import { logSlowQueries, openDb } from "./db/openDb.ts";
import { DeliveryPool } from "./deliveryPool.ts";
import { IngestConflictError } from "./errors.ts";
import { FeedSignal } from "./feedSignal.ts";
import { createIndexerClient, type IndexerClient } from "./indexerClient.ts";
import { ingestOnce, type IngestState } from "./ingest.ts";
import { acquireIngestLease, releaseIngestLease } from "./ingestLeader.ts";
import { purgeFinished, syncHeldDeliveries } from "./outbox.ts";
import { checkRawReorgs, ingestRawLogs, pruneRawBlocks, type RawRpc } from "./rawLogs.ts";
import { checkReorgs, promoteConfirmations, pruneBlocks } from "./reorgs.ts";
import { ownerLookup, secretsRoutes } from "./secrets/index.ts";
import { scheduleOwnerLookup, scheduleSecretsRoutes } from "./secrets/schedules.ts";
import { scheduleDeliveryRoutes, schedulerRoutes } from "./scheduler/api.ts";
import { createScheduleClient } from "./scheduler/client.ts";
import { Scheduler } from "./scheduler/scheduler.ts";
import { migrateScheduler } from "./scheduler/store.ts";
import { cachedEndpointCheck, pinnedLookup } from "./ssrf.ts";

/** Default RELAY_HANDOFF_MAX on PGlite: rows queued for this process at once (≈ 4 s of deliveries at the measured ≈ 2,500/s; rows that would outlive their lease in the queue are left to a later claim). */
const PGLITE_HANDOFF_MAX = 10_000;
/** On PGlite outcomes are written after up to 5 ms of gathering (deliveryPool.ts flushGatherMs). */
const PGLITE_FLUSH_GATHER_MS = 5;

/** Replaceable parts (tests); defaults: sdk/webhooks.ts signing, ./ssrf.ts guard, ./auth walletAuth. */
export type RelayDeps = {
  sign?: SignFunction;
  checkEndpoint?: EndpointCheck;
  auth?: MiddlewareHandler;
  log?: (message: string) => void;
  indexer?: IndexerClient;
  /** RPC for raw-log subscriptions (default: viem over config.rpcUrl; none: raw subscriptions are not delivered). */
  rawRpc?: RawRpc;
};

export type Relay = {
  config: RelayConfig;
  db: Db;
  pool: DeliveryPool;
  /** Keeper and attestor (chainLoops.ts; each undefined when its key is not configured). */
  chainLoops: ChainLoops;
  /** The scheduler loop (undefined with RELAY_SCHEDULER=off). */
  scheduler: Scheduler | undefined;
  url: string;
  port: number;
  stop: () => Promise<void>;
};

export async function startRelay(config: RelayConfig, deps: RelayDeps = {}): Promise<Relay> {
  const log = deps.log ?? ((message: string) => console.log(`[relay] ${message}`));
  const indexer = deps.indexer ?? createIndexerClient(config.indexerUrl, 30_000);
  const db = logSlowQueries(await openDb(config), Number(process.env.RELAY_LOG_SLOW_MS ?? 0), log);
  await migrateAuth(db);
  // Keeper, attestor and the public proof routes (chainLoops.ts): on when their keys / contracts are configured.
  let chainLoops: ChainLoops;
  try {
    chainLoops = await createChainLoops(config, { db, log });
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  await migrateScheduler(db);

  // SSRF: every endpoint is checked before each attempt (an allowed one is remembered for 10 s), and the connection
  // itself resolves through a pinned lookup that re-checks the addresses it connects to (no DNS-rebinding window).
  // Keep-alive per origin.
  const ssrf = { allowLoopback: config.allowLoopback, allowPrivate: config.allowPrivate };
  const checkEndpoint: EndpointCheck = deps.checkEndpoint ?? cachedEndpointCheck(ssrf);
  const dispatcher: Dispatcher = new Agent({
    connect: { lookup: pinnedLookup(ssrf) },
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connections: Math.max(8, config.concurrency),
  });

  // Wallet-signed requests (API): EIP-712 domain { "Concord Relay", "1", chainId, SubscriptionRegistry }.
  let auth = deps.auth;
  if (!auth) {
    const chainId = config.chainId ?? (await indexer.chainId().catch(() => undefined));
    if (chainId === undefined) {
      log("WARNING: no chain id (RELAY_CHAIN_ID, CONCORD_DEPLOYMENT or the indexer's /status): authenticated routes answer 503");
    } else {
      const publicClient = config.rpcUrl
        ? (createPublicClient({ transport: http(config.rpcUrl) }) as unknown as TypedDataVerifyingClient)
        : undefined;
      auth = walletAuth({ chainId, verifyingContract: config.verifyingContract, nonceStore: dbNonceStore(db, { migrated: true }), publicClient });
    }
  }

  const pool = new DeliveryPool({
    db,
    workerId: config.workerId,
    concurrency: config.concurrency,
    // PGlite: this process is the only one on its outbox, so it takes every new row it can start within the
    // lease (no claim statement, no second write per row); on Postgres the pool's default leaves rows to the others.
    handOffMax: config.handOffMax ?? (db.kind === "pglite" ? PGLITE_HANDOFF_MAX : undefined),
    flushGatherMs: db.kind === "pglite" ? PGLITE_FLUSH_GATHER_MS : 0,
    timeoutMs: config.timeoutMs,
    leaseMs: config.leaseMs,
    pollMs: config.pollMs,
    retry: config.retry,
    sign: deps.sign ?? createWebhookSigner(), // one KeyObject per secret (HMAC ≈ 5x cheaper than per-call import)
    checkEndpoint,
    dispatcher,
    log,
  });

  let running = true;
  let wakeIngest: (() => void) | undefined;
  // Pushes from the indexer when the feed has new events (feedSignal.ts); without it the feed is long-polled.
  const feedSignal = config.feedSignal ? new FeedSignal({ indexerUrl: config.indexerUrl, log }) : undefined;
  feedSignal?.start();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeIngest = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  // Raw-log subscriptions (rawLogs.ts): read from the chain's RPC, after the feed (see there).
  const rawRpc: RawRpc | undefined =
    deps.rawRpc ?? (config.rpcUrl ? (createPublicClient({ transport: http(config.rpcUrl, { batch: true }) }) as unknown as RawRpc) : undefined);
  if (!rawRpc) log("WARNING: no RPC URL (RELAY_RPC_URL or the deployment's rpcUrl): raw-log subscriptions are not delivered");
  const rawChainId = rawRpc ? (config.chainId ?? (await indexer.chainId().catch(() => undefined))) : undefined;
  let rawWanted = true;
  let rawCheckedAt = 0;

  const ingestLeaseMs = Math.max(5_000, config.pollMs * 20);
  const state: IngestState = { lastSubscriptionRefresh: 0 };
  let lastCheck = 0;
  let lastPurge = Date.now();
  let lastError = "";
  let leading = false;
  let leaseRenewedAt = 0;
  const progress = { cursor: "", headBlock: 0, ingested: 0, enqueued: 0 };
  let lastFeedEventAt = 0;
  const ingestLoop = (async () => {
    while (running) {
      let more = false;
      let waited = 0;
      // Pushed: read the feed at once and, when it had nothing new, wait for the next push (a push during the read
      // moves the generation on, so it is not missed). Only once the feed has been quiet for
      // RELAY_FEED_SIGNAL_ACTIVE_MS: while events come, the long-poll answers a few ms sooner than a push (measured:
      // one subscription's relay share ≈ 4 ms long-polled, ≈ 9-14 ms pushed). Raw-log subscriptions follow the
      // chain's blocks, not the feed: while there are any, the loop keeps its poll interval.
      const signalGeneration = feedSignal?.generation ?? 0;
      const quiet = Date.now() - lastFeedEventAt >= config.feedSignalActiveMs;
      const pushed = feedSignal?.connected === true && quiet && !(rawRpc !== undefined && rawWanted);
      try {
        // The lease is renewed every ~1/5 of its length, not every poll (each statement costs on PGlite).
        const now0 = Date.now();
        let leader: boolean = leading && now0 - leaseRenewedAt < ingestLeaseMs / 5;
        if (!leader) {
          leader = await acquireIngestLease(db, config.workerId, ingestLeaseMs);
          if (leader) leaseRenewedAt = now0;
        }
        if (leader !== leading) log(leader ? "ingesting (leader)" : "not the ingest leader: delivering only");
        leading = leader;
        if (leader) {
          // Raw logs up to the indexer's head as read BEFORE this feed page (all subscription events up to it consumed).
          const rawOn = rawRpc !== undefined && rawChainId !== undefined && (rawWanted || now0 - rawCheckedAt >= config.subscriptionsRefreshMs);
          const rawLimit = rawOn ? await indexer.headBlock() : undefined;
          // Hand-off (outbox.ts enqueueAndHandOff): new rows this pool has room for are inserted leased to it and
          // start as soon as the ingest transaction commits (no claim statement); the rest are claimed as usual.
          // Pushed (feed signal): one read now. Otherwise the feed is long-polled for up to one poll interval (GET
          // /v1/events?wait=): a new event is seen within the indexer's re-check (≈ 15 ms) instead of half an
          // interval; the wait below only fills up the interval.
          const ingestStarted = Date.now();
          const ingestOptions = { batchSize: config.batchSize, subscriptionsRefreshMs: config.subscriptionsRefreshMs, feedWaitMs: pushed ? 0 : config.pollMs };
          const result = await ingestOnce(db, indexer, ingestOptions, state, ingestStarted, () => ({ workerId: config.workerId, leaseMs: config.leaseMs, max: pool.handOffCapacity() }));
          if (result.events === 0) waited = Date.now() - ingestStarted;
          pool.acceptHandOff(result.handedOff, result.at);
          progress.cursor = result.cursor;
          progress.ingested += result.events;
          if (result.events > 0) lastFeedEventAt = Date.now();
          progress.enqueued += result.deliveries;
          if (result.deliveries > result.handedOff.length) pool.wake();
          more = result.events === config.batchSize;
          if (rawLimit !== undefined && !more) {
            rawCheckedAt = now0;
            const raw = await ingestRawLogs(db, rawRpc!, rawLimit, { chainId: rawChainId!, maxBlockRange: 1_000, cache: state });
            rawWanted = raw.subscriptions > 0;
            progress.enqueued += raw.deliveries;
            if (raw.deliveries > 0) pool.wake();
            more ||= raw.more;
          }
          const now = Date.now();
          if (now - lastCheck >= config.reorgCheckMs) {
            lastCheck = now;
            const head = await indexer.headBlock();
            progress.headBlock = head;
            await writeHeadBlock(db, head);
            if (config.reorgDepth > 0) {
              const reorg = await checkReorgs(db, indexer, config.batchSize);
              if (reorg.reorgedFromBlock !== null) {
                log(`reorg from block ${reorg.reorgedFromBlock}: ${reorg.removedNotices} removal notice(s), ${reorg.cancelled} cancelled`);
                more = true;
                pool.wake();
              }
            }
            if (rawRpc) {
              const rawReorg = config.reorgDepth > 0 ? await checkRawReorgs(db, rawRpc, Date.now(), config.reorgDepth) : { reorgedFromBlock: null };
              if (rawReorg.reorgedFromBlock !== null) {
                log(`raw logs: reorg from block ${rawReorg.reorgedFromBlock}: ${rawReorg.removedNotices} removal notice(s), ${rawReorg.cancelled} cancelled`);
                rawWanted = true;
                pool.wake();
              }
              await pruneRawBlocks(db, head, config.reorgDepth);
            }
            await pruneBlocks(db, head, config.reorgDepth);
            if ((await promoteConfirmations(db, head)) > 0) pool.wake();
          }
          if (now - lastPurge >= 60_000) {
            lastPurge = now;
            await purgeFinished(db, now - config.retentionMs, { keepUnattested: config.attestor !== undefined });
            // Rows that became pending after their subscription stopped (an attempt in flight at the pause, then a
            // retry) are held here; status changes hold and release their rows at once (outbox.ts syncHeldDeliveries).
            const sweep = await syncHeldDeliveries(db);
            if (sweep.held + sweep.released > 0) log(`outbox: ${sweep.held} row(s) held, ${sweep.released} released by the periodic sweep`);
          }
        }
        lastError = "";
      } catch (error) {
        if (!(error instanceof IngestConflictError)) {
          const message = (error as Error).message;
          if (message !== lastError) log(`ingest: ${message}`);
          lastError = message;
        }
      }
      if (running && !more) {
        if (pushed && leading) {
          // Still quiet: wait for a push. Events just came: go on at once (the next read is a long-poll).
          if (Date.now() - lastFeedEventAt >= config.feedSignalActiveMs) await feedSignal!.wait(signalGeneration, config.feedSignalFallbackMs);
        }
        // Polling: a push, or the stream coming up, ends the wait early too.
        else if (waited < config.pollMs) await (feedSignal && leading ? feedSignal.wait(signalGeneration, config.pollMs - waited) : sleep(config.pollMs - waited));
      }
    }
  })();

  pool.start();

  // The scheduler (scheduler/): one process at a time fires schedules' webhooks through the outbox.
  const scheduler = config.scheduler.enabled
    ? new Scheduler({
        db,
        client: createScheduleClient(config.indexerUrl, 30_000),
        workerId: config.workerId,
        tickMs: config.scheduler.tickMs,
        refreshMs: config.scheduler.refreshMs,
        skipGraceMs: config.scheduler.skipGraceMs,
        chainId: config.chainId,
        log: (message) => log(`scheduler: ${message}`),
        onFired: () => pool.wake(),
      })
    : undefined;
  scheduler?.start();
  const extraRoutes = new Hono();
  if (auth) extraRoutes.route("/", secretsRoutes({ db, auth, indexerUrl: config.indexerUrl }));
  if (auth) extraRoutes.route("/", scheduleSecretsRoutes({ db, auth, indexerUrl: config.indexerUrl }));
  if (auth) {
    const ownerOf = scheduleOwnerLookup({ db, indexerUrl: config.indexerUrl });
    extraRoutes.route("/", scheduleDeliveryRoutes({ db, auth, ownerOf, onRedrive: () => pool.wake() }));
  }
  extraRoutes.route("/", schedulerRoutes());

  const app = createRelayApi({
    db,
    workerId: config.workerId,
    auth,
    signerOf,
    ownerOf: ownerLookup({ db, indexerUrl: config.indexerUrl }),
    onRedrive: () => pool.wake(),
    stats: () => ({ ...pool.stats, ingestLeader: leading, ...progress, feedSignal: feedSignal ? { connected: feedSignal.connected, pushes: feedSignal.generation } : null, ...(scheduler ? { scheduler: { ...scheduler.stats } } : {}), ...chainLoops.stats() }),
    extraRoutes,
  });
  if (chainLoops.routes) app.route("/", chainLoops.routes);
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  log(`listening on http://${config.host}:${port} (db ${db.kind}, worker ${config.workerId}, indexer ${config.indexerUrl})`);
  chainLoops.start(config.publicUrl ?? `http://${config.host}:${port}`);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      running = false;
      wakeIngest?.();
      await feedSignal?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ingestLoop;
      await scheduler?.stop();
      await pool.stop();
      await dispatcher.close().catch(() => {});
      await chainLoops.stop();
      await releaseIngestLease(db, config.workerId).catch(() => {});
      await db.close();
    })());

  return { config, db, pool, chainLoops, scheduler, url: `http://${config.host}:${port}`, port, stop };
}
