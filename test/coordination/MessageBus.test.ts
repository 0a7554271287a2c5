import { beforeAll, describe, expect, it } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import { encodeFunctionData, keccak256, parseEventLogs, toHex, zeroAddress, type Address, type Hex, type WalletClient } from "viem";
import { expectRevert, decodeRevert } from "../helpers/errors.ts";
import { readDomain, signTyped } from "../helpers/signatures.ts";

const BROADCAST_TYPES = {
  Broadcast: [
    { name: "swarmId", type: "uint256" },
    { name: "topic", type: "bytes32" },
    { name: "payload", type: "bytes" },
    { name: "sender", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;
const DIRECT_TYPES = {
  DirectMessage: [
    { name: "swarmId", type: "uint256" },
    { name: "to", type: "address" },
    { name: "topic", type: "bytes32" },
    { name: "payload", type: "bytes" },
    { name: "sender", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;
const FAR = 10n ** 12n; // a deadline far in the future

const MAX_PAYLOAD = 8192;
const UINT32_MAX = 2 ** 32 - 1;
const openSwarm = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const topicA = keccak256(toHex("topic-a"));
const topicB = keccak256(toHex("topic-b"));

function bytesOf(length: number, seed = 1): Hex {
  let hex = "";
  for (let i = 0; i < length; i++) hex += ((i * 13 + seed) % 256).toString(16).padStart(2, "0");
  return `0x${hex}`;
}

function lowerAddresses(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v) ? v.toLowerCase() : v]),
  );
}

async function deployFixture() {
  const { viem, networkHelpers } = await network.create();
  const [owner, alice, bob, carol, outsider, admin2] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry", []);
  const bus = await viem.deployContract("MessageBus", [registry.address]);

  /** Sends a write and returns its receipt (throws on revert). */
  async function receiptOf(hash: Promise<Hex>) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }
  function logsOf(receipt: Awaited<ReturnType<typeof receiptOf>>, eventName: string) {
    return parseEventLogs({ abi: bus.abi, logs: receipt.logs })
      .filter((l) => l.eventName === eventName)
      .map((l) => lowerAddresses(l.args as Record<string, unknown>));
  }
  /** Creates an open swarm owned by `owner` (admin2 an extra admin) that alice, bob and carol join. */
  async function newSwarm(): Promise<bigint> {
    await receiptOf(registry.write.createSwarm([openSwarm, [admin2!.account.address]], { account: owner!.account }));
    const id = await registry.read.swarmCount();
    for (const w of [alice!, bob!, carol!]) await receiptOf(registry.write.join([id, ""], { account: w.account }));
    return id;
  }
  /** The next block starts `offset` seconds into a fresh window of `window` seconds; returns that window's start. */
  async function alignToWindow(window: number, offset = 10): Promise<number> {
    const now = await networkHelpers.time.latest();
    const start = (Math.floor(now / window) + 1) * window;
    await networkHelpers.time.setNextBlockTimestamp(start + offset);
    return start;
  }
  return {
    viem, networkHelpers, publicClient, registry, bus, receiptOf, logsOf, newSwarm, alignToWindow,
    owner: owner!, alice: alice!, bob: bob!, carol: carol!, outsider: outsider!, admin2: admin2!,
  };
}

type Fixture = Awaited<ReturnType<typeof deployFixture>>;

describe("MessageBus", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await deployFixture();
  });

  describe("deployment", () => {
    it("stores the registry and exposes the payload bound", async () => {
      expect((await f.bus.read.registry()).toLowerCase()).toBe(f.registry.address.toLowerCase());
      expect(await f.bus.read.MAX_PAYLOAD_SIZE()).toBe(BigInt(MAX_PAYLOAD));
    });

    it("rejects a zero registry", async () => {
      await expect(f.viem.deployContract("MessageBus", [zeroAddress])).rejects.toThrow(/MessageBusZeroAddress/);
    });
  });

  describe("broadcast", () => {
    it("emits MessageBroadcast with sequential ids and returns the id", async () => {
      const swarm = await f.newSwarm();
      expect(await f.bus.read.lastMessageId([swarm])).toBe(0n);
      const { result } = await f.bus.simulate.broadcast([swarm, topicA, "0x1234"], { account: f.alice.account.address });
      expect(result).toBe(1n);
      let receipt = await f.receiptOf(f.bus.write.broadcast([swarm, topicA, "0x1234"], { account: f.alice.account }));
      expect(f.logsOf(receipt, "MessageBroadcast")).toEqual([
        { swarmId: swarm, sender: f.alice.account.address, topic: topicA, messageId: 1n, payload: "0x1234" },
      ]);
      receipt = await f.receiptOf(f.bus.write.broadcast([swarm, topicB, "0x"], { account: f.owner.account }));
      expect(f.logsOf(receipt, "MessageBroadcast")).toEqual([
        { swarmId: swarm, sender: f.owner.account.address, topic: topicB, messageId: 2n, payload: "0x" },
      ]);
      expect(await f.bus.read.lastMessageId([swarm])).toBe(2n);
    });

    it("accepts exactly MAX_PAYLOAD_SIZE bytes and rejects one more", async () => {
      const swarm = await f.newSwarm();
      const big = bytesOf(MAX_PAYLOAD);
      const receipt = await f.receiptOf(f.bus.write.broadcast([swarm, topicA, big], { account: f.bob.account }));
      expect(f.logsOf(receipt, "MessageBroadcast")[0]!.payload).toBe(big);
      await expectRevert(f.bus.write.broadcast([swarm, topicA, bytesOf(MAX_PAYLOAD + 1)], { account: f.bob.account }), "MessageBusPayloadTooLarge", [BigInt(MAX_PAYLOAD + 1), BigInt(MAX_PAYLOAD)]);
      expect(await f.bus.read.lastMessageId([swarm])).toBe(1n);
    });

    it("rejects non-members, non-member admins and unknown swarms", async () => {
      const swarm = await f.newSwarm();
      await expectRevert(f.bus.write.broadcast([swarm, topicA, "0x01"], { account: f.outsider.account }), "MessageBusNotMember", [swarm, f.outsider.account.address]);
      await expectRevert(f.bus.write.broadcast([swarm, topicA, "0x01"], { account: f.admin2.account }), "MessageBusNotMember", [swarm, f.admin2.account.address]);
      await expectRevert(f.bus.write.broadcast([999n, topicA, "0x01"], { account: f.alice.account }), "MessageBusNotMember", [999n, f.alice.account.address]);
      await f.receiptOf(f.registry.write.leave([swarm], { account: f.carol.account }));
      await expectRevert(f.bus.write.broadcast([swarm, topicA, "0x01"], { account: f.carol.account }), "MessageBusNotMember", [swarm, f.carol.account.address]);
      expect(await f.bus.read.lastMessageId([swarm])).toBe(0n);
    });

    it("keeps one sequence per swarm", async () => {
      const s1 = await f.newSwarm();
      const s2 = await f.newSwarm();
      await f.receiptOf(f.bus.write.broadcast([s1, topicA, "0x01"], { account: f.alice.account }));
      await f.receiptOf(f.bus.write.broadcast([s1, topicA, "0x02"], { account: f.alice.account }));
      const receipt = await f.receiptOf(f.bus.write.broadcast([s2, topicA, "0x03"], { account: f.alice.account }));
      expect(f.logsOf(receipt, "MessageBroadcast")[0]!.messageId).toBe(1n);
      expect(await f.bus.read.lastMessageId([s1])).toBe(2n);
      expect(await f.bus.read.lastMessageId([s2])).toBe(1n);
    });

    it("costs little gas (payload only in the event)", async () => {
      const swarm = await f.newSwarm();
      await f.receiptOf(f.bus.write.broadcast([swarm, topicA, bytesOf(32)], { account: f.alice.account }));
      const unlimited = await f.receiptOf(f.bus.write.broadcast([swarm, topicA, bytesOf(32, 2)], { account: f.bob.account }));
      const big = await f.receiptOf(f.bus.write.broadcast([swarm, topicA, bytesOf(1024, 2)], { account: f.bob.account }));
      await f.receiptOf(f.bus.write.setRateLimit([swarm, 100, 3600], { account: f.owner.account }));
      await f.receiptOf(f.bus.write.broadcast([swarm, topicA, bytesOf(32, 3)], { account: f.carol.account }));
      const limited = await f.receiptOf(f.bus.write.broadcast([swarm, topicA, bytesOf(32, 4)], { account: f.carol.account }));
      console.log(
        `MessageBus.broadcast gas: 32-byte payload ${unlimited.gasUsed} (unlimited), ${limited.gasUsed} (rate-limited swarm, same window); 1024-byte ${big.gasUsed}`,
      );
      expect(unlimited.gasUsed).toBeLessThan(45_000n);
      expect(limited.gasUsed).toBeLessThan(50_000n);
    });
  });

  describe("send", () => {
    it("emits DirectMessageSent and shares the swarm's sequence with broadcasts", async () => {
      const swarm = await f.newSwarm();
      await f.receiptOf(f.bus.write.broadcast([swarm, topicA, "0x01"], { account: f.alice.account }));
      const { result } = await f.bus.simulate.send([swarm, f.bob.account.address, topicB, "0xbeef"], { account: f.alice.account.address });
      expect(result).toBe(2n);
      const receipt = await f.receiptOf(f.bus.write.send([swarm, f.bob.account.address, topicB, "0xbeef"], { account: f.alice.account }));
      expect(f.logsOf(receipt, "DirectMessageSent")).toEqual([
        { swarmId: swarm, from: f.alice.account.address, to: f.bob.account.address, topic: topicB, messageId: 2n, payload: "0xbeef" },
      ]);
      expect(f.logsOf(receipt, "MessageBroadcast")).toEqual([]);
      // a member may message itself
      await f.receiptOf(f.bus.write.send([swarm, f.carol.account.address, topicA, "0x"], { account: f.carol.account }));
      expect(await f.bus.read.lastMessageId([swarm])).toBe(3n);
    });

    it("rejects a non-member sender, a non-member recipient and oversized payloads", async () => {
      const swarm = await f.newSwarm();
      await expectRevert(f.bus.write.send([swarm, f.bob.account.address, topicA, "0x01"], { account: f.outsider.account }), "MessageBusNotMember", [swarm, f.outsider.account.address]);
      await expectRevert(f.bus.write.send([swarm, f.outsider.account.address, topicA, "0x01"], { account: f.alice.account }), "MessageBusRecipientNotMember", [swarm, f.outsider.account.address]);
      await expectRevert(f.bus.write.send([swarm, zeroAddress, topicA, "0x01"], { account: f.alice.account }), "MessageBusRecipientNotMember", [swarm, zeroAddress]);
      await expectRevert(f.bus.write.send([swarm, f.admin2.account.address, topicA, "0x01"], { account: f.alice.account }), "MessageBusRecipientNotMember", [swarm, f.admin2.account.address]);
      await expectRevert(f.bus.write.send([swarm, f.bob.account.address, topicA, bytesOf(MAX_PAYLOAD + 1)], { account: f.alice.account }), "MessageBusPayloadTooLarge", [BigInt(MAX_PAYLOAD + 1), BigInt(MAX_PAYLOAD)]);
      await f.receiptOf(f.bus.write.send([swarm, f.bob.account.address, topicA, bytesOf(MAX_PAYLOAD)], { account: f.alice.account }));
      expect(await f.bus.read.lastMessageId([swarm])).toBe(1n);
    });
  });

  describe("setRateLimit", () => {
    it("lets admins (member or not) set and clear the limit, with RateLimitUpdated", async () => {
      const swarm = await f.newSwarm();
      expect(await f.bus.read.rateLimit([swarm])).toEqual([0, 0]);
      let receipt = await f.receiptOf(f.bus.write.setRateLimit([swarm, 3, 60], { account: f.admin2.account }));
      expect(f.logsOf(receipt, "RateLimitUpdated")).toEqual([
        { swarmId: swarm, maxMessages: 3, windowSeconds: 60, admin: f.admin2.account.address },
      ]);
      expect(await f.bus.read.rateLimit([swarm])).toEqual([3, 60]);
      receipt = await f.receiptOf(f.bus.write.setRateLimit([swarm, 0, 0], { account: f.owner.account }));
      expect(f.logsOf(receipt, "RateLimitUpdated")).toEqual([
        { swarmId: swarm, maxMessages: 0, windowSeconds: 0, admin: f.owner.account.address },
      ]);
      expect(await f.bus.read.rateLimit([swarm])).toEqual([0, 0]);
    });

    it("rejects non-admins and invalid limits", async () => {
      const swarm = await f.newSwarm();
      await expectRevert(f.bus.write.setRateLimit([swarm, 3, 60], { account: f.alice.account }), "MessageBusNotAdmin", [swarm, f.alice.account.address]);
      await expectRevert(f.bus.write.setRateLimit([999n, 3, 60], { account: f.owner.account }), "MessageBusNotAdmin", [999n, f.owner.account.address]);
      await expectRevert(f.bus.write.setRateLimit([swarm, 3, 0], { account: f.owner.account }), "MessageBusInvalidRateLimit", [3, 0]);
      await expectRevert(f.bus.write.setRateLimit([swarm, 0, 60], { account: f.owner.account }), "MessageBusInvalidRateLimit", [0, 60]);
      expect(await f.bus.read.rateLimit([swarm])).toEqual([0, 0]);
    });
  });

  describe("relayed messages (EIP-712)", () => {
    async function signBroadcast(signer: WalletClient, m: { swarmId: bigint; topic: Hex; payload: Hex; sender: Address; nonce: bigint; deadline: bigint }) {
      return signTyped(signer, await readDomain(f.publicClient, f.bus.address), BROADCAST_TYPES, "Broadcast", m);
    }
    async function signDirect(signer: WalletClient, m: { swarmId: bigint; to: Address; topic: Hex; payload: Hex; sender: Address; nonce: bigint; deadline: bigint }) {
      return signTyped(signer, await readDomain(f.publicClient, f.bus.address), DIRECT_TYPES, "DirectMessage", m);
    }

    it("uses the documented domain", async () => {
      const domain = await readDomain(f.publicClient, f.bus.address);
      expect(domain.name).toBe("Concord MessageBus");
      expect(domain.version).toBe("1");
    });

    it("broadcastBySig sends as the signer, consumes the nonce and rejects a replay", async () => {
      const swarm = await f.newSwarm();
      const sender = f.alice.account.address;
      const nonce = await f.bus.read.nonces([sender]);
      const m = { swarmId: swarm, topic: topicA, payload: "0xabcd" as Hex, sender, nonce, deadline: FAR };
      const sig = await signBroadcast(f.alice, m);
      const receipt = await f.receiptOf(f.bus.write.broadcastBySig([swarm, topicA, "0xabcd", sender, nonce, FAR, sig], { account: f.outsider.account }));
      expect(f.logsOf(receipt, "MessageBroadcast")).toEqual([
        { swarmId: swarm, sender: sender.toLowerCase(), topic: topicA, messageId: 1n, payload: "0xabcd" },
      ]);
      expect(await f.bus.read.nonces([sender])).toBe(nonce + 1n);
      await expectRevert(f.bus.write.broadcastBySig([swarm, topicA, "0xabcd", sender, nonce, FAR, sig], { account: f.outsider.account }), "MessageBusInvalidNonce", [sender, nonce, nonce + 1n]);
    });

    it("rejects expired, out-of-order, forged and tampered signatures without consuming the nonce", async () => {
      const swarm = await f.newSwarm();
      const sender = f.bob.account.address;
      const nonce = await f.bus.read.nonces([sender]);
      const latest = BigInt(await f.networkHelpers.time.latest());
      const base = { swarmId: swarm, topic: topicA, payload: "0x01" as Hex, sender, nonce, deadline: FAR };
      const expiredSig = await signBroadcast(f.bob, { ...base, deadline: latest });
      const err = await expectRevert(f.bus.write.broadcastBySig([swarm, topicA, "0x01", sender, nonce, latest, expiredSig], { account: f.alice.account }), "MessageBusSignatureExpired");
      expect(err.args[0]).toBe(latest);
      const aheadSig = await signBroadcast(f.bob, { ...base, nonce: nonce + 1n });
      await expectRevert(f.bus.write.broadcastBySig([swarm, topicA, "0x01", sender, nonce + 1n, FAR, aheadSig], { account: f.alice.account }), "MessageBusInvalidNonce", [sender, nonce + 1n, nonce]);
      const forged = await signBroadcast(f.alice, base);
      await expectRevert(f.bus.write.broadcastBySig([swarm, topicA, "0x01", sender, nonce, FAR, forged], { account: f.alice.account }), "MessageBusInvalidSignature", [sender]);
      const good = await signBroadcast(f.bob, base);
      await expectRevert(f.bus.write.broadcastBySig([swarm, topicB, "0x01", sender, nonce, FAR, good], { account: f.alice.account }), "MessageBusInvalidSignature", [sender]);
      await expectRevert(f.bus.write.broadcastBySig([swarm, topicA, "0x02", sender, nonce, FAR, good], { account: f.alice.account }), "MessageBusInvalidSignature", [sender]);
      // a broadcast signature is not a direct-message signature
      await expectRevert(f.bus.write.sendBySig([swarm, f.alice.account.address, topicA, "0x01", sender, nonce, FAR, good], { account: f.alice.account }), "MessageBusInvalidSignature", [sender]);
      expect(await f.bus.read.nonces([sender])).toBe(nonce);
      expect(await f.bus.read.lastMessageId([swarm])).toBe(0n);
      await f.receiptOf(f.bus.write.broadcastBySig([swarm, topicA, "0x01", sender, nonce, FAR, good], { account: f.alice.account }));
      expect(await f.bus.read.lastMessageId([swarm])).toBe(1n);
    });

    it("sendBySig delivers to a member as the signer; membership and rate limit apply to the signer", async () => {
      const g = await deployFixture();
      const swarm = await g.newSwarm();
      const sign = async (signer: WalletClient, m: Parameters<typeof signDirect>[1]) =>
        signTyped(signer, await readDomain(g.publicClient, g.bus.address), DIRECT_TYPES, "DirectMessage", m);
      const sender = g.carol.account.address;
      const to = g.bob.account.address;
      const m0 = { swarmId: swarm, to, topic: topicB, payload: "0x0102" as Hex, sender, nonce: 0n, deadline: FAR };
      const receipt = await g.receiptOf(g.bus.write.sendBySig([swarm, to, topicB, "0x0102", sender, 0n, FAR, await sign(g.carol, m0)], { account: g.outsider.account }));
      expect(g.logsOf(receipt, "DirectMessageSent")).toEqual([
        { swarmId: swarm, from: sender.toLowerCase(), to: to.toLowerCase(), topic: topicB, messageId: 1n, payload: "0x0102" },
      ]);
      // recipient must be a member
      const out = g.outsider.account.address;
      const m1 = { ...m0, to: out, nonce: 1n };
      await expectRevert(g.bus.write.sendBySig([swarm, out, topicB, "0x0102", sender, 1n, FAR, await sign(g.carol, m1)], { account: g.alice.account }), "MessageBusRecipientNotMember", [swarm, out]);
      // a non-member signer is refused even when a member relays
      const mo = { ...m0, sender: out, nonce: 0n };
      await expectRevert(g.bus.write.sendBySig([swarm, to, topicB, "0x0102", out, 0n, FAR, await sign(g.outsider, mo)], { account: g.alice.account }), "MessageBusNotMember", [swarm, out]);
      // the signer's budget is used, not the relayer's
      await g.receiptOf(g.bus.write.setRateLimit([swarm, 1, 3600], { account: g.owner.account }));
      const start = await g.alignToWindow(3600);
      const m2 = { ...m0, nonce: 1n };
      await g.receiptOf(g.bus.write.sendBySig([swarm, to, topicB, "0x0102", sender, 1n, FAR, await sign(g.carol, m2)], { account: g.alice.account }));
      const m3 = { ...m0, nonce: 2n };
      await expectRevert(g.bus.write.sendBySig([swarm, to, topicB, "0x0102", sender, 2n, FAR, await sign(g.carol, m3)], { account: g.alice.account }), "MessageBusRateLimited", [swarm, sender, 1, start + 3600]);
      expect(await g.bus.read.usage([swarm, g.alice.account.address])).toEqual([0, 1, start + 3600]);
      await g.receiptOf(g.bus.write.broadcast([swarm, topicA, "0x"], { account: g.alice.account }));
    });

    it("accepts an EIP-1271 smart-account member's signature", async () => {
      const swarm = await f.newSwarm();
      const wallet = await f.viem.deployContract("MockERC1271Wallet", [f.carol.account.address]);
      const join = encodeFunctionData({ abi: f.registry.abi, functionName: "join", args: [swarm, ""] });
      await f.receiptOf(wallet.write.execute([f.registry.address, 0n, join], { account: f.carol.account }));
      const m = { swarmId: swarm, topic: topicA, payload: "0x77" as Hex, sender: wallet.address, nonce: 0n, deadline: FAR };
      await expectRevert(f.bus.write.broadcastBySig([swarm, topicA, "0x77", wallet.address, 0n, FAR, await signBroadcast(f.bob, m)], { account: f.outsider.account }), "MessageBusInvalidSignature", [wallet.address]);
      const receipt = await f.receiptOf(f.bus.write.broadcastBySig([swarm, topicA, "0x77", wallet.address, 0n, FAR, await signBroadcast(f.carol, m)], { account: f.outsider.account }));
      expect(f.logsOf(receipt, "MessageBroadcast")[0]!.sender).toBe(wallet.address.toLowerCase());
    });
  });

  describe("rate limit", () => {
    it("caps each member per fixed window, counting broadcasts and direct messages together", async () => {
      const g = await deployFixture();
      const swarm = await g.newSwarm();
      const window = 3600;
      await g.receiptOf(g.bus.write.setRateLimit([swarm, 2, window], { account: g.owner.account }));
      expect(await g.bus.read.usage([swarm, g.alice.account.address])).toEqual([0, 2, expect.any(Number)]);

      const start = await g.alignToWindow(window);
      const resetsAt = start + window;
      await g.receiptOf(g.bus.write.broadcast([swarm, topicA, "0x01"], { account: g.alice.account }));
      expect(await g.bus.read.usage([swarm, g.alice.account.address])).toEqual([1, 1, resetsAt]);
      await g.receiptOf(g.bus.write.send([swarm, g.bob.account.address, topicA, "0x02"], { account: g.alice.account }));
      expect(await g.bus.read.usage([swarm, g.alice.account.address])).toEqual([2, 0, resetsAt]);
      await expectRevert(g.bus.write.broadcast([swarm, topicA, "0x03"], { account: g.alice.account }), "MessageBusRateLimited", [swarm, g.alice.account.address, 2, resetsAt]);
      await expectRevert(g.bus.write.send([swarm, g.bob.account.address, topicA, "0x03"], { account: g.alice.account }), "MessageBusRateLimited", [swarm, g.alice.account.address, 2, resetsAt]);
      // other members have their own budget
      await g.receiptOf(g.bus.write.broadcast([swarm, topicA, "0x04"], { account: g.bob.account }));
      expect(await g.bus.read.usage([swarm, g.bob.account.address])).toEqual([1, 1, resetsAt]);
      expect(await g.bus.read.lastMessageId([swarm])).toBe(3n);

      // last second of the window: still limited; first second of the next: allowed again
      await g.networkHelpers.time.setNextBlockTimestamp(resetsAt - 1);
      await expectRevert(g.bus.write.broadcast([swarm, topicA, "0x05"], { account: g.alice.account }), "MessageBusRateLimited", [swarm, g.alice.account.address, 2, resetsAt]);
      await g.networkHelpers.time.setNextBlockTimestamp(resetsAt);
      const receipt = await g.receiptOf(g.bus.write.broadcast([swarm, topicA, "0x05"], { account: g.alice.account }));
      expect(g.logsOf(receipt, "MessageBroadcast")[0]!.messageId).toBe(4n);
      expect(await g.bus.read.usage([swarm, g.alice.account.address])).toEqual([1, 1, resetsAt + window]);

      // clearing the limit lifts it
      await g.receiptOf(g.bus.write.setRateLimit([swarm, 0, 0], { account: g.owner.account }));
      for (let i = 0; i < 4; i++) await g.receiptOf(g.bus.write.broadcast([swarm, topicA, "0x06"], { account: g.alice.account }));
      expect(await g.bus.read.usage([swarm, g.alice.account.address])).toEqual([0, UINT32_MAX, 0]);
    });

    it("lowering the limit mid-window stops a member who already sent more", async () => {
      const g = await deployFixture();
      const swarm = await g.newSwarm();
      await g.receiptOf(g.bus.write.setRateLimit([swarm, 5, 3600], { account: g.owner.account }));
      const start = await g.alignToWindow(3600);
      for (let i = 0; i < 3; i++) await g.receiptOf(g.bus.write.broadcast([swarm, topicA, "0x01"], { account: g.carol.account }));
      await g.receiptOf(g.bus.write.setRateLimit([swarm, 2, 3600], { account: g.owner.account }));
      expect(await g.bus.read.usage([swarm, g.carol.account.address])).toEqual([3, 0, start + 3600]);
      await expectRevert(g.bus.write.broadcast([swarm, topicA, "0x01"], { account: g.carol.account }), "MessageBusRateLimited", [swarm, g.carol.account.address, 2, start + 3600]);
    });

    it("holds under random send sequences with time travel (TypeScript model)", async () => {
      const g = await deployFixture();
      const senders = [g.alice, g.bob, g.carol];
      type Op =
        | { kind: "msg"; sender: number; to: number; direct: boolean; advance: number }
        | { kind: "limit"; maxMessages: number; windowSeconds: number; advance: number };
      const msgArb: fc.Arbitrary<Op> = fc.record({
        kind: fc.constant("msg" as const),
        // mostly one sender, so that its window fills up (a uniform pick hit the limit only ≈ 10 times in 40 runs)
        sender: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 2 }) }),
        to: fc.integer({ min: 0, max: 2 }),
        direct: fc.boolean(),
        // mostly back-to-back sends (to hit the limit), sometimes jumps across one or more windows
        advance: fc.oneof(
          { weight: 6, arbitrary: fc.constant(1) },
          { weight: 3, arbitrary: fc.integer({ min: 1, max: 10 }) },
          { weight: 1, arbitrary: fc.integer({ min: 1, max: 150 }) },
        ),
      });
      const limitArb: fc.Arbitrary<Op> = fc.record({
        kind: fc.constant("limit" as const),
        maxMessages: fc.integer({ min: 0, max: 4 }),
        windowSeconds: fc.constantFrom(7, 30, 60, 100),
        advance: fc.integer({ min: 1, max: 40 }),
      }).map((o) => (o.maxMessages === 0 ? { ...o, windowSeconds: 0 } : o));
      const scenarioArb = fc.record({
        maxMessages: fc.integer({ min: 1, max: 3 }),
        windowSeconds: fc.constantFrom(10, 30, 60),
        ops: fc.array(fc.oneof({ weight: 9, arbitrary: msgArb }, { weight: 1, arbitrary: limitArb }), { minLength: 1, maxLength: 30 }),
      });
      const seen = { sent: 0, limited: 0, limitChanges: 0 };

      await fc.assert(
        fc.asyncProperty(scenarioArb, async ({ maxMessages, windowSeconds, ops }) => {
          const swarm = await g.newSwarm();
          await g.receiptOf(g.bus.write.setRateLimit([swarm, maxMessages, windowSeconds], { account: g.owner.account }));
          // model of the contract's state
          const limit: { maxMessages: number; windowSeconds: number } = { maxMessages, windowSeconds };
          const usage = senders.map(() => ({ windowStart: -1, count: 0 }));
          let lastId = 0n;
          let now = await g.networkHelpers.time.latest();

          for (const op of ops) {
            now += op.advance;
            await g.networkHelpers.time.setNextBlockTimestamp(now);
            if (op.kind === "limit") {
              await g.receiptOf(g.bus.write.setRateLimit([swarm, op.maxMessages, op.windowSeconds], { account: g.owner.account }));
              limit.maxMessages = op.maxMessages;
              limit.windowSeconds = op.windowSeconds;
              seen.limitChanges += 1;
              continue;
            }
            const account = senders[op.sender]!.account;
            const call = op.direct
              ? g.bus.write.send([swarm, senders[op.to]!.account.address, topicA, "0x01"], { account })
              : g.bus.write.broadcast([swarm, topicB, "0x02"], { account });
            let expectSuccess = true;
            let windowStart = 0;
            let resetsAt = 0;
            if (limit.maxMessages > 0) {
              windowStart = now - (now % limit.windowSeconds);
              resetsAt = windowStart + limit.windowSeconds;
              const u = usage[op.sender]!;
              const count = u.windowStart === windowStart ? u.count : 0;
              expectSuccess = count < limit.maxMessages;
            }
            let receipt: Awaited<ReturnType<typeof g.receiptOf>> | undefined;
            let error: unknown;
            try {
              receipt = await g.receiptOf(call);
            } catch (e) {
              error = e;
            }
            if (expectSuccess) {
              expect(error).toBeUndefined();
              const block = await g.publicClient.getBlock({ blockNumber: receipt!.blockNumber });
              expect(Number(block.timestamp)).toBe(now);
              lastId += 1n;
              const logs = g.logsOf(receipt!, op.direct ? "DirectMessageSent" : "MessageBroadcast");
              expect(logs.map((l) => l.messageId)).toEqual([lastId]);
              if (limit.maxMessages > 0) {
                const u = usage[op.sender]!;
                usage[op.sender] = { windowStart, count: (u.windowStart === windowStart ? u.count : 0) + 1 };
              }
              seen.sent += 1;
            } else {
              const decoded = decodeRevert(error);
              expect(decoded?.errorName).toBe("MessageBusRateLimited");
              expect(lowerAddresses({ ...(decoded?.args ?? []) })).toEqual(
                lowerAddresses({ ...[swarm, account.address, limit.maxMessages, resetsAt] }),
              );
              seen.limited += 1;
            }
          }
          expect(await g.bus.read.lastMessageId([swarm])).toBe(lastId);
        }),
        { numRuns: 40 },
      );
      // the random sequences really hit the limit and really sent
      expect(seen.sent).toBeGreaterThan(50);
      expect(seen.limited).toBeGreaterThan(10);
      expect(seen.limitChanges).toBeGreaterThan(5);
    });
  });
});
