/**
 * SubscriptionRegistry: subscribe (swarm filters, raw filters, delivery options, endpoint and label checks),
 * owner-only pause / resume / updateEndpoint / cancel, stored state, events and every custom error.
 */
import { describe, expect, it } from "vitest";
import { network } from "hardhat";
import { type Address, type Hex, keccak256, parseEventLogs, toHex, zeroAddress } from "viem";
import { expectRevert } from "../helpers/errors.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;

// Kind bits (ISubscriptionRegistry.sol file-level constants).
const K = {
  task: 1 << 0,
  state: 1 << 1,
  message: 1 << 2,
  lock: 1 << 3,
  leader: 1 << 4,
  proposal: 1 << 5,
  schedule: 1 << 6,
  swarm: 1 << 7,
  stake: 1 << 8,
  raw: 1 << 15,
} as const;
const ALL_SWARM = (1 << 9) - 1;
const MODE = { Immediate: 0, AfterConfirmations: 1, Both: 2 } as const;
const STATUS = { None: 0, Active: 1, Paused: 2, Cancelled: 3 } as const;

type Filter = { swarmId: bigint; kinds: number; member: Address; rawAddress: Address; topics: readonly Hex[] };
type Opts = { confirmations: number; mode: number; ordered: boolean };

const swarmFilter = (over: Partial<Filter> = {}): Filter => ({
  swarmId: 1n,
  kinds: K.task,
  member: zeroAddress,
  rawAddress: zeroAddress,
  topics: [],
  ...over,
});
const immediate: Opts = { confirmations: 0, mode: MODE.Immediate, ordered: true };
const TRANSFER = keccak256(toHex("Transfer(address,address,uint256)"));

/** Lower-cases addresses (deeply) so event args and struct fields compare with wallet addresses. */
function lc<T>(value: T): T {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase() as T;
  if (Array.isArray(value)) return value.map(lc) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lc(v)])) as T;
  }
  return value;
}

async function deploy() {
  const { viem } = await network.create();
  const [owner, alice, outsider] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner!.account });
  await registry.write.join([1n, ""], { account: alice!.account });
  const subs = await viem.deployContract("SubscriptionRegistry", [registry.address]);
  const send = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    expect(receipt.status).toBe("success");
    return { receipt, events: parseEventLogs({ abi: subs.abi, logs: receipt.logs }) };
  };
  const now = async () => (await publicClient.getBlock()).timestamp;
  return { viem, owner: owner!, alice: alice!, outsider: outsider!, publicClient, registry, subs, send, now };
}

describe("SubscriptionRegistry: deployment", () => {
  it("keeps the registry and starts empty; rejects a zero registry", async () => {
    const { viem, registry, subs } = await deploy();
    expect(lc(await subs.read.swarmRegistry())).toBe(lc(registry.address));
    expect(await subs.read.subscriptionCount()).toBe(0n);
    expect(await subs.read.MAX_ENDPOINT_LENGTH()).toBe(512n);
    expect(await subs.read.MAX_LABEL_LENGTH()).toBe(128n);
    expect(await subs.read.MAX_TOPICS()).toBe(4n);
    const none = await subs.read.getSubscription([1n]);
    expect(none.status).toBe(STATUS.None);
    expect(none.owner).toBe(zeroAddress);
    await expect(viem.deployContract("SubscriptionRegistry", [zeroAddress])).rejects.toThrow(/SubscriptionRegistryZeroAddress/);
  });
});

