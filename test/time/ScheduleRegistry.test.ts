/**
 * ScheduleRegistry: deployment, register (timing, cron syntax, times, actions, call fields, swarm membership),
 * owner-only pause / resume / update / cancel, fund; events and custom errors. The keeper path is in
 * ScheduleRegistry.execute.test.ts, the model-based property test in ScheduleRegistry.properties.test.ts.
 */
import { describe, expect, it } from "vitest";
import { network } from "hardhat";
import { type Hex, zeroAddress } from "viem";
import { expectRevert } from "../helpers/errors.ts";
import { POLICY, STATUS, deploy, lc } from "./ScheduleRegistry.fixture.ts";

describe("ScheduleRegistry: deployment", () => {
  it("keeps the registry, exposes its bounds and starts empty; rejects a zero registry", async () => {
    const { viem, registry, sched } = await deploy();
    expect(lc(await sched.read.swarmRegistry())).toBe(lc(registry.address));
    expect(await sched.read.scheduleCount()).toBe(0n);
    expect(await sched.read.MAX_CRON_LENGTH()).toBe(128n);
    expect(await sched.read.MAX_ENDPOINT_LENGTH()).toBe(512n);
    expect(await sched.read.MAX_PAYLOAD_LENGTH()).toBe(2048n);
    expect(await sched.read.MAX_CALLDATA_LENGTH()).toBe(1024n);
    expect(await sched.read.MAX_CALL_GAS_LIMIT()).toBe(5_000_000);
    expect((await sched.read.getSchedule([1n])).status).toBe(STATUS.None);
    await expect(viem.deployContract("ScheduleRegistry", [zeroAddress])).rejects.toThrow(/ScheduleRegistryZeroAddress/);
  });
});

describe("ScheduleRegistry: Ignition Time module", () => {
  it("deploys ScheduleRegistry on the Coordination registry and Attestations owned by the deployer as attestor", async () => {
    const { default: TimeModule } = await import("../../ignition/modules/Time.ts");
    const connection = await network.create();
    const [deployer] = await connection.viem.getWalletClients();
    const deployed = await connection.ignition.deploy(TimeModule, { displayUi: false });
    expect(Object.keys(deployed).sort()).toEqual(["attestations", "scheduleRegistry"]); // only its own contracts
    const { scheduleRegistry, attestations } = deployed;
    const sched = await connection.viem.getContractAt("ScheduleRegistry", scheduleRegistry.address);
    const registryAddress = await sched.read.swarmRegistry();
    const registry = await connection.viem.getContractAt("SwarmRegistry", registryAddress);
    expect(await registry.read.memberCount([1n])).toBe(0n);
    const att = await connection.viem.getContractAt("Attestations", attestations.address);
    expect(lc(await att.read.owner())).toBe(lc(deployer!.account.address));
    expect(await att.read.isAttestor([deployer!.account.address])).toBe(true);
  });
});

