/**
 * The relay's scheduler on PGlite with a fake indexer (real HTTP) under fake time (an injected clock; `tick()` is
 * driven by the test): every occurrence fires exactly once (checked against cron-parser, an independent cron
 * implementation), restarts catch up per policy, pause/resume/cancel/update, bad cron expressions, the validate
 * route, and signed webhooks to a real HTTP receiver through the delivery pool with the secret read from the
 * signed secrets API.
 */
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { CronExpressionParser } from "cron-parser";
import { Hono } from "hono";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dbNonceStore, migrateAuth, walletAuth } from "../../indexer/relay/auth/index.ts";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { openDb } from "../../indexer/relay/db/openDb.ts";
import { DeliveryPool } from "../../indexer/relay/deliveryPool.ts";
import { scheduleDeliveryRoutes, schedulerRoutes } from "../../indexer/relay/scheduler/api.ts";
import { createScheduleClient } from "../../indexer/relay/scheduler/client.ts";
import { planFires } from "../../indexer/relay/scheduler/occurrences.ts";
import { parseSchedule } from "../../indexer/relay/scheduler/schedule.ts";
import { Scheduler } from "../../indexer/relay/scheduler/scheduler.ts";
import { fireDeliveryId, migrateScheduler } from "../../indexer/relay/scheduler/store.ts";
import { scheduleOwnerLookup, scheduleSecretsRoutes } from "../../indexer/relay/secrets/schedules.ts";
import { signRequest } from "../../sdk/signedRequest.ts";
import { signWebhook } from "../../sdk/webhooks.ts";
import { startReceiver, tempDir, waitUntil, type Receiver } from "./helpers.ts";
import { schedule, startFakeScheduleIndexer, type FakeScheduleIndexer } from "./schedulerHelpers.ts";

/** 2028-02-28T23:50:00Z: the runs below cross midnight into a leap day. */
const T0 = Date.UTC(2028, 1, 28, 23, 50, 0) / 1000;

/** Fire times of `expr` in [from, to] (unix s) by cron-parser (independent of croner). */
function expected(expr: string, from: number, to: number): number[] {
  const it = CronExpressionParser.parse(expr, { currentDate: new Date((from - 1) * 1000), tz: "UTC" });
  const out: number[] = [];
  for (;;) {
    const t = it.next().getTime() / 1000;
    if (t > to) return out;
    out.push(t);
  }
}

/** A deterministic pseudo-random step generator (fake-time steps of irregular length). */
function steps(seed: number, minMs: number, maxMs: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return minMs + (x % (maxMs - minMs + 1));
  };
}

describe("planFires (pure)", () => {
  const timing = (fields: Record<string, unknown>) => parseSchedule(schedule("1", fields));
  it("interval skip follows the contract: the latest due occurrence fires while now < time + period, a bounded series' last expires", () => {
    const open = timing({ kind: "interval", cron: null, period: 10, startTime: String(T0), catchUp: "skip" });
    const plan = planFires(open, null, { nextRun: 0, afterTime: null }, (T0 + 95) * 1000, { skipGraceMs: 0, maxScan: 100 });
    expect(plan.fires).toEqual([{ run: 9, time: T0 + 90 }]);
    expect(plan.dropped).toBe(9);
    expect(plan.next).toBe(T0 + 100);
    const bounded = timing({ kind: "interval", cron: null, period: 10, startTime: String(T0), endTime: String(T0 + 60), catchUp: "skip" });
    const late = planFires(bounded, null, { nextRun: 0, afterTime: null }, (T0 + 95) * 1000, { skipGraceMs: 0, maxScan: 100 });
    expect(late.fires).toEqual([]);
    expect(late.next).toBeNull();
    const latest = { ...bounded, catchUp: "fire_latest_once" as const };
    expect(planFires(latest, null, { nextRun: 0, afterTime: null }, (T0 + 95) * 1000, { skipGraceMs: 0, maxScan: 100 }).fires).toEqual([{ run: 6, time: T0 + 60 }]);
    const capped = { ...latest, endTime: null, maxRuns: 4 };
    expect(planFires(capped, null, { nextRun: 0, afterTime: null }, (T0 + 95) * 1000, { skipGraceMs: 0, maxScan: 100 }).fires).toEqual([{ run: 3, time: T0 + 30 }]);
  });
});

