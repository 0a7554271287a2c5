/**
 * Keeper (indexer/relay/keeper/): the occurrence rule equals ScheduleRegistry.executable on random schedules and
 * times; two keepers racing on an in-process Hardhat chain execute each due occurrence exactly once, never before
 * it is due, never while paused, after cancel or past the end; catch-up per policy; the indexer source reads the
 * /v1/schedules shape of TIME_CONTRACT.md.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseGwei, type Account, type Chain, type PublicClient, type Transport, type WalletClient } from "viem";
import { Keeper } from "../../indexer/relay/keeper/keeper.ts";
import { executableOccurrence } from "../../indexer/relay/keeper/occurrence.ts";
import { chainScheduleSource, indexerScheduleSource, readSchedule } from "../../indexer/relay/keeper/scheduleSource.ts";
import { POLICY, deploy, type ExecutedArgs } from "../time/ScheduleRegistry.fixture.ts";

type Wallet = WalletClient<Transport, Chain, Account>;

async function fixture() {
  const f = await deploy();
  const publicClient = f.publicClient as unknown as PublicClient;
  const registry = f.sched.address;
  const debug: string[] = [];
  const logs: string[] = [];
  const makeKeeper = (wallet: unknown) =>
    new Keeper({
      publicClient,
      walletClient: wallet as Wallet,
      registry,
      source: chainScheduleSource(publicClient, registry),
      intervalMs: 100,
      refreshMs: 0,
      retryMs: 0,
      log: (m) => logs.push(m),
      debug: (m) => debug.push(m),
    });
  const executions = async (id: bigint) => {
    const events = await f.publicClient.getContractEvents({ address: registry, abi: f.sched.abi, eventName: "ScheduleExecuted", fromBlock: 0n });
    return events.map((e) => e.args as ExecutedArgs).filter((a) => a.scheduleId === id);
  };
  return { ...f, publicClient, registry, makeKeeper, executions, debug, logs };
}

describe("occurrence rule", () => {
  it("executableOccurrence equals ScheduleRegistry.executable on random schedules, times and executions", async () => {
    const f = await fixture();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          period: fc.integer({ min: 1, max: 200 }),
          startOffset: fc.integer({ min: 1, max: 300 }),
          maxRuns: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 })),
          endSpan: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 900 })),
          catchUp: fc.constantFrom(POLICY.FireAll, POLICY.FireLatestOnce, POLICY.Skip),
          steps: fc.array(fc.record({ dt: fc.integer({ min: 1, max: 350 }), execute: fc.boolean(), toggle: fc.integer({ min: 0, max: 9 }) }), { minLength: 3, maxLength: 8 }),
        }),
        async ({ period, startOffset, maxRuns, endSpan, catchUp, steps }) => {
          const start = (await f.now()) + startOffset;
          const p = await f.params({ period, startTime: start, maxRuns, endTime: endSpan < 0 ? 0 : start + endSpan, catchUp });
          const { id } = await f.register(p);
          let t = await f.now();
          let paused = false;
          for (const step of steps) {
            t += step.dt;
            if (step.toggle === 0) {
              await f.at(t);
              await f.send(paused ? f.sched.write.resume([id], { account: f.owner.account }) : f.sched.write.pause([id], { account: f.owner.account }));
              paused = !paused;
            } else {
              await f.mineAt(t);
            }
            const [ready, occurrence, scheduledAt] = await f.sched.read.executable([id]);
            const s = (await readSchedule(f.publicClient, f.registry, id))!;
            const ours = executableOccurrence(s, t);
            expect(ours === null ? [false, 0, 0] : [true, ours.occurrence, ours.scheduledAt]).toEqual([ready, occurrence, scheduledAt]);
            // A keeper's transaction lands in a later block: execute what the rule gives for that block's time
            // (the chain must accept it).
            const next = step.execute ? executableOccurrence(s, t + 1) : null;
            if (next) {
              t += 1;
              await f.execAt(id, next.occurrence, t);
            }
          }
        },
      ),
      { numRuns: Number(process.env.KEEPER_PROPERTY_RUNS ?? 12) },
    );
  });
});

describe("keeper on a chain", () => {
  it("two keepers racing execute a due call exactly once; not before due, not paused, cancelled or past the end", async () => {
    const f = await fixture();
    const a = f.makeKeeper(f.keeper);
    const b = f.makeKeeper(f.outsider);
    const race = async () => {
      const rounds = await Promise.all([a.runOnce(), b.runOnce()]);
      return rounds.flatMap((r) => r.executed);
    };
    const gas: bigint[] = [];

    const start = (await f.now()) + 1000;
    const { id } = await f.register(await f.params({ callData: f.calls.ping, startTime: start, period: 100, endTime: start + 250, catchUp: POLICY.FireAll }));

    // Not before due.
    await f.mineAt(start - 30);
    expect(await race()).toEqual([]);
    expect(await f.target.read.calls()).toBe(0n);

    // Due: exactly one of the two executes occurrence 0.
    await f.mineAt(start);
    const first = await race();
    expect(first.map((e) => [e.id, e.occurrence])).toEqual([[id, 0]]);
    gas.push(...first.map((e) => e.gasUsed));
    expect((await f.executions(id)).map((e) => e.occurrence)).toEqual([0]);
    expect(await f.target.read.calls()).toBe(1n);
    // Occurrence 1 is not due yet: nothing more.
    expect(await race()).toEqual([]);

    // Paused while occurrence 1 falls due: nothing; resumed: FireAll runs it (once).
    await f.send(f.sched.write.pause([id], { account: f.owner.account }));
    await f.mineAt(start + 150);
    expect(await race()).toEqual([]);
    await f.send(f.sched.write.resume([id], { account: f.owner.account }));
    expect((await race()).map((e) => e.occurrence)).toEqual([1]);
    // Occurrence 2 (start + 200 <= end); occurrence 3 would be past the end (start + 300 > start + 250): never.
    await f.mineAt(start + 210);
    expect((await race()).map((e) => e.occurrence)).toEqual([2]);
    await f.mineAt(start + 400);
    expect(await race()).toEqual([]);
    expect((await f.executions(id)).map((e) => e.occurrence)).toEqual([0, 1, 2]);

    // Cancelled: nothing, however late.
    const start2 = (await f.now()) + 100;
    const { id: cancelled } = await f.register(await f.params({ startTime: start2, period: 50, catchUp: POLICY.FireLatestOnce }));
    await f.send(f.sched.write.cancel([cancelled], { account: f.owner.account }));
    await f.mineAt(start2 + 500);
    expect(await race()).toEqual([]);
    expect(await f.executions(cancelled)).toEqual([]);

    // FireLatestOnce after a long downtime: only the latest occurrence, once, skipping the older ones.
    const start3 = (await f.now()) + 10;
    const { id: latest } = await f.register(await f.params({ startTime: start3, period: 10, maxRuns: 20, catchUp: POLICY.FireLatestOnce }));
    await f.mineAt(start3 + 95);
    const caught = await race();
    expect(caught.map((e) => [e.id, e.occurrence])).toEqual([[latest, 9]]);
    expect((await f.executions(latest)).map((e) => [e.occurrence, e.skipped])).toEqual([[9, 9]]);
    // maxRuns = 20: after occurrence 19 nothing more.
    await f.mineAt(start3 + 10_000);
    expect((await race()).map((e) => e.occurrence)).toEqual([19]);
    await f.mineAt(start3 + 20_000);
    expect(await race()).toEqual([]);

    // Lost races and state changes were expected reverts (debug), never failures.
    expect(f.logs).toEqual([]);
    expect(a.stats.failed + b.stats.failed).toBe(0);
    expect(a.stats.executed + b.stats.executed).toBe(5);
    // Each race had a loser (both simulated before either sent): its send reverted with AlreadyExecuted, logged at
    // debug level, not retried.
    expect(a.stats.skipped + b.stats.skipped).toBeGreaterThan(0);
    expect(f.debug.some((m) => /ScheduleRegistryAlreadyExecuted; not retried/.test(m))).toBe(true);
    console.info(`execute gas (MockScheduleTarget.ping, FireAll, first run): ${gas.join(", ")}`);
  });

  it("one process never sends twice for one schedule: concurrent runOnce calls share one round", async () => {
    const f = await fixture();
    const a = f.makeKeeper(f.keeper);
    const start = (await f.now()) + 50;
    const { id } = await f.register(await f.params({ callData: f.calls.noop, startTime: start, period: 1000, catchUp: POLICY.FireAll }));
    await f.mineAt(start);
    const nonce = await f.publicClient.getTransactionCount({ address: f.keeper.account.address });
    const [r1, r2, r3] = await Promise.all([a.runOnce(), a.runOnce(), a.runOnce()]);
    expect(r1).toBe(r2);
    expect(r2).toBe(r3);
    expect(r1.sent).toHaveLength(1);
    expect(await f.publicClient.getTransactionCount({ address: f.keeper.account.address })).toBe(nonce + 1);
    expect((await f.executions(id)).map((e) => e.occurrence)).toEqual([0]);
    expect(r1.executed).toHaveLength(1);
    console.info(`execute gas (MockScheduleTarget.noop, FireAll, first run): ${r1.executed[0]!.gasUsed}`);
  });

  it("with a fee cap, due executions wait while the base fee is above it and are sent with a max fee under it", async () => {
    const f = await fixture();
    const logs: string[] = [];
    const cap = parseGwei("5");
    const keeper = new Keeper({
      publicClient: f.publicClient,
      walletClient: f.keeper as unknown as Wallet,
      registry: f.registry,
      source: chainScheduleSource(f.publicClient, f.registry),
      intervalMs: 100,
      refreshMs: 0,
      maxFeePerGas: cap,
      log: (m) => logs.push(m),
    });
    const setBaseFee = (wei: bigint) =>
      (f.publicClient as unknown as { request: (a: { method: string; params: unknown[] }) => Promise<unknown> }).request({ method: "hardhat_setNextBlockBaseFeePerGas", params: [`0x${wei.toString(16)}`] });
    const start = (await f.now()) + 100;
    const { id } = await f.register(await f.params({ startTime: start, period: 100, catchUp: POLICY.FireAll }));
    const nonce = await f.publicClient.getTransactionCount({ address: f.keeper.account.address });

    // Nothing due: no fee lookup, nothing deferred.
    expect(await keeper.runOnce()).toMatchObject({ sent: [] });
    expect(keeper.stats.deferred).toBe(0);

    // Due, but the base fee is 50 gwei: the round sends nothing, twice, and says so once.
    await setBaseFee(parseGwei("50"));
    await f.mineAt(start);
    const waiting = await keeper.runOnce();
    expect(waiting.sent).toEqual([]);
    expect(waiting.deferred?.baseFeePerGas).toBeGreaterThan(cap);
    expect((await keeper.runOnce()).sent).toEqual([]);
    expect(keeper.stats.deferred).toBe(2);
    expect(await f.publicClient.getTransactionCount({ address: f.keeper.account.address })).toBe(nonce);
    expect(logs).toEqual([expect.stringMatching(/^keeper: base fee [\d.]+ gwei is above the cap of 5 gwei \(RELAY_KEEPER_MAX_FEE_GWEI\): due executions wait$/)]);

    // The base fee drops to 1 gwei: executed, with a max fee per gas of at most the cap.
    await setBaseFee(parseGwei("1"));
    await f.mineAt(start + 10);
    const round = await keeper.runOnce();
    expect(round.executed.map((e) => [e.id, e.occurrence])).toEqual([[id, 0]]);
    expect(round.deferred).toBeUndefined();
    const tx = await f.publicClient.getTransaction({ hash: round.sent[0]!.hash });
    expect(tx.maxFeePerGas! <= cap).toBe(true);
    expect(tx.maxPriorityFeePerGas! <= tx.maxFeePerGas!).toBe(true);
    expect(logs.at(-1)).toBe("keeper: base fee back under the cap of 5 gwei: executing again");
    expect(keeper.stats.deferred).toBe(2);
  });

  it("keeps executing known schedules while its source is down", async () => {
    const f = await fixture();
    const chainSource = chainScheduleSource(f.publicClient, f.registry);
    let down = false;
    const logs: string[] = [];
    const keeper = new Keeper({
      publicClient: f.publicClient,
      walletClient: f.keeper as unknown as Wallet,
      registry: f.registry,
      source: { name: "flaky indexer", list: async () => (down ? Promise.reject(new Error("connect ECONNREFUSED")) : chainSource.list()) },
      intervalMs: 100,
      refreshMs: 0,
      log: (m) => logs.push(m),
    });
    const start = (await f.now()) + 100;
    const { id } = await f.register(await f.params({ startTime: start, period: 100, catchUp: POLICY.FireAll }));
    expect((await keeper.runOnce()).sent).toEqual([]);
    down = true;
    await f.mineAt(start);
    expect((await keeper.runOnce()).executed.map((e) => [e.id, e.occurrence])).toEqual([[id, 0]]);
    await f.mineAt(start + 100);
    expect((await keeper.runOnce()).executed.map((e) => [e.id, e.occurrence])).toEqual([[id, 1]]);
    expect(logs).toEqual(["keeper: cannot list schedules from the flaky indexer: connect ECONNREFUSED; using the 1 known"]);
    expect(keeper.stats.lastError).toMatch(/cannot list schedules/);
    down = false;
    await keeper.runOnce();
    expect(keeper.stats.lastError).toBeNull();
  });

  it("the indexer source reads /v1/schedules (paged, interval schedules with a call only)", async () => {
    const item = (id: number, over: Record<string, unknown> = {}) => ({
      id: String(id),
      owner: "0x" + "11".repeat(20),
      swarmId: null,
      kind: "interval",
      cron: null,
      period: 60,
      startTime: "1800000000",
      endTime: null,
      maxRuns: null,
      catchUp: "fire_all",
      payload: "0x",
      endpoint: null,
      target: "0x" + "22".repeat(20),
      callData: "0x",
      valuePerRun: "0",
      callGasLimit: 100000,
      funds: "0",
      status: "active",
      nextOccurrence: 3,
      executedCount: 3,
      ...over,
    });
    const pages: Record<string, { items: unknown[]; nextCursor: string | null }> = {
      "": { items: [item(1), item(2, { target: null, endpoint: "https://x.example" })], nextCursor: "2" },
      "2": { items: [item(5, { endTime: "1800000600", maxRuns: 4, catchUp: "skip", valuePerRun: "7", funds: "21" })], nextCursor: null },
    };
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(url.search);
      const body = url.pathname === "/v1/schedules" ? pages[url.searchParams.get("after") ?? ""] : undefined;
      res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify(body ?? { error: { code: "route_not_found" } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const source = indexerScheduleSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const list = await source.list();
      expect(list.map((s) => s.id)).toEqual([1n, 5n]);
      expect(list[1]).toMatchObject({ status: "active", catchUp: "skip", startTime: 1_800_000_000, period: 60, endTime: 1_800_000_600, maxRuns: 4, nextOccurrence: 3, hasCall: true, valuePerRun: 7n, funds: 21n });
      expect(seen[0]).toContain("active=true");
      expect(seen[0]).toContain("kind=interval");
      expect(seen[1]).toContain("after=2");
      await expect(indexerScheduleSource(`http://127.0.0.1:${(server.address() as AddressInfo).port}/nope/`).list()).rejects.toThrow(/answered 404/);
    } finally {
      server.close();
    }
  });
});