describe("ScheduleRegistry: register", () => {
  it("registers an interval schedule with a call and a webhook, stores it and emits the full config", async () => {
    const { sched, alice, target, calls, params, register, now } = await deploy();
    const p = await params({
      swarmId: 1n,
      endTime: 0,
      maxRuns: 10,
      catchUp: POLICY.Skip,
      payload: "0xc0ffee",
      endpoint: "https://alice.example/hook",
      callData: calls.ping,
      valuePerRun: 7n,
      callGasLimit: 80_000,
    });
    const { id, start, events, receipt } = await register(p, { account: alice, value: 70n });
    expect(id).toBe(1n);
    expect(start).toBe(p.startTime);
    expect(events).toHaveLength(1);
    expect(lc(events[0]!.args)).toEqual(
      lc({ scheduleId: 1n, owner: alice.account.address, swarmId: 1n, params: p, startTime: p.startTime, funds: 70n }),
    );
    const t = await now();
    expect(lc(await sched.read.getSchedule([id]))).toEqual(
      lc({
        status: STATUS.Active,
        catchUp: POLICY.Skip,
        startTime: p.startTime,
        period: 100,
        endTime: 0,
        maxRuns: 10,
        nextOccurrence: 0,
        callGasLimit: 80_000,
        target: target.address,
        valuePerRun: 7n,
        owner: alice.account.address,
        hasWebhook: true,
        createdAt: t,
        swarmId: 1n,
        funds: 70n,
      }),
    );
    expect(await sched.read.callDataOf([id])).toBe(calls.ping);
    expect(await sched.read.scheduleCount()).toBe(1n);
    console.log(`register (interval + call + webhook + swarm + funds) gas: ${receipt.gasUsed}`);
  });

  it("registers a cron webhook-only schedule (6 fields too); startTime 0 means now; ids count up", async () => {
    const { sched, cronParams, register, now } = await deploy();
    const a = await register(await cronParams({ startTime: 0 }));
    const t = await now();
    expect(a.start).toBe(t);
    const s = await sched.read.getSchedule([a.id]);
    expect(s).toMatchObject({ status: STATUS.Active, startTime: t, period: 0, target: zeroAddress, hasWebhook: true, swarmId: 0n, funds: 0n });
    const b = await register(await cronParams({ cron: "0 */5 0-23 1,15 * 1-5", endpoint: "http://localhost:8080/x" }));
    expect(b.id).toBe(2n);
    expect((b.events[0]!.args as { params: { cron: string } }).params.cron).toBe("0 */5 0-23 1,15 * 1-5");
    expect(await sched.read.callDataOf([a.id])).toBe("0x");
    console.log(`register (cron webhook) gas: ${a.receipt.gasUsed}`);
  });

  it("requires swarm membership for a swarm schedule", async () => {
    const { sched, outsider, params } = await deploy();
    await expectRevert(
      sched.write.register([await params({ swarmId: 1n })], { account: outsider.account }),
      "ScheduleRegistryNotMember",
      [1n, outsider.account.address],
    );
    await expectRevert(sched.write.register([await params({ swarmId: 9n })], { account: outsider.account }), "ScheduleRegistryNotMember", [
      9n,
      outsider.account.address,
    ]);
  });

  it("requires exactly one timing: a cron expression or a period", async () => {
    const { sched, cronParams } = await deploy();
    await expectRevert(sched.write.register([await cronParams({ period: 60 })]), "ScheduleRegistryInvalidTiming", [11n, 60]);
    await expectRevert(sched.write.register([await cronParams({ cron: "" })]), "ScheduleRegistryInvalidTiming", [0n, 0]);
  });

  it("checks the cron syntax and names the field at fault", async () => {
    const { sched, cronParams } = await deploy();
    const bad: Array<[string, number]> = [
      ["* * * *", 0], // 4 fields
      ["* * * * * * *", 0], // 7 fields
      ["* * * * x", 5],
      ["a * * * *", 1],
      ["* * ? * *", 3],
      ["* * * JAN *", 4],
      [" * * * * *", 1], // leading space: empty field 1
      ["*  * * * *", 2], // double space: empty field 2
      ["* * * * * ", 6], // trailing space: empty field 6
      ["*\t* * * *", 1],
      [`${"1,".repeat(63)}1 * * * *`, 0], // 135 bytes > 128
    ];
    for (const [expr, field] of bad) {
      await expectRevert(sched.write.register([await cronParams({ cron: expr })]), "ScheduleRegistryInvalidCron", [expr, field]);
    }
    for (const ok of ["* * * * *", "0 0 1 1 0", "*/15 9-17 * * 1-5", "0,30 * * * * *", `${"1,".repeat(58)}1 * * * *`]) {
      await register(ok);
    }
    async function register(cron: string) {
      await sched.write.register([await cronParams({ cron })]);
    }
  });

  it("checks the times: start not in the past, end not before start", async () => {
    const { sched, params, now, at } = await deploy();
    const t = (await now()) + 10;
    await at(t);
    await expectRevert(sched.write.register([await params({ startTime: t - 1 })]), "ScheduleRegistryStartInPast", [t - 1, t]);
    await at(t);
    await expectRevert(sched.write.register([await params({ startTime: t + 50, endTime: t + 49 })]), "ScheduleRegistryInvalidEndTime", [
      t + 50,
      t + 49,
    ]);
    await at(t);
    // start == now and end == start are fine; start 0 (now) with an end in the past is not.
    await sched.write.register([await params({ startTime: t, endTime: t })]);
    await at(t + 1);
    await expectRevert(sched.write.register([await params({ startTime: 0, endTime: t })]), "ScheduleRegistryInvalidEndTime", [t + 1, t]);
  });

  it("requires an action and checks the endpoint and payload", async () => {
    const { sched, params, cronParams } = await deploy();
    await expectRevert(sched.write.register([await cronParams({ endpoint: "" })]), "ScheduleRegistryNoAction", []);
    for (const endpoint of ["ftp://x", "http://", "https://", "HTTPS://x", "www.example.com", "http:/x"]) {
      await expectRevert(sched.write.register([await cronParams({ endpoint })]), "ScheduleRegistryInvalidEndpoint", [endpoint]);
    }
    const long = `https://${"a".repeat(505)}`;
    await expectRevert(sched.write.register([await cronParams({ endpoint: long })]), "ScheduleRegistryEndpointTooLong", [513n, 512n]);
    await sched.write.register([await cronParams({ endpoint: long.slice(0, 512) })]);
    const payload = `0x${"ab".repeat(2049)}` as Hex;
    await expectRevert(sched.write.register([await params({ payload })]), "ScheduleRegistryPayloadTooLong", [2049n, 2048n]);
    await sched.write.register([await params({ payload: `0x${"ab".repeat(2048)}` })]);
  });

  it("checks the call fields", async () => {
    const { sched, target, params, cronParams } = await deploy();
    await expectRevert(sched.write.register([await cronParams({ target: target.address, callGasLimit: 1 })]), "ScheduleRegistryCallNeedsInterval", []);
    await expectRevert(sched.write.register([await params({ target: sched.address })]), "ScheduleRegistryInvalidTarget", [sched.address]);
    await expectRevert(sched.write.register([await params({ callGasLimit: 0 })]), "ScheduleRegistryInvalidGasLimit", [0, 5_000_000]);
    await expectRevert(sched.write.register([await params({ callGasLimit: 5_000_001 })]), "ScheduleRegistryInvalidGasLimit", [5_000_001, 5_000_000]);
    const longData = `0x${"00".repeat(1025)}` as Hex;
    await expectRevert(sched.write.register([await params({ callData: longData })]), "ScheduleRegistryCallDataTooLong", [1025n, 1024n]);
    const noTarget = { target: zeroAddress, endpoint: "https://h.example" } as const;
    await expectRevert(sched.write.register([await params({ ...noTarget })]), "ScheduleRegistryCallFieldsWithoutTarget", []);
    await expectRevert(sched.write.register([await params({ ...noTarget, callData: "0x", callGasLimit: 0, valuePerRun: 1n })]), "ScheduleRegistryCallFieldsWithoutTarget", []);
    await expectRevert(sched.write.register([await params({ ...noTarget, callData: "0x" })]), "ScheduleRegistryCallFieldsWithoutTarget", []);
    await expectRevert(sched.write.register([await cronParams()], { value: 5n }), "ScheduleRegistryUnexpectedValue", [0n, 5n]);
    // An EOA target (a payment stream) and empty call data are fine.
    await sched.write.register([await params({ target: "0x00000000000000000000000000000000000000aa", callData: "0x", valuePerRun: 1n })], { value: 3n });
  });
});

