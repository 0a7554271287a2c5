/**
 * ScheduleRegistry keeper path: execute (due, consumed, paused, cancelled, past end, beyond max runs, failing
 * and starved targets, value, re-entrancy), the three catch-up policies with time travel, the `executable`
 * view, and keeper gas measured from receipts.
 */
import { describe, expect, it } from "vitest";
import { encodeAbiParameters, encodeErrorResult, encodeFunctionData, keccak256, zeroAddress } from "viem";
import { expectRevert } from "../helpers/errors.ts";
import { POLICY, UNLIMITED, deploy, lc } from "./ScheduleRegistry.fixture.ts";

const EMPTY_HASH = keccak256("0x");

describe("ScheduleRegistry: execute", () => {
  it("a due occurrence executes once, by anyone; not before it is due", async () => {
    const { sched, keeper, target, calls, params, register, execAt, at } = await deploy();
    const { id, start } = await register(await params({ callData: calls.ping }));
    await at(start - 1);
    await expectRevert(sched.write.execute([id, 0]), "ScheduleRegistryNotDue", [id, 0, start, start - 1]);
    const { args } = await execAt(id, 0, start);
    expect(lc(args)).toEqual(
      lc({
        scheduleId: id,
        occurrence: 0,
        executor: keeper.account.address,
        scheduledAt: start,
        success: true,
        returnDataHash: keccak256(encodeAbiParameters([{ type: "uint256" }], [1n])),
        skipped: 0,
        valuePaid: 0n,
      }),
    );
    expect(await target.read.calls()).toBe(1n);
    expect(lc(await target.read.lastCaller())).toBe(lc(sched.address));
    expect((await sched.read.getSchedule([id])).nextOccurrence).toBe(1);
    await at(start + 50);
    await expectRevert(sched.write.execute([id, 0]), "ScheduleRegistryAlreadyExecuted", [id, 0, 1]);
    await at(start + 51);
    await expectRevert(sched.write.execute([id, 1]), "ScheduleRegistryNotDue", [id, 1, start + 100, start + 51]);
    await execAt(id, 1, start + 100);
    expect(await target.read.calls()).toBe(2n);
  });

  it("reverts for an unknown schedule, a schedule without a call, paused and cancelled schedules", async () => {
    const { sched, params, cronParams, register, send, execAt, at } = await deploy();
    await expectRevert(sched.write.execute([1n, 0]), "ScheduleRegistryUnknownSchedule", [1n]);
    const c = await register(await cronParams());
    await expectRevert(sched.write.execute([c.id, 0]), "ScheduleRegistryNoCall", [c.id]);
    const w = await register(await params({ target: zeroAddress, callData: "0x", callGasLimit: 0, endpoint: "https://w.example" }));
    await at(w.start + 1);
    await expectRevert(sched.write.execute([w.id, 0]), "ScheduleRegistryNoCall", [w.id]);
    const { id, start } = await register(await params());
    await send(sched.write.pause([id]));
    await at(start + 10);
    await expectRevert(sched.write.execute([id, 0]), "ScheduleRegistryPaused", [id]);
    await send(sched.write.resume([id]));
    // Occurrence 0 fell due while paused: FireAll still runs it after resume.
    const { args } = await execAt(id, 0, start + 20);
    expect(args.occurrence).toBe(0);
    await send(sched.write.cancel([id]));
    await at(start + 200);
    await expectRevert(sched.write.execute([id, 1]), "ScheduleRegistryCancelled", [id]);
  });

  it("reverts beyond maxRuns and past the end time", async () => {
    const { sched, params, register, execAt, at } = await deploy();
    const m = await register(await params({ maxRuns: 2 }));
    const u = await register(await params({ startTime: m.start }));
    const e = await register(await params({ startTime: m.start, endTime: m.start + 250 }));
    const start = m.start;
    await execAt(m.id, 0, start);
    await execAt(m.id, 1, start + 100);
    await at(start + 500);
    await expectRevert(sched.write.execute([m.id, 2]), "ScheduleRegistryBeyondMaxRuns", [m.id, 2, 2]);
    // Unlimited: the bound is 2^32 - 1.
    await at(start + 500);
    await expectRevert(sched.write.execute([u.id, UNLIMITED]), "ScheduleRegistryBeyondMaxRuns", [u.id, UNLIMITED, 0]);
    // With an end time: occurrence 2 (due at start + 200 <= end) runs, occurrence 3 (start + 300) does not exist.
    await execAt(e.id, 0, start + 501);
    await execAt(e.id, 1, start + 502);
    await execAt(e.id, 2, start + 503);
    await at(start + 600);
    await expectRevert(sched.write.execute([e.id, 3]), "ScheduleRegistryPastEnd", [e.id, 3, start + 300, start + 250]);
  });

  it("pays valuePerRun from the funds; short funds revert until funded", async () => {
    const { sched, target, calls, params, register, execAt, at, mineAt, send, publicClient } = await deploy();
    const { id, start } = await register(await params({ callData: calls.ping, valuePerRun: 1000n }), { value: 2500n });
    const first = await execAt(id, 0, start);
    expect(first.args.valuePaid).toBe(1000n);
    await execAt(id, 1, start + 100);
    expect(await target.read.received()).toBe(2000n);
    expect((await sched.read.getSchedule([id])).funds).toBe(500n);
    await at(start + 200);
    await expectRevert(sched.write.execute([id, 2]), "ScheduleRegistryInsufficientFunds", [id, 500n, 1000n]);
    await mineAt(start + 200);
    expect(await sched.read.executable([id])).toEqual([false, 0, 0]);
    await send(sched.write.fund([id], { value: 500n }));
    expect(await sched.read.executable([id])).toEqual([true, 2, start + 200]);
    const third = await execAt(id, 2, start + 210);
    expect(third.args.valuePaid).toBe(1000n);
    expect((await sched.read.getSchedule([id])).funds).toBe(0n);
    expect(await publicClient.getBalance({ address: sched.address })).toBe(0n);
    expect(await publicClient.getBalance({ address: target.address })).toBe(3000n);
  });

  it("a reverting target consumes the occurrence (success = false), keeps the value, and cannot be retried", async () => {
    const { sched, target, calls, params, register, execAt, at } = await deploy();
    const { id, start } = await register(await params({ callData: calls.fail(42n), valuePerRun: 10n }), { value: 10n });
    const { args } = await execAt(id, 0, start);
    // The return data is the revert data: the custom error MockScheduleTargetFailed(42).
    const revertData = encodeErrorResult({ abi: target.abi, errorName: "MockScheduleTargetFailed", args: [42n] });
    expect(args).toMatchObject({ success: false, valuePaid: 0n, returnDataHash: keccak256(revertData) });
    expect((await sched.read.getSchedule([id])).funds).toBe(10n);
    expect((await sched.read.getSchedule([id])).nextOccurrence).toBe(1);
    await at(start + 10);
    await expectRevert(sched.write.execute([id, 0]), "ScheduleRegistryAlreadyExecuted", [id, 0, 1]);
    expect(await target.read.calls()).toBe(0n);
  });

  it("an out-of-gas target is consumed when the keeper gave enough gas; a starved call reverts and stays executable", async () => {
    const { sched, publicClient, keeper, calls, params, register, execAt, mineAt } = await deploy();
    const { id, start } = await register(await params({ callData: calls.burn, callGasLimit: 1_000_000 }));
    await mineAt(start);
    // Too little gas for the call's limit: the simulation names the error, the mined transaction reverts.
    await expectRevert(sched.simulate.execute([id, 0], { account: keeper.account.address, gas: 300_000n }), "ScheduleRegistryInsufficientGas");
    const blockBefore = await publicClient.getBlockNumber();
    const err = await expectRevert(sched.write.execute([id, 0], { account: keeper.account, gas: 300_000n }), "ScheduleRegistryInsufficientGas");
    expect(err.args[0]).toBe(id);
    expect(err.args[2]).toBe(1_000_000);
    expect(err.args[1] as bigint).toBeLessThan(1_000_000n / 63n);
    // The transaction was mined (and reverted): the occurrence is still unconsumed.
    expect(await publicClient.getBlockNumber()).toBe(blockBefore + 1n);
    expect((await sched.read.getSchedule([id])).nextOccurrence).toBe(0);
    // With enough gas the call runs out of its own 1M limit: consumed, success = false.
    const { args, receipt: ok } = await execAt(id, 0, start + 10, 1_200_000n);
    expect(args).toMatchObject({ occurrence: 0, success: false, returnDataHash: EMPTY_HASH });
    expect(ok.gasUsed).toBeGreaterThan(1_000_000n);
  });

  it("a target re-entering execute cannot run an occurrence twice", async () => {
    const { sched, target, params, register, execAt } = await deploy();
    const { id, start } = await register(await params());
    const inner = encodeFunctionData({ abi: sched.abi, functionName: "execute", args: [id, 0] });
    const outer = encodeFunctionData({ abi: target.abi, functionName: "reenter", args: [sched.address, inner] });
    const r = await register(await params({ callData: outer, callGasLimit: 300_000, startTime: start }));
    // Schedule r's call tries to execute schedule id's (due) occurrence 0 from inside execute: the guard stops it.
    const { args } = await execAt(r.id, 0, start + 150);
    expect(args.success).toBe(true);
    expect(await target.read.calls()).toBe(1n);
    expect((await sched.read.getSchedule([id])).nextOccurrence).toBe(0);
    const direct = await execAt(id, 0, start + 151);
    expect(direct.args).toMatchObject({ occurrence: 0, success: true });
  });

  it("keeper gas per execution stays under 60,000 for a trivial target (measured from receipts)", async () => {
    const { calls, params, register, execAt } = await deploy();
    const noop = await register(await params());
    const ping = await register(await params({ callData: calls.ping, startTime: noop.start }));
    const paidNoop = await register(await params({ valuePerRun: 1n, startTime: noop.start }), { value: 10n });
    const paidPing = await register(await params({ callData: calls.ping, valuePerRun: 1n, startTime: noop.start }), { value: 10n });
    const gas: Record<string, bigint[]> = { noop: [], ping: [], paidNoop: [], paidPing: [] };
    for (let k = 0; k < 3; k++) {
      const t = noop.start + k * 100;
      gas.noop!.push((await execAt(noop.id, k, t)).receipt.gasUsed);
      gas.ping!.push((await execAt(ping.id, k, t + 1)).receipt.gasUsed);
      gas.paidNoop!.push((await execAt(paidNoop.id, k, t + 2)).receipt.gasUsed);
      gas.paidPing!.push((await execAt(paidPing.id, k, t + 3)).receipt.gasUsed);
    }
    console.log(`keeper execute gas (k = 0, 1, 2): ${JSON.stringify(gas, (_, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    for (const g of [...gas.noop!, ...gas.paidNoop!]) expect(g).toBeLessThanOrEqual(60_000n);
    // A counter target pays its own first-write SSTORE (20k) on k = 0; later runs fit too.
    for (const g of gas.ping!.slice(1)) expect(g).toBeLessThanOrEqual(60_000n);
  });
});

describe("ScheduleRegistry: catch-up policies", () => {
  it("FireAll: every missed occurrence runs, in order, once", async () => {
    const { sched, params, register, execAt, at, mineAt } = await deploy();
    const { id, start } = await register(await params({ catchUp: POLICY.FireAll }));
    const t = start + 350; // k = 0..3 are due
    await at(t);
    await expectRevert(sched.write.execute([id, 2]), "ScheduleRegistryOutOfOrder", [id, 2, 0]);
    await mineAt(t);
    expect(await sched.read.executable([id])).toEqual([true, 0, start]);
    for (let k = 0; k <= 3; k++) {
      const { args } = await execAt(id, k, t + 1 + k);
      expect(args).toMatchObject({ occurrence: k, scheduledAt: start + k * 100, skipped: 0, success: true });
    }
    await at(t + 10);
    await expectRevert(sched.write.execute([id, 4]), "ScheduleRegistryNotDue", [id, 4, start + 400, t + 10]);
    await at(t + 10);
    await expectRevert(sched.write.execute([id, 3]), "ScheduleRegistryAlreadyExecuted", [id, 3, 4]);
  });

  it("FireLatestOnce: only the latest due occurrence runs, skipping older ones, however late", async () => {
    const { sched, params, register, execAt, at, mineAt } = await deploy();
    const { id, start } = await register(await params({ catchUp: POLICY.FireLatestOnce }));
    await at(start + 350);
    await expectRevert(sched.write.execute([id, 1]), "ScheduleRegistryNotLatest", [id, 1, 3]);
    const first = await execAt(id, 3, start + 350);
    expect(first.args).toMatchObject({ occurrence: 3, skipped: 3, scheduledAt: start + 300 });
    await at(start + 360);
    await expectRevert(sched.write.execute([id, 2]), "ScheduleRegistryAlreadyExecuted", [id, 2, 4]);
    // Very late (a long downtime): the latest (k = 100) runs, 96 older are skipped.
    const late = await execAt(id, 100, start + 10_099);
    expect(late.args).toMatchObject({ occurrence: 100, skipped: 96 });
    // With a maxRuns cap the last occurrence stays executable long after its time.
    const capped = await register(await params({ catchUp: POLICY.FireLatestOnce, maxRuns: 5 }));
    await mineAt(capped.start + 5000);
    expect(await sched.read.executable([capped.id])).toEqual([true, 4, capped.start + 400]);
    await at(capped.start + 5001);
    await expectRevert(sched.write.execute([capped.id, 3]), "ScheduleRegistryNotLatest", [capped.id, 3, 4]);
    const last = await execAt(capped.id, 4, capped.start + 5001);
    expect(last.args).toMatchObject({ occurrence: 4, skipped: 4 });
    // An end time caps the latest the same way.
    const ended = await register(await params({ catchUp: POLICY.FireLatestOnce, endTime: 0 }));
    await sched.write.update([ended.id, { cron: "", endTime: ended.start + 250, maxRuns: 0, payload: "0x", endpoint: "" }]);
    const e = await execAt(ended.id, 2, ended.start + 9999);
    expect(e.args).toMatchObject({ occurrence: 2, skipped: 2 });
  });

  it("Skip: an occurrence may run only until one period after its time; missed ones are dropped", async () => {
    const { sched, params, register, execAt, at, mineAt } = await deploy();
    const { id, start } = await register(await params({ catchUp: POLICY.Skip, maxRuns: 6 }));
    const f = await register(await params({ catchUp: POLICY.FireLatestOnce, maxRuns: 6, startTime: start }));
    await at(start + 350);
    await expectRevert(sched.write.execute([id, 2]), "ScheduleRegistryNotLatest", [id, 2, 3]);
    const a = await execAt(id, 3, start + 350);
    expect(a.args).toMatchObject({ occurrence: 3, skipped: 3 });
    await execAt(id, 4, start + 499); // the last second of its window
    // k = 5 is the last occurrence (maxRuns 6): due at start + 500, expires at start + 600.
    await at(start + 600);
    await expectRevert(sched.write.execute([id, 5]), "ScheduleRegistryExpired", [id, 5, start + 600]);
    await mineAt(start + 600);
    expect(await sched.read.executable([id])).toEqual([false, 0, 0]);
    // The same with FireLatestOnce runs it.
    expect(await sched.read.executable([f.id])).toEqual([true, 5, start + 500]);
    const late = await execAt(f.id, 5, start + 601);
    expect(late.args).toMatchObject({ occurrence: 5, skipped: 5 });
  });
});

describe("ScheduleRegistry: executable view", () => {
  it("tells the keeper which occurrence to run, or nothing", async () => {
    const { sched, params, cronParams, register, send, mineAt, execAt } = await deploy();
    const c = await register(await cronParams());
    const { id, start } = await register(await params({ catchUp: POLICY.FireAll, maxRuns: 2 }));
    await mineAt(start - 10);
    expect(await sched.read.executable([id])).toEqual([false, 0, 0]);
    expect(await sched.read.executable([c.id])).toEqual([false, 0, 0]);
    expect(await sched.read.executable([99n])).toEqual([false, 0, 0]);
    await mineAt(start + 150);
    expect(await sched.read.executable([id])).toEqual([true, 0, start]);
    await send(sched.write.pause([id]));
    expect(await sched.read.executable([id])).toEqual([false, 0, 0]);
    await send(sched.write.resume([id]));
    expect(await sched.read.executable([id])).toEqual([true, 0, start]);
    await execAt(id, 0, start + 160);
    expect(await sched.read.executable([id])).toEqual([true, 1, start + 100]);
    await execAt(id, 1, start + 170);
    await mineAt(start + 1000);
    expect(await sched.read.executable([id])).toEqual([false, 0, 0]); // exhausted
  });
});
