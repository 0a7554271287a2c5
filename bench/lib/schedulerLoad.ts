/**
 * The relay's scheduler under 10,000 active cron schedules, fired at real wall-clock time.
 *
 * Setup: the whole local stack (test/e2e/harness.ts: `hardhat node`, Ignition deployment, Ponder on PGlite); N cron
 * webhook schedules registered on ScheduleRegistry (bench/lib/cronLoad.ts scheduleMix; signed locally, sent with
 * automine off, mined in batches; catch-up policy Skip, so nothing fires in a burst for the time before the
 * scheduler starts) and indexed; the endpoint is a receiver in this process.
 *
 * Measurement, per store (the relay's PGlite, then Postgres when reachable): the relay's Scheduler
 * (indexer/relay/scheduler/scheduler.ts) runs in THIS process against the real indexer (createScheduleClient) and
 * the relay's store (migrate), loads the N schedules, then fires for `windowSeconds` of wall-clock time. Fires are
 * committed to relay_fires + relay_outbox (the delivery pool is not running: the outbox rows are the fire's
 * product; delivery is measured by the perception benchmark). Per fire with a scheduled time inside the window:
 *  - jitter = relay_fires.fired_at (epoch ms the scheduler stamps on the fire and its body) - scheduled_time;
 *  - committed = when the scheduler's onFired callback saw the fire's transaction committed - scheduled_time.
 * CPU = process.cpuUsage() (user + system) of this process over the window / fires x 1,000: the scheduler's passes
 * plus, for PGlite, the embedded database (WASM in this process); for Postgres the server's CPU is not included.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeFunctionData, zeroAddress, type Address, type Hex, type LocalAccount } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { ScheduleRegistryAbi } from "../../indexer/abis/ScheduleRegistryAbi.ts";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { migrate } from "../../indexer/relay/db/migrate.ts";
import { openPglite } from "../../indexer/relay/db/openPglite.ts";
import { openPostgres } from "../../indexer/relay/db/openPostgres.ts";
import { createScheduleClient } from "../../indexer/relay/scheduler/client.ts";
import { fireTimesBetween } from "../../indexer/relay/scheduler/cron.ts";
import { Scheduler, type CommittedFire } from "../../indexer/relay/scheduler/scheduler.ts";
import { DEV_MNEMONIC, startStack, type TestStack } from "../../test/e2e/harness.ts";
import { scheduleMix } from "./cronLoad.ts";
import { percentile } from "./result.ts";
import { startWebhookSink } from "./webhookSink.ts";

export type SchedulerLoadOptions = {
  schedules: number;
  windowSeconds: number;
  postgresUrl: string | null;
  log: (m: string) => void;
};

export type Dist = { p50: number; p90: number; p99: number; max: number; min: number; samples: number };

export type StoreRun = {
  store: "pglite" | "postgres";
  loadedSchedules: number;
  loadSeconds: number;
  windowSeconds: number;
  fires: number;
  expectedFires: number;
  duplicateFires: number;
  jitterMs: Dist;
  committedMs: Dist;
  cpuMsPer1000Fires: number;
  cpuMsPerSecond: number;
  passesLogged: string[];
};

export type SchedulerLoadReport = {
  schedules: number;
  registerSeconds: number;
  indexSeconds: number;
  runs: StoreRun[];
  errors: string[];
};

const MAX_FEE = 100_000_000_000n;
const PRIORITY_FEE = 1_000_000_000n;

function dist(values: number[]): Dist {
  const r = (v: number) => Math.round(v * 10) / 10;
  if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, min: NaN, samples: 0 };
  return {
    p50: r(percentile(values, 50)),
    p90: r(percentile(values, 90)),
    p99: r(percentile(values, 99)),
    max: r(Math.max(...values)),
    min: r(Math.min(...values)),
    samples: values.length,
  };
}

export async function runSchedulerLoad(o: SchedulerLoadOptions): Promise<SchedulerLoadReport> {
  const stack = await startStack({ build: false, accounts: 4 });
  o.log(`  stack up (chain ${stack.rpcUrl}, indexer ${stack.apiUrl})`);
  const sink = await startWebhookSink(() => false);
  try {
    const expressions = scheduleMix(o.schedules);
    const { registerSeconds, indexSeconds } = await registerAll(stack, expressions, sink.url, o.log);
    const runs: StoreRun[] = [];
    const errors: string[] = [];
    const tmp = mkdtempSync(path.join(os.tmpdir(), "concord-bench-time-"));
    try {
      const pglite = await openPglite(path.join(tmp, "relay"));
      runs.push(await measureStore("pglite", pglite, stack, expressions, o));
      if (o.postgresUrl) {
        const schema = `bench_time_${process.pid}_${Date.now()}`;
        let pg: Db | undefined;
        try {
          pg = await openPostgres({ connectionString: o.postgresUrl, schema });
        } catch (error) {
          errors.push(`Postgres not measured: ${(error as Error).message}`);
        }
        if (pg) {
          try {
            runs.push(await measureStore("postgres", pg, stack, expressions, o));
          } finally {
            await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
            await pg.close();
          }
        }
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    return { schedules: o.schedules, registerSeconds, indexSeconds, runs, errors };
  } catch (error) {
    console.error(`scheduler load failed; logs in ${stack.workDir}/logs (set CONCORD_E2E_KEEP=1 to keep them)`);
    throw error;
  } finally {
    await sink.close();
    await stack.stop();
  }
}

/** Registers one cron webhook schedule per expression (4 senders, automine off, evm_mine in batches). */
async function registerAll(stack: TestStack, expressions: string[], sinkUrl: string, log: (m: string) => void) {
  const { publicClient: pc, chain } = stack;
  const rpc = <T,>(method: string, params: unknown[] = []) => pc.request({ method, params } as never) as Promise<T>;
  const registry = stack.addresses.ScheduleRegistry as Address;
  const senders = Array.from({ length: 4 }, (_, i) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }) as LocalAccount);
  const nonces = new Map<Address, number>();
  for (const a of senders) nonces.set(a.address, await pc.getTransactionCount({ address: a.address, blockTag: "pending" }));
  const data = (cron: string, i: number) =>
    encodeFunctionData({
      abi: ScheduleRegistryAbi,
      functionName: "register",
      args: [
        {
          swarmId: 0n,
          cron,
          period: 0,
          startTime: 0,
          endTime: 0,
          maxRuns: 0,
          catchUp: 2, // Skip: occurrences before the scheduler's first load are dropped, not fired in a burst
          payload: "0x",
          endpoint: `${sinkUrl}/s/${i}`,
          target: zeroAddress,
          callData: "0x",
          valuePerRun: 0n,
          callGasLimit: 0,
        },
      ],
    });
  const gas = ((await pc.estimateGas({ account: senders[0]!.address, to: registry, data: data(expressions[0]!, 0) })) * 15n) / 10n;
  const gasLimit = (await pc.getBlock()).gasLimit;
  const perBlock = Math.max(1, Math.min(400, Number((gasLimit * 8n) / 10n / gas)));
  const started = performance.now();
  const hashes: Hex[] = [];
  await rpc("evm_setAutomine", [false]);
  try {
    for (let i = 0; i < expressions.length; i += perBlock) {
      const end = Math.min(expressions.length, i + perBlock);
      const batch: Promise<Hex>[] = [];
      for (let j = i; j < end; j++) {
        const account = senders[j % senders.length]!;
        const nonce = nonces.get(account.address)!;
        nonces.set(account.address, nonce + 1);
        batch.push(
          account
            .signTransaction({ chainId: chain.id, type: "eip1559", nonce, to: registry, data: data(expressions[j]!, j), gas, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: PRIORITY_FEE })
            .then((raw) => rpc<Hex>("eth_sendRawTransaction", [raw])),
        );
      }
      hashes.push(...(await Promise.all(batch)));
      await rpc("evm_mine");
    }
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
  for (const h of [hashes[0]!, hashes.at(-1)!]) {
    const rc = await pc.waitForTransactionReceipt({ hash: h, timeout: 120_000 });
    if (rc.status !== "success") throw new Error(`register ${h} reverted`);
  }
  const count = await pc.readContract({ address: registry, abi: ScheduleRegistryAbi, functionName: "scheduleCount" });
  if (Number(count) < expressions.length) throw new Error(`expected ${expressions.length} schedules on chain, found ${count}`);
  const registerSeconds = (performance.now() - started) / 1000;
  log(`  ${expressions.length} schedules registered in ${registerSeconds.toFixed(1)} s (${perBlock} per block, gas limit ${gas} each)`);

  // The indexer's REST API must list the last schedule (ids count up from 1 in this fresh deployment) as active.
  const indexStarted = performance.now();
  for (;;) {
    const body = (await fetch(`${stack.apiUrl}/v1/schedules/${expressions.length}`, { signal: AbortSignal.timeout(10_000) })
      .then((r) => r.json())
      .catch(() => null)) as { status?: string } | null;
    if (body?.status === "active") break;
    if (performance.now() - indexStarted > 600_000) throw new Error("the indexer did not list the schedules within 10 minutes");
    await sleep(500);
  }
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  log(`  indexed in ${indexSeconds.toFixed(1)} s`);
  return { registerSeconds, indexSeconds };
}

