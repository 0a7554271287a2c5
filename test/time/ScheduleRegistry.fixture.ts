/**
 * Shared fixture for the ScheduleRegistry tests: a fresh chain with a SwarmRegistry (swarm 1: owner + alice),
 * a ScheduleRegistry, a MockScheduleTarget, parameter builders and exact-time helpers.
 */
import { expect } from "vitest";
import { network } from "hardhat";
import { type Address, type Hex, encodeFunctionData, parseEventLogs, zeroAddress } from "viem";

export const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
export const STATUS = { None: 0, Active: 1, Paused: 2, Cancelled: 3 } as const;
export const POLICY = { FireLatestOnce: 0, FireAll: 1, Skip: 2 } as const;
export const UNLIMITED = 2 ** 32 - 1;

export type Params = {
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

export type Update = { cron: string; endTime: number; maxRuns: number; payload: Hex; endpoint: string };

/** Lower-cases addresses (deeply) so event args and struct fields compare with wallet addresses. */
export function lc<T>(value: T): T {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase() as T;
  if (Array.isArray(value)) return value.map(lc) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lc(v)])) as T;
  }
  return value;
}

export async function deploy() {
  const { viem, networkHelpers } = await network.create();
  const [owner, alice, keeper, outsider] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner!.account });
  await registry.write.join([1n, ""], { account: alice!.account });
  const sched = await viem.deployContract("ScheduleRegistry", [registry.address]);
  const target = await viem.deployContract("MockScheduleTarget");
  const calls = {
    noop: encodeFunctionData({ abi: target.abi, functionName: "noop" }),
    ping: encodeFunctionData({ abi: target.abi, functionName: "ping" }),
    fail: (code: bigint) => encodeFunctionData({ abi: target.abi, functionName: "fail", args: [code] }),
    burn: encodeFunctionData({ abi: target.abi, functionName: "burn" }),
  };

  const send = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    expect(receipt.status).toBe("success");
    return { receipt, events: parseEventLogs({ abi: sched.abi, logs: receipt.logs }) };
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  /** Makes the next block (the next transaction, or the gas estimate of a reverting one) happen at `t`. */
  const at = async (t: number) => networkHelpers.time.setNextBlockTimestamp(t);
  /** Mines a block at `t`, so that views (eth_call) and simulations see that time. */
  const mineAt = async (t: number) => networkHelpers.time.increaseTo(t);

  /** An interval schedule calling target.noop() every 100 s from now + 1000 (FireAll), owned by owner. */
  const params = async (over: Partial<Params> = {}): Promise<Params> => ({
    swarmId: 0n,
    cron: "",
    period: 100,
    startTime: (await now()) + 1000,
    endTime: 0,
    maxRuns: 0,
    catchUp: POLICY.FireAll,
    payload: "0x",
    endpoint: "",
    target: target.address,
    callData: calls.noop,
    valuePerRun: 0n,
    callGasLimit: 100_000,
    ...over,
  });
  /** A cron webhook-only schedule. */
  const cronParams = async (over: Partial<Params> = {}): Promise<Params> =>
    params({ cron: "*/5 * * * *", period: 0, endpoint: "https://agent.example/tick", target: zeroAddress, callData: "0x", callGasLimit: 0, ...over });

  /** Registers `p` as `account` (default owner) and returns the id, start and events. */
  const register = async (p: Params, opts: { account?: typeof owner; value?: bigint } = {}) => {
    const { events, receipt } = await send(
      sched.write.register([p], { account: (opts.account ?? owner)!.account, value: opts.value ?? 0n }),
    );
    const ev = events.find((e) => e.eventName === "ScheduleRegistered")!;
    const args = ev.args as { scheduleId: bigint; startTime: number };
    return { id: args.scheduleId, start: args.startTime, events, receipt };
  };

  /** Executes occurrence k of schedule id at time t as the keeper; returns the ScheduleExecuted args. */
  const execAt = async (id: bigint, k: number, t: number, gas?: bigint) => {
    await at(t);
    const { events, receipt } = await send(sched.write.execute([id, k], { account: keeper!.account, gas }));
    const ev = events.find((e) => e.eventName === "ScheduleExecuted");
    expect(ev, "ScheduleExecuted emitted").toBeDefined();
    return { args: ev!.args as ExecutedArgs, receipt };
  };

  return {
    viem,
    networkHelpers,
    owner: owner!,
    alice: alice!,
    keeper: keeper!,
    outsider: outsider!,
    publicClient,
    registry,
    sched,
    target,
    calls,
    send,
    now,
    at,
    mineAt,
    params,
    cronParams,
    register,
    execAt,
  };
}

export type ExecutedArgs = {
  scheduleId: bigint;
  occurrence: number;
  executor: Address;
  scheduledAt: number;
  success: boolean;
  returnDataHash: Hex;
  skipped: number;
  valuePaid: bigint;
};