describe("scheduler under fake time (PGlite, fake indexer)", () => {
  let db: Db;
  let dir: ReturnType<typeof tempDir>;
  let indexer: FakeScheduleIndexer;
  let clock = T0 * 1000;
  const logs: string[] = [];
  const running: Scheduler[] = [];

  const make = (fields: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) => {
    const s = new Scheduler({
      db,
      client: createScheduleClient(indexer.url),
      workerId: `w${running.length}`,
      now: () => clock,
      tickMs: 1_000,
      refreshMs: 3_600_000,
      skipGraceMs: 2_000,
      log: (m) => logs.push(m),
      ...fields,
    });
    running.push(s);
    return s;
  };
  /** Advances the clock to `until` (unix s) in steps, ticking after each. */
  const runTo = async (s: Scheduler, until: number, step: () => number = () => 1_000) => {
    while (clock < until * 1000) {
      clock = Math.min(until * 1000, clock + step());
      await s.tick();
    }
  };
  const fires = async (id: string) =>
    (
      await db.query<{ scheduled_time: string | number; run_number: string | number; delivery_id: string }>(
        "SELECT scheduled_time, run_number, delivery_id FROM relay_fires WHERE schedule_id = $1 ORDER BY scheduled_time",
        [id],
      )
    ).map((r) => ({ time: Number(r.scheduled_time), run: Number(r.run_number), deliveryId: r.delivery_id }));

  beforeAll(async () => {
    dir = tempDir("relay-scheduler-");
    db = await openDb({ databaseUrl: undefined, dbSchema: "public", dataDir: dir.dir, concurrency: 4 });
    await migrateScheduler(db);
    indexer = await startFakeScheduleIndexer();
  });
  afterAll(async () => {
    for (const s of running) await s.stop();
    await db?.close();
    await indexer?.close();
    dir?.remove();
  });
  beforeEach(async () => {
    for (const s of running.splice(0)) await s.stop();
    await db.exec(`TRUNCATE relay_outbox, relay_subscriptions, relay_secrets, relay_schedules, relay_fires;
      UPDATE relay_cursor SET event_id = '' WHERE name = 'schedules'; UPDATE relay_leader SET holder = NULL, lease_until = 0;`);
    indexer.schedules.clear();
    indexer.events.length = 0;
    indexer.requests.length = 0;
    indexer.down = false;
    logs.length = 0;
    clock = (T0 - 1) * 1000;
  });

  it("fires every occurrence exactly once, at its time, for seconds, minutes, ranges, lists and steps (vs cron-parser)", async () => {
    const crons = ["*/7 * * * * *", "*/2 * * * *", "10-20/5 58-59,1 * * * *", "0 0 * * *", "30 */3 23,0 28,29 2 *"];
    crons.forEach((cron, i) => indexer.add(schedule(String(i + 1), { cron, startTime: String(T0) })));
    const s = make();
    const end = T0 + 14 * 60;
    const firedLate: number[] = [];
    await runTo(s, end, steps(7, 150, 2_600));
    for (const [i, cron] of crons.entries()) {
      const want = expected(cron, T0, end);
      expect(want.length, cron).toBeGreaterThan(0);
      const got = await fires(String(i + 1));
      expect(got.map((f) => f.time), cron).toEqual(want);
      expect(got.map((f) => f.run), cron).toEqual(want.map((_, k) => k));
      expect(got.map((f) => f.deliveryId)).toEqual(want.map((t) => fireDeliveryId(String(i + 1), t)));
    }
    // Fired at (fake) wall-clock time: firedAt is never before the scheduled time, and at most one step after it.
    const rows = await db.query<{ scheduled_time: string; fired_at: string }>("SELECT scheduled_time, fired_at FROM relay_fires");
    for (const r of rows) {
      const lag = Number(r.fired_at) - Number(r.scheduled_time) * 1000;
      if (lag < 0 || lag > 2_600) firedLate.push(lag);
    }
    expect(firedLate).toEqual([]);
    // One outbox row per fire, under the schedule's delivery key, body as documented.
    const outbox = await db.query<{ id: string; subscription_id: string; event_type: string; body: string }>(
      "SELECT id, subscription_id, event_type, body FROM relay_outbox WHERE subscription_id = 'schedule:1' ORDER BY sequence",
    );
    const first = await fires("1");
    expect(outbox.map((o) => o.id)).toEqual(first.map((f) => f.deliveryId));
    expect(JSON.parse(outbox[1]!.body)).toMatchObject({
      type: "schedule.fired",
      chainId: 31337,
      scheduleId: "1",
      scheduledTime: first[1]!.time,
      runNumber: 1,
      cron: "*/7 * * * * *",
      period: null,
      payload: "0xc0ffee",
    });
    expect(outbox.every((o) => o.event_type === "schedule.fired")).toBe(true);
  });

  it("fires every occurrence once with the latest-only policies when nothing is missed (interval and cron)", async () => {
    indexer.add(schedule("1", { cron: "*/5 * * * * *", startTime: String(T0), catchUp: "fire_latest_once" }));
    indexer.add(schedule("2", { cron: "*/5 * * * * *", startTime: String(T0), catchUp: "skip" }));
    indexer.add(schedule("3", { kind: "interval", cron: null, period: 4, startTime: String(T0 + 1), catchUp: "skip", maxRuns: 20 }));
    const s = make();
    await runTo(s, T0 + 120, steps(3, 200, 900));
    const want = expected("*/5 * * * * *", T0, T0 + 120);
    expect((await fires("1")).map((f) => f.time)).toEqual(want);
    expect((await fires("2")).map((f) => f.time)).toEqual(want);
    expect((await fires("3")).map((f) => [f.run, f.time])).toEqual(Array.from({ length: 20 }, (_, k) => [k, T0 + 1 + 4 * k]));
  });

  it.each([
    ["fire_all", [40, 50, 60, 70, 80, 90], [4, 5, 6, 7, 8, 9]],
    ["fire_latest_once", [90], [9]],
    ["skip", [], []],
  ] as const)("a restart after downtime catches up per policy: %s", async (catchUp, times, runs) => {
    indexer.add(schedule("1", { cron: "*/10 * * * * *", startTime: String(T0), catchUp }));
    const a = make({ workerId: "before" });
    await runTo(a, T0 + 35);
    expect((await fires("1")).map((f) => f.time - T0)).toEqual([0, 10, 20, 30]);
    await a.stop();
    // Down from T0+35 to T0+95: a new scheduler (a restarted process) on the same store.
    clock = (T0 + 95) * 1000;
    const b = make({ workerId: "after" });
    await b.tick();
    const caught = (await fires("1")).slice(4);
    expect(caught.map((f) => f.time - T0)).toEqual(times);
    expect(caught.map((f) => f.run)).toEqual(runs);
    // Back on time: the next occurrence fires normally with the next run number.
    await runTo(b, T0 + 100);
    expect((await fires("1")).at(-1)).toMatchObject({ time: T0 + 100, run: 10 });
  });

  it("interval schedules catch up like the contract (skip: the latest while within its period; bounded series expire)", async () => {
    indexer.add(schedule("1", { kind: "interval", cron: null, period: 10, startTime: String(T0), catchUp: "skip" }));
    indexer.add(schedule("2", { kind: "interval", cron: null, period: 10, startTime: String(T0), catchUp: "skip", endTime: String(T0 + 60) }));
    indexer.add(schedule("3", { kind: "interval", cron: null, period: 10, startTime: String(T0), catchUp: "fire_latest_once", endTime: String(T0 + 60) }));
    indexer.add(schedule("4", { kind: "interval", cron: null, period: 10, startTime: String(T0), catchUp: "fire_all", maxRuns: 8 }));
    const a = make();
    await runTo(a, T0 + 15);
    await a.stop();
    clock = (T0 + 95) * 1000;
    const b = make();
    await b.tick();
    expect((await fires("1")).map((f) => [f.run, f.time - T0])).toEqual([[0, 0], [1, 10], [9, 90]]);
    expect((await fires("2")).map((f) => f.run)).toEqual([0, 1]);
    expect((await fires("3")).map((f) => [f.run, f.time - T0])).toEqual([[0, 0], [1, 10], [6, 60]]);
    expect((await fires("4")).map((f) => f.run)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await runTo(b, T0 + 130);
    expect((await fires("2")).map((f) => f.run)).toEqual([0, 1]);
    expect((await fires("4")).map((f) => f.run)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await fires("1")).map((f) => f.time - T0).slice(3)).toEqual([100, 110, 120, 130]);
  });

  it.each([
    ["fire_all", [30, 40, 50, 60]],
    ["fire_latest_once", [60]],
    ["skip", []],
  ] as const)("pause stops firing as soon as the indexer has it; resume applies the policy (%s); cancel stops for good", async (catchUp, onResume) => {
    indexer.add(schedule("1", { cron: "*/10 * * * * *", startTime: String(T0), catchUp }));
    const s = make();
    await runTo(s, T0 + 25);
    indexer.change("1", { status: "paused", pausedAt: String(T0 + 25) }, "paused");
    await runTo(s, T0 + 65, () => 500);
    expect((await fires("1")).map((f) => f.time - T0)).toEqual([0, 10, 20]);
    const [held] = await db.query<{ status: string }>("SELECT status FROM relay_subscriptions WHERE id = 'schedule:1'");
    expect(held!.status).toBe("paused");
    indexer.change("1", { status: "active", pausedAt: null }, "resumed");
    await runTo(s, T0 + 66);
    expect((await fires("1")).map((f) => f.time - T0).slice(3)).toEqual(onResume);
    await runTo(s, T0 + 71);
    expect((await fires("1")).at(-1)).toMatchObject({ time: T0 + 70, run: 7 });
    indexer.change("1", { status: "cancelled", cancelledAt: String(T0 + 71) }, "cancelled");
    const count = (await fires("1")).length;
    await runTo(s, T0 + 120, () => 700);
    expect(await fires("1")).toHaveLength(count);
    const [gone] = await db.query<{ status: string }>("SELECT status FROM relay_subscriptions WHERE id = 'schedule:1'");
    expect(gone!.status).toBe("cancelled");
  });

  it("a cron update changes the fire times from the update's block time on, run numbers continue; end time and max runs apply", async () => {
    indexer.add(schedule("1", { cron: "*/10 * * * * *", startTime: String(T0) }));
    const s = make();
    await runTo(s, T0 + 34);
    indexer.change("1", { cron: "*/3 * * * * *", updatedAt: String(T0 + 34), maxRuns: 9 }, "updated");
    await runTo(s, T0 + 60);
    expect((await fires("1")).map((f) => [f.run, f.time - T0])).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 36],
      [5, 39],
      [6, 42],
      [7, 45],
      [8, 48],
    ]);
    indexer.change("1", { maxRuns: null, endTime: String(T0 + 57) }, "updated");
    await runTo(s, T0 + 90);
    expect((await fires("1")).map((f) => f.time - T0).slice(9)).toEqual([51, 54, 57]);
  });

  it("a cron expression the relay refuses marks the schedule invalid (logged, never fired), the others keep firing", async () => {
    indexer.add(schedule("1", { cron: "61 * * * *", startTime: String(T0) }));
    indexer.add(schedule("2", { cron: "0 0 31 2 *", startTime: String(T0) }));
    indexer.add(schedule("3", { cron: "*/2 * * * * *", startTime: String(T0) }));
    const s = make();
    await runTo(s, T0 + 10);
    expect(await fires("1")).toEqual([]);
    expect(await fires("2")).toEqual([]);
    expect((await fires("3")).map((f) => f.time - T0)).toEqual([0, 2, 4, 6, 8, 10]);
    const rows = await db.query<{ id: string; invalid_reason: string | null }>("SELECT id, invalid_reason FROM relay_schedules ORDER BY id");
    expect(rows[0]!.invalid_reason).toMatch(/field 1 \(minute\).*61 is out of range/);
    expect(rows[1]!.invalid_reason).toMatch(/never/);
    expect(rows[2]!.invalid_reason).toBeNull();
    expect(logs.some((l) => l.includes("schedule 1 is invalid"))).toBe(true);
    expect(s.stats.invalid).toBe(2);
    // Fixing the expression (an update) makes it valid again.
    indexer.change("1", { cron: "*/5 * * * * *", updatedAt: String(T0 + 10) }, "updated");
    await runTo(s, T0 + 20);
    expect((await fires("1")).map((f) => [f.run, f.time - T0])).toEqual([[0, 10], [1, 15], [2, 20]]); // from the update's block time on
  });

  it("keeps firing from its cache while the indexer is down", async () => {
    indexer.add(schedule("1", { cron: "*/4 * * * * *", startTime: String(T0) }));
    const s = make();
    await runTo(s, T0 + 8);
    indexer.down = true;
    await runTo(s, T0 + 16);
    expect((await fires("1")).map((f) => f.time - T0)).toEqual([0, 4, 8, 12, 16]);
    expect(logs.some((l) => l.includes("HTTP 503"))).toBe(true);
  });

  it("loads many schedules with one reload (no GET per schedule), catches up a burst of feed events the same way, and the periodic reload applies changes the feed missed", async () => {
    for (let i = 1; i <= 60; i++) indexer.add(schedule(String(i), { cron: "*/5 * * * * *", startTime: String(T0) }));
    const s = make({ refreshMs: 20_000 });
    await runTo(s, T0 + 1);
    const perId = () => indexer.requests.filter((r) => /^\/v1\/schedules\/\d+/.test(r)).length;
    expect(perId()).toBe(0);
    expect(s.stats.schedules).toBe(60);
    for (let i = 61; i <= 120; i++) indexer.add(schedule(String(i), { cron: "*/5 * * * * *", startTime: String(T0) }));
    indexer.change("3", { status: "paused" }, "paused");
    await runTo(s, T0 + 6);
    expect(perId()).toBe(0);
    expect(s.stats.schedules).toBe(119);
    const [fired] = await db.query<{ n: string }>("SELECT count(*) AS n FROM relay_fires WHERE scheduled_time = $1", [T0 + 5]);
    expect(Number(fired!.n)).toBe(119);
    // Two single changes: one GET each.
    indexer.change("3", { status: "active" }, "resumed");
    indexer.change("4", { endpoint: "http://127.0.0.1:9/other" }, "updated");
    await runTo(s, T0 + 8);
    expect(perId()).toBe(2);
    const [endpoint] = await db.query<{ endpoint: string }>("SELECT endpoint FROM relay_subscriptions WHERE id = 'schedule:4'");
    expect(endpoint!.endpoint).toBe("http://127.0.0.1:9/other");
    // Changes without a feed event (missed): the periodic reload finds them by content.
    indexer.schedules.set("5", { ...indexer.schedules.get("5")!, status: "cancelled" });
    indexer.schedules.delete("6");
    await runTo(s, T0 + 30);
    expect((await fires("5")).at(-1)!.time).toBeLessThan(T0 + 25);
    expect((await fires("6")).at(-1)!.time).toBeLessThan(T0 + 25);
    expect((await fires("7")).at(-1)!.time).toBe(T0 + 30);
    expect(s.stats.schedules).toBe(118);
  });

  it("POST /v1/schedules/validate: 5 next times, or 400 invalid_cron naming the field", async () => {
    const app = schedulerRoutes({ now: () => Date.UTC(2028, 1, 28, 23, 59, 30) });
    const ok = await app.request("/v1/schedules/validate", { method: "POST", body: JSON.stringify({ cron: "0 0 29 2 *" }) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      valid: true,
      cron: "0 0 29 2 *",
      next: ["2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z", "2036-02-29T00:00:00.000Z", "2040-02-29T00:00:00.000Z", "2044-02-29T00:00:00.000Z"],
    });
    const bad = await app.request("/v1/schedules/validate", { method: "POST", body: JSON.stringify({ cron: "*/5 * * 13 *" }) });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
    expect(body.error.code).toBe("invalid_cron");
    expect(body.error.details).toMatchObject({ expr: "*/5 * * 13 *", field: 4, fieldName: "month" });
    const notJson = await app.request("/v1/schedules/validate", { method: "POST", body: "cron" });
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe("invalid_body");
  });

  describe("webhooks to a real receiver", () => {
    const CHAIN_ID = 31337;
    const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address;
    const owner = privateKeyToAccount(generatePrivateKey());
    const stranger = privateKeyToAccount(generatePrivateKey());
    let receiver: Receiver;
    let api: { url: string; close(): Promise<void> };

    beforeAll(async () => {
      receiver = await startReceiver();
      await migrateAuth(db);
      const app = new Hono();
      const auth = walletAuth({ chainId: CHAIN_ID, verifyingContract: REGISTRY, nonceStore: dbNonceStore(db, { migrated: true }) });
      app.route("/", scheduleSecretsRoutes({ db, auth, indexerUrl: indexer.url }));
      app.route("/", scheduleDeliveryRoutes({ db, auth, ownerOf: scheduleOwnerLookup({ db, indexerUrl: indexer.url }) }));
      const server: ServerType = await new Promise((resolve) => {
        const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
      });
      api = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
    });
    afterAll(async () => {
      await receiver?.close();
      await api?.close();
    });

    const secretCall = async (signer: typeof owner, id: string, suffix = "") => {
      const pathName = `/v1/schedules/${id}/secret${suffix}`;
      const headers = await signRequest(signer, { method: "POST", path: pathName, chainId: CHAIN_ID, verifyingContract: REGISTRY });
      const res = await fetch(`${api.url}${pathName}`, { method: "POST", headers });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };
    const ownerCall = async (signer: typeof owner, method: "GET" | "POST", pathName: string, body?: string) => {
      const headers = await signRequest(signer, { method, path: pathName, body, chainId: CHAIN_ID, verifyingContract: REGISTRY });
      const res = await fetch(`${api.url}${pathName}`, { method, headers: { ...headers, "content-type": "application/json" }, body });
      return { status: res.status, json: (await res.json()) as Record<string, any> };
    };

    it("delivers signed schedule.fired webhooks (secret from the owner's signed request), retried with one webhook-id", async () => {
      indexer.add(schedule("7", { cron: "*/2 * * * * *", startTime: String(T0), owner: owner.address.toLowerCase(), endpoint: `${receiver.url}/sched`, payload: "0x01ff" }));
      // The owner gets the secret before the relay has even seen the schedule (owner from the indexer).
      const got = await secretCall(owner, "7");
      expect(got.status).toBe(200);
      expect(got.json).toMatchObject({ scheduleId: "7", previousValidUntil: null });
      expect(got.json.secret).toMatch(/^whsec_/);
      const foreign = await secretCall(stranger, "7");
      expect(foreign.status).toBe(403);
      expect(foreign.json.error.code).toBe("not_schedule_owner");
      expect((await secretCall(owner, "99")).json.error.code).toBe("schedule_not_found");
      const malformed = await secretCall(owner, "7x");
      expect(malformed.status).toBe(400);
      expect(malformed.json.error.code).toBe("invalid_schedule_id");
      receiver.secrets.set("/sched", got.json.secret);
      receiver.respond = (_w, n) => (n === 1 ? { status: 503 } : { status: 200 });

      const pool = new DeliveryPool({
        db,
        workerId: "pool",
        concurrency: 4,
        timeoutMs: 2_000,
        leaseMs: 10_000,
        pollMs: 20,
        retry: { baseMs: 10, capMs: 50, maxAttempts: 5 },
        sign: signWebhook,
        checkEndpoint: async () => {},
        log: () => {},
      });
      const s = make({ onFired: () => pool.wake() });
      pool.start();
      try {
        await runTo(s, T0 + 6);
        // 4 fires, each answered 503 then 200.
        await waitUntil(() => receiver.received.filter((r) => r.path === "/sched").length >= 8, "4 fires delivered", 20_000);
      } finally {
        await pool.stop();
      }
      const received = receiver.received.filter((r) => r.path === "/sched");
      expect(received.every((r) => r.verified === true)).toBe(true);
      const ids = [...new Set(received.map((r) => r.id))];
      expect(ids).toEqual([0, 2, 4, 6].map((d) => fireDeliveryId("7", T0 + d)));
      // Each fire: one 503, then the same webhook-id again.
      for (const id of ids) expect(received.filter((r) => r.id === id)).toHaveLength(2);
      const body = received.find((r) => r.id === ids[2])!.json;
      expect(body).toEqual({
        type: "schedule.fired",
        chainId: 31337,
        scheduleId: "7",
        swarmId: null,
        scheduledTime: T0 + 4,
        runNumber: 2,
        firedAt: expect.any(Number),
        cron: "*/2 * * * * *",
        period: null,
        payload: "0x01ff",
      });
      expect(body.firedAt as number).toBeGreaterThanOrEqual((T0 + 4) * 1000);
      // A rotation: the new secret signs the next fires (the old one too, during the grace period).
      const rotated = await secretCall(owner, "7", "/rotate");
      expect(rotated.json.secret).not.toBe(got.json.secret);
      expect(rotated.json.previousValidUntil).toBeGreaterThan(Date.now());
    });

    it("dead fire webhooks are listed and redriven by the owner (signed routes)", async () => {
      indexer.add(schedule("8", { cron: "*/3 * * * * *", startTime: String(T0), owner: owner.address.toLowerCase(), endpoint: `${receiver.url}/dead` }));
      let accept = false;
      receiver.respond = (w) => (w.path === "/dead" && !accept ? { status: 400 } : { status: 200 });
      const pool = new DeliveryPool({
        db,
        workerId: "pool2",
        concurrency: 4,
        timeoutMs: 2_000,
        leaseMs: 10_000,
        pollMs: 20,
        retry: { baseMs: 10, capMs: 50, maxAttempts: 5 },
        sign: signWebhook,
        checkEndpoint: async () => {},
        log: () => {},
      });
      const s = make({ onFired: () => pool.wake() });
      pool.start();
      try {
        await runTo(s, T0 + 3);
        const dead = await waitUntil(async () => {
          const r = await ownerCall(owner, "GET", "/v1/schedules/8/deliveries?status=dead");
          return r.json.items?.length === 2 && r;
        }, "2 dead fires", 20_000);
        expect(dead.json.items.map((d: { id: string }) => d.id)).toEqual([fireDeliveryId("8", T0), fireDeliveryId("8", T0 + 3)]);
        expect((await ownerCall(stranger, "GET", "/v1/schedules/8/deliveries")).status).toBe(403);
        accept = true;
        const redriven = await ownerCall(owner, "POST", "/v1/schedules/8/redrive", JSON.stringify({}));
        expect(redriven.json.redriven).toBe(2);
        pool.wake();
        await waitUntil(async () => (await ownerCall(owner, "GET", "/v1/schedules/8/deliveries?status=delivered")).json.items?.length === 2, "redriven fires delivered", 20_000);
      } finally {
        await pool.stop();
      }
    });
  });
});
