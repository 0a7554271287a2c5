/**
 * Subscriptions end to end (Hardhat node + Ignition + Ponder via test/e2e/harness.ts, a relay process, a real
 * HTTP receiver):
 *
 * 1. pause/resume is exact: a paused subscription receives nothing — events while it was paused are never
 *    delivered, not even after it is resumed — and after resume only new events arrive. Pause and resume are
 *    also mined in the SAME block as messages before and after them: the subscription gets exactly the events
 *    at feed positions where it was active (an unpaused control subscription gets everything).
 * 2. raw-log subscriptions (KIND_RAW) on a contract the indexer does not know (a MockERC20 deployed by the
 *    test): address + topic filters (zero = any), the `log.raw` body (address, topics, data, block, tx, log
 *    index) equal to the chain's log, signed with the subscription's secret; pause applies to them too;
 *    after_confirmations waits for N blocks.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { encodeAbiParameters, pad, parseEventLogs, toEventSelector, zeroAddress, type Abi, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageBusAbi } from "../../indexer/abis/MessageBusAbi.ts";
import { SubscriptionRegistryAbi } from "../../indexer/abis/SubscriptionRegistryAbi.ts";
import { SwarmRegistryAbi } from "../../indexer/abis/SwarmRegistryAbi.ts";
import type { FeedEvent } from "../../indexer/relay/feedEvent.ts";
import { ROOT_DIR } from "../../scripts/lib/paths.ts";
import type { RelayProcess } from "../../scripts/lib/startRelay.ts";
import { signedFetch } from "../../sdk/signedRequest.ts";
import { verifyWebhook } from "../../sdk/webhooks.ts";
import { DEV_MNEMONIC, startStack, startStackRelay, type DevWalletClient, type TestStack } from "../e2e/harness.ts";
import { startReceiver, waitUntil, type Receiver } from "./helpers.ts";

const TOPIC = `0x${"ef".repeat(32)}` as const;
const ZERO_TOPIC = `0x${"00".repeat(32)}` as const;
const TRANSFER = toEventSelector("Transfer(address,address,uint256)");
const mockErc20 = JSON.parse(readFileSync(path.join(ROOT_DIR, "artifacts/contracts/mocks/MockERC20.sol/MockERC20.json"), "utf8")) as { abi: Abi; bytecode: Hex };

describe("subscriptions (e2e): exact pause/resume, raw-log subscriptions", () => {
  let stack: TestStack;
  let relay: RelayProcess;
  let receiver: Receiver;
  let owner: DevWalletClient;
  let member: DevWalletClient;

  beforeAll(async () => {
    stack = await startStack({ accounts: 4 });
    [owner, member] = stack.walletClients as [DevWalletClient, DevWalletClient];
    receiver = await startReceiver();
    relay = await startStackRelay(stack, { env: { RELAY_POLL_MS: "50", RELAY_REORG_CHECK_MS: "300", RELAY_TIMEOUT_MS: "5000" } });
  }, 240_000);

  afterAll(async () => {
    await relay?.process.stop();
    await stack?.stop();
    await receiver?.close();
  });

  async function send(wallet: DevWalletClient, request: Record<string, unknown>) {
    const hash = await wallet.writeContract(request as never);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  /** Several transactions in ONE block, in this order (automine off, explicit nonces, then evm_mine). */
  async function oneBlock(txs: { wallet: DevWalletClient; request: Record<string, unknown> }[]) {
    const rpc = (method: string, params: unknown[] = []) => stack.publicClient.request({ method, params } as never);
    await rpc("evm_setAutomine", [false]);
    const hashes: Hex[] = [];
    const nonces = new Map<string, number>();
    try {
      for (const { wallet, request } of txs) {
        const address = wallet.account.address;
        const nonce = nonces.get(address) ?? (await stack.publicClient.getTransactionCount({ address, blockTag: "pending" }));
        nonces.set(address, nonce + 1);
        hashes.push(await wallet.writeContract({ ...request, nonce, gas: 300_000n } as never));
      }
      await rpc("evm_mine");
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
    const receipts = await Promise.all(hashes.map((hash) => stack.publicClient.waitForTransactionReceipt({ hash })));
    for (const r of receipts) expect(r.status).toBe("success");
    expect(new Set(receipts.map((r) => r.blockNumber)).size).toBe(1);
    return receipts;
  }

  async function subscribe(filter: Record<string, unknown>, endpoint: string, opts = { confirmations: 0, mode: 0, ordered: true }): Promise<bigint> {
    const receipt = await send(owner, {
      address: stack.addresses.SubscriptionRegistry!,
      abi: SubscriptionRegistryAbi,
      functionName: "subscribe",
      args: [filter, endpoint, "e2e", opts],
    });
    return parseEventLogs({ abi: SubscriptionRegistryAbi, logs: receipt.logs, eventName: "SubscriptionCreated" })[0]!.args.id;
  }
  const registryCall = (functionName: "pause" | "resume", id: bigint) => ({ address: stack.addresses.SubscriptionRegistry!, abi: SubscriptionRegistryAbi, functionName, args: [id] });
  const broadcastCall = (swarmId: bigint, payload: Hex) => ({ address: stack.addresses.MessageBus!, abi: MessageBusAbi, functionName: "broadcast", args: [swarmId, TOPIC, payload] });
  const payloads = (p: string) =>
    receiver.received.filter((w) => w.path === p && w.json.type === "message.broadcast").map((w) => (w.json.data as { payload: string }).payload);

  it("a paused subscription receives nothing, not even after resume; resume delivers new events only (exact by feed position)", { timeout: 180_000 }, async () => {
    const created = await send(owner, {
      address: stack.addresses.SwarmRegistry!,
      abi: SwarmRegistryAbi,
      functionName: "createSwarm",
      args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" }, []],
    });
    const swarmId = parseEventLogs({ abi: SwarmRegistryAbi, logs: created.logs, eventName: "SwarmCreated" })[0]!.args.swarmId;
    await send(member, { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi, functionName: "join", args: [swarmId, ""] });
    const filter = { swarmId, kinds: 1 << 2, member: zeroAddress, rawAddress: zeroAddress, topics: [] };
    const paused = await subscribe(filter, `${receiver.url}/paused`);
    await subscribe(filter, `${receiver.url}/control`);

    await send(member, broadcastCall(swarmId, "0x01"));
    await waitUntil(() => payloads("/paused").length === 1, "the first message");
    // Separate blocks: pause, two messages while paused, resume, one message.
    await send(owner, registryCall("pause", paused));
    await send(member, broadcastCall(swarmId, "0x02"));
    await send(member, broadcastCall(swarmId, "0x03"));
    await waitUntil(() => payloads("/control").length === 3, "the control subscription to get the paused-period messages");
    await send(owner, registryCall("resume", paused));
    await send(member, broadcastCall(swarmId, "0x04"));
    // Same block: message, pause, message; then message, resume, message.
    const [pauseBlock] = await oneBlock([
      { wallet: member, request: broadcastCall(swarmId, "0x05") },
      { wallet: owner, request: registryCall("pause", paused) },
      { wallet: member, request: broadcastCall(swarmId, "0x06") },
    ]);
    await oneBlock([
      { wallet: member, request: broadcastCall(swarmId, "0x07") },
      { wallet: owner, request: registryCall("resume", paused) },
      { wallet: member, request: broadcastCall(swarmId, "0x08") },
    ]);
    await waitUntil(() => payloads("/control").length === 8, "all 8 messages at the control subscription", 60_000);

    // What the subscription must get, from the feed itself: the messages at positions where it was active.
    const events = ((await (await fetch(`${stack.apiUrl}/v1/events?limit=1000`)).json()) as { items: FeedEvent[] }).items;
    let active = true;
    const expected: string[] = [];
    const order: string[] = [];
    for (const e of events) {
      const data = e.data as { id?: string; swarmId?: string; payload?: string };
      if (e.type === "subscription.paused" && String(data.id) === String(paused)) (active = false), order.push("pause");
      if (e.type === "subscription.resumed" && String(data.id) === String(paused)) (active = true), order.push("resume");
      if (e.type === "message.broadcast" && e.swarmId === String(swarmId)) {
        order.push(data.payload!);
        if (active) expected.push(data.payload!);
      }
    }
    // The same-block transactions kept their order (so both sides of each transition are tested).
    expect(order).toEqual(["0x01", "pause", "0x02", "0x03", "resume", "0x04", "0x05", "pause", "0x06", "0x07", "resume", "0x08"]);
    expect(events.some((e) => e.type === "subscription.paused" && e.blockNumber === String(pauseBlock!.blockNumber))).toBe(true);
    expect(expected).toEqual(["0x01", "0x04", "0x05", "0x08"]);
    await waitUntil(() => payloads("/paused").length >= expected.length, "the resumed subscription's messages", 30_000);
    await new Promise((r) => setTimeout(r, 1_500)); // anything paused-period arriving late would fail below
    expect(payloads("/paused")).toEqual(expected);
    expect(payloads("/control")).toEqual(["0x01", "0x02", "0x03", "0x04", "0x05", "0x06", "0x07", "0x08"]);
  });

  it("delivers raw-log subscriptions of a contract the indexer does not index: filters, body, signature, pause, confirmations", { timeout: 180_000 }, async () => {
    const deployHash = await owner.deployContract({ abi: mockErc20.abi, bytecode: mockErc20.bytecode, args: ["Raw", "RAW"] } as never);
    const token = (await stack.publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    const [, , alice, bob] = stack.walletClients as DevWalletClient[];
    const toAlice = pad(alice!.account.address.toLowerCase() as Hex);
    const raw = (topics: Hex[]) => ({ swarmId: 0n, kinds: 1 << 15, member: zeroAddress, rawAddress: token, topics });
    // Transfers TO alice (topic0 = Transfer, topic1 = any, topic2 = alice), and every log of the token once 2 deep.
    const toAliceSub = await subscribe(raw([TRANSFER, ZERO_TOPIC, toAlice]), `${receiver.url}/raw-alice`);
    const allSub = await subscribe(raw([]), `${receiver.url}/raw-all`, { confirmations: 2, mode: 1, ordered: true });
    // An unrelated contract's logs never arrive (a subscription's address is its filter).
    const other = (await stack.publicClient.waitForTransactionReceipt({ hash: await owner.deployContract({ abi: mockErc20.abi, bytecode: mockErc20.bytecode, args: ["Other", "OTH"] } as never) })).contractAddress!;

    const mint = (to: DevWalletClient, amount: bigint, at = token) => send(owner, { address: at, abi: mockErc20.abi, functionName: "mint", args: [to.account.address, amount] });
    const r1 = await mint(alice!, 1n);
    await mint(bob!, 2n);
    await mint(alice!, 3n, other);
    await send(alice!, { address: token, abi: mockErc20.abi, functionName: "transfer", args: [bob!.account.address, 1n] });
    await send(owner, registryCall("pause", toAliceSub));
    await mint(alice!, 4n); // while paused: never delivered
    await send(owner, registryCall("resume", toAliceSub));
    const r5 = await mint(alice!, 5n);
    const amounts = (p: string) => receiver.received.filter((w) => w.path === p).map((w) => BigInt(String(w.json.data)));

    await waitUntil(() => amounts("/raw-alice").length >= 2, "raw logs to alice", 60_000);
    // The owner reads the secret through the wallet-signed API; every raw webhook verifies with it.
    const res = await waitUntil(async () => {
      const r = await signedFetch(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }), `${relay.url}/v1/subscriptions/${toAliceSub}/secret`, {
        method: "POST",
        chainId: stack.deployment.chainId,
        verifyingContract: stack.addresses.SubscriptionRegistry!,
      });
      return r.status === 200 ? r : undefined;
    }, "the raw subscription's secret");
    const secret = ((await res.json()) as { secret: string }).secret;

    // The body is the chain's log, in the feed's envelope.
    const [log1] = await stack.publicClient.getLogs({ address: token, blockHash: r1.blockHash });
    const first = receiver.received.find((w) => w.path === "/raw-alice")!;
    expect(verifyWebhook({ secret, headers: first.headers, body: first.body, now: first.timestamp }).id).toBe(first.id);
    expect(first.json).toMatchObject({
      type: "log.raw",
      chainId: stack.deployment.chainId,
      blockNumber: r1.blockNumber.toString(),
      blockHash: r1.blockHash,
      txHash: r1.transactionHash,
      logIndex: log1!.logIndex,
      address: token.toLowerCase(),
      topics: log1!.topics,
      data: log1!.data,
      swarmId: null,
    });
    expect(log1!.data).toBe(encodeAbiParameters([{ type: "uint256" }], [1n]));

    // after_confirmations: nothing from the last mint until 2 more blocks exist.
    await waitUntil(() => amounts("/raw-all").length >= 4, "confirmed raw logs (all but the last mint)", 60_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(amounts("/raw-all")).not.toContain(5n);
    await stack.publicClient.request({ method: "evm_mine", params: [] } as never);
    await stack.publicClient.request({ method: "evm_mine", params: [] } as never);
    await waitUntil(() => amounts("/raw-all").includes(5n), "the last mint once 2 deep", 60_000);
    await new Promise((r) => setTimeout(r, 1_000));

    expect(amounts("/raw-alice")).toEqual([1n, 5n]); // not bob's mint, not the other token, not the transfer to bob, not the paused one
    expect(amounts("/raw-all")).toEqual([1n, 2n, 1n, 4n, 5n]); // every Transfer of the token, in chain order
    const last = receiver.received.filter((w) => w.path === "/raw-alice").at(-1)!;
    expect(last.json).toMatchObject({ blockHash: r5.blockHash, txHash: r5.transactionHash });
    expect(new Set(receiver.received.filter((w) => w.path.startsWith("/raw")).map((w) => w.id)).size).toBe(7);
    void allSub;
  });
});
