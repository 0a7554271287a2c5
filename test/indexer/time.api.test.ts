/**
 * The time contracts in the indexer (ScheduleRegistry, Attestations) against a real chain (stack harness:
 * Hardhat node + Ignition deployment + Ponder on PGlite): cron and interval schedules (with and without swarm,
 * webhook, on-chain call) go through register / update / pause / resume / fund / execute / cancel, batches are
 * attested and attestors change; then GET /v1/schedules[/:id], /v1/attestations[/:seq], /v1/attestors,
 * GraphQL and the `schedule.*` / `attestation.*` feed bodies must equal what the contracts' getters and logs
 * say, and bad parameters answer 400 / unknown ids 404. The relay's matcher delivers a swarm's schedule.*
 * events to a KIND_SCHEDULE subscription of that swarm.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  type Abi,
  type Address,
  type Hash,
  type Hex,
  type Log,
  decodeEventLog,
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttestationsAbi } from "../../indexer/abis/AttestationsAbi.ts";
import { ScheduleRegistryAbi } from "../../indexer/abis/ScheduleRegistryAbi.ts";
import { SubscriptionRegistryAbi } from "../../indexer/abis/SubscriptionRegistryAbi.ts";
import { SwarmRegistryAbi } from "../../indexer/abis/SwarmRegistryAbi.ts";
import { matchesSubscription } from "../../indexer/relay/matchEvent.ts";
import { parseSubscription } from "../../indexer/relay/subscription.ts";
import { type EventBody, KIND_BITS } from "../../indexer/src/lib/eventBody.ts";
import { ROOT_DIR } from "../../scripts/lib/paths.ts";
import { type DevWalletClient, type TestStack, startStack } from "../e2e/harness.ts";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const lower = (a: string) => a.toLowerCase();
const STATUS = ["none", "active", "paused", "cancelled"] as const;
const CATCH_UP = ["fire_latest_once", "fire_all", "skip"] as const;
const POLICY = { FireLatestOnce: 0, FireAll: 1, Skip: 2 } as const;

/** Solidity event → feed type. */
const TYPE_OF: Record<string, string> = {
  ScheduleRegistered: "schedule.registered",
  SchedulePaused: "schedule.paused",
  ScheduleResumed: "schedule.resumed",
  ScheduleUpdated: "schedule.updated",
  ScheduleCancelled: "schedule.cancelled",
  ScheduleFunded: "schedule.funded",
  ScheduleExecuted: "schedule.executed",
  AttestationPosted: "attestation.posted",
  AttestorUpdated: "attestation.attestor_updated",
};

/** Every column of table `schedules` (GraphQL field = REST field). */
const SCHEDULE_FIELDS = [
  "id", "owner", "swarmId", "kind", "cron", "period", "startTime", "endTime", "maxRuns", "catchUp", "payload",
  "endpoint", "target", "callData", "valuePerRun", "callGasLimit", "funds", "status", "nextOccurrence",
  "executedCount", "lastExecutedAt", "configuredAt", "createdAt", "createdBlock", "createdTxHash", "createdEventId", "pausedAt",
  "cancelledAt", "updatedEventId", "updatedBlock", "updatedAt", "updatedBlockHash", "updatedTxHash", "updatedLogIndex",
] as const;
const ATTESTATION_FIELDS = [
  "seq", "root", "prevRoot", "chainedHead", "leafCount", "fromTime", "toTime", "uri", "attestor", "eventId", "chainId",
  "blockNumber", "blockHash", "timestamp", "txHash", "logIndex",
] as const;

type Params = {
  swarmId: bigint;
  cron: string;
  period: number;
  startTime: number;
  endTime: number;
  maxRuns: number;
  catchUp: number;
  payload: Hex;
  endpoint: string;
  target: Address;
  callData: Hex;
  valuePerRun: bigint;
  callGasLimit: number;
};

