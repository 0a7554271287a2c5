/**
 * Perception benchmark on the whole local stack (test/e2e/harness.ts: `hardhat node`, Ignition deployment, Ponder
 * on PGlite) plus one relay process (scripts/lib/startRelay.ts, PGlite outbox) and a webhook sink in this process
 * (bench/lib/webhookSink.ts):
 *
 *  1. latency block mined -> webhook received with 1 and with 1,000 subscriptions (one broadcast per block),
 *     split into "block mined -> event visible in the feed" (indexer) and "feed -> webhook" (relay);
 *  2. sustained delivery throughput: E broadcasts in one block x 1,000 subscriptions;
 *  3. indexer lag with 200 events per block (block mined -> all 200 in GET /v1/events).
 *
 * "Mined" is the first moment this process knows the block exists: a 10 ms eth_blockNumber watcher, or the
 * answer of the transaction / evm_mine that produced it (automine answers after mining), whichever is earlier.
 * Every time is this process's performance.now(); the sink records arrival times on the same clock.
 */
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeFunctionData, getAbiItem, keccak256, parseEventLogs, toHex, zeroAddress, type Address, type Hex, type LocalAccount } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { MessageBusAbi } from "../../indexer/abis/MessageBusAbi.ts";
import { SubscriptionRegistryAbi } from "../../indexer/abis/SubscriptionRegistryAbi.ts";
import { SwarmRegistryAbi } from "../../indexer/abis/SwarmRegistryAbi.ts";
import { startRelay, type RelayProcess } from "../../scripts/lib/startRelay.ts";
import { getFreePort } from "../../scripts/lib/waitFor.ts";
import { signedFetch } from "../../sdk/signedRequest.ts";
import { verifyWebhook } from "../../sdk/webhooks.ts";
import { DEV_MNEMONIC, startStack, type TestStack } from "../../test/e2e/harness.ts";
import { processTreeCpuMs } from "./processCpu.ts";
import { percentile } from "./result.ts";
import { dropSchema } from "./relayLoad.ts";
import { startWebhookSink, type Arrival, type WebhookSink } from "./webhookSink.ts";

/** The relay's Postgres schema in this benchmark process (dropped at the end). */
const relaySchemaName = () => `bench_perception_${process.pid}`;

export type PerceptionOptions = {
  /** Broadcasts (one per block) measured with 1 subscription. */
  eventsOneSub: number;
  /** Subscriptions of the fan-out phases. */
  subscriptions: number;
  /** Broadcasts (one per block) measured with `subscriptions` subscriptions. */
  eventsManySubs: number;
  /** Broadcasts in ONE block for the throughput phase (x subscriptions deliveries). */
  throughputEvents: number;
  /** Blocks of `eventsPerBlock` broadcasts for the indexer-lag phase. */
  lagBlocks: number;
  eventsPerBlock: number;
  relayEnv: Record<string, string>;
  /** The relay's store: Postgres at this URL (a fresh schema, dropped afterwards), or PGlite when undefined. */
  relayDatabaseUrl?: string;
  log: (m: string) => void;
};

const TOPIC = keccak256(toHex("bench"));
const MAX_FEE = 100_000_000_000n;
const PRIORITY_FEE = 1_000_000_000n;
const BROADCAST_GAS = 120_000n;
const KIND_MESSAGE = 1 << 2;
const SUB_CREATED = getAbiItem({ abi: SubscriptionRegistryAbi, name: "SubscriptionCreated" });

export type Stats = { p50: number; p90: number; p99: number; min: number; max: number; samples: number };
const r1 = (v: number) => Math.round(v * 10) / 10;
export function stats(values: number[]): Stats {
  if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN, min: NaN, max: NaN, samples: 0 };
  return {
    p50: r1(percentile(values, 50)),
    p90: r1(percentile(values, 90)),
    p99: r1(percentile(values, 99)),
    min: r1(Math.min(...values)),
    max: r1(Math.max(...values)),
    samples: values.length,
  };
}