describe("ScheduleRegistry: owner functions", () => {
  it("pause and resume: owner only, events, state, wrong-state errors", async () => {
    const { sched, owner, alice, params, register, send, now } = await deploy();
    const { id } = await register(await params({ swarmId: 1n }), { account: alice });
    await expectRevert(sched.write.pause([id], { account: owner.account }), "ScheduleRegistryNotOwner", [id, owner.account.address, alice.account.address]);
    await expectRevert(sched.write.pause([9n], { account: alice.account }), "ScheduleRegistryUnknownSchedule", [9n]);
    await expectRevert(sched.write.resume([id], { account: alice.account }), "ScheduleRegistryNotPaused", [id]);
    const paused = await send(sched.write.pause([id], { account: alice.account }));
    expect(lc(paused.events[0]!.args)).toEqual(lc({ scheduleId: id, owner: alice.account.address, swarmId: 1n, pausedAt: await now() }));
    expect(paused.events[0]!.eventName).toBe("SchedulePaused");
    expect((await sched.read.getSchedule([id])).status).toBe(STATUS.Paused);
    await expectRevert(sched.write.pause([id], { account: alice.account }), "ScheduleRegistryPaused", [id]);
    await expectRevert(sched.write.resume([id], { account: owner.account }), "ScheduleRegistryNotOwner", [id, owner.account.address, alice.account.address]);
    const resumed = await send(sched.write.resume([id], { account: alice.account }));
    expect(resumed.events[0]!.eventName).toBe("ScheduleResumed");
    expect(lc(resumed.events[0]!.args)).toEqual(
      lc({ scheduleId: id, owner: alice.account.address, swarmId: 1n, resumedAt: await now(), nextOccurrence: 0 }),
    );
    expect((await sched.read.getSchedule([id])).status).toBe(STATUS.Active);
  });

  it("update replaces cron, end, max runs, payload and endpoint; emits them", async () => {
    const { sched, owner, outsider, cronParams, params, register, send } = await deploy();
    const c = await register(await cronParams());
    const u = { cron: "0 12 * * 1", endTime: c.start + 5000, maxRuns: 3, payload: "0x01" as Hex, endpoint: "http://new.example/h" };
    const { events } = await send(sched.write.update([c.id, u]));
    expect(events[0]!.eventName).toBe("ScheduleUpdated");
    expect(lc(events[0]!.args)).toEqual(lc({ scheduleId: c.id, owner: owner.account.address, swarmId: 0n, ...u }));
    expect(await sched.read.getSchedule([c.id])).toMatchObject({ endTime: u.endTime, maxRuns: 3, hasWebhook: true });
    await expectRevert(sched.write.update([c.id, u], { account: outsider.account }), "ScheduleRegistryNotOwner", [
      c.id,
      outsider.account.address,
      owner.account.address,
    ]);
    await expectRevert(sched.write.update([9n, u]), "ScheduleRegistryUnknownSchedule", [9n]);
    // The timing kind is fixed.
    await expectRevert(sched.write.update([c.id, { ...u, cron: "" }]), "ScheduleRegistryInvalidTiming", [0n, 0]);
    await expectRevert(sched.write.update([c.id, { ...u, cron: "* * *" }]), "ScheduleRegistryInvalidCron", ["* * *", 0]);
    await expectRevert(sched.write.update([c.id, { ...u, endTime: c.start - 1 }]), "ScheduleRegistryInvalidEndTime", [c.start, c.start - 1]);
    await expectRevert(sched.write.update([c.id, { ...u, endpoint: "" }]), "ScheduleRegistryNoAction", []);
    await expectRevert(sched.write.update([c.id, { ...u, endpoint: "mailto:x" }]), "ScheduleRegistryInvalidEndpoint", ["mailto:x"]);
    await expectRevert(sched.write.update([c.id, { ...u, payload: `0x${"00".repeat(2049)}` }]), "ScheduleRegistryPayloadTooLong", [2049n, 2048n]);

    const i = await register(await params({ endpoint: "https://h.example" }));
    await expectRevert(sched.write.update([i.id, { ...u, cron: "* * * * *" }]), "ScheduleRegistryInvalidTiming", [9n, 100]);
    // An interval schedule with a call may drop its webhook; end 0 and maxRuns 0 remove the bounds.
    await send(sched.write.update([i.id, { cron: "", endTime: 0, maxRuns: 0, payload: "0x", endpoint: "" }]));
    expect(await sched.read.getSchedule([i.id])).toMatchObject({ endTime: 0, maxRuns: 0, hasWebhook: false });
  });

  it("cancel refunds the funds, is final, and every later change or execution reverts", async () => {
    const { sched, owner, outsider, publicClient, params, register, send, at } = await deploy();
    const { id, start } = await register(await params({ valuePerRun: 10n }), { value: 1000n });
    await expectRevert(sched.write.cancel([id], { account: outsider.account }), "ScheduleRegistryNotOwner", [
      id,
      outsider.account.address,
      owner.account.address,
    ]);
    const before = await publicClient.getBalance({ address: owner.account.address });
    const { events, receipt } = await send(sched.write.cancel([id]));
    const after = await publicClient.getBalance({ address: owner.account.address });
    expect(after - before + receipt.gasUsed * receipt.effectiveGasPrice).toBe(1000n);
    expect(await publicClient.getBalance({ address: sched.address })).toBe(0n);
    expect(events[0]!.eventName).toBe("ScheduleCancelled");
    expect(lc(events[0]!.args)).toEqual(lc({ scheduleId: id, owner: owner.account.address, swarmId: 0n, refunded: 1000n }));
    expect(await sched.read.getSchedule([id])).toMatchObject({ status: STATUS.Cancelled, funds: 0n });
    await expectRevert(sched.write.cancel([id]), "ScheduleRegistryCancelled", [id]);
    await expectRevert(sched.write.pause([id]), "ScheduleRegistryCancelled", [id]);
    await expectRevert(sched.write.resume([id]), "ScheduleRegistryCancelled", [id]);
    await expectRevert(sched.write.update([id, { cron: "", endTime: 0, maxRuns: 0, payload: "0x", endpoint: "" }]), "ScheduleRegistryCancelled", [id]);
    await expectRevert(sched.write.fund([id], { value: 1n }), "ScheduleRegistryCancelled", [id]);
    await at(start + 1);
    await expectRevert(sched.write.execute([id, 0]), "ScheduleRegistryCancelled", [id]);
    await expectRevert(sched.write.cancel([9n]), "ScheduleRegistryUnknownSchedule", [9n]);
    // A paused schedule can be cancelled too; without funds the refund is 0.
    const b = await register(await params());
    await send(sched.write.pause([b.id]));
    const c = await send(sched.write.cancel([b.id]));
    expect((c.events[0]!.args as { refunded: bigint }).refunded).toBe(0n);
  });

  it("fund: anyone adds wei to a live schedule with a call", async () => {
    const { sched, outsider, params, cronParams, register, send } = await deploy();
    const { id } = await register(await params({ valuePerRun: 5n }));
    const { events } = await send(sched.write.fund([id], { account: outsider.account, value: 12n }));
    expect(events[0]!.eventName).toBe("ScheduleFunded");
    expect(lc(events[0]!.args)).toEqual(lc({ scheduleId: id, from: outsider.account.address, amount: 12n, funds: 12n }));
    await send(sched.write.fund([id], { value: 3n }));
    expect((await sched.read.getSchedule([id])).funds).toBe(15n);
    await expectRevert(sched.write.fund([id], { value: 0n }), "ScheduleRegistryUnexpectedValue", [id, 0n]);
    const c = await register(await cronParams());
    await expectRevert(sched.write.fund([c.id], { value: 1n }), "ScheduleRegistryUnexpectedValue", [c.id, 1n]);
    await expectRevert(sched.write.fund([9n], { value: 1n }), "ScheduleRegistryUnknownSchedule", [9n]);
  });
});