describe("SubscriptionRegistry: subscribe", () => {
  it("creates a swarm subscription, stores it and emits everything", async () => {
    const { subs, alice, send, now } = await deploy();
    const filter = swarmFilter({ kinds: K.task | K.lock | K.leader, member: alice.account.address });
    const opts: Opts = { confirmations: 3, mode: MODE.Both, ordered: false };
    const { events, receipt } = await send(
      subs.write.subscribe([filter, "https://agent.example/hook", "alice tasks", opts], { account: alice.account }),
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.eventName).toBe("SubscriptionCreated");
    expect(lc(events[0]!.args)).toEqual({
      id: 1n,
      owner: alice.account.address,
      swarmId: 1n,
      kinds: K.task | K.lock | K.leader,
      member: alice.account.address,
      rawAddress: zeroAddress,
      topics: [],
      endpoint: "https://agent.example/hook",
      label: "alice tasks",
      confirmations: 3,
      mode: MODE.Both,
      ordered: false,
    });
    const t = await now();
    const stored = await subs.read.getSubscription([1n]);
    expect(lc(stored)).toEqual({
      owner: alice.account.address,
      status: STATUS.Active,
      mode: MODE.Both,
      ordered: false,
      kinds: K.task | K.lock | K.leader,
      confirmations: 3,
      member: alice.account.address,
      createdAt: Number(t),
      updatedAt: Number(t),
      rawAddress: zeroAddress,
      swarmId: 1n,
      endpointHash: keccak256(toHex("https://agent.example/hook")),
    });
    expect(await subs.read.subscriptionCount()).toBe(1n);
    // Four slots written (owner+options, member+timestamps, swarm id, endpoint hash) plus the event.
    expect(receipt.gasUsed).toBeLessThan(160_000n);
  });

  it("ids count up from 1; anyone may subscribe to any existing swarm (membership not required)", async () => {
    const { subs, outsider, owner, send } = await deploy();
    await send(subs.write.subscribe([swarmFilter({ kinds: ALL_SWARM }), "http://x", "", immediate], { account: outsider.account }));
    const { events } = await send(
      subs.write.subscribe([swarmFilter({ kinds: K.swarm }), "http://localhost:9000/h", "", immediate], { account: owner.account }),
    );
    expect(lc(events[0]!.args)).toMatchObject({ id: 2n, owner: owner.account.address, kinds: K.swarm });
    expect(lc((await subs.read.getSubscription([1n])).owner)).toBe(outsider.account.address);
    expect(await subs.read.subscriptionCount()).toBe(2n);
  });

  it("accepts each swarm kind alone and every delivery mode with consistent confirmations", async () => {
    const { subs, alice, send } = await deploy();
    for (const kind of [K.task, K.state, K.message, K.lock, K.leader, K.proposal, K.schedule, K.swarm, K.stake]) {
      await send(subs.write.subscribe([swarmFilter({ kinds: kind }), "https://h", "", immediate], { account: alice.account }));
    }
    for (const opts of [
      { confirmations: 1, mode: MODE.AfterConfirmations, ordered: true },
      { confirmations: 65535, mode: MODE.AfterConfirmations, ordered: false },
      { confirmations: 12, mode: MODE.Both, ordered: true },
    ]) {
      const { events } = await send(subs.write.subscribe([swarmFilter(), "https://h", "", opts], { account: alice.account }));
      expect(lc(events[0]!.args)).toMatchObject(opts);
    }
  });

  it("creates a raw subscription (address + up to 4 topics; zero topic = any)", async () => {
    const { subs, alice, send } = await deploy();
    const rawAddress = "0x00000000000000000000000000000000000000aa" as Address;
    const topics = [TRANSFER, `0x${"00".repeat(32)}`, `0x${"00".repeat(12)}${"bb".repeat(20)}`, `0x${"11".repeat(32)}`] as Hex[];
    const filter: Filter = { swarmId: 0n, kinds: K.raw, member: zeroAddress, rawAddress, topics };
    const { events } = await send(subs.write.subscribe([filter, "https://raw.example", "erc20", immediate], { account: alice.account }));
    expect(lc(events[0]!.args)).toMatchObject({ id: 1n, swarmId: 0n, kinds: K.raw, rawAddress, topics, member: zeroAddress });
    const stored = await subs.read.getSubscription([1n]);
    expect(lc(stored)).toMatchObject({ kinds: K.raw, rawAddress, swarmId: 0n, status: STATUS.Active });
    // No topics at all: every log of the contract.
    await send(subs.write.subscribe([{ ...filter, topics: [] }, "https://raw.example", "", immediate], { account: alice.account }));
  });

  it("rejects bad kinds", async () => {
    const { subs, alice } = await deploy();
    const sub = (kinds: number) => subs.write.subscribe([swarmFilter({ kinds }), "https://h", "", immediate], { account: alice.account });
    await expectRevert(sub(0), "SubscriptionRegistryInvalidKinds", [0]);
    await expectRevert(sub(1 << 9), "SubscriptionRegistryInvalidKinds", [1 << 9]);
    await expectRevert(sub(K.task | (1 << 14)), "SubscriptionRegistryInvalidKinds", [K.task | (1 << 14)]);
    await expectRevert(sub(K.task | K.raw), "SubscriptionRegistryInvalidKinds", [K.task | K.raw]);
  });

  it("rejects an unknown swarm and raw fields in a swarm filter", async () => {
    const { subs, alice } = await deploy();
    const sub = (f: Partial<Filter>) => subs.write.subscribe([swarmFilter(f), "https://h", "", immediate], { account: alice.account });
    await expectRevert(sub({ swarmId: 0n }), "SubscriptionRegistryUnknownSwarm", [0n]);
    await expectRevert(sub({ swarmId: 2n }), "SubscriptionRegistryUnknownSwarm", [2n]);
    const a = "0x00000000000000000000000000000000000000aa" as Address;
    await expectRevert(sub({ rawAddress: a }), "SubscriptionRegistryRawFieldsInSwarmFilter", [a, 0n]);
    await expectRevert(sub({ topics: [TRANSFER] }), "SubscriptionRegistryRawFieldsInSwarmFilter", [zeroAddress, 1n]);
  });

  it("rejects swarm fields, a missing address and too many topics in a raw filter", async () => {
    const { subs, alice } = await deploy();
    const a = "0x00000000000000000000000000000000000000aa" as Address;
    const raw = (f: Partial<Filter>) =>
      subs.write.subscribe(
        [{ swarmId: 0n, kinds: K.raw, member: zeroAddress, rawAddress: a, topics: [], ...f }, "https://h", "", immediate],
        { account: alice.account },
      );
    await expectRevert(raw({ swarmId: 1n }), "SubscriptionRegistrySwarmFieldsInRawFilter", [1n, zeroAddress]);
    await expectRevert(raw({ member: alice.account.address }), "SubscriptionRegistrySwarmFieldsInRawFilter", [0n, alice.account.address]);
    await expectRevert(raw({ rawAddress: zeroAddress }), "SubscriptionRegistryMissingRawAddress", []);
    await expectRevert(raw({ topics: [TRANSFER, TRANSFER, TRANSFER, TRANSFER, TRANSFER] }), "SubscriptionRegistryTooManyTopics", [5n, 4n]);
  });

  it("validates the endpoint (non-empty, <= 512 bytes, http(s):// and more)", async () => {
    const { subs, alice, send } = await deploy();
    const sub = (endpoint: string) => subs.write.subscribe([swarmFilter(), endpoint, "", immediate], { account: alice.account });
    await expectRevert(sub(""), "SubscriptionRegistryEmptyEndpoint", []);
    const max = "https://" + "a".repeat(512 - 8);
    await send(sub(max));
    await expectRevert(sub(max + "a"), "SubscriptionRegistryEndpointTooLong", [513n, 512n]);
    for (const bad of ["https://", "http://", "ftp://host", "HTTPS://host", "https:/host", "//host", "host", "httpss://x", " https://x"]) {
      await expectRevert(sub(bad), "SubscriptionRegistryInvalidEndpointScheme", []);
    }
    await send(sub("http://h"));
    await send(sub("https://h"));
  });

  it("validates the label length and the delivery options", async () => {
    const { subs, alice, send } = await deploy();
    await send(subs.write.subscribe([swarmFilter(), "https://h", "é".repeat(64), immediate], { account: alice.account }));
    await expectRevert(
      subs.write.subscribe([swarmFilter(), "https://h", "x".repeat(129), immediate], { account: alice.account }),
      "SubscriptionRegistryLabelTooLong",
      [129n, 128n],
    );
    const sub = (opts: Opts) => subs.write.subscribe([swarmFilter(), "https://h", "", opts], { account: alice.account });
    await expectRevert(sub({ confirmations: 1, mode: MODE.Immediate, ordered: true }), "SubscriptionRegistryInvalidDeliveryOptions", [MODE.Immediate, 1]);
    await expectRevert(sub({ confirmations: 0, mode: MODE.AfterConfirmations, ordered: true }), "SubscriptionRegistryInvalidDeliveryOptions", [MODE.AfterConfirmations, 0]);
    await expectRevert(sub({ confirmations: 0, mode: MODE.Both, ordered: false }), "SubscriptionRegistryInvalidDeliveryOptions", [MODE.Both, 0]);
    await expect(sub({ confirmations: 0, mode: 3, ordered: true })).rejects.toThrow();
    expect(await subs.read.subscriptionCount()).toBe(1n);
  });
});

