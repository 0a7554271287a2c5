/**
 * Relay-only load: one relay process (scripts/lib/startRelay.ts, the real `indexer/relay/main.ts`) reading a
 * feed served by an in-memory indexer stand-in in this process (GET /v1/events, /v1/subscriptions, /status;
 * the same JSON the Ponder API answers), delivering to the benchmark's webhook sink. No chain, no Ponder:
 * this isolates the relay's own cost (feed poll, ingest transaction, claim, sign, POST, record) from
 * indexing, so the relay's throughput can be measured at full load with 1,000 subscriptions.
 *
 *   - throughput: `events` message.broadcast events appear in one block at once; every one matches all
 *     `subscriptions` (unordered, immediate) -> events x subscriptions signed deliveries;
 *   - latency: then single events appear one at a time (random gaps); appear -> first / last webhook.
 *
 * The relay's store: Postgres (`databaseUrl`, a fresh schema) or PGlite (a temp data directory).
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ProcessGroup } from "../../scripts/lib/processes.ts";
import { startRelay } from "../../scripts/lib/startRelay.ts";
import { getFreePort } from "../../scripts/lib/waitFor.ts";
import { processCpuMs } from "./processCpu.ts";
import { percentile } from "./result.ts";
import { startWebhookSink, type Arrival } from "./webhookSink.ts";

export type RelayLoadOptions = {
  subscriptions: number;
  /** Events in the one throughput block (x subscriptions deliveries). */
  events: number;
  /** Single events (one per block) for the latency part (0 = none). */
  latencyEvents: number;
  /** Postgres URL (a unique schema is created and dropped), or undefined for PGlite. */
  databaseUrl?: string;
  relayEnv: Record<string, string>;
  /** e.g. ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] for the relay process. */
  nodeOptions?: string;
  log: (m: string) => void;
};

type Stats = { p50: number; p90: number; p99: number; max: number; samples: number };
const r1 = (v: number) => Math.round(v * 10) / 10;
function stats(values: number[]): Stats {
  return { p50: r1(percentile(values, 50)), p90: r1(percentile(values, 90)), p99: r1(percentile(values, 99)), max: r1(Math.max(...values)), samples: values.length };
}

export type RelayLoadReport = {
  store: "postgres" | "pglite";
  subscriptions: number;
  events: number;
  expected: number;
  uniqueReceived: number;
  duplicates: number;
  /** feed exposes the block -> first webhook. */
  appearToFirstMs: number;
  /** first -> last webhook. */
  firstToLastMs: number;
  deliveriesPerSecond: number;
  /** expected / (appear -> last webhook). */
  endToEndPerSecond: number;
  perSecond: number[];
  latency?: { first: Stats; last: Stats };
  /** Relay process CPU (user+system) during the throughput part, ms, from /proc. */
  relayCpuMs?: number;
  /** CPU of the relay's Postgres backends (application_name) during the throughput part, ms. */
  postgresCpuMs?: number;
};

const OWNER = `0x${"55".repeat(20)}`;
const MEMBER = `0x${"33".repeat(20)}`;

function feedEvent(block: number, logIndex: number) {
  return {
    id: `${String(block).padStart(16, "0")}-${String(logIndex).padStart(8, "0")}`,
    type: "message.broadcast",
    chainId: 31337,
    blockNumber: String(block),
    blockHash: `0x${block.toString(16).padStart(64, "a")}`,
    blockTimestamp: String(1_700_000_000 + block),
    txHash: `0x${(logIndex + 1).toString(16).padStart(64, "1")}`,
    txIndex: logIndex,
    logIndex,
    contract: "MessageBus",
    address: `0x${"22".repeat(20)}`,
    swarmId: "1",
    members: [MEMBER],
    fencingToken: null,
    data: { messageId: String(block * 100_000 + logIndex), topic: `0x${"ab".repeat(32)}`, payload: `0x${"cd".repeat(32)}`, sender: MEMBER },
  };
}