export type LatencyReport = {
  subscriptions: number;
  events: number;
  /** mined -> first webhook of the event. */
  first: Stats;
  /** mined -> last (subscriptions-th) webhook of the event. */
  last: Stats;
  /** mined -> every webhook of every event (subscriptions x events samples). */
  all: Stats;
  /** mined -> event visible in GET /v1/events (our 20 ms poll). */
  indexer: Stats;
  /** feed-visible -> first webhook (the relay's share, upper bound of its poll + claim + sign + POST). */
  relayFirst: Stats;
  /** Every event's deliveries all arrived. */
  complete: boolean;
};

export type PerceptionReport = {
  stackStartSeconds: number;
  setupSeconds: number;
  relayEnv: Record<string, string>;
  ponderPollingNote: string;
  /**
   * The stack idle (subscriptions set up, nothing sent) for `seconds`: CPU of the indexer's processes and of the
   * relay in % of one core; `indexerWithLongPollPercent` / `indexerWithFiveLongPollsPercent`: the indexer while
   * this process also long-polls GET /v1/events?wait=100 back to back with one / five concurrent readers (one is
   * what the relay did before its feed signal; waiting readers share one look at the feed, feedWatch.ts).
   */
  idle: { seconds: number; indexerPercent: number; relayPercent: number; indexerWithLongPollPercent: number; indexerWithFiveLongPollsPercent: number; feedSignal: unknown };
  oneSub: LatencyReport;
  manySubs: LatencyReport;
  throughput: {
    events: number;
    subscriptions: number;
    expected: number;
    uniqueReceived: number;
    duplicates: number;
    /** block mined -> first webhook. */
    minedToFirstMs: number;
    /** first -> last webhook. */
    firstToLastMs: number;
    deliveriesPerSecond: number;
    /** expected / (mined -> last webhook): includes indexing and the relay's ingest of 20k rows. */
    endToEndPerSecond: number;
    /** Deliveries per second in each 1 s window after the first arrival. */
    perSecond: number[];
    relayStatsAfter: unknown;
  };
  indexerLag: {
    blocks: number;
    eventsPerBlock: number;
    lag: Stats;
    /** eventsPerBlock / lag, per block. */
    eventsPerSecond: Stats;
    /** Sum of events / sum of lags (the indexer's rate while busy with these blocks). */
    aggregateEventsPerSecond: number;
  };
  signatures: { verified: number; failed: number; subscriptionsWithSecret: number; failures: string[] };
  watcher: { pollMedianMs: number };
};

/** GET JSON from the indexer, retrying transport errors (its HTTP server resets connections under heavy load). */
async function getJson<T>(url: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return (await res.json()) as T;
    } catch (error) {
      if (attempt >= 10) throw new Error(`GET ${url}: ${(error as Error).message}`, { cause: error });
      await sleep(100 * attempt);
    }
  }
}

export async function runPerception(o: PerceptionOptions): Promise<PerceptionReport> {
  const t0 = performance.now();
  const stack = await startStack({ build: false, accounts: 6 });
  const stackStartSeconds = (performance.now() - t0) / 1000;
  o.log(`  stack up in ${stackStartSeconds.toFixed(1)} s (chain ${stack.rpcUrl}, indexer ${stack.apiUrl})`);
  // Every delivery to /one/0 and /many/0 … /many/9 is kept and verified with its subscription's secret.
  const sink = await startWebhookSink((p) => /^\/(one\/0|many\/\d)$/.test(p));
  try {
    return await measure(stack, sink, o, stackStartSeconds);
  } catch (error) {
    console.error(`perception failed; logs in ${stack.workDir}/logs (set CONCORD_E2E_KEEP=1 to keep them)`);
    throw error;
  } finally {
    await sink.close();
    await stack.stop();
    if (o.relayDatabaseUrl) await dropSchema(o.relayDatabaseUrl, relaySchemaName()).catch(() => {});
  }
}

