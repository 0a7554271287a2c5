/**
 * The scheduler end to end (Hardhat node + Ignition + Ponder via test/e2e/harness.ts, a relay process, a real
 * HTTP receiver): a cron schedule registered on ScheduleRegistry (6 fields, every 2 s, FireAll) is fired by the
 * relay at wall-clock time; the owner reads the secret through the wallet-signed route and every webhook
 * verifies; a pause on-chain stops the fires once the indexer has the block; resume catches the paused
 * occurrences up (FireAll: all, in order, run numbers in sequence); cancel stops for good. The relay's validate
 * route refuses an expression the contract accepts.
 */
import { parseEventLogs, zeroAddress } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScheduleRegistryAbi } from "../../indexer/abis/ScheduleRegistryAbi.ts";
import { fireDeliveryId } from "../../indexer/relay/scheduler/store.ts";
import type { RelayProcess } from "../../scripts/lib/startRelay.ts";
import { signedFetch } from "../../sdk/signedRequest.ts";
import { verifyWebhook } from "../../sdk/webhooks.ts";
import { DEV_MNEMONIC, startStack, startStackRelay, type DevWalletClient, type TestStack } from "../e2e/harness.ts";
import { startReceiver, waitUntil, type Receiver } from "./helpers.ts";

describe("scheduler (e2e): on-chain schedule → relay fires → signed webhooks; pause, resume, cancel", () => {
  let stack: TestStack;
  let relay: RelayProcess;
  let receiver: Receiver;
  let owner: DevWalletClient;

  beforeAll(async () => {
    stack = await startStack({ accounts: 2 });
    [owner] = stack.walletClients as [DevWalletClient];
    receiver = await startReceiver();
    relay = await startStackRelay(stack, { env: { RELAY_POLL_MS: "50", RELAY_TIMEOUT_MS: "5000", RELAY_SCHEDULER_TICK_MS: "200" } });
  }, 240_000);

  afterAll(async () => {
    await relay?.process.stop();
    await stack?.stop();
    await receiver?.close();
  });

  async function send(functionName: string, args: unknown[]) {
    const hash = await owner.writeContract({ address: stack.addresses.ScheduleRegistry!, abi: ScheduleRegistryAbi, functionName, args } as never);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }
  const indexed = async (id: bigint) => {
    const res = await fetch(`${stack.apiUrl}/v1/schedules/${id}`);
    return res.status === 200 ? ((await res.json()) as { status: string }) : undefined;
  };
  const fires = () =>
    receiver.received
      .filter((w) => w.path === "/cron" && w.json.type === "schedule.fired")
      .map((w) => ({ id: w.id, time: Number(w.json.scheduledTime), run: Number(w.json.runNumber), w }));

  it("fires a registered cron schedule every 2 s, stops on pause, catches up on resume (FireAll), stops on cancel", { timeout: 180_000 }, async () => {
    const cron = "*/2 * * * * *";
    const receipt = await send("register", [
      {
        swarmId: 0n,
        cron,
        period: 0,
        startTime: 0,
        endTime: 0,
        maxRuns: 0,
        catchUp: 1, // FireAll
        payload: "0xbeef",
        endpoint: `${receiver.url}/cron`,
        target: zeroAddress,
        callData: "0x",
        valuePerRun: 0n,
        callGasLimit: 0,
      },
    ]);
    const id = parseEventLogs({ abi: ScheduleRegistryAbi, logs: receipt.logs, eventName: "ScheduleRegistered" })[0]!.args.scheduleId;
    await waitUntil(() => fires().length >= 3, "3 fires", 60_000);

    const res = await waitUntil(async () => {
      const r = await signedFetch(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }), `${relay.url}/v1/schedules/${id}/secret`, {
        method: "POST",
        chainId: stack.deployment.chainId,
        verifyingContract: stack.addresses.SubscriptionRegistry!,
      });
      return r.status === 200 ? r : undefined;
    }, "the schedule's secret");
    const secret = ((await res.json()) as { secret: string }).secret;

    // Pause: once the indexer has the block, at most the occurrence being fired at that moment still goes out.
    await send("pause", [id]);
    await waitUntil(async () => (await indexed(id))?.status === "paused", "indexed pause", 30_000);
    const pausedSeen = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, 5_000));
    const beforeResume = fires();
    expect(beforeResume.filter((f) => f.time > pausedSeen + 1)).toEqual([]);
    const lastBefore = Math.max(...beforeResume.map((f) => f.time));

    await send("resume", [id]);
    await waitUntil(async () => (await indexed(id))?.status === "active", "indexed resume", 30_000);
    const resumedSeen = Math.floor(Date.now() / 1000);
    await waitUntil(() => fires().some((f) => f.time >= resumedSeen + 2), "fires after resume", 30_000);

    await send("cancel", [id]);
    await waitUntil(async () => (await indexed(id))?.status === "cancelled", "indexed cancel", 30_000);
    const cancelledSeen = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, 3_000));

    const all = fires();
    expect(all.filter((f) => f.time > cancelledSeen + 1)).toEqual([]);
    // FireAll: every even second from the first fire to the last, once each (the paused ones caught up on resume),
    // run numbers in sequence, webhook-ids deterministic, signatures verified with the owner's secret.
    const unique = new Map(all.map((f) => [f.time, f]));
    const times = [...unique.keys()].sort((a, b) => a - b);
    const first = times[0]!;
    expect(times).toEqual(Array.from({ length: (times.at(-1)! - first) / 2 + 1 }, (_, k) => first + 2 * k));
    expect(times.some((t) => t > lastBefore && t < resumedSeen)).toBe(true); // caught up
    const runs = times.map((t) => unique.get(t)!.run);
    expect(runs).toEqual(runs.map((_, k) => k));
    for (const f of all) {
      expect(f.id).toBe(fireDeliveryId(String(id), f.time));
      expect(verifyWebhook({ headers: f.w.headers, body: f.w.body, secret }).id).toBe(f.id);
      expect(f.w.json).toMatchObject({ chainId: stack.deployment.chainId, scheduleId: String(id), cron, payload: "0xbeef", period: null });
    }
    // The validate route: what the contract accepts syntactically but no cron can mean.
    const bad = await fetch(`${relay.url}/v1/schedules/validate`, { method: "POST", body: JSON.stringify({ cron: "0 0 31 2 *" }) });
    expect(bad.status).toBe(400);
    console.log(`[scheduler e2e] ${times.length} fires (runs ${runs[0]}…${runs.at(-1)}), paused/resumed/cancelled on-chain`);
  });
});