export async function runRelayLoad(o: RelayLoadOptions): Promise<RelayLoadReport> {
  const events: ReturnType<typeof feedEvent>[] = [];
  let head = 1;
  const subscriptions = Array.from({ length: o.subscriptions }, (_, i) => ({ id: String(i + 1) }));
  const indexer = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    if (url.pathname === "/v1/events") {
      const after = url.searchParams.get("after") ?? "";
      const limit = Number(url.searchParams.get("limit") ?? 100);
      let lo = 0;
      let hi = events.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (events[mid]!.id <= after) lo = mid + 1;
        else hi = mid;
      }
      const items = events.slice(lo, lo + limit);
      return send({ items, nextCursor: items.at(-1)?.id ?? null });
    }
    if (url.pathname === "/v1/subscriptions") return send({ items: subscriptionItems, nextCursor: null });
    if (url.pathname === "/status") return send({ localhost: { id: 31337, block: { number: head, timestamp: 0 } } });
    res.writeHead(404).end();
  });
  indexer.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => indexer.listen(0, "127.0.0.1", resolve));
  const indexerUrl = `http://127.0.0.1:${(indexer.address() as AddressInfo).port}`;
  const sink = await startWebhookSink(() => false);
  const subscriptionItems = subscriptions.map((s) => ({
    id: s.id,
    owner: OWNER,
    swarmId: "1",
    kinds: 4,
    member: null,
    endpoint: `${sink.url}/s/${s.id}`,
    status: "active",
    mode: "immediate",
    confirmations: 0,
    ordered: false,
    createdBlock: "0",
    createdEventId: "",
  }));

  const group = new ProcessGroup();
  const workDir = mkdtempSync(path.join(os.tmpdir(), "relay-load-"));
  const schema = `bench_relay_${process.pid}_${Date.now()}`;
  const pgAdmin = o.databaseUrl ? await openAdmin(o.databaseUrl) : undefined;
  const appName = `concord_relay_load_${process.pid}`;
  const backendCpu = async (): Promise<Map<number, number>> => {
    const m = new Map<number, number>();
    if (!pgAdmin) return m;
    const { rows } = (await pgAdmin.query(`SELECT pid FROM pg_stat_activity WHERE application_name = '${appName}'`)) as { rows: { pid: number }[] };
    for (const r of rows) {
      const ms = processCpuMs(r.pid);
      if (ms !== undefined) m.set(r.pid, ms);
    }
    return m;
  };
  try {
    const relay = await startRelay({
      group,
      host: "127.0.0.1",
      port: await getFreePort(),
      indexerUrl,
      dataDir: path.join(workDir, "relay"),
      databaseUrl: o.databaseUrl ? withAppName(o.databaseUrl, appName) : undefined,
      dbSchema: schema,
      logFile: path.join(workDir, "relay.log"),
      env: { RELAY_ALLOW_LOOPBACK: "1", RELAY_CHAIN_ID: "31337", ...o.relayEnv, ...(o.nodeOptions ? { NODE_OPTIONS: o.nodeOptions } : {}) },
    });
    const pid = relay.process.pid;
    // Warm-up: one event to every subscription (the relay learns them and creates their secrets).
    events.push(feedEvent(head, 0));
    const warmBlock = head;
    await waitFor(() => countBlock(sink.arrivals, warmBlock) >= o.subscriptions, 120_000, "warm-up deliveries");
    o.log(`    warm-up: ${o.subscriptions} deliveries arrived`);
    await sleep(500);

    // Throughput: one block of `events` events.
    head++;
    const tpBlock = head;
    const from = sink.arrivals.length;
    const cpuBefore = processCpuMs(pid);
    const pgBefore = await backendCpu();
    const appear = performance.now();
    for (let i = 0; i < o.events; i++) events.push(feedEvent(tpBlock, i));
    const expected = o.events * o.subscriptions;
    await waitFor(() => countBlock(sink.arrivals, tpBlock, from) >= expected, 300_000, `${expected} deliveries`);
    await sleep(300);
    const cpuAfter = processCpuMs(pid);
    const pgAfter = await backendCpu();
    const tp = sink.arrivals.slice(from).filter((a) => a.blockNumber === tpBlock);
    const unique = new Set(tp.map((a) => a.id));
    const times = tp.map((a) => a.at).sort((a, b) => a - b);
    const first = times[0]!;
    const last = times[Math.min(expected, times.length) - 1]!;
    const perSecond: number[] = [];
    for (const t of times) {
      const k = Math.floor((t - first) / 1000);
      perSecond[k] = (perSecond[k] ?? 0) + 1;
    }

    let latency: RelayLoadReport["latency"];
    if (o.latencyEvents > 0) {
      const firsts: number[] = [];
      const lasts: number[] = [];
      for (let i = 0; i < o.latencyEvents; i++) {
        await sleep(150 + Math.random() * 350);
        head++;
        const block = head;
        const start = sink.arrivals.length;
        const at = performance.now();
        events.push(feedEvent(block, 0));
        await waitFor(() => countBlock(sink.arrivals, block, start) >= o.subscriptions, 60_000, `latency event ${i}`);
        const ts = sink.arrivals.slice(start).filter((a) => a.blockNumber === block).map((a) => a.at).sort((a, b) => a - b);
        firsts.push(ts[0]! - at);
        lasts.push(ts[o.subscriptions - 1]! - at);
      }
      latency = { first: stats(firsts), last: stats(lasts) };
    }
    return {
      store: o.databaseUrl ? "postgres" : "pglite",
      subscriptions: o.subscriptions,
      events: o.events,
      expected,
      uniqueReceived: unique.size,
      duplicates: tp.length - unique.size,
      appearToFirstMs: Math.round(first - appear),
      firstToLastMs: Math.round(last - first),
      deliveriesPerSecond: Math.round((Math.min(expected, times.length) - 1) / ((last - first) / 1000)),
      endToEndPerSecond: Math.round(Math.min(expected, times.length) / ((last - appear) / 1000)),
      perSecond: Array.from(perSecond, (v) => v ?? 0),
      latency,
      relayCpuMs: cpuBefore !== undefined && cpuAfter !== undefined ? Math.round(cpuAfter - cpuBefore) : undefined,
      postgresCpuMs: pgAdmin ? Math.round([...pgAfter].reduce((sum, [p, ms]) => sum + ms - (pgBefore.get(p) ?? 0), 0)) : undefined,
    };
  } finally {
    await group.stopAll();
    await sink.close();
    indexer.closeAllConnections();
    await new Promise<void>((resolve) => indexer.close(() => resolve()));
    if (pgAdmin) {
      await pgAdmin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await pgAdmin.end();
    }
    if (process.env.BENCH_KEEP !== "1") rmSync(workDir, { recursive: true, force: true });
    else o.log(`    relay log kept in ${workDir}`);
  }
}

function countBlock(arrivals: Arrival[], block: number, from = 0): number {
  let n = 0;
  for (let i = from; i < arrivals.length; i++) if (arrivals[i]!.blockNumber === block) n++;
  return n;
}

async function waitFor(done: () => boolean, timeoutMs: number, label: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`relay load: timed out after ${timeoutMs} ms waiting for ${label}`);
    await sleep(5);
  }
}

function withAppName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set("application_name", name);
  return u.toString();
}

/** Drops a Postgres schema (benchmark clean-up). */
export async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const admin = await openAdmin(connectionString);
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}

type PgLike = { query(sql: string): Promise<unknown>; end(): Promise<void> };
async function openAdmin(connectionString: string): Promise<PgLike> {
  const specifier: string = "pg";
  const { default: pg } = (await import(specifier)) as { default: { Client: new (c: Record<string, unknown>) => PgLike & { connect(): Promise<void> } } };
  const client = new pg.Client({ connectionString });
  await client.connect();
  return client;
}