async function measureStore(store: "pglite" | "postgres", db: Db, stack: TestStack, expressions: string[], o: SchedulerLoadOptions): Promise<StoreRun> {
  await migrate(db);
  const logged: string[] = [];
  const committedAt = new Map<string, number>();
  const scheduler = new Scheduler({
    db,
    client: createScheduleClient(stack.apiUrl),
    workerId: `bench-${store}`,
    tickMs: 1_000,
    // Only the initial load in the window: a full reload of 10,000 schedules is a separate cost (60 s default).
    refreshMs: 3_600_000,
    log: (m) => {
      if (logged.length < 50) logged.push(m);
    },
    onFired: (fires: CommittedFire[]) => {
      const at = Date.now();
      for (const f of fires) committedAt.set(`${f.scheduleId}:${f.time}`, at);
    },
  });
  const loadStarted = performance.now();
  scheduler.start();
  while (scheduler.stats.schedules < expressions.length) {
    if (performance.now() - loadStarted > 300_000) {
      await scheduler.stop();
      throw new Error(`${store}: the scheduler loaded ${scheduler.stats.schedules} of ${expressions.length} schedules in 5 minutes`);
    }
    await sleep(200);
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  o.log(`  ${store}: scheduler loaded ${scheduler.stats.schedules} schedules in ${loadSeconds.toFixed(1)} s`);

  // Window: whole seconds [from, to), starting 5 s after the load (its first pass drops the missed occurrences).
  const from = Math.floor(Date.now() / 1000) + 5;
  const to = from + o.windowSeconds;
  await sleep(from * 1000 - Date.now());
  const cpu0 = process.cpuUsage();
  await sleep(to * 1000 - Date.now());
  const cpu = process.cpuUsage(cpu0);
  // The fires the schedules call for in the window (same cron module): wait (at most 60 s) until each is in
  // relay_fires, so that late fires count with their lateness instead of being cut off.
  let expected = 0;
  for (const e of expressions) expected += fireTimesBetween(e, from - 1, to - 1, 10_000).length;
  const countInWindow = async () =>
    Number((await db.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM relay_fires WHERE scheduled_time >= $1 AND scheduled_time < $2", [from, to]))[0]?.n ?? 0);
  const waitStarted = Date.now();
  while ((await countInWindow()) < expected && Date.now() - waitStarted < 60_000) await sleep(250);
  await scheduler.stop();

  const rows = await db.query<{ schedule_id: string; scheduled_time: string | number; fired_at: string | number }>(
    "SELECT schedule_id, scheduled_time, fired_at FROM relay_fires WHERE scheduled_time >= $1 AND scheduled_time < $2",
    [from, to],
  );
  const jitter: number[] = [];
  const committed: number[] = [];
  for (const r of rows) {
    const t = Number(r.scheduled_time) * 1000;
    jitter.push(Number(r.fired_at) - t);
    const c = committedAt.get(`${r.schedule_id}:${Number(r.scheduled_time)}`);
    if (c !== undefined) committed.push(c - t);
  }
  const dupes = await db.query<{ n: string | number }>(
    "SELECT COUNT(*) AS n FROM (SELECT schedule_id, scheduled_time FROM relay_fires GROUP BY 1, 2 HAVING COUNT(*) > 1) d",
  );
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const run: StoreRun = {
    store,
    loadedSchedules: scheduler.stats.schedules,
    loadSeconds: Math.round(loadSeconds * 10) / 10,
    windowSeconds: o.windowSeconds,
    fires: rows.length,
    expectedFires: expected,
    duplicateFires: Number(dupes[0]?.n ?? 0),
    jitterMs: dist(jitter),
    committedMs: dist(committed),
    cpuMsPer1000Fires: rows.length === 0 ? NaN : Math.round((cpuMs / rows.length) * 1000 * 10) / 10,
    cpuMsPerSecond: Math.round((cpuMs / o.windowSeconds) * 10) / 10,
    passesLogged: logged,
  };
  o.log(`  ${store}: ${JSON.stringify({ ...run, passesLogged: undefined })}`);
  return run;
}
