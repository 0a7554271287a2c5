/**
 * Gas per keeper execution of ScheduleRegistry.execute, from real receipts (`gasUsed`, refunds applied) on an
 * in-process Hardhat chain (`network.create()`: EDR, the repository's compiler settings): interval schedules
 * calling MockScheduleTarget, executed by the relay's Keeper (indexer/relay/keeper/keeper.ts, chain schedule
 * source) one round per occurrence, right after each falls due (chain time moved per occurrence).
 *
 * Cases: `ping()` (a typical small call: bumps a non-zero counter, records the caller, returns the count) under
 * FireAll and FireLatestOnce, with and without value per run; `noop()` (the registry's own overhead plus an empty
 * call). The first execution of a ping schedule also pays the target's 0 -> 1 counter write (20,000 gas of the
 * target's, not of the registry's), so it is reported apart from the steady state (occurrences 1..n).
 */
import { network } from "hardhat";
import {
  encodeFunctionData,
  parseEventLogs,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { Keeper } from "../../indexer/relay/keeper/keeper.ts";
import { chainScheduleSource } from "../../indexer/relay/keeper/scheduleSource.ts";
import { profileTx, type GasProfile } from "./gas.ts";

export type KeeperGasCase = {
  name: string;
  call: string;
  policy: "FireAll" | "FireLatestOnce";
  valuePerRun: string;
  /** gasUsed of occurrence 0, then of occurrences 1..n. */
  first: number;
  steady: number[];
  callDataBytes: number;
};

export type KeeperGasReport = {
  cases: KeeperGasCase[];
  /** Where the gas of one steady-state ping execution goes (debug_traceTransaction). */
  profile: GasProfile | null;
};

const POLICY = { FireLatestOnce: 0, FireAll: 1, Skip: 2 } as const;
const OPEN_SWARM = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;

export async function measureKeeperGas(runs = 6, log: (m: string) => void = () => {}): Promise<KeeperGasReport> {
  const { viem, networkHelpers } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [owner, keeper] = await viem.getWalletClients();
  if (!owner || !keeper) throw new Error("need 2 dev accounts");
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN_SWARM, []], { account: owner.account });
  const sched = await viem.deployContract("ScheduleRegistry", [registry.address]);
  const target = await viem.deployContract("MockScheduleTarget");
  const ping = encodeFunctionData({ abi: target.abi, functionName: "ping" });
  const noop = encodeFunctionData({ abi: target.abi, functionName: "noop" });
  const period = 60;

  const receiptOf = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
    return receipt;
  };

  const specs: Array<{ name: string; call: "ping" | "noop"; policy: "FireAll" | "FireLatestOnce"; value: bigint }> = [
    { name: "ping, FireAll", call: "ping", policy: "FireAll", value: 0n },
    { name: "ping, FireLatestOnce", call: "ping", policy: "FireLatestOnce", value: 0n },
    { name: "ping, FireAll, 1 gwei per run", call: "ping", policy: "FireAll", value: 1_000_000_000n },
    { name: "noop, FireAll", call: "noop", policy: "FireAll", value: 0n },
  ];

  // All cases start together; the relay's keeper (indexer/relay/keeper) executes them, reading the schedules from
  // the chain, when each occurrence falls due.
  const now = Number((await publicClient.getBlock()).timestamp);
  const start = now + 100;
  const registered: Array<{ spec: (typeof specs)[number]; id: bigint; target: Address; callData: Hex; gas: number[]; hashes: Hex[] }> = [];
  for (const spec of specs) {
    // Each ping case gets its own target so that its first call writes 0 -> non-zero (reported as `first`).
    const tgt = spec.call === "ping" ? await viem.deployContract("MockScheduleTarget") : target;
    const callData = spec.call === "ping" ? ping : noop;
    const receipt = await receiptOf(
      sched.write.register(
        [
          {
            swarmId: 0n,
            cron: "",
            period,
            startTime: start,
            endTime: 0,
            maxRuns: 0,
            catchUp: POLICY[spec.policy],
            payload: "0x",
            endpoint: "",
            target: tgt.address,
            callData,
            valuePerRun: spec.value,
            callGasLimit: 100_000,
          },
        ],
        { account: owner.account, value: spec.value * BigInt(runs + 1) },
      ),
    );
    const event = parseEventLogs({ abi: sched.abi, logs: receipt.logs, eventName: "ScheduleRegistered" })[0];
    if (!event) throw new Error("no ScheduleRegistered event");
    registered.push({ spec, id: event.args.scheduleId, target: tgt.address, callData, gas: [], hashes: [] });
  }

  const keeperLoop = new Keeper({
    publicClient: publicClient as unknown as PublicClient,
    walletClient: keeper as unknown as WalletClient<Transport, Chain, Account>,
    registry: sched.address,
    source: chainScheduleSource(publicClient as unknown as PublicClient, sched.address),
    intervalMs: 1000,
    refreshMs: 0,
    maxPerRound: 50,
    log,
  });
  for (let k = 0; k <= runs; k++) {
    await networkHelpers.time.increaseTo(start + k * period);
    const round = await keeperLoop.runOnce(Date.now());
    for (const r of registered) {
      const done = round.executed.find((e) => e.id === r.id && e.occurrence === k);
      const sent = round.sent.find((e) => e.id === r.id && e.occurrence === k);
      if (!done || !sent) throw new Error(`keeper did not execute ${r.spec.name} occurrence ${k}: ${JSON.stringify(round, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
      const receipt = await publicClient.getTransactionReceipt({ hash: sent.hash });
      const executed = parseEventLogs({ abi: sched.abi, logs: receipt.logs, eventName: "ScheduleExecuted" })[0];
      if (!executed?.args.success) throw new Error(`execute ${r.spec.name} k=${k}: the call did not succeed`);
      r.gas.push(Number(done.gasUsed));
      r.hashes.push(sent.hash);
    }
  }

  const cases: KeeperGasCase[] = [];
  let profile: GasProfile | null = null;
  for (const r of registered) {
    log(`  ${r.spec.name}: first ${r.gas[0]}, then ${r.gas.slice(1).join(", ")}`);
    if (r.spec.name === "ping, FireAll") {
      profile = await profileTx(publicClient as unknown as PublicClient, r.hashes[runs]!, { [r.target]: "MockScheduleTarget.ping" }).catch(() => null);
    }
    cases.push({
      name: r.spec.name,
      call: `MockScheduleTarget.${r.spec.call}()`,
      policy: r.spec.policy,
      valuePerRun: r.spec.value.toString(),
      first: r.gas[0]!,
      steady: r.gas.slice(1),
      callDataBytes: (r.callData.length - 2) / 2,
    });
  }
  return { cases, profile };
}
