/**
 * The relay end to end on the real stack (Hardhat node + Ignition deployment + Ponder on PGlite, via
 * test/e2e/harness.ts) with real relay processes (`node indexer/relay/main.ts`) and real HTTP receivers:
 *
 * 1. retries: a receiver answering 500, then hanging past the timeout, then 503, then 200 gets the webhook
 *    with the same webhook-id on every attempt, signed with the subscription's secret (read through the
 *    wallet-signed secrets API); one that never recovers is dead-lettered, then redriven (signed request) and
 *    delivered;
 * 2. crash: the relay is SIGKILLed in the middle of 2,000 deliveries and restarted on the same PGlite dir:
 *    every (subscription, event) arrives at least once, duplicates carry the same webhook-id;
 * 3. Postgres: two relay processes share one outbox (a fresh schema in database `test`): every webhook
 *    arrives exactly once (receiver always 200: no retries), both processes delivered, ordered subscriptions
 *    got chain order.
 */
import path from "node:path";
import { parseEventLogs, zeroAddress } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageBusAbi } from "../../indexer/abis/MessageBusAbi.ts";
import { SubscriptionRegistryAbi } from "../../indexer/abis/SubscriptionRegistryAbi.ts";
import { SwarmRegistryAbi } from "../../indexer/abis/SwarmRegistryAbi.ts";
import { deliveryId } from "../../indexer/relay/deliveryId.ts";
import type { FeedEvent } from "../../indexer/relay/feedEvent.ts";
import { startRelay, type RelayProcess } from "../../scripts/lib/startRelay.ts";
import { getFreePort } from "../../scripts/lib/waitFor.ts";
import { signedFetch } from "../../sdk/signedRequest.ts";
import { verifyWebhook } from "../../sdk/webhooks.ts";
import { DEV_MNEMONIC, startStack, type DevWalletClient, type TestStack } from "../e2e/harness.ts";
import { startReceiver, waitUntil, type Receiver } from "./helpers.ts";

const FAST_RELAY_ENV = {
  RELAY_ALLOW_LOOPBACK: "1",
  RELAY_POLL_MS: "50",
  RELAY_TIMEOUT_MS: "1000",
  RELAY_LEASE_MS: "8000",
  RELAY_RETRY_BASE_MS: "100",
  RELAY_RETRY_CAP_MS: "400",
  RELAY_MAX_ATTEMPTS: "5",
  RELAY_REORG_CHECK_MS: "500",
  RELAY_CONCURRENCY: "32",
};
const POSTGRES_URL = process.env.RELAY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const TOPIC = `0x${"ab".repeat(32)}` as const;

