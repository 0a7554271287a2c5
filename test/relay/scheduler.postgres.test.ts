/**
 * The scheduler on Postgres (127.0.0.1:5432, database `test`, a fresh schema per run): several processes never
 * fire the same occurrence twice.
 *
 * 1. Split brain: two Scheduler instances with separate Db pools that BOTH believe they hold the lease, ticking
 *    concurrently under one fake clock — every occurrence fires exactly once (compare-and-set + relay_fires PK).
 * 2. Two real relay processes (node indexer/relay/main.ts) on one schema, a fake indexer and a real receiver:
 *    the lease holder is SIGKILLed mid-way, the other takes the lease over and catches up (fire_all); the receiver
 *    gets every second's fire exactly once (one webhook-id each, signatures verified).
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { migrate } from "../../indexer/relay/db/migrate.ts";
import { openPostgres } from "../../indexer/relay/db/openPostgres.ts";
import { createScheduleClient } from "../../indexer/relay/scheduler/client.ts";
import { Scheduler } from "../../indexer/relay/scheduler/scheduler.ts";
import { fireDeliveryId, migrateScheduler } from "../../indexer/relay/scheduler/store.ts";
import { ProcessGroup } from "../../scripts/lib/processes.ts";
import { startRelay } from "../../scripts/lib/startRelay.ts";
import { getFreePort } from "../../scripts/lib/waitFor.ts";
import { verifyWebhook } from "../../sdk/webhooks.ts";
import { startReceiver, tempDir, waitUntil } from "./helpers.ts";
import { schedule, startFakeScheduleIndexer, type FakeScheduleIndexer } from "./schedulerHelpers.ts";

const POSTGRES_URL = process.env.RELAY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SCHEMA = `relay_sched_${process.pid}_${Date.now()}`;

describe("scheduler on Postgres: several processes, each occurrence once", () => {
  const dbs: Db[] = [];
  let indexer: FakeScheduleIndexer;

  beforeAll(async () => {
    indexer = await startFakeScheduleIndexer();
    for (let i = 0; i < 2; i++) {
      const db = await openPostgres({ connectionString: POSTGRES_URL, schema: SCHEMA, max: 4 });
      await migrate(db);
      await migrateScheduler(db);
      dbs.push(db);
    }
  });
  afterAll(async () => {
    if (dbs[0]) await dbs[0].query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    for (const db of dbs) await db.close();
    await indexer?.close();
  });

  it("two scheduler instances that both believe they lead fire every occurrence exactly once", { timeout: 60_000 }, async () => {
    const T0 = Math.floor(Date.UTC(2030, 0, 1) / 1000);
    const N = 12;
    for (let i = 1; i <= N; i++) {
      indexer.add(schedule(String(i), { cron: i % 2 ? "* * * * * *" : "*/3 * * * * *", startTime: String(T0), catchUp: i % 3 === 0 ? "fire_latest_once" : "fire_all" }));
    }
    let clock = T0 * 1000 - 500;
    const make = (db: Db, workerId: string) =>
      new Scheduler({ db, client: createScheduleClient(indexer.url), workerId, now: () => clock, tickMs: 1_000, refreshMs: 3_600_000, leaseMs: 600_000, log: () => {} });
    const a = make(dbs[0]!, "a");
    const b = make(dbs[1]!, "b");
    await a.tick();
    // Take the lease from under `a` (as if its clock lagged): `b` acquires it, `a` still believes it leads
    // (it renews only every lease/5). From here both run the loop at the same time.
    await dbs[0]!.query("UPDATE relay_leader SET lease_until = 0 WHERE name = 'scheduler'");
    await b.tick();
    expect([a.stats.leader, b.stats.leader]).toEqual([true, true]);
    const end = T0 + 40;
    while (clock < end * 1000) {
      clock += 700;
      await Promise.all([a.tick(), b.tick()]);
    }
    expect([a.stats.leader, b.stats.leader]).toEqual([true, true]);
    const rows = await dbs[0]!.query<{ schedule_id: string; scheduled_time: string; run_number: string }>(
      "SELECT schedule_id, scheduled_time, run_number FROM relay_fires ORDER BY schedule_id::int, scheduled_time",
    );
    for (let i = 1; i <= N; i++) {
      const mine = rows.filter((r) => r.schedule_id === String(i));
      const step = i % 2 ? 1 : 3;
      const times = Array.from({ length: Math.floor(40 / step) + 1 }, (_, k) => T0 + k * step);
      expect(mine.map((r) => Number(r.scheduled_time)), `schedule ${i}`).toEqual(times);
      expect(mine.map((r) => Number(r.run_number)), `schedule ${i}`).toEqual(times.map((_, k) => k));
    }
    const outbox = await dbs[0]!.query<{ id: string }>("SELECT id FROM relay_outbox");
    expect(outbox.length).toBe(rows.length);
    expect(new Set(outbox.map((o) => o.id)).size).toBe(rows.length);
    // They really raced: the loser of a round found the state moved (compare-and-set) and re-planned.
    expect(a.stats.conflicts + b.stats.conflicts).toBeGreaterThan(0);
    expect(a.stats.fired + b.stats.fired).toBe(rows.length);
    console.log(`[scheduler pg] split brain: ${rows.length} fires = ${a.stats.fired} (a) + ${b.stats.fired} (b), ${a.stats.conflicts + b.stats.conflicts} conflicts`);
  });

  it("two relay processes: the lease holder is SIGKILLed, the other takes over and catches up; each second delivered once", { timeout: 120_000 }, async () => {
    const schema = `${SCHEMA}_proc`;
    const group = new ProcessGroup();
    const dir = tempDir("relay-sched-pg-");
    const sink = await startReceiver();
    try {
      const start = Math.floor(Date.now() / 1000) + 3;
      indexer.schedules.clear();
      indexer.events.length = 0;
      indexer.add(schedule("100", { cron: "* * * * * *", startTime: String(start), catchUp: "fire_all", endpoint: `${sink.url}/s` }));
      const env = {
        RELAY_ALLOW_LOOPBACK: "1",
        RELAY_CHAIN_ID: "31337",
        RELAY_SCHEDULER_TICK_MS: "200",
        RELAY_POLL_MS: "50",
        RELAY_TIMEOUT_MS: "3000",
        RELAY_LEASE_MS: "10000",
      };
      const relays = [];
      for (const name of ["relay-a", "relay-b"]) {
        relays.push(
          await startRelay({
            group,
            host: "127.0.0.1",
            port: await getFreePort(),
            indexerUrl: indexer.url,
            databaseUrl: POSTGRES_URL,
            dbSchema: schema,
            name,
            logFile: path.join(dir.dir, `${name}.log`),
            env: { ...env, RELAY_WORKER_ID: name },
          }),
        );
      }
      const admin = await openPostgres({ connectionString: POSTGRES_URL, schema, max: 1 });
      try {
        const secret = await waitUntil(async () => {
          const rows = await admin.query<{ secret: string }>("SELECT secret FROM relay_secrets WHERE subscription_id = 'schedule:100'");
          return rows[0]?.secret;
        }, "the schedule's secret", 20_000);
        await waitUntil(() => sink.received.length >= 3, "3 fires", 20_000);
        const [leader] = await admin.query<{ holder: string }>("SELECT holder FROM relay_leader WHERE name = 'scheduler'");
        const victim = relays[["relay-a", "relay-b"].indexOf(leader!.holder)]!;
        victim.process.killNow();
        const killedAt = Math.floor(Date.now() / 1000);
        // The scheduler lease (5 s) runs out, the survivor takes it and fires what was missed, in order.
        await waitUntil(() => sink.received.some((w) => Number(w.json.scheduledTime) >= killedAt + 8), "fires after the takeover", 40_000);
        const [holder] = await admin.query<{ holder: string }>("SELECT holder FROM relay_leader WHERE name = 'scheduler'");
        expect(holder!.holder).not.toBe(leader!.holder);
        await new Promise((r) => setTimeout(r, 500));
        const byTime = new Map<number, Set<string>>();
        for (const w of sink.received) {
          const t = Number(w.json.scheduledTime);
          if (!byTime.has(t)) byTime.set(t, new Set());
          byTime.get(t)!.add(w.id);
        }
        const times = [...byTime.keys()].sort((x, y) => x - y);
        const last = times.at(-1)!;
        // Every second from the start to the last one seen, each with exactly one webhook-id (its fire's), all verified.
        expect(times).toEqual(Array.from({ length: last - start + 1 }, (_, k) => start + k));
        for (const t of times) expect([...byTime.get(t)!]).toEqual([fireDeliveryId("100", t)]);
        // Signed with the schedule's secret (checked here: the first fires may arrive before the test read it).
        for (const w of sink.received) expect(verifyWebhook({ headers: w.headers, body: w.body, secret }).id).toBe(w.id);
        const fires = await admin.query<{ n: string }>("SELECT count(*) AS n FROM relay_fires WHERE schedule_id = '100'");
        expect(Number(fires[0]!.n)).toBeGreaterThanOrEqual(times.length);
        console.log(`[scheduler pg] two relays: ${times.length} fires delivered once each across a SIGKILL of ${leader!.holder}`);
      } finally {
        await group.stopAll();
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
        await admin.close();
      }
    } finally {
      await group.stopAll();
      await sink.close();
      dir.remove();
    }
  });
});