async function measure(stack: TestStack, sink: WebhookSink, o: PerceptionOptions, stackStartSeconds: number): Promise<PerceptionReport> {
  const setupStart = performance.now();
  const { publicClient: pc, chain } = stack;
  const rpc = <T,>(method: string, params: unknown[] = []) => pc.request({ method, params } as never) as Promise<T>;
  const accounts = Array.from({ length: 6 }, (_, i) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }) as LocalAccount);
  const owner = accounts[0]!;
  const senders = accounts.slice(1, 5);
  const nonces = new Map<Address, number>();
  for (const a of accounts) nonces.set(a.address, await pc.getTransactionCount({ address: a.address, blockTag: "pending" }));
  const registry = stack.addresses.SwarmRegistry!;
  const bus = stack.addresses.MessageBus!;
  const subs = stack.addresses.SubscriptionRegistry!;

  async function sendRaw(account: LocalAccount, to: Address, data: Hex, gas: bigint): Promise<{ hash: Hex; answeredAt: number }> {
    const nonce = nonces.get(account.address)!;
    nonces.set(account.address, nonce + 1);
    const raw = await account.signTransaction({ chainId: chain.id, type: "eip1559", nonce, to, data, gas, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: PRIORITY_FEE });
    const hash = (await rpc<Hex>("eth_sendRawTransaction", [raw])) as Hex;
    return { hash, answeredAt: performance.now() };
  }
  async function receipt(hash: Hex) {
    const rc = await pc.waitForTransactionReceipt({ hash, pollingInterval: 20, timeout: 60_000 });
    if (rc.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return rc;
  }

  // --- block watcher (10 ms eth_blockNumber) ------------------------------------------------------------------
  const seenAt = new Map<number, number>();
  let lastSeen = Number(await pc.getBlockNumber());
  let watching = true;
  const watchGaps: number[] = [];
  const watcher = (async () => {
    let prev = performance.now();
    while (watching) {
      const started = performance.now();
      try {
        const n = Number(BigInt(await rpc<Hex>("eth_blockNumber")));
        const at = performance.now();
        for (let b = lastSeen + 1; b <= n; b++) if (!seenAt.has(b)) seenAt.set(b, at);
        if (n > lastSeen) lastSeen = n;
        watchGaps.push(at - prev);
        prev = at;
      } catch {
        // a missed poll
      }
      await sleep(Math.max(0, 10 - (performance.now() - started)));
    }
  })();
  const noteMined = (block: number, at: number) => {
    const s = seenAt.get(block);
    if (s === undefined || at < s) seenAt.set(block, at);
  };
  const minedAt = (block: number) => seenAt.get(block) ?? NaN;

  // --- swarms -------------------------------------------------------------------------------------------------
  async function createSwarm(): Promise<bigint> {
    const data = encodeFunctionData({
      abi: SwarmRegistryAbi,
      functionName: "createSwarm",
      args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" }, []],
    } as never);
    const rc = await receipt((await sendRaw(owner, registry, data, 500_000n)).hash);
    const [created] = parseEventLogs({ abi: SwarmRegistryAbi, logs: rc.logs, eventName: "SwarmCreated" });
    const swarmId = created!.args.swarmId;
    const joins = await Promise.all(
      senders.map((s) => sendRaw(s, registry, encodeFunctionData({ abi: SwarmRegistryAbi, functionName: "join", args: [swarmId, ""] } as never), 300_000n)),
    );
    for (const j of joins) await receipt(j.hash);
    return swarmId;
  }
  const swarmOne = await createSwarm();
  const swarmMany = await createSwarm();
  const swarmLag = await createSwarm();
  let senderTurn = 0;
  const broadcastData = (swarmId: bigint, i: number) =>
    encodeFunctionData({ abi: MessageBusAbi, functionName: "broadcast", args: [swarmId, TOPIC, toHex(i, { size: 32 })] });

  // --- subscriptions ------------------------------------------------------------------------------------------
  const subscribeData = (swarmId: bigint, endpoint: string, label: string) =>
    encodeFunctionData({
      abi: SubscriptionRegistryAbi,
      functionName: "subscribe",
      args: [{ swarmId, kinds: KIND_MESSAGE, member: zeroAddress, rawAddress: zeroAddress, topics: [] }, endpoint, label, { confirmations: 0, mode: 0, ordered: false }],
    } as never);
  const endpointOf = new Map<string, string>(); // subscription id -> sink path
  async function subscribeMany(swarmId: bigint, count: number, pathPrefix: string): Promise<string[]> {
    const sampleData = subscribeData(swarmId, `${sink.url}/${pathPrefix}0`, "bench");
    const gas = (await pc.estimateGas({ account: owner.address, to: subs, data: sampleData })) * 13n / 10n;
    const gasLimit = (await pc.getBlock()).gasLimit;
    const perBlock = Math.max(1, Math.min(200, Number((gasLimit * 8n) / 10n / gas)));
    const from = await pc.getBlockNumber();
    const hashes: Hex[] = [];
    await rpc("evm_setAutomine", [false]);
    try {
      for (let i = 0; i < count; i += perBlock) {
        for (let j = i; j < Math.min(count, i + perBlock); j++) hashes.push((await sendRaw(owner, subs, subscribeData(swarmId, `${sink.url}/${pathPrefix}${j}`, `bench ${j}`), gas)).hash);
        await rpc("evm_mine");
      }
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
    for (const h of hashes) await receipt(h);
    const logs = await pc.getLogs({ address: subs, event: SUB_CREATED, args: { swarmId }, fromBlock: from + 1n });
    const ids: string[] = [];
    for (const l of logs) {
      const id = l.args.id!.toString();
      endpointOf.set(id, new URL((l.args as { endpoint: string }).endpoint).pathname);
      ids.push(id);
    }
    if (ids.length !== count) throw new Error(`expected ${count} SubscriptionCreated, got ${ids.length}`);
    o.log(`  ${count} subscription(s) in swarm ${swarmId}: ${perBlock} per block, gas ${gas} each`);
    return ids;
  }

  // --- relay --------------------------------------------------------------------------------------------------
  const relay: RelayProcess = await startRelay({
    group: stack.stack.group,
    ...(o.relayDatabaseUrl ? { databaseUrl: o.relayDatabaseUrl, dbSchema: relaySchemaName() } : {}),
    host: "127.0.0.1",
    port: await getFreePort(),
    indexerUrl: stack.apiUrl,
    deploymentFile: stack.stack.deploymentFile,
    dataDir: path.join(stack.workDir, "relay"),
    name: "relay",
    logFile: path.join(stack.workDir, "logs", "relay.log"),
    env: { RELAY_ALLOW_LOOPBACK: "1", ...o.relayEnv },
  });
  const relayHealth = async () => (await (await fetch(`${relay.url}/health`)).json()) as Record<string, unknown>;

  // --- feed poller (the indexer's share of the latency) --------------------------------------------------------
  const feedVisibleAt = new Map<number, number>(); // block -> first poll answer showing an event of it
  async function pollFeed(swarmId: bigint, stop: () => boolean): Promise<void> {
    let after = "";
    // start after the current end of the swarm's feed
    for (;;) {
      const page = await getJson<{ items: { id: string }[]; nextCursor: string | null; hasMore?: boolean }>(`${stack.apiUrl}/v1/events?swarm=${swarmId}&types=message.broadcast&limit=1000&after=${after}`);
      if (page.items.length === 0) break;
      after = page.items.at(-1)!.id;
    }
    while (!stop()) {
      const started = performance.now();
      try {
        const page = await getJson<{ items: { id: string; blockNumber: string }[] }>(`${stack.apiUrl}/v1/events?swarm=${swarmId}&types=message.broadcast&limit=100&after=${after}`);
        const at = performance.now();
        for (const e of page.items) if (!feedVisibleAt.has(Number(e.blockNumber))) feedVisibleAt.set(Number(e.blockNumber), at);
        if (page.items.length > 0) after = page.items.at(-1)!.id;
      } catch {
        // a missed poll
      }
      await sleep(Math.max(0, 20 - (performance.now() - started)));
    }
  }

  /** Arrivals by block number for paths starting with `prefix`. */
  function arrivalsByBlock(prefix: string, fromIndex: number): Map<number, Arrival[]> {
    const m = new Map<number, Arrival[]>();
    for (let i = fromIndex; i < sink.arrivals.length; i++) {
      const a = sink.arrivals[i]!;
      if (!a.path.startsWith(prefix)) continue;
      const list = m.get(a.blockNumber) ?? [];
      list.push(a);
      m.set(a.blockNumber, list);
    }
    return m;
  }

  async function waitArrivals(prefix: string, block: number, count: number, fromIndex: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    let scanned = fromIndex;
    let got = 0;
    while (performance.now() < deadline) {
      for (; scanned < sink.arrivals.length; scanned++) {
        const a = sink.arrivals[scanned]!;
        if (a.blockNumber === block && a.path.startsWith(prefix)) got++;
      }
      if (got >= count) return true;
      await sleep(5);
    }
    return false;
  }

  /** One broadcast per block, automine; waits for its `perEvent` deliveries before the next. */
  async function latencyPhase(swarmId: bigint, prefix: string, perEvent: number, events: number): Promise<LatencyReport> {
    const fromIndex = sink.arrivals.length;
    let polling = true;
    const poller = pollFeed(swarmId, () => !polling);
    await sleep(200);
    const blocks: number[] = [];
    let complete = true;
    for (let i = 0; i < events; i++) {
      await sleep(150 + Math.random() * 350); // random phase against Ponder's and the relay's polling
      const sender = senders[senderTurn++ % senders.length]!;
      const sent = await sendRaw(sender, bus, broadcastData(swarmId, i), BROADCAST_GAS);
      const rc = await receipt(sent.hash);
      const block = Number(rc.blockNumber);
      noteMined(block, sent.answeredAt);
      blocks.push(block);
      if (!(await waitArrivals(prefix, block, perEvent, fromIndex, 30_000))) {
        complete = false;
        o.log(`    event in block ${block}: not all ${perEvent} deliveries within 30 s`);
      }
    }
    polling = false;
    await poller;
    const byBlock = arrivalsByBlock(prefix, fromIndex);
    const first: number[] = [];
    const last: number[] = [];
    const all: number[] = [];
    const indexer: number[] = [];
    const relayFirst: number[] = [];
    for (const b of blocks) {
      const list = byBlock.get(b) ?? [];
      const mined = minedAt(b);
      if (list.length === 0 || !Number.isFinite(mined)) continue;
      const times = list.map((a) => a.at).sort((x, y) => x - y);
      for (const t of times.slice(0, perEvent)) all.push(t - mined);
      first.push(times[0]! - mined);
      if (list.length >= perEvent) last.push(times[perEvent - 1]! - mined);
      const visible = feedVisibleAt.get(b);
      if (visible !== undefined) {
        indexer.push(visible - mined);
        relayFirst.push(times[0]! - visible);
      }
    }
    return { subscriptions: perEvent, events, first: stats(first), last: stats(last), all: stats(all), indexer: stats(indexer), relayFirst: stats(relayFirst), complete };
  }

  // Phase 1a: one subscription.
  const [oneSubId] = await subscribeMany(swarmOne, 1, "one/");
  // Warm-up: the relay must know the subscription (and have created its secret) before we measure.
  {
    const sent = await sendRaw(senders[0]!, bus, broadcastData(swarmOne, 9999), BROADCAST_GAS);
    const block = Number((await receipt(sent.hash)).blockNumber);
    if (!(await waitArrivals("/one/", block, 1, 0, 60_000))) throw new Error("warm-up delivery (1 subscription) did not arrive");
  }
  const setupSeconds1 = (performance.now() - setupStart) / 1000;

  // Idle cost: the stack with its relay and nothing happening; then the same with one long-polling feed reader.
  const idle = await (async () => {
    const seconds = 10;
    const indexerPid = stack.stack.indexer.process.pid;
    const relayPid = relay.process.pid;
    const measure = async (during?: () => Promise<void>) => {
      const i0 = processTreeCpuMs(indexerPid);
      const r0 = processTreeCpuMs(relayPid);
      const t0 = performance.now();
      await (during ? during() : sleep(seconds * 1000));
      const elapsed = performance.now() - t0;
      return { indexer: (100 * (processTreeCpuMs(indexerPid) - i0)) / elapsed, relay: (100 * (processTreeCpuMs(relayPid) - r0)) / elapsed };
    };
    // The warm-up's writes settle, and the relay's feed has been quiet for longer than RELAY_FEED_SIGNAL_ACTIVE_MS
    // (10 s: until then it long-polls the feed, see indexer/relay/relay.ts).
    await sleep(Number(o.relayEnv.RELAY_FEED_SIGNAL_ACTIVE_MS ?? 10_000) + 2_000);
    const quiet = await measure();
    let after = "";
    for (;;) {
      const page = await getJson<{ items: { id: string }[] }>(`${stack.apiUrl}/v1/events?limit=1000&after=${after}`);
      if (page.items.length === 0) break;
      after = page.items.at(-1)!.id;
    }
    const longPolls = (readers: number) =>
      measure(async () => {
        const end = performance.now() + seconds * 1000;
        await Promise.all(
          Array.from({ length: readers }, async () => {
            while (performance.now() < end) await getJson(`${stack.apiUrl}/v1/events?limit=500&after=${after}&wait=100`);
          }),
        );
      });
    const one = await longPolls(1);
    const five = await longPolls(5);
    const r1 = (v: number) => Math.round(v * 10) / 10;
    return { seconds, indexerPercent: r1(quiet.indexer), relayPercent: r1(quiet.relay), indexerWithLongPollPercent: r1(one.indexer), indexerWithFiveLongPollsPercent: r1(five.indexer), feedSignal: (await relayHealth()).stats };
  })();
  o.log(`  idle ${idle.seconds} s: indexer ${idle.indexerPercent} %, relay ${idle.relayPercent} % of a core; indexer with one / five long-pollers ${idle.indexerWithLongPollPercent} / ${idle.indexerWithFiveLongPollsPercent} %`);
  o.log(`  latency, 1 subscription: ${o.eventsOneSub} broadcasts, one per block…`);
  const oneSub = await latencyPhase(swarmOne, "/one/", 1, o.eventsOneSub);
  o.log(`    first webhook p50 ${oneSub.first.p50} ms, p99 ${oneSub.first.p99} ms (indexer p50 ${oneSub.indexer.p50} ms)`);

  // Phase 1b: many subscriptions.
  const setup2 = performance.now();
  const manyIds = await subscribeMany(swarmMany, o.subscriptions, "many/");
  {
    const sent = await sendRaw(senders[0]!, bus, broadcastData(swarmMany, 9999), BROADCAST_GAS);
    const block = Number((await receipt(sent.hash)).blockNumber);
    if (!(await waitArrivals("/many/", block, o.subscriptions, 0, 120_000))) {
      const got = new Set(sink.arrivals.filter((a) => a.blockNumber === block).map((a) => a.path)).size;
      throw new Error(`warm-up delivery: ${got}/${o.subscriptions} subscriptions got it within 120 s; relay /health ${JSON.stringify(await relayHealth().catch(() => ({})))}`);
    }
  }
  const setupSeconds = setupSeconds1 + (performance.now() - setup2) / 1000;
  o.log(`  latency, ${o.subscriptions} subscriptions: ${o.eventsManySubs} broadcasts, one per block…`);
  const manySubs = await latencyPhase(swarmMany, "/many/", o.subscriptions, o.eventsManySubs);
  o.log(`    first p50 ${manySubs.first.p50} / p99 ${manySubs.first.p99} ms; last p50 ${manySubs.last.p50} / p99 ${manySubs.last.p99} ms`);

  // Phase 2: throughput: E broadcasts in one block to the many subscriptions.
  o.log(`  throughput: ${o.throughputEvents} broadcasts in one block x ${o.subscriptions} subscriptions…`);
  const tpFrom = sink.arrivals.length;
  await rpc("evm_setAutomine", [false]);
  const tpHashes: Hex[] = [];
  try {
    await Promise.all(
      senders.map(async (s, k) => {
        for (let i = k; i < o.throughputEvents; i += senders.length) tpHashes.push((await sendRaw(s, bus, broadcastData(swarmMany, 20_000 + i), BROADCAST_GAS)).hash);
      }),
    );
    await rpc("evm_mine");
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
  const mineAnswered = performance.now();
  const tpBlock = Number((await receipt(tpHashes[0]!)).blockNumber);
  noteMined(tpBlock, mineAnswered);
  for (const h of tpHashes) if (Number((await receipt(h)).blockNumber) !== tpBlock) throw new Error("throughput broadcasts spread over several blocks");
  const expected = o.throughputEvents * o.subscriptions;
  const tpDone = await waitArrivals("/many/", tpBlock, expected, tpFrom, 180_000);
  if (!tpDone) o.log("    not all throughput deliveries arrived within 180 s");
  await sleep(300); // late duplicates, if any
  const tpArrivals = sink.arrivals.slice(tpFrom).filter((a) => a.blockNumber === tpBlock);
  const uniqueIds = new Set(tpArrivals.map((a) => a.id));
  const tpTimes = tpArrivals.map((a) => a.at).sort((x, y) => x - y);
  const firstAt = tpTimes[0] ?? NaN;
  const lastAt = tpTimes[Math.min(expected, tpTimes.length) - 1] ?? NaN;
  const perSecond: number[] = [];
  for (const t of tpTimes) {
    const k = Math.floor((t - firstAt) / 1000);
    perSecond[k] = (perSecond[k] ?? 0) + 1;
  }
  const tpMined = minedAt(tpBlock);
  const throughput = {
    events: o.throughputEvents,
    subscriptions: o.subscriptions,
    expected,
    uniqueReceived: uniqueIds.size,
    duplicates: tpArrivals.length - uniqueIds.size,
    minedToFirstMs: Math.round(firstAt - tpMined),
    firstToLastMs: Math.round(lastAt - firstAt),
    deliveriesPerSecond: Math.round((Math.min(expected, tpTimes.length) - 1) / ((lastAt - firstAt) / 1000)),
    endToEndPerSecond: Math.round(Math.min(expected, tpTimes.length) / ((lastAt - tpMined) / 1000)),
    perSecond: Array.from(perSecond, (v) => v ?? 0),
    relayStatsAfter: (await relayHealth().catch(() => ({}))) as unknown,
  };
  o.log(`    ${throughput.uniqueReceived}/${expected} in ${throughput.firstToLastMs} ms after the first: ${throughput.deliveriesPerSecond} deliveries/s`);

  // Phase 3: indexer lag with `eventsPerBlock` events per block (a swarm without subscriptions).
  o.log(`  indexer lag: ${o.lagBlocks} blocks of ${o.eventsPerBlock} broadcasts…`);
  let after = "";
  for (;;) {
    const page = await getJson<{ items: { id: string }[] }>(`${stack.apiUrl}/v1/events?limit=1000&after=${after}`);
    if (page.items.length === 0) break;
    after = page.items.at(-1)!.id;
  }
  const lags: number[] = [];
  const rates: number[] = [];
  let lagSum = 0;
  let eventSum = 0;
  for (let b = 0; b < o.lagBlocks; b++) {
    await sleep(100 + Math.random() * 300);
    await rpc("evm_setAutomine", [false]);
    const hashes: Hex[] = [];
    try {
      // sign first, then send: the block is mined right after the last send
      const raws = await Promise.all(
        senders.map(async (s, k) => {
          const list: `0x${string}`[] = [];
          for (let i = k; i < o.eventsPerBlock; i += senders.length) {
            const nonce = nonces.get(s.address)!;
            nonces.set(s.address, nonce + 1);
            list.push(await s.signTransaction({ chainId: chain.id, type: "eip1559", nonce, to: bus, data: broadcastData(swarmLag, b * 1000 + i), gas: BROADCAST_GAS, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: PRIORITY_FEE }));
          }
          return list;
        }),
      );
      await Promise.all(raws.map(async (list) => {
        for (const raw of list) hashes.push(await rpc<Hex>("eth_sendRawTransaction", [raw]));
      }));
      await rpc("evm_mine");
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
    const answered = performance.now();
    const block = Number((await receipt(hashes[0]!)).blockNumber);
    noteMined(block, answered);
    // poll the (unfiltered) feed until all of the block's events are visible
    let seen = 0;
    const deadline = performance.now() + 60_000;
    for (;;) {
      const started = performance.now();
      const page = await getJson<{ items: { id: string; blockNumber: string; type: string }[] }>(`${stack.apiUrl}/v1/events?limit=1000&after=${after}`);
      const at = performance.now();
      for (const e of page.items) if (Number(e.blockNumber) === block && e.type === "message.broadcast") seen++;
      if (page.items.length > 0) after = page.items.at(-1)!.id;
      if (seen >= o.eventsPerBlock) {
        const lag = at - minedAt(block);
        lags.push(lag);
        rates.push(o.eventsPerBlock / (lag / 1000));
        lagSum += lag;
        eventSum += o.eventsPerBlock;
        break;
      }
      if (at > deadline) throw new Error(`block ${block}: only ${seen}/${o.eventsPerBlock} events in the feed after 60 s`);
      await sleep(Math.max(0, 10 - (performance.now() - started)));
    }
  }
  const indexerLag = { blocks: o.lagBlocks, eventsPerBlock: o.eventsPerBlock, lag: stats(lags), eventsPerSecond: stats(rates), aggregateEventsPerSecond: Math.round(eventSum / (lagSum / 1000)) };
  o.log(`    lag p50 ${indexerLag.lag.p50} ms, p99 ${indexerLag.lag.p99} ms; ${indexerLag.aggregateEventsPerSecond} events/s`);

  watching = false;
  await watcher;

  // --- signatures: the secret of the sampled subscriptions, read through the wallet-signed secrets API --------
  const sampledSubs = new Set<string>([oneSubId!]);
  const pathToSub = new Map([...endpointOf.entries()].map(([id, p]) => [p, id]));
  for (let i = 0; i < 10 && i < o.subscriptions; i++) sampledSubs.add(pathToSub.get(`/many/${i}`)!);
  const secrets = new Map<string, string>();
  for (const id of sampledSubs) {
    const res = await signedFetch(owner, `${relay.url}/v1/subscriptions/${id}/secret`, { method: "POST", chainId: stack.deployment.chainId, verifyingContract: subs });
    if (res.status !== 200) throw new Error(`secret of subscription ${id}: HTTP ${res.status} ${await res.text()}`);
    secrets.set(id, ((await res.json()) as { secret: string }).secret);
  }
  let verified = 0;
  let failed = 0;
  const failures: string[] = [];
  for (const s of sink.samples) {
    const id = pathToSub.get(s.path);
    const secret = id ? secrets.get(id) : undefined;
    if (!secret) continue;
    try {
      verifyWebhook({ secret, headers: s.headers, body: s.body, now: Number(s.headers["webhook-timestamp"]) });
      verified++;
    } catch (e) {
      failed++;
      if (failures.length < 5) failures.push(`${s.path}: ${(e as Error).message}`);
    }
  }
  o.log(`  signatures: ${verified} sampled deliveries verified with the subscription's secret (${failed} failed)`);
  void manyIds;

  return {
    stackStartSeconds: r1(stackStartSeconds),
    setupSeconds: r1(setupSeconds),
    relayEnv: o.relayEnv,
    ponderPollingNote: "",
    idle: { ...idle, feedSignal: (idle.feedSignal as { feedSignal?: unknown } | undefined)?.feedSignal ?? null },
    oneSub,
    manySubs,
    throughput,
    indexerLag,
    signatures: { verified, failed, subscriptionsWithSecret: secrets.size, failures },
    watcher: { pollMedianMs: r1(percentile(watchGaps, 50)) },
  };
}