describe("relay (e2e, real stack)", () => {
  let stack: TestStack;
  const receivers: Receiver[] = [];
  const relays: RelayProcess[] = [];
  let relayCount = 0;

  beforeAll(async () => {
    stack = await startStack({ accounts: 6 });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop(); // relays joined the stack's process group
    for (const r of receivers) await r.close();
  });

  async function receiver(respond?: Receiver["respond"]): Promise<Receiver> {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  }

  async function relay(env: NodeJS.ProcessEnv = {}, storage: { dataDir?: string; databaseUrl?: string; dbSchema?: string } = {}): Promise<RelayProcess> {
    relayCount++;
    const proc = await startRelay({
      group: stack.stack.group,
      host: "127.0.0.1",
      port: await getFreePort(),
      indexerUrl: stack.apiUrl,
      deploymentFile: stack.stack.deploymentFile,
      dataDir: storage.dataDir ?? path.join(stack.workDir, `relay-${relayCount}`),
      databaseUrl: storage.databaseUrl,
      dbSchema: storage.dbSchema,
      name: `relay-${relayCount}`,
      logFile: path.join(stack.workDir, "logs", `relay-${relayCount}.log`),
      echo: process.env.CONCORD_E2E_ECHO === "1",
      env: { ...FAST_RELAY_ENV, ...env },
    });
    relays.push(proc);
    return proc;
  }

  async function send(wallet: DevWalletClient, request: Parameters<DevWalletClient["writeContract"]>[0]) {
    const hash = await wallet.writeContract(request);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }

  async function createSwarm(members: DevWalletClient[]): Promise<bigint> {
    const [owner] = stack.walletClients;
    const receipt = await send(owner!, {
      address: stack.addresses.SwarmRegistry!,
      abi: SwarmRegistryAbi,
      functionName: "createSwarm",
      args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" }, []],
    } as never);
    const [created] = parseEventLogs({ abi: SwarmRegistryAbi, logs: receipt.logs, eventName: "SwarmCreated" });
    const swarmId = created!.args.swarmId;
    for (const member of members) {
      if (member === owner) continue;
      await send(member, { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi, functionName: "join", args: [swarmId, ""] } as never);
    }
    return swarmId;
  }

  async function subscribe(swarmId: bigint, endpoint: string, { ordered = true } = {}): Promise<string> {
    const [owner] = stack.walletClients;
    const receipt = await send(owner!, {
      address: stack.addresses.SubscriptionRegistry!,
      abi: SubscriptionRegistryAbi,
      functionName: "subscribe",
      args: [{ swarmId, kinds: 1 << 2, member: zeroAddress, rawAddress: zeroAddress, topics: [] }, endpoint, "e2e", { confirmations: 0, mode: 0, ordered }],
    } as never);
    const [created] = parseEventLogs({ abi: SubscriptionRegistryAbi, logs: receipt.logs, eventName: "SubscriptionCreated" });
    return created!.args.id.toString();
  }

  async function cancel(ids: string[]): Promise<void> {
    const [owner] = stack.walletClients;
    for (const id of ids) {
      await send(owner!, { address: stack.addresses.SubscriptionRegistry!, abi: SubscriptionRegistryAbi, functionName: "cancel", args: [BigInt(id)] } as never);
    }
  }

  /**
   * `count` broadcasts in `swarmId`, cheaply: automine off, every sender's transactions sent with explicit
   * nonces and gas, then one block mined (the indexer handles one block of `count` logs).
   */
  async function broadcast(swarmId: bigint, senders: DevWalletClient[], count: number): Promise<bigint> {
    const rpc = (method: string, params: unknown[] = []) => stack.publicClient.request({ method, params } as never);
    await rpc("evm_setAutomine", [false]);
    const hashes: `0x${string}`[] = [];
    try {
      await Promise.all(
        senders.map(async (sender, s) => {
          let nonce = await stack.publicClient.getTransactionCount({ address: sender.account.address, blockTag: "pending" });
          for (let i = s; i < count; i += senders.length) {
            hashes.push(
              await sender.writeContract({
                address: stack.addresses.MessageBus!,
                abi: MessageBusAbi,
                functionName: "broadcast",
                args: [swarmId, TOPIC, `0x${i.toString(16).padStart(4, "0")}`],
                nonce: nonce++,
                gas: 150_000n,
              } as never),
            );
          }
        }),
      );
      await rpc("evm_mine");
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
    let last = 0n;
    for (const hash of hashes) {
      const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
      if (receipt.blockNumber > last) last = receipt.blockNumber;
    }
    return last;
  }

  /** The feed's message.broadcast events of a swarm (what the relay must deliver). */
  async function feedMessages(swarmId: bigint): Promise<FeedEvent[]> {
    const all: FeedEvent[] = [];
    let after = "";
    for (;;) {
      const response = await fetch(`${stack.apiUrl}/v1/events?swarm=${swarmId}&types=message.broadcast&limit=1000&after=${after}`);
      const page = (await response.json()) as { items: FeedEvent[]; hasMore: boolean; nextCursor: string };
      all.push(...page.items);
      if (!page.hasMore) return all;
      after = page.nextCursor;
    }
  }

  async function signed(relayUrl: string, method: string, route: string, body?: string): Promise<Response> {
    return signedFetch(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }), `${relayUrl}${route}`, {
      method,
      body,
      chainId: stack.deployment.chainId,
      verifyingContract: stack.addresses.SubscriptionRegistry!,
    });
  }

  it("retries 500 / timeout / 503 with one webhook-id until 200; dead-letters a receiver that never recovers, then redrives", async () => {
    const r = await relay();
    let recovered = false;
    const flaky = await receiver((_w, n) => (n === 1 ? { status: 500 } : n === 2 ? "hang" : n === 3 ? { status: 503 } : { status: 200 }));
    const down = await receiver(() => (recovered ? { status: 200 } : { status: 500 }));
    const [owner, member] = stack.walletClients;
    const swarmId = await createSwarm([owner!, member!]);
    const flakySub = await subscribe(swarmId, `${flaky.url}/hook`);
    const downSub = await subscribe(swarmId, `${down.url}/hook`);
    await broadcast(swarmId, [member!], 2);

    // The owner reads the signing secret through the wallet-signed secrets API.
    const secrets: Record<string, string> = {};
    for (const id of [flakySub, downSub]) {
      const response = await waitUntil(async () => {
        const res = await signed(r.url, "POST", `/v1/subscriptions/${id}/secret`);
        return res.status === 200 ? res : undefined;
      }, `the secret of ${id}`);
      secrets[id] = ((await response.json()) as { secret: string }).secret;
    }

    const messages = await waitUntil(async () => {
      const m = await feedMessages(swarmId);
      return m.length === 2 ? m : undefined;
    }, "2 messages in the feed");
    const expectedIds = messages.map((m) => deliveryId(flakySub, m.id, m.blockHash, "immediate"));
    await waitUntil(() => expectedIds.every((id) => flaky.received.some((w) => w.id === id && w.at && flaky.received.filter((x) => x.id === id).length >= 4)), "flaky deliveries", 60_000);
    await new Promise((res) => setTimeout(res, 300));
    for (const id of expectedIds) {
      const attempts = flaky.received.filter((w) => w.id === id);
      expect(attempts).toHaveLength(4); // 500, timeout, 503, 200 — never again after the 200
      for (const attempt of attempts) {
        expect(verifyWebhook({ secret: secrets[flakySub]!, headers: attempt.headers, body: attempt.body, now: attempt.timestamp }).id).toBe(id);
      }
      expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    }
    // Chain order on an ordered subscription: every attempt of the first event precedes the second's.
    const firstLast = flaky.received.map((w) => w.id).lastIndexOf(expectedIds[0]!);
    expect(flaky.received.findIndex((w) => w.id === expectedIds[1])).toBeGreaterThan(firstLast);
    expect(flaky.received[0]!.json).toEqual(messages[0]);

    // The other receiver: 5 attempts of the first event, then dead (the ordered chain then moves on).
    const deliveries = async () => {
      const res = await signed(r.url, "GET", `/v1/subscriptions/${downSub}/deliveries`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { id: string; status: string; attempts: number; lastStatusCode: number }[] }).items;
    };
    const dead = await waitUntil(async () => {
      const items = await deliveries();
      return items.length === 2 && items.every((d) => d.status === "dead") ? items : undefined;
    }, "dead letters", 60_000);
    expect(dead.map((d) => [d.attempts, d.lastStatusCode])).toEqual([[5, 500], [5, 500]]);
    // Someone else may not read or redrive them.
    const stranger = await signedFetch(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 2 }), `${r.url}/v1/subscriptions/${downSub}/redrive`, {
      method: "POST",
      chainId: stack.deployment.chainId,
      verifyingContract: stack.addresses.SubscriptionRegistry!,
    });
    expect(stranger.status).toBe(403);
    expect((await fetch(`${r.url}/v1/subscriptions/${downSub}/deliveries`)).status).toBe(401);

    recovered = true;
    const before = down.received.length;
    const redriven = await signed(r.url, "POST", `/v1/subscriptions/${downSub}/redrive`, JSON.stringify({ deliveryId: dead[0]!.id }));
    expect(await redriven.json()).toEqual({ redriven: 1, ids: [dead[0]!.id] });
    await signed(r.url, "POST", `/v1/subscriptions/${downSub}/redrive`, "");
    await waitUntil(async () => (await deliveries()).every((d) => d.status === "delivered"), "redriven deliveries");
    const after = down.received.slice(before);
    expect(after.map((w) => w.id)).toEqual(dead.map((d) => d.id)); // same webhook-ids, in order, once each
    // The relay learned of these events from Ponder's live-query push (feedSignal.ts), not by long-polling.
    const health = (await (await fetch(`${r.url}/health`)).json()) as { stats: { feedSignal: { connected: boolean; pushes: number } } };
    expect(health.stats.feedSignal.connected).toBe(true);
    expect(health.stats.feedSignal.pushes).toBeGreaterThan(0);
    await cancel([flakySub, downSub]);
    await r.process.stop();
  });

  it("loses nothing when the relay is SIGKILLed in the middle of 2,000 deliveries and restarted", { timeout: 180_000 }, async () => {
    const SUBSCRIPTIONS = 10;
    const MESSAGES = 200;
    const sink = await receiver(() => ({ status: 200 }));
    const senders = stack.walletClients.slice(1, 5);
    const swarmId = await createSwarm([stack.walletClients[0]!, ...senders]);
    const subs: string[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) subs.push(await subscribe(swarmId, `${sink.url}/s${i}`, { ordered: i % 2 === 0 }));
    const started = Date.now();
    await broadcast(swarmId, senders, MESSAGES);
    const messages = await waitUntil(async () => {
      const m = await feedMessages(swarmId);
      return m.length === MESSAGES ? m : undefined;
    }, `${MESSAGES} messages indexed`, 90_000);
    const produced = Date.now() - started;

    const dataDir = path.join(stack.workDir, "relay-crash");
    const expected = new Set(subs.flatMap((sub) => messages.map((m) => deliveryId(sub, m.id, m.blockHash, "immediate"))));
    expect(expected.size).toBe(SUBSCRIPTIONS * MESSAGES);
    const unique = () => new Set(sink.received.map((w) => w.id)).size;

    const t0 = Date.now();
    // A 5 s attempt timeout: PGlite runs on the relay's event loop, so on a loaded machine a 1 s timeout
    // would also fire on answered requests (more retries, still the same webhook-ids).
    const slowMachine = { RELAY_TIMEOUT_MS: "5000", RELAY_LEASE_MS: "10000" };
    const first = await relay(slowMachine, { dataDir });
    await waitUntil(() => unique() >= 600, "600 deliveries before the kill", 60_000, 5);
    first.process.killNow(); // SIGKILL the whole process group, mid-flight
    await first.process.exited;
    const atKill = unique();
    expect(atKill).toBeLessThan(expected.size);

    const second = await relay(slowMachine, { dataDir }); // same PGlite dir: cursor, outbox and leases survive
    await waitUntil(() => unique() === expected.size, "all 2,000 deliveries", 120_000, 50);
    const elapsed = Date.now() - t0;

    for (const webhook of sink.received) {
      expect(expected.has(webhook.id)).toBe(true);
      // A duplicate is the same delivery: its webhook-id is derived from (subscription, event, block).
      const sub = subs[Number(webhook.path.slice(2))]!;
      const body = webhook.json as unknown as FeedEvent;
      expect(webhook.id).toBe(deliveryId(sub, body.id, body.blockHash, "immediate"));
    }
    const duplicates = sink.received.length - expected.size;
    console.log(
      `[relay e2e] 2,000 deliveries: ${MESSAGES} broadcasts indexed in ${produced} ms; delivered in ${elapsed} ms ` +
        `(SIGKILL after ${atKill}, restart, lease ${slowMachine.RELAY_LEASE_MS} ms); ${duplicates} duplicate(s) by webhook-id`,
    );
    await cancel(subs);
    await second.process.stop();
  });

  it("shares one Postgres outbox between two relay processes without delivering a webhook twice", { timeout: 180_000 }, async () => {
    const schema = `relay_e2e_${process.pid}_${Date.now()}`;
    const { default: pg } = (await import("pg" as string)) as { default: { Client: new (c: { connectionString: string }) => { connect(): Promise<void>; query(s: string): Promise<unknown>; end(): Promise<void> } } };
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const SUBSCRIPTIONS = 4;
      const MESSAGES = 100;
      // A receiver that takes 100 ms per webhook: one relay alone needs ≥ 5 s for the 400 (concurrency 8), much longer
      // than the other's idle poll (≤ 1 s), so both must take part whatever the machine's speed.
      const sink = await receiver(() => ({ status: 200, delayMs: 100 }));
      const senders = stack.walletClients.slice(1, 5);
      const swarmId = await createSwarm([stack.walletClients[0]!, ...senders]);
      const subs: string[] = [];
      for (let i = 0; i < SUBSCRIPTIONS; i++) subs.push(await subscribe(swarmId, `${sink.url}/p${i}`, { ordered: i < 2 }));

      const storage = { databaseUrl: POSTGRES_URL, dbSchema: schema };
      // RELAY_HANDOFF_MAX 16: the ingest leader queues at most 16 new rows for itself already leased (hand-off,
      // outbox.ts enqueueAndHandOff); the default (256 here) would let it take this whole small load, and this test is
      // about the rest: rows claimed by both processes with SKIP LOCKED, none twice, hand-off rows included.
      const env = { RELAY_CONCURRENCY: "8", RELAY_TIMEOUT_MS: "5000", RELAY_LEASE_MS: "10000", RELAY_HANDOFF_MAX: "16" };
      const a = await relay(env, storage);
      const b = await relay(env, storage);
      await broadcast(swarmId, senders, MESSAGES);
      const total = SUBSCRIPTIONS * MESSAGES;
      await waitUntil(() => new Set(sink.received.map((w) => w.id)).size >= total, `${total} deliveries`, 120_000);
      await new Promise((res) => setTimeout(res, 1_000)); // anything late would be a double delivery

      const counts = new Map<string, number>();
      for (const w of sink.received) counts.set(w.id, (counts.get(w.id) ?? 0) + 1);
      expect(counts.size).toBe(total);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      const health = await Promise.all([a, b].map(async (r) => (await (await fetch(`${r.url}/health`)).json()) as { db: string; stats: { delivered: number; handedOff: number } }));
      expect(health.map((h) => h.db)).toEqual(["postgres", "postgres"]);
      expect(health[0]!.stats.delivered + health[1]!.stats.delivered).toBe(total);
      expect(health[0]!.stats.delivered).toBeGreaterThan(0);
      expect(health[1]!.stats.delivered).toBeGreaterThan(0);
      expect(health[0]!.stats.handedOff + health[1]!.stats.handedOff).toBeGreaterThan(0); // the leader's hand-off ran too
      // Ordered subscriptions received their events in chain order.
      for (let i = 0; i < 2; i++) {
        const ids = sink.received.filter((w) => w.path === `/p${i}`).map((w) => String(w.json.id));
        expect(ids).toEqual([...ids].sort());
      }
      console.log(`[relay e2e] postgres: ${total} deliveries by two relays: ${health.map((h) => h.stats.delivered).join(" + ")} (handed off: ${health.map((h) => h.stats.handedOff).join(" + ")})`);
      await cancel(subs);
    } finally {
      await Promise.all(relays.filter((r) => r.process.running).map((r) => r.process.stop()));
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