type ChainLog = { log: Log; eventName: string; args: Record<string, unknown>; contract: "ScheduleRegistry" | "Attestations" };

describe("time contracts in the indexer: /v1/schedules, /v1/attestations, GraphQL and the feed", () => {
  let stack: TestStack;
  let owner: DevWalletClient;
  let alice: DevWalletClient;
  let bob: DevWalletClient;
  let keeper: DevWalletClient;
  let target: Address;
  let lastBlock = 0n;
  const hashes: Record<string, Hash> = {};
  /** The webhook / payload / cron fields each schedule was last given (they live in events only). */
  const sent = new Map<bigint, { cron: string; payload: Hex; endpoint: string }>();
  let chainLogs: ChainLog[] = [];
  let feed: EventBody[] = [];

  async function send(label: string, wallet: DevWalletClient, call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint; gas?: bigint }) {
    const hash = await wallet.writeContract(call as Parameters<DevWalletClient["writeContract"]>[0]);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status, label).toBe("success");
    hashes[label] = hash;
    if (receipt.blockNumber > lastBlock) lastBlock = receipt.blockNumber;
    return receipt;
  }
  const sched = (label: string, wallet: DevWalletClient, functionName: string, args: readonly unknown[], extra: { value?: bigint; gas?: bigint } = {}) =>
    send(label, wallet, { address: stack.addresses.ScheduleRegistry!, abi: ScheduleRegistryAbi as Abi, functionName, args, ...extra });
  const attest = (label: string, wallet: DevWalletClient, functionName: string, args: readonly unknown[]) =>
    send(label, wallet, { address: stack.addresses.Attestations!, abi: AttestationsAbi as Abi, functionName, args });
  const register = async (label: string, wallet: DevWalletClient, p: Params, value = 0n) => {
    const receipt = await sched(label, wallet, "register", [p], { value });
    const id = receipt.logs
      .map((l) => decodeEventLog({ abi: ScheduleRegistryAbi, data: l.data, topics: l.topics }))
      .find((e) => e.eventName === "ScheduleRegistered")!.args as { scheduleId: bigint };
    sent.set(id.scheduleId, { cron: p.cron, payload: p.payload, endpoint: p.endpoint });
    return id.scheduleId;
  };
  const increaseTime = async (seconds: number) => {
    await stack.publicClient.request({ method: "evm_increaseTime", params: [seconds] } as never);
    await stack.publicClient.request({ method: "evm_mine", params: [] } as never);
  };
  const read = <T,>(contract: "ScheduleRegistry" | "Attestations", functionName: string, args: readonly unknown[]) =>
    stack.publicClient.readContract({
      address: stack.addresses[contract]!,
      abi: (contract === "ScheduleRegistry" ? ScheduleRegistryAbi : AttestationsAbi) as Abi,
      functionName,
      args,
      blockNumber: lastBlock,
    }) as Promise<T>;

  async function get(p: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(stack.apiUrl + p);
    expect(response.headers.get("content-type"), p).toMatch(/application\/json/);
    return { status: response.status, body: await response.json() };
  }
  async function ok(p: string): Promise<Json> {
    const { status, body } = await get(p);
    expect(status, `${p} → ${JSON.stringify(body)}`).toBe(200);
    return body;
  }

  beforeAll(async () => {
    stack = await startStack({ accounts: 5 });
    [owner, alice, bob, keeper] = stack.walletClients as [DevWalletClient, DevWalletClient, DevWalletClient, DevWalletClient];

    // A MockScheduleTarget (test-only contract, not in the deployment) as the on-chain call target.
    const artifact = JSON.parse(
      readFileSync(path.join(ROOT_DIR, "artifacts", "contracts", "mocks", "MockScheduleTarget.sol", "MockScheduleTarget.json"), "utf8"),
    ) as { abi: Abi; bytecode: Hex };
    const deployHash = await owner.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: [] });
    target = (await stack.publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    const ping = encodeFunctionData({ abi: artifact.abi, functionName: "ping" });
    const fail7 = encodeFunctionData({ abi: artifact.abi, functionName: "fail", args: [7n] });

    const registry = { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi as Abi };
    await send("swarm1", owner, { ...registry, functionName: "createSwarm", args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" }, []] });
    await send("aliceJoin", alice, { ...registry, functionName: "join", args: [1n, ""] });
    // Subscription 1: alice watches swarm 1's schedules (relay matching is checked against the real feed).
    await send("subscribe", alice, {
      address: stack.addresses.SubscriptionRegistry!,
      abi: SubscriptionRegistryAbi as Abi,
      functionName: "subscribe",
      args: [
        { swarmId: 1n, kinds: KIND_BITS.schedule, member: zeroAddress, rawAddress: zeroAddress, topics: [] },
        "https://alice.example/schedules",
        "schedules",
        { confirmations: 0, mode: 0, ordered: true },
      ],
    });

    const now = Number((await stack.publicClient.getBlock()).timestamp);
    const none = { swarmId: 0n, cron: "", period: 0, startTime: 0, endTime: 0, maxRuns: 0, payload: "0x" as Hex, endpoint: "", target: zeroAddress, callData: "0x" as Hex, valuePerRun: 0n, callGasLimit: 0 };
    // 1: cron webhook, no swarm (alice), Skip.
    const s1 = await register("reg1", alice, { ...none, cron: "*/5 * * * *", catchUp: POLICY.Skip, payload: "0xabcd", endpoint: "https://alice.example/tick" });
    // 2: cron webhook in swarm 1, 6 fields, bounded (alice): updated, paused, resumed.
    const s2 = await register("reg2", alice, {
      ...none,
      swarmId: 1n,
      cron: "0 */2 * * * *",
      startTime: now + 3_600,
      endTime: now + 86_400,
      maxRuns: 10,
      catchUp: POLICY.FireAll,
      payload: "0x01",
      endpoint: "http://alice.example/two",
    });
    // 3: interval in swarm 1 with webhook and a paying on-chain call (alice), funded, executed twice.
    const s3 = await register(
      "reg3",
      alice,
      { ...none, swarmId: 1n, period: 60, catchUp: POLICY.FireAll, payload: "0xfeed", endpoint: "https://alice.example/three", target, callData: ping, valuePerRun: 1_000n, callGasLimit: 100_000 },
      5_000n,
    );
    // 4: interval, call only, failing target (bob), FireLatestOnce: executes the latest, paused, resumed, cancelled.
    const s4 = await register("reg4", bob, { ...none, period: 30, catchUp: POLICY.FireLatestOnce, target, callData: fail7, valuePerRun: 10n, callGasLimit: 50_000 }, 100n);
    // 5: interval webhook only, starts later (owner): cancelled.
    const s5 = await register("reg5", owner, { ...none, period: 3_600, startTime: now + 7_200, maxRuns: 3, catchUp: POLICY.Skip, endpoint: "https://owner.example/hourly" });
    expect([s1, s2, s3, s4, s5]).toEqual([1n, 2n, 3n, 4n, 5n]);

    const update2 = { cron: "30 1 * * 1-5", endTime: 0, maxRuns: 0, payload: "0x0202", endpoint: "https://alice.example/two-b" };
    await sched("update2", alice, "update", [2n, update2]);
    sent.set(2n, { cron: update2.cron, payload: update2.payload as Hex, endpoint: update2.endpoint });
    await sched("pause2", alice, "pause", [2n]);
    await sched("resume2", alice, "resume", [2n]);

    await sched("fund3", bob, "fund", [3n], { value: 3_000n });
    await sched("exec3a", keeper, "execute", [3n, 0], { gas: 500_000n });
    await increaseTime(60);
    await sched("exec3b", keeper, "execute", [3n, 1], { gas: 500_000n });

    await increaseTime(100);
    const [ready, occurrence] = (await stack.publicClient.readContract({
      address: stack.addresses.ScheduleRegistry!,
      abi: ScheduleRegistryAbi,
      functionName: "executable",
      args: [4n],
    })) as readonly [boolean, number, number];
    expect(ready).toBe(true);
    expect(occurrence).toBeGreaterThanOrEqual(3);
    await sched("exec4", keeper, "execute", [4n, occurrence], { gas: 500_000n });
    await sched("pause4", bob, "pause", [4n]);
    await sched("resume4", bob, "resume", [4n]);
    await sched("cancel4", bob, "cancel", [4n]);
    await sched("cancel5", owner, "cancel", [5n]);

    // Attestations: the deployer (account 0) is the first attestor.
    const r1 = keccak256(toHex("batch-1"));
    const r2 = keccak256(toHex("batch-2"));
    const t = Number((await stack.publicClient.getBlock()).timestamp);
    await attest("attest1", owner, "attest", [1n, r1, zeroHash, 3, t - 60, t - 1, "ipfs://batch-1"]);
    await attest("addAlice", owner, "setAttestor", [alice.account.address, true]);
    await attest("attest2", alice, "attest", [2n, r2, r1, 1, t, t, ""]);
    await attest("revokeOwner", owner, "setAttestor", [owner.account.address, false]);

    // Every log of the two time contracts, decoded, in chain order.
    const byAddress = new Map([
      [lower(stack.addresses.ScheduleRegistry!), "ScheduleRegistry" as const],
      [lower(stack.addresses.Attestations!), "Attestations" as const],
    ]);
    const logs = await stack.publicClient.getLogs({ address: [...byAddress.keys()] as Address[], fromBlock: 0n, toBlock: lastBlock });
    chainLogs = logs
      .sort((a, b) => Number(a.blockNumber! - b.blockNumber!) || a.logIndex! - b.logIndex!)
      .map((log) => {
        const contract = byAddress.get(lower(log.address))!;
        const decoded = decodeEventLog({ abi: (contract === "ScheduleRegistry" ? ScheduleRegistryAbi : AttestationsAbi) as Abi, data: log.data, topics: log.topics });
        return { log, eventName: decoded.eventName!, args: decoded.args as unknown as Record<string, unknown>, contract };
      })
      .filter((l) => l.eventName !== "OwnershipTransferred");

    await stack.waitForIndexed(lastBlock);
    feed = (await ok("/v1/events?types=schedule.*,attestation.*&limit=1000")).items;
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("the feed has one schedule.* / attestation.* item per log of the time contracts, in chain order", () => {
    expect(feed.map((e) => [e.type, e.txHash, e.logIndex])).toEqual(
      chainLogs.map((l) => [TYPE_OF[l.eventName], l.log.transactionHash, l.log.logIndex]),
    );
    expect(feed.map((e) => e.type)).toEqual([
      "attestation.attestor_updated", // the deployment's constructor
      ...Array(5).fill("schedule.registered"),
      "schedule.updated", "schedule.paused", "schedule.resumed", "schedule.funded", "schedule.executed", "schedule.executed",
      "schedule.executed", "schedule.paused", "schedule.resumed", "schedule.cancelled", "schedule.cancelled",
      "attestation.posted", "attestation.attestor_updated", "attestation.posted", "attestation.attestor_updated",
    ]);
    feed.forEach((item, i) => {
      const { log, contract } = chainLogs[i]!;
      expect(item).toMatchObject({ contract, address: lower(log.address), blockNumber: log.blockNumber!.toString(), blockHash: log.blockHash, fencingToken: null });
    });
  });

  it("feed bodies: decoded args with enum names, the schedule's swarm and members (also for funded / executed)", () => {
    const a = lower(alice.account.address);
    const b = lower(bob.account.address);
    const k = lower(keeper.account.address);
    const o = lower(owner.account.address);
    const byTx = (label: string) => feed.filter((e) => e.txHash === hashes[label]);
    const [reg1] = byTx("reg1");
    expect(reg1).toMatchObject({ swarmId: null, members: [a] });
    expect(reg1!.data).toEqual({
      scheduleId: "1",
      owner: a,
      swarmId: "0",
      kind: "cron",
      params: {
        swarmId: "0", cron: "*/5 * * * *", period: 0, startTime: 0, endTime: 0, maxRuns: 0, catchUp: "skip", payload: "0xabcd",
        endpoint: "https://alice.example/tick", target: zeroAddress, callData: "0x", valuePerRun: "0", callGasLimit: 0,
      },
      startTime: Number(reg1!.blockTimestamp),
      funds: "0",
    });
    expect(byTx("reg3")[0]).toMatchObject({ swarmId: "1", data: { kind: "interval", funds: "5000", params: { catchUp: "fire_all", period: 60, target: lower(target) } } });
    expect(byTx("reg4")[0]!.data).toMatchObject({ params: { catchUp: "fire_latest_once" } });
    expect(byTx("update2")[0]).toMatchObject({ swarmId: "1", members: [a], data: { scheduleId: "2", cron: "30 1 * * 1-5", endTime: 0, maxRuns: 0, payload: "0x0202" } });
    expect(byTx("fund3")[0]).toMatchObject({ swarmId: "1", members: [b, a], data: { scheduleId: "3", from: b, amount: "3000", funds: "8000" } });
    expect(byTx("exec3a")[0]).toMatchObject({ swarmId: "1", members: [k, a], data: { scheduleId: "3", occurrence: 0, executor: k, success: true, skipped: 0, valuePaid: "1000" } });
    const exec4 = byTx("exec4")[0]!;
    expect(exec4).toMatchObject({ swarmId: null, members: [k, b], data: { scheduleId: "4", success: false, valuePaid: "0" } });
    expect(exec4.data.skipped).toBe(exec4.data.occurrence);
    expect(byTx("resume4")[0]).toMatchObject({ members: [b], data: { nextOccurrence: (exec4.data.occurrence as number) + 1 } });
    expect(byTx("cancel4")[0]).toMatchObject({ data: { refunded: "100" } });
    expect(byTx("attest1")[0]).toMatchObject({ swarmId: null, members: [o], data: { seq: "1", leafCount: 3, uri: "ipfs://batch-1", prevRoot: zeroHash } });
    expect(byTx("revokeOwner")[0]).toMatchObject({ members: [o], data: { attestor: o, allowed: false } });
  });

  it("GET /v1/schedules/:id equals the contract's getters (and the cron / payload / endpoint last sent)", async () => {
    const eventOf = (label: string) => feed.find((e) => e.txHash === hashes[label])!;
    for (let id = 1n; id <= 5n; id++) {
      const s = await read<Json>("ScheduleRegistry", "getSchedule", [id]);
      const callData = await read<Hex>("ScheduleRegistry", "callDataOf", [id]);
      const rest = await ok(`/v1/schedules/${id}`);
      const executed = chainLogs.filter((l) => l.eventName === "ScheduleExecuted" && l.args.scheduleId === id);
      const lastExec = executed.at(-1);
      const registered = chainLogs.find((l) => l.eventName === "ScheduleRegistered" && l.args.scheduleId === id)!;
      const configured = chainLogs.filter((l) => (l.eventName === "ScheduleRegistered" || l.eventName === "ScheduleUpdated") && l.args.scheduleId === id).at(-1)!;
      const lastChange = chainLogs.filter((l) => l.contract === "ScheduleRegistry" && l.args.scheduleId === id).at(-1)!;
      const { cron, payload, endpoint } = sent.get(id)!;
      const createdFeed = feed.find((e) => e.txHash === registered.log.transactionHash)!;
      const updatedFeed = feed.find((e) => e.txHash === lastChange.log.transactionHash && e.logIndex === lastChange.log.logIndex)!;
      const expected = {
        id: id.toString(),
        owner: lower(s.owner),
        swarmId: s.swarmId === 0n ? null : s.swarmId.toString(),
        kind: s.period === 0 ? "cron" : "interval",
        cron: cron === "" ? null : cron,
        period: s.period === 0 ? null : s.period,
        startTime: s.startTime.toString(),
        endTime: s.endTime === 0 ? null : s.endTime.toString(),
        maxRuns: s.maxRuns === 0 ? null : s.maxRuns,
        catchUp: CATCH_UP[s.catchUp],
        payload,
        endpoint: endpoint === "" ? null : endpoint,
        target: s.target === zeroAddress ? null : lower(s.target),
        callData,
        valuePerRun: s.valuePerRun.toString(),
        callGasLimit: s.callGasLimit,
        funds: s.funds.toString(),
        status: STATUS[s.status],
        nextOccurrence: s.nextOccurrence,
        executedCount: executed.length,
        lastExecutedAt: lastExec === undefined ? null : feed.find((e) => e.txHash === lastExec.log.transactionHash)!.blockTimestamp,
        configuredAt: feed.find((e) => e.txHash === configured.log.transactionHash)!.blockTimestamp,
        createdAt: s.createdAt.toString(),
        createdBlock: registered.log.blockNumber!.toString(),
        createdTxHash: registered.log.transactionHash,
        createdEventId: createdFeed.id,
        updatedEventId: updatedFeed.id,
        updatedBlock: lastChange.log.blockNumber!.toString(),
        updatedAt: updatedFeed.blockTimestamp,
        updatedBlockHash: lastChange.log.blockHash,
        updatedTxHash: lastChange.log.transactionHash,
        updatedLogIndex: lastChange.log.logIndex,
      };
      expect(rest, `schedule ${id}`).toMatchObject(expected);
      expect(Object.keys(rest)).toEqual([...SCHEDULE_FIELDS]);
      expect(s.hasWebhook, `schedule ${id} hasWebhook`).toBe(endpoint !== "");
    }
    // Paused / cancelled timestamps.
    const s2 = await ok("/v1/schedules/2");
    expect(s2).toMatchObject({ status: "active", pausedAt: null, cancelledAt: null, updatedTxHash: hashes.resume2, configuredAt: eventOf("update2").blockTimestamp });
    expect(s2.configuredAt).not.toBe(s2.createdAt);
    const s4 = await ok("/v1/schedules/4");
    expect(s4).toMatchObject({ status: "cancelled", funds: "0", pausedAt: null, cancelledAt: eventOf("cancel4").blockTimestamp, executedCount: 1 });
    expect(await ok("/v1/schedules/3")).toMatchObject({ funds: "6000", nextOccurrence: 2, executedCount: 2, status: "active" });
  });

  it("GET /v1/schedules filters (active, kind, owner, swarm) and pages by id", async () => {
    const ids = async (q: string) => (await ok(`/v1/schedules${q}`)).items.map((s: Json) => s.id);
    expect(await ids("")).toEqual(["1", "2", "3", "4", "5"]);
    expect(await ids("?active=true")).toEqual(["1", "2", "3"]);
    expect(await ids("?active=false")).toEqual(["4", "5"]);
    expect(await ids("?kind=cron")).toEqual(["1", "2"]);
    expect(await ids("?kind=interval&active=true")).toEqual(["3"]);
    expect(await ids(`?owner=${alice.account.address.toUpperCase().replace("0X", "0x")}`)).toEqual(["1", "2", "3"]);
    expect(await ids("?swarm=1")).toEqual(["2", "3"]);
    expect(await ids("?swarm=2")).toEqual([]);
    const seen: string[] = [];
    let after = "";
    for (let guard = 0; guard < 10; guard++) {
      const page = await ok(`/v1/schedules?limit=2&after=${after}`);
      seen.push(...page.items.map((s: Json) => s.id));
      if (page.nextCursor === null) break;
      expect(page.nextCursor).toBe(page.items.at(-1).id);
      after = page.nextCursor;
    }
    expect(seen).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("GraphQL schedules / scheduleEvents equal REST", async () => {
    const data = await stack.graphql<Json>(`{ schedules(orderBy: "id", orderDirection: "asc") { items { ${SCHEDULE_FIELDS.join(" ")} } } }`);
    const rest = (await ok("/v1/schedules")).items;
    expect(data.schedules.items).toEqual(rest);
    const events = await stack.graphql<Json>(
      `{ scheduleEvents(where: { scheduleId: "4" }, orderBy: "id", orderDirection: "asc") { items { kind status actor occurrence txHash data } } }`,
    );
    expect(events.scheduleEvents.items.map((e: Json) => [e.kind, e.status, e.txHash])).toEqual([
      ["registered", "active", hashes.reg4],
      ["executed", "active", hashes.exec4],
      ["paused", "paused", hashes.pause4],
      ["resumed", "active", hashes.resume4],
      ["cancelled", "cancelled", hashes.cancel4],
    ]);
    const exec = events.scheduleEvents.items[1];
    expect(exec.actor).toBe(lower(keeper.account.address));
    expect(exec.occurrence).toBe(feed.find((e) => e.txHash === hashes.exec4)!.data.occurrence);
    // schedule_events.data is the feed body's data.
    expect(exec.data).toEqual(feed.find((e) => e.txHash === hashes.exec4)!.data);
    const nested = await stack.graphql<Json>(`{ schedule(id: "3") { swarm { id } events { totalCount } } }`);
    expect(nested.schedule).toEqual({ swarm: { id: "1" }, events: { totalCount: 4 } });
  });

  it("GET /v1/attestations[/:seq] and /v1/attestors equal the contract", async () => {
    const [headSeq, headChained, headRoot] = await read<readonly [bigint, Hex, Hex]>("Attestations", "head", []);
    expect(headSeq).toBe(2n);
    const list = await ok("/v1/attestations");
    expect(list.nextCursor).toBeNull();
    expect(list.items.map((x: Json) => x.seq)).toEqual(["1", "2"]);
    let prevRoot: Hex = zeroHash;
    for (const seq of [1n, 2n]) {
      const onChain = await read<Json>("Attestations", "getAttestation", [seq]);
      const rest = await ok(`/v1/attestations/${seq}`);
      const posted = chainLogs.find((l) => l.eventName === "AttestationPosted" && l.args.seq === seq)!;
      const item = feed.find((e) => e.txHash === posted.log.transactionHash)!;
      expect(rest).toEqual({
        seq: seq.toString(),
        root: onChain.root,
        prevRoot,
        chainedHead: onChain.chainedHead,
        leafCount: onChain.leafCount,
        fromTime: onChain.fromTime.toString(),
        toTime: onChain.toTime.toString(),
        uri: posted.args.uri,
        attestor: lower(onChain.attestor),
        eventId: item.id,
        chainId: 31337,
        blockNumber: posted.log.blockNumber!.toString(),
        blockHash: posted.log.blockHash,
        timestamp: onChain.postedAt.toString(),
        txHash: posted.log.transactionHash,
        logIndex: posted.log.logIndex,
      });
      expect(Object.keys(rest)).toEqual([...ATTESTATION_FIELDS]);
      expect(rest).toEqual(list.items[Number(seq) - 1]);
      prevRoot = onChain.root;
    }
    expect(list.items[1].chainedHead).toBe(headChained);
    expect(list.items[1].root).toBe(headRoot);
    // The chained head recomputed from the indexed roots.
    let head: Hex = zeroHash;
    for (const x of list.items) head = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "uint64" }], [head, x.root, BigInt(x.seq)]));
    expect(head).toBe(headChained);

    const page = await ok("/v1/attestations?limit=1");
    expect(page).toMatchObject({ nextCursor: "1" });
    expect((await ok("/v1/attestations?after=1")).items.map((x: Json) => x.seq)).toEqual(["2"]);
    expect((await ok(`/v1/attestations?attestor=${alice.account.address}`)).items.map((x: Json) => x.seq)).toEqual(["2"]);

    const o = lower(owner.account.address);
    const a = lower(alice.account.address);
    const attestors = (await ok("/v1/attestors")).items;
    expect(attestors.map((x: Json) => [x.address, x.allowed, x.attestationCount, x.lastSeq])).toEqual(
      [
        [o, false, 1, "1"],
        [a, true, 1, "2"],
      ].sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)),
    );
    for (const x of attestors) expect(await read<boolean>("Attestations", "isAttestor", [x.address])).toBe(x.allowed);
    expect(await read<bigint>("Attestations", "attestorCount", [])).toBe(1n);
    expect((await ok("/v1/attestors?allowed=true")).items.map((x: Json) => x.address)).toEqual([a]);

    const gql = await stack.graphql<Json>(`{ attestations(orderBy: "seq") { items { ${ATTESTATION_FIELDS.join(" ")} } } attestor(address: "${o}") { allowed attestationCount } }`);
    expect(gql.attestations.items).toEqual(list.items);
    expect(gql.attestor).toEqual({ allowed: false, attestationCount: 1 });
  });

  it("the relay's matcher delivers swarm 1's schedule.* events (only) to a KIND_SCHEDULE subscription of swarm 1", async () => {
    const subscription = parseSubscription(await ok("/v1/subscriptions/1"));
    const all = (await ok("/v1/events?limit=1000")).items as EventBody[];
    const matched = all.filter((e) => matchesSubscription(subscription, e));
    expect(matched.map((e) => e.txHash)).toEqual(
      [hashes.reg2, hashes.reg3, hashes.update2, hashes.pause2, hashes.resume2, hashes.fund3, hashes.exec3a, hashes.exec3b],
    );
    expect(matched.every((e) => e.type.startsWith("schedule.") && e.swarmId === "1")).toBe(true);
  });

  it("400 invalid_parameter and 404 schedule_not_found / attestation_not_found", async () => {
    for (const [p, param] of [
      ["/v1/schedules/abc", "id"],
      ["/v1/schedules/01", "id"],
      ["/v1/schedules?kind=daily", "kind"],
      ["/v1/schedules?active=1", "active"],
      ["/v1/schedules?limit=0", "limit"],
      ["/v1/schedules?limit=501", "limit"],
      ["/v1/schedules?owner=alice", "owner"],
      ["/v1/schedules?swarm=-1", "swarm"],
      ["/v1/schedules?after=x", "after"],
      ["/v1/attestations/-1", "seq"],
      ["/v1/attestations/18446744073709551616", "seq"],
      ["/v1/attestations?after=1.5", "after"],
      ["/v1/attestations?attestor=0x12", "attestor"],
      ["/v1/attestors?allowed=yes", "allowed"],
    ] as const) {
      const { status, body } = await get(p);
      expect(status, p).toBe(400);
      expect(body.error.code, p).toBe("invalid_parameter");
      expect(body.error.details.issues[0].param, p).toBe(param);
    }
    expect(await get("/v1/schedules/6")).toEqual({
      status: 404,
      body: { error: { code: "schedule_not_found", message: "Schedule 6 does not exist", details: { scheduleId: "6" } } },
    });
    expect(await get("/v1/attestations/3")).toEqual({
      status: 404,
      body: { error: { code: "attestation_not_found", message: "Attestation 3 does not exist", details: { seq: "3" } } },
    });
    expect(await get("/v1/attestations/18446744073709551615")).toMatchObject({ status: 404 });
  });
});
