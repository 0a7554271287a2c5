/**
 * A chain reorganization made on the local node, end to end: Hardhat node + Ignition deployment + Ponder
 * (test/e2e/harness.ts) + a relay process + a real HTTP receiver.
 *
 *   subscribe (message.* of a swarm, and raw Transfer logs of a MockERC20 the indexer does not index)
 *   evm_snapshot → branch A: blocks with broadcasts and a mint → the relay delivers them
 *   evm_revert   → branch B: DIFFERENT transactions (other payloads, other amounts), more blocks than A
 *
 * Then: every webhook of branch A gets a `<type>.removed` webhook naming its webhook-id (`originalWebhookId`),
 * branch B's events are delivered, and the indexer (REST feed, REST messages, GraphQL) equals the chain again.
 *
 * Ponder 0.16 handles this in realtime sync (node_modules/ponder/src/sync-realtime/index.ts reconcileBlock):
 * the first block of branch B has a number <= its latest block (or a parentHash that is not its latest hash),
 * so it walks back by parent hash to the common ancestor (the snapshot block, inside the unfinalized window:
 * 30 blocks for an unknown chain such as 31337) and reverts the indexed rows of the reorged blocks.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { encodeAbiParameters, pad, parseEventLogs, toEventSelector, zeroAddress, type Abi, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageBusAbi } from "../../indexer/abis/MessageBusAbi.ts";
import { SubscriptionRegistryAbi } from "../../indexer/abis/SubscriptionRegistryAbi.ts";
import { SwarmRegistryAbi } from "../../indexer/abis/SwarmRegistryAbi.ts";
import type { FeedEvent } from "../../indexer/relay/feedEvent.ts";
import { ROOT_DIR } from "../../scripts/lib/paths.ts";
import type { RelayProcess } from "../../scripts/lib/startRelay.ts";
import { startStack, startStackRelay, type DevWalletClient, type TestStack } from "../e2e/harness.ts";
import { startReceiver, waitUntil, type Receiver, type ReceivedWebhook } from "./helpers.ts";

const TOPIC = `0x${"cd".repeat(32)}` as const;
const TRANSFER = toEventSelector("Transfer(address,address,uint256)");
const mockErc20 = JSON.parse(readFileSync(path.join(ROOT_DIR, "artifacts/contracts/mocks/MockERC20.sol/MockERC20.json"), "utf8")) as { abi: Abi; bytecode: Hex };

describe("reorg on the local node (e2e: chain + Ponder + relay + receiver)", () => {
  let stack: TestStack;
  let relay: RelayProcess;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack({ accounts: 4 });
    receiver = await startReceiver();
    relay = await startStackRelay(stack, { env: { RELAY_POLL_MS: "50", RELAY_REORG_CHECK_MS: "300", RELAY_TIMEOUT_MS: "5000" } });
  }, 240_000);

  afterAll(async () => {
    await relay?.process.stop();
    await stack?.stop();
    await receiver?.close();
  });

  const rpc = <T,>(method: string, params: unknown[] = []) => stack.publicClient.request({ method, params } as never) as Promise<T>;

  async function send(wallet: DevWalletClient, request: Record<string, unknown>) {
    const hash = await wallet.writeContract(request as never);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  async function feed(swarmId: bigint): Promise<FeedEvent[]> {
    const res = await fetch(`${stack.apiUrl}/v1/events?swarm=${swarmId}&types=message.broadcast&limit=1000`);
    return ((await res.json()) as { items: FeedEvent[] }).items;
  }

  it("retracts branch A's webhooks with <type>.removed, delivers branch B's, and the indexer equals the chain again", { timeout: 240_000 }, async () => {
    const [owner, member] = stack.walletClients as [DevWalletClient, DevWalletClient];
    // Swarm, subscriptions and the token exist before the snapshot (they survive the reorg).
    const created = await send(owner, {
      address: stack.addresses.SwarmRegistry!,
      abi: SwarmRegistryAbi,
      functionName: "createSwarm",
      args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" }, []],
    });
    const swarmId = parseEventLogs({ abi: SwarmRegistryAbi, logs: created.logs, eventName: "SwarmCreated" })[0]!.args.swarmId;
    await send(member, { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi, functionName: "join", args: [swarmId, ""] });
    const deployHash = await owner.deployContract({ abi: mockErc20.abi, bytecode: mockErc20.bytecode, args: ["Reorg", "RRG"] } as never);
    const token = (await stack.publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress!;
    const subscribe = async (filter: Record<string, unknown>, endpoint: string) => {
      const receipt = await send(owner, {
        address: stack.addresses.SubscriptionRegistry!,
        abi: SubscriptionRegistryAbi,
        functionName: "subscribe",
        args: [filter, endpoint, "reorg e2e", { confirmations: 0, mode: 0, ordered: true }],
      });
      return parseEventLogs({ abi: SubscriptionRegistryAbi, logs: receipt.logs, eventName: "SubscriptionCreated" })[0]!.args.id.toString();
    };
    await subscribe({ swarmId, kinds: 1 << 2, member: zeroAddress, rawAddress: zeroAddress, topics: [] }, `${receiver.url}/messages`);
    await subscribe({ swarmId: 0n, kinds: 1 << 15, member: zeroAddress, rawAddress: token, topics: [TRANSFER] }, `${receiver.url}/raw`);
    await stack.waitForIndexed();

    const broadcast = (payload: Hex) =>
      send(member, { address: stack.addresses.MessageBus!, abi: MessageBusAbi, functionName: "broadcast", args: [swarmId, TOPIC, payload] });
    const mint = (amount: bigint) => send(owner, { address: token, abi: mockErc20.abi, functionName: "mint", args: [member.account.address, amount] });

    // Branch A: 3 broadcasts + 1 mint, one block each.
    const snapshot = await rpc<Hex>("evm_snapshot");
    const snapshotBlock = await stack.publicClient.getBlockNumber();
    for (const payload of ["0xa1", "0xa2", "0xa3"] as const) await broadcast(payload);
    await mint(111n);
    const heightA = await stack.publicClient.getBlockNumber();
    const branchA = await waitUntil(
      () => {
        const m = receiver.received.filter((w) => w.path === "/messages" && w.json.type === "message.broadcast");
        const r = receiver.received.filter((w) => w.path === "/raw" && w.json.type === "log.raw");
        return m.length === 3 && r.length === 1 ? [...m, ...r] : undefined;
      },
      "branch A delivered",
      60_000,
    );
    expect(branchA.map((w) => (w.json.data as { payload?: string }).payload ?? w.json.data)).toEqual([
      "0xa1",
      "0xa2",
      "0xa3",
      encodeAbiParameters([{ type: "uint256" }], [111n]),
    ]);
    const branchAHashes = new Set(branchA.map((w) => String(w.json.blockHash)));

    // Branch B: back to the snapshot, then other transactions in more blocks than branch A had.
    expect(await rpc<boolean>("evm_revert", [snapshot])).toBe(true);
    expect(await stack.publicClient.getBlockNumber()).toBe(snapshotBlock);
    await mint(222n);
    for (const payload of ["0xb1", "0xb2", "0xb3", "0xb4"] as const) await broadcast(payload);
    await rpc("evm_mine");
    const heightB = await stack.publicClient.getBlockNumber();
    expect(heightB).toBeGreaterThan(heightA);

    // Every webhook of branch A is retracted, naming its webhook-id; branch B is delivered.
    const removed = await waitUntil(
      () => {
        const r = receiver.received.filter((w) => String(w.json.type).endsWith(".removed"));
        return r.length >= branchA.length ? r : undefined;
      },
      "removal notices for branch A",
      90_000,
    );
    const byOriginal = new Map<string, ReceivedWebhook>(removed.map((w) => [String(w.json.originalWebhookId), w]));
    for (const original of branchA) {
      const notice = byOriginal.get(original.id);
      expect(notice, `a removal notice for ${original.id}`).toBeDefined();
      expect(notice!.json).toMatchObject({ type: `${String(original.json.type)}.removed`, id: original.json.id, blockHash: original.json.blockHash });
      expect(notice!.path).toBe(original.path);
      expect(notice!.id).not.toBe(original.id);
    }
    expect(removed).toHaveLength(branchA.length);

    const diagnose = async () =>
      console.error(
        "[reorg e2e] state:",
        JSON.stringify({
          received: receiver.received.map((w) => [w.path, w.json.type, w.json.blockNumber, String(w.json.blockHash).slice(0, 10), (w.json.data as { payload?: string }).payload ?? w.json.data]),
          feed: (await feed(swarmId)).map((e) => [e.blockNumber, e.blockHash.slice(0, 10), (e.data as { payload?: string }).payload]),
          status: await (await fetch(`${stack.apiUrl}/status`)).json(),
          chainHead: String(await stack.publicClient.getBlockNumber()),
          relay: await (await fetch(`${relay.url}/health`)).json(),
          workDir: stack.workDir,
        }),
      );
    const branchB = await waitUntil(
      () => {
        const m = receiver.received.filter((w) => w.path === "/messages" && w.json.type === "message.broadcast" && !branchAHashes.has(String(w.json.blockHash)));
        const r = receiver.received.filter((w) => w.path === "/raw" && w.json.type === "log.raw" && !branchAHashes.has(String(w.json.blockHash)));
        return m.length >= 4 && r.length >= 1 ? { m, r } : undefined;
      },
      "branch B delivered",
      90_000,
    ).catch(async (error: unknown) => {
      await diagnose();
      throw error;
    });
    expect(branchB.m.map((w) => (w.json.data as { payload: string }).payload)).toEqual(["0xb1", "0xb2", "0xb3", "0xb4"]);
    expect(branchB.r.map((w) => w.json.data)).toEqual([encodeAbiParameters([{ type: "uint256" }], [222n])]);
    expect(branchB.r[0]!.json.topics).toEqual([TRANSFER, pad(zeroAddress), pad(member.account.address.toLowerCase() as Hex)]);

    // The indexer equals the chain: the feed, the messages REST route and GraphQL show exactly branch B's logs.
    await stack.waitForIndexed(heightB);
    const chainLogs = parseEventLogs({
      abi: MessageBusAbi,
      eventName: "MessageBroadcast",
      logs: await stack.publicClient.getLogs({ address: stack.addresses.MessageBus!, fromBlock: 0n, toBlock: heightB }),
    }).filter((l) => l.args.swarmId === swarmId);
    const key = (blockHash: string, txHash: string, logIndex: number | string) => `${blockHash.toLowerCase()}|${txHash.toLowerCase()}|${logIndex}`;
    const chainKeys = chainLogs.map((l) => key(l.blockHash, l.transactionHash, l.logIndex));
    expect(chainLogs.map((l) => l.args.payload)).toEqual(["0xb1", "0xb2", "0xb3", "0xb4"]);
    const indexed = await waitUntil(async () => {
      const f = await feed(swarmId);
      return f.length === chainLogs.length ? f : undefined;
    }, "the feed to equal the chain");
    expect(indexed.map((e) => key(e.blockHash, e.txHash, e.logIndex))).toEqual(chainKeys);
    const rest = (await (await fetch(`${stack.apiUrl}/v1/swarms/${swarmId}/messages?limit=100`)).json()) as { items: { messageId: string; txHash: string; blockHash: string; logIndex: number; payload: string }[] };
    expect(rest.items.map((m) => key(m.blockHash, m.txHash, m.logIndex))).toEqual(chainKeys);
    expect(rest.items.map((m) => m.payload)).toEqual(["0xb1", "0xb2", "0xb3", "0xb4"]);
    const gql = await stack.graphql<{ messages: { items: { blockHash: string; txHash: string; logIndex: number }[] } }>(
      `query ($swarm: BigInt!) { messages(where: { swarmId: $swarm }, orderBy: "messageId", orderDirection: "asc") { items { blockHash txHash logIndex } } }`,
      { swarm: swarmId.toString() },
    );
    expect(gql.messages.items.map((m) => key(m.blockHash, m.txHash, m.logIndex))).toEqual(chainKeys);
    // No row of branch A anywhere.
    for (const e of indexed) expect(branchAHashes.has(e.blockHash)).toBe(false);
    // Nothing more arrives: no second removal, no duplicate delivery of branch B.
    await new Promise((r) => setTimeout(r, 1_500));
    const counts = new Map<string, number>();
    for (const w of receiver.received) counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(receiver.received).toHaveLength(branchA.length * 2 + 5);
  });
});