describe("SubscriptionRegistry: owner operations", () => {
  async function withSubscription() {
    const ctx = await deploy();
    await ctx.send(ctx.subs.write.subscribe([swarmFilter(), "https://a.example/h", "l", immediate], { account: ctx.alice.account }));
    return ctx;
  }

  it("pause → resume → updateEndpoint → cancel, with events and stored status", async () => {
    const { subs, alice, send, now, publicClient } = await withSubscription();
    const by = { account: alice.account };
    const paused = await send(subs.write.pause([1n], by));
    expect(paused.events.map((e) => [e.eventName, lc(e.args)])).toEqual([
      ["SubscriptionPaused", { id: 1n, owner: alice.account.address, swarmId: 1n }],
    ]);
    expect(lc(await subs.read.getSubscription([1n]))).toMatchObject({ status: STATUS.Paused, updatedAt: Number(await now()) });

    // An endpoint may change while paused.
    const moved = await send(subs.write.updateEndpoint([1n, "http://b.example/h"], by));
    expect(moved.events.map((e) => [e.eventName, lc(e.args)])).toEqual([
      ["SubscriptionEndpointUpdated", { id: 1n, owner: alice.account.address, swarmId: 1n, endpoint: "http://b.example/h" }],
    ]);
    expect((await subs.read.getSubscription([1n])).endpointHash).toBe(keccak256(toHex("http://b.example/h")));
    expect((await subs.read.getSubscription([1n])).status).toBe(STATUS.Paused);

    const resumed = await send(subs.write.resume([1n], by));
    expect(resumed.events.map((e) => [e.eventName, lc(e.args)])).toEqual([
      ["SubscriptionResumed", { id: 1n, owner: alice.account.address, swarmId: 1n }],
    ]);
    expect((await subs.read.getSubscription([1n])).status).toBe(STATUS.Active);

    await send(subs.write.updateEndpoint([1n, "https://c.example/h"], by));
    const cancelled = await send(subs.write.cancel([1n], by));
    expect(cancelled.events.map((e) => [e.eventName, lc(e.args)])).toEqual([
      ["SubscriptionCancelled", { id: 1n, owner: alice.account.address, swarmId: 1n }],
    ]);
    const final = await subs.read.getSubscription([1n]);
    expect(final).toMatchObject({ status: STATUS.Cancelled, endpointHash: keccak256(toHex("https://c.example/h")) });
    expect(final.updatedAt).toBe(Number((await publicClient.getBlock()).timestamp));
  });

  it("a paused subscription can be cancelled; a cancelled one can do nothing any more", async () => {
    const { subs, alice, send } = await withSubscription();
    const by = { account: alice.account };
    await send(subs.write.pause([1n], by));
    await send(subs.write.cancel([1n], by));
    await expectRevert(subs.write.pause([1n], by), "SubscriptionRegistryAlreadyCancelled", [1n]);
    await expectRevert(subs.write.resume([1n], by), "SubscriptionRegistryAlreadyCancelled", [1n]);
    await expectRevert(subs.write.updateEndpoint([1n, "https://z"], by), "SubscriptionRegistryAlreadyCancelled", [1n]);
    await expectRevert(subs.write.cancel([1n], by), "SubscriptionRegistryAlreadyCancelled", [1n]);
  });

  it("only the owner may change a subscription", async () => {
    const { subs, alice, owner } = await withSubscription();
    const by = { account: owner.account };
    const args = [1n, owner.account.address, alice.account.address];
    await expectRevert(subs.write.pause([1n], by), "SubscriptionRegistryNotOwner", args);
    await expectRevert(subs.write.resume([1n], by), "SubscriptionRegistryNotOwner", args);
    await expectRevert(subs.write.updateEndpoint([1n, "https://evil"], by), "SubscriptionRegistryNotOwner", args);
    await expectRevert(subs.write.cancel([1n], by), "SubscriptionRegistryNotOwner", args);
    expect((await subs.read.getSubscription([1n])).status).toBe(STATUS.Active);
  });

  it("unknown ids, double pause, resume of an active one, unchanged or invalid endpoint", async () => {
    const { subs, alice, send } = await withSubscription();
    const by = { account: alice.account };
    for (const id of [0n, 2n]) {
      await expectRevert(subs.write.pause([id], by), "SubscriptionRegistryUnknownSubscription", [id]);
      await expectRevert(subs.write.resume([id], by), "SubscriptionRegistryUnknownSubscription", [id]);
      await expectRevert(subs.write.updateEndpoint([id, "https://x"], by), "SubscriptionRegistryUnknownSubscription", [id]);
      await expectRevert(subs.write.cancel([id], by), "SubscriptionRegistryUnknownSubscription", [id]);
    }
    await expectRevert(subs.write.resume([1n], by), "SubscriptionRegistryNotPaused", [1n]);
    await send(subs.write.pause([1n], by));
    await expectRevert(subs.write.pause([1n], by), "SubscriptionRegistryAlreadyPaused", [1n]);
    await expectRevert(subs.write.updateEndpoint([1n, "https://a.example/h"], by), "SubscriptionRegistryEndpointUnchanged", [1n]);
    await expectRevert(subs.write.updateEndpoint([1n, ""], by), "SubscriptionRegistryEmptyEndpoint", []);
    await expectRevert(subs.write.updateEndpoint([1n, "ws://x"], by), "SubscriptionRegistryInvalidEndpointScheme", []);
    await expectRevert(
      subs.write.updateEndpoint([1n, "https://" + "a".repeat(505)], by),
      "SubscriptionRegistryEndpointTooLong",
      [513n, 512n],
    );
    expect(lc(await subs.read.getSubscription([1n]))).toMatchObject({
      status: STATUS.Paused,
      endpointHash: keccak256(toHex("https://a.example/h")),
    });
  });
});
