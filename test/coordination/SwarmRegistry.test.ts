import { describe, expect, it } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import {
  encodeFunctionData,
  getAddress,
  padHex,
  parseEventLogs,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
} from "viem";
import { expectRevert } from "../helpers/errors.ts";
import {
  INVITE_TYPES,
  SWARM_REGISTRY_EIP712,
  readDomain,
  signInvite,
  swarmRegistryDomain,
  typedDigest,
  type Domain,
  type Invite,
} from "../helpers/signatures.ts";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
type Wallet = (typeof wallets)[number];
const wallet = (i: number): Wallet => {
  const w = wallets[i];
  if (w === undefined) throw new Error(`no wallet ${i}`);
  return w;
};
const owner = wallet(0);
const admin = wallet(1);
const alice = wallet(2);
const bob = wallet(3);
const carol = wallet(4);
const dave = wallet(5);
const eve = wallet(6);
const addr = (w: Wallet): Address => getAddress(w.account.address);

const Policy = { Open: 0, Allowlist: 1, Invite: 2, TokenGated: 3 } as const;
const Gate = { None: 0, ERC20: 1, ERC721: 2 } as const;
const MAX_URI = 512;

async function deployFixture() {
  const registry = await viem.deployContract("SwarmRegistry");
  const erc20 = await viem.deployContract("MockERC20", ["Gate", "GATE"]);
  const erc721 = await viem.deployContract("MockERC721");
  return { registry, erc20, erc721 };
}
const fixture = () => networkHelpers.loadFixture(deployFixture);
type Registry = Awaited<ReturnType<typeof deployFixture>>["registry"];

interface ConfigInput {
  policy: number;
  gateKind: number;
  gateToken: Address;
  gateMinBalance: bigint;
  metadataURI: string;
}
const OPEN: ConfigInput = { policy: Policy.Open, gateKind: Gate.None, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" };

/** Creates a swarm from `owner` (or `by`) and returns its id. */
async function create(registry: Registry, config: Partial<ConfigInput> = {}, admins: Address[] = [], by: Wallet = owner): Promise<bigint> {
  await registry.write.createSwarm([{ ...OPEN, ...config }, admins], { account: by.account });
  return registry.read.swarmCount();
}

/** Waits for `tx`, asserts success and returns its decoded registry events in order. */
async function events(registry: Registry, tx: Promise<Hex>) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
  expect(receipt.status).toBe("success");
  return parseEventLogs({ abi: registry.abi, logs: receipt.logs })
    .filter((l) => getAddress(l.address) === getAddress(registry.address))
    .map((l) => ({ eventName: l.eventName, args: l.args as Record<string, unknown> }));
}

const salt = (n: number): Hex => padHex(toHex(n), { size: 32 });

async function newInvite(partial: Partial<Invite> = {}): Promise<Invite> {
  return {
    swarmId: 1n,
    invitee: zeroAddress,
    maxUses: 1,
    expiry: (await networkHelpers.time.latest()) + 3600,
    salt: salt(1),
    ...partial,
  };
}

/** Registry with an Invite swarm (id 1) whose extra admin is `admin`. */
async function inviteFixture() {
  const f = await fixture();
  const id = await create(f.registry, { policy: Policy.Invite }, [addr(admin)]);
  const domain = await readDomain(publicClient, f.registry.address);
  return { ...f, id, domain };
}

// -------------------------------------------------------------------------------------------------------------------

describe("SwarmRegistry: createSwarm", () => {
  it("creates an open swarm: owner is admin and first member; events carry everything", async () => {
    const { registry } = await fixture();
    expect(await registry.read.swarmCount()).toBe(0n);
    const { result } = await registry.simulate.createSwarm([{ ...OPEN, metadataURI: "ipfs://swarm" }, [addr(admin)]], { account: addr(owner) });
    expect(result).toBe(1n);

    const evs = await events(registry, registry.write.createSwarm([{ ...OPEN, metadataURI: "ipfs://swarm" }, [addr(admin)]], { account: owner.account }));
    expect(evs).toEqual([
      {
        eventName: "SwarmCreated",
        args: { swarmId: 1n, owner: addr(owner), policy: Policy.Open, gateKind: Gate.None, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "ipfs://swarm" },
      },
      { eventName: "SwarmAdminUpdated", args: { swarmId: 1n, account: addr(owner), isAdmin: true } },
      { eventName: "SwarmAdminUpdated", args: { swarmId: 1n, account: addr(admin), isAdmin: true } },
      { eventName: "MemberJoined", args: { swarmId: 1n, member: addr(owner), via: Policy.Open, metadataURI: "", memberCount: 1n } },
    ]);

    expect(await registry.read.swarmCount()).toBe(1n);
    expect(await registry.read.swarmExists([1n])).toBe(true);
    expect(await registry.read.swarmExists([0n])).toBe(false);
    expect(await registry.read.swarmExists([2n])).toBe(false);
    expect(await registry.read.swarmOwner([1n])).toBe(addr(owner));
    expect(await registry.read.isAdmin([1n, addr(owner)])).toBe(true);
    expect(await registry.read.isAdmin([1n, addr(admin)])).toBe(true);
    expect(await registry.read.isAdmin([1n, addr(alice)])).toBe(false);
    expect(await registry.read.isMember([1n, addr(owner)])).toBe(true);
    expect(await registry.read.isMember([1n, addr(admin)])).toBe(false); // extra admins are not members
    expect(await registry.read.memberCount([1n])).toBe(1n);
    expect(await registry.read.swarmConfig([1n])).toEqual({ ...OPEN, metadataURI: "ipfs://swarm" });
  });

  it("assigns sequential ids from 1 and keeps swarms independent", async () => {
    const { registry } = await fixture();
    expect(await create(registry)).toBe(1n);
    expect(await create(registry, {}, [], alice)).toBe(2n);
    expect(await registry.read.swarmOwner([2n])).toBe(addr(alice));
    expect(await registry.read.isMember([1n, addr(alice)])).toBe(false);
    expect(await registry.read.isAdmin([1n, addr(alice)])).toBe(false);
    expect(await registry.read.isMember([2n, addr(owner)])).toBe(false);
  });

  it("bounds the metadata URI at MAX_URI_LENGTH bytes", async () => {
    const { registry } = await fixture();
    expect(await registry.read.MAX_URI_LENGTH()).toBe(BigInt(MAX_URI));
    await expectRevert(create(registry, { metadataURI: "x".repeat(MAX_URI + 1) }), "SwarmRegistryURITooLong", [BigInt(MAX_URI + 1), BigInt(MAX_URI)]);
    // bytes, not characters: 171 three-byte characters = 513 bytes
    await expectRevert(create(registry, { metadataURI: "€".repeat(171) }), "SwarmRegistryURITooLong", [513n, BigInt(MAX_URI)]);
    expect(await create(registry, { metadataURI: "x".repeat(MAX_URI) })).toBe(1n);
  });

  it("rejects a zero admin address", async () => {
    const { registry } = await fixture();
    await expectRevert(create(registry, {}, [addr(admin), zeroAddress]), "SwarmRegistryZeroAddress", []);
    expect(await registry.read.swarmCount()).toBe(0n);
  });

  it("validates the token gate against the policy", async () => {
    const { registry, erc20, erc721 } = await fixture();
    const bad: [Partial<ConfigInput>, number, Address, bigint][] = [
      [{ policy: Policy.TokenGated, gateKind: Gate.None, gateToken: erc20.address, gateMinBalance: 1n }, Gate.None, erc20.address, 1n],
      [{ policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: addr(alice), gateMinBalance: 1n }, Gate.ERC20, addr(alice), 1n],
      [{ policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: zeroAddress, gateMinBalance: 1n }, Gate.ERC20, zeroAddress, 1n],
      [{ policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: erc20.address, gateMinBalance: 0n }, Gate.ERC20, erc20.address, 0n],
      // an ERC-20 is not an ERC-721 (no ERC-165 support)
      [{ policy: Policy.TokenGated, gateKind: Gate.ERC721, gateToken: erc20.address, gateMinBalance: 1n }, Gate.ERC721, erc20.address, 1n],
      [{ policy: Policy.Open, gateKind: Gate.ERC20, gateToken: erc20.address, gateMinBalance: 1n }, Gate.ERC20, erc20.address, 1n],
      [{ policy: Policy.Allowlist, gateToken: erc20.address }, Gate.None, erc20.address, 0n],
      [{ policy: Policy.Invite, gateMinBalance: 5n }, Gate.None, zeroAddress, 5n],
    ];
    for (const [config, kind, token, min] of bad) {
      await expectRevert(create(registry, config), "SwarmRegistryInvalidGate", [kind, token, min]);
    }
    expect(await registry.read.swarmCount()).toBe(0n);

    const id20 = await create(registry, { policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: erc20.address, gateMinBalance: 100n });
    const id721 = await create(registry, { policy: Policy.TokenGated, gateKind: Gate.ERC721, gateToken: erc721.address, gateMinBalance: 1n });
    expect((await registry.read.swarmConfig([id20])).gateToken).toBe(getAddress(erc20.address));
    expect((await registry.read.swarmConfig([id721])).gateKind).toBe(Gate.ERC721);
  });

  it("the owner is a member even of a token-gated swarm without holding the token", async () => {
    const { registry, erc20 } = await fixture();
    const id = await create(registry, { policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: erc20.address, gateMinBalance: 1n });
    expect(await registry.read.isMember([id, addr(owner)])).toBe(true);
    await expectRevert(registry.write.removeIneligible([id, addr(owner)], { account: alice.account }), "SwarmRegistryCannotRemoveOwner", [id]);
  });
});

describe("SwarmRegistry: owner and admin management", () => {
  it("setPolicy: owner changes policy and gate; members stay; event", async () => {
    const { registry, erc20 } = await fixture();
    const id = await create(registry);
    await registry.write.join([id, ""], { account: alice.account });
    const evs = await events(registry, registry.write.setPolicy([id, Policy.TokenGated, Gate.ERC20, erc20.address, 7n], { account: owner.account }));
    expect(evs).toEqual([
      { eventName: "SwarmPolicyUpdated", args: { swarmId: id, policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: getAddress(erc20.address), gateMinBalance: 7n } },
    ]);
    expect(await registry.read.swarmConfig([id])).toEqual({ policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: getAddress(erc20.address), gateMinBalance: 7n, metadataURI: "" });
    expect(await registry.read.isMember([id, addr(alice)])).toBe(true);
    // back to open clears the gate
    await registry.write.setPolicy([id, Policy.Open, Gate.None, zeroAddress, 0n], { account: owner.account });
    expect(await registry.read.swarmConfig([id])).toEqual(OPEN);
  });

  it("setPolicy: failures", async () => {
    const { registry, erc20 } = await fixture();
    const id = await create(registry, {}, [addr(admin)]);
    await expectRevert(registry.write.setPolicy([id, Policy.Allowlist, Gate.None, zeroAddress, 0n], { account: admin.account }), "SwarmRegistryNotOwner", [id, addr(admin)]);
    await expectRevert(registry.write.setPolicy([9n, Policy.Allowlist, Gate.None, zeroAddress, 0n], { account: owner.account }), "SwarmRegistryUnknownSwarm", [9n]);
    await expectRevert(registry.write.setPolicy([id, Policy.TokenGated, Gate.ERC20, erc20.address, 0n], { account: owner.account }), "SwarmRegistryInvalidGate", [Gate.ERC20, erc20.address, 0n]);
    await expectRevert(registry.write.setPolicy([id, Policy.Invite, Gate.ERC20, zeroAddress, 0n], { account: owner.account }), "SwarmRegistryInvalidGate", [Gate.ERC20, zeroAddress, 0n]);
    expect(await registry.read.swarmConfig([id])).toEqual(OPEN);
  });

  it("setSwarmMetadata: admins only, bounded", async () => {
    const { registry } = await fixture();
    const id = await create(registry, {}, [addr(admin)]);
    await registry.write.join([id, ""], { account: alice.account });
    expect(await events(registry, registry.write.setSwarmMetadata([id, "ipfs://new"], { account: admin.account }))).toEqual([
      { eventName: "SwarmMetadataUpdated", args: { swarmId: id, metadataURI: "ipfs://new" } },
    ]);
    expect((await registry.read.swarmConfig([id])).metadataURI).toBe("ipfs://new");
    await registry.write.setSwarmMetadata([id, "ipfs://owner"], { account: owner.account });
    expect((await registry.read.swarmConfig([id])).metadataURI).toBe("ipfs://owner");
    await expectRevert(registry.write.setSwarmMetadata([id, "x"], { account: alice.account }), "SwarmRegistryNotAdmin", [id, addr(alice)]);
    await expectRevert(registry.write.setSwarmMetadata([id, "x".repeat(MAX_URI + 1)], { account: admin.account }), "SwarmRegistryURITooLong", [BigInt(MAX_URI + 1), BigInt(MAX_URI)]);
    await expectRevert(registry.write.setSwarmMetadata([5n, "x"], { account: admin.account }), "SwarmRegistryUnknownSwarm", [5n]);
    expect((await registry.read.swarmConfig([id])).metadataURI).toBe("ipfs://owner");
  });

  it("setAdmin: owner grants and revokes; events", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    expect(await events(registry, registry.write.setAdmin([id, addr(alice), true], { account: owner.account }))).toEqual([
      { eventName: "SwarmAdminUpdated", args: { swarmId: id, account: addr(alice), isAdmin: true } },
    ]);
    expect(await registry.read.isAdmin([id, addr(alice)])).toBe(true);
    // the new admin can act as admin
    await registry.write.setAllowlist([id, [addr(bob)], true], { account: alice.account });
    expect(await events(registry, registry.write.setAdmin([id, addr(alice), false], { account: owner.account }))).toEqual([
      { eventName: "SwarmAdminUpdated", args: { swarmId: id, account: addr(alice), isAdmin: false } },
    ]);
    expect(await registry.read.isAdmin([id, addr(alice)])).toBe(false);
    await expectRevert(registry.write.setAllowlist([id, [addr(bob)], true], { account: alice.account }), "SwarmRegistryNotAdmin", [id, addr(alice)]);
  });

  it("setAdmin: failures", async () => {
    const { registry } = await fixture();
    const id = await create(registry, {}, [addr(admin)]);
    await expectRevert(registry.write.setAdmin([id, addr(alice), true], { account: admin.account }), "SwarmRegistryNotOwner", [id, addr(admin)]);
    await expectRevert(registry.write.setAdmin([id, zeroAddress, true], { account: owner.account }), "SwarmRegistryZeroAddress", []);
    await expectRevert(registry.write.setAdmin([id, addr(owner), false], { account: owner.account }), "SwarmRegistryOwnerAdminImmutable", [id]);
    await expectRevert(registry.write.setAdmin([3n, addr(alice), true], { account: owner.account }), "SwarmRegistryUnknownSwarm", [3n]);
    expect(await registry.read.isAdmin([id, addr(owner)])).toBe(true);
    expect(await registry.read.isAdmin([id, addr(alice)])).toBe(false);
  });

  it("transferSwarmOwnership: hands over to a member; admin flags follow ownership", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    await registry.write.join([id, ""], { account: alice.account });
    const evs = await events(registry, registry.write.transferSwarmOwnership([id, addr(alice)], { account: owner.account }));
    expect(evs).toEqual([
      { eventName: "SwarmAdminUpdated", args: { swarmId: id, account: addr(owner), isAdmin: false } },
      { eventName: "SwarmAdminUpdated", args: { swarmId: id, account: addr(alice), isAdmin: true } },
      { eventName: "SwarmOwnershipTransferred", args: { swarmId: id, previousOwner: addr(owner), newOwner: addr(alice) } },
    ]);
    expect(await registry.read.swarmOwner([id])).toBe(addr(alice));
    expect(await registry.read.isAdmin([id, addr(alice)])).toBe(true);
    expect(await registry.read.isAdmin([id, addr(owner)])).toBe(false);
    expect(await registry.read.isMember([id, addr(owner)])).toBe(true);
    // the old owner lost its powers and may now leave; the new owner may not
    await expectRevert(registry.write.setAdmin([id, addr(bob), true], { account: owner.account }), "SwarmRegistryNotOwner", [id, addr(owner)]);
    await expectRevert(registry.write.leave([id], { account: alice.account }), "SwarmRegistryOwnerCannotLeave", [id]);
    await registry.write.leave([id], { account: owner.account });
    expect(await registry.read.memberCount([id])).toBe(1n);
    await registry.write.setAdmin([id, addr(bob), true], { account: alice.account });
  });

  it("transferSwarmOwnership: failures", async () => {
    const { registry } = await fixture();
    const id = await create(registry, {}, [addr(admin)]);
    await registry.write.join([id, ""], { account: alice.account });
    await expectRevert(registry.write.transferSwarmOwnership([id, addr(alice)], { account: admin.account }), "SwarmRegistryNotOwner", [id, addr(admin)]);
    await expectRevert(registry.write.transferSwarmOwnership([id, zeroAddress], { account: owner.account }), "SwarmRegistryZeroAddress", []);
    await expectRevert(registry.write.transferSwarmOwnership([id, addr(owner)], { account: owner.account }), "SwarmRegistryAlreadyOwner", [id, addr(owner)]);
    await expectRevert(registry.write.transferSwarmOwnership([id, addr(admin)], { account: owner.account }), "SwarmRegistryNotMember", [id, addr(admin)]);
    await expectRevert(registry.write.transferSwarmOwnership([7n, addr(alice)], { account: owner.account }), "SwarmRegistryUnknownSwarm", [7n]);
    expect(await registry.read.swarmOwner([id])).toBe(addr(owner));
  });

  it("admin rights are per swarm", async () => {
    const { registry } = await fixture();
    const id1 = await create(registry, {}, [addr(admin)]);
    const id2 = await create(registry, { policy: Policy.Allowlist }, [], alice);
    await expectRevert(registry.write.join([id2, ""], { account: alice.account }), "SwarmRegistryAlreadyMember", [id2, addr(alice)]);
    await registry.write.setAllowlist([id2, [addr(bob)], true], { account: alice.account });
    await registry.write.join([id2, ""], { account: bob.account });
    expect(await registry.read.isAdmin([id2, addr(admin)])).toBe(false);
    await expectRevert(registry.write.removeMember([id2, addr(bob)], { account: admin.account }), "SwarmRegistryNotAdmin", [id2, addr(admin)]);
    await expectRevert(registry.write.setAllowlist([id2, [addr(carol)], true], { account: owner.account }), "SwarmRegistryNotAdmin", [id2, addr(owner)]);
    await expectRevert(registry.write.setPolicy([id2, Policy.Open, Gate.None, zeroAddress, 0n], { account: owner.account }), "SwarmRegistryNotOwner", [id2, addr(owner)]);
    expect(await registry.read.isAdmin([id1, addr(alice)])).toBe(false);
  });

  it("the owner's MemberJoined carries the creation policy as `via`", async () => {
    const { registry } = await fixture();
    const evs = await events(registry, registry.write.createSwarm([{ ...OPEN, policy: Policy.Allowlist }, []], { account: owner.account }));
    expect(evs.at(-1)).toEqual({ eventName: "MemberJoined", args: { swarmId: 1n, member: addr(owner), via: Policy.Allowlist, metadataURI: "", memberCount: 1n } });
  });

  it("swarmOwner and swarmConfig revert for unknown swarms; other views return defaults", async () => {
    const { registry } = await fixture();
    await expectRevert(registry.read.swarmOwner([1n]), "SwarmRegistryUnknownSwarm", [1n]);
    await expectRevert(registry.read.swarmConfig([0n]), "SwarmRegistryUnknownSwarm", [0n]);
    expect(await registry.read.memberCount([1n])).toBe(0n);
    expect(await registry.read.isMember([1n, addr(owner)])).toBe(false);
    expect(await registry.read.isAdmin([1n, addr(owner)])).toBe(false);
  });
});

describe("SwarmRegistry: allowlist", () => {
  it("admins add and remove accounts; events per account; allowlisted accounts join", async () => {
    const { registry } = await fixture();
    const id = await create(registry, { policy: Policy.Allowlist }, [addr(admin)]);
    expect(await events(registry, registry.write.setAllowlist([id, [addr(alice), addr(bob)], true], { account: admin.account }))).toEqual([
      { eventName: "SwarmAllowlistUpdated", args: { swarmId: id, account: addr(alice), allowed: true } },
      { eventName: "SwarmAllowlistUpdated", args: { swarmId: id, account: addr(bob), allowed: true } },
    ]);
    expect(await registry.read.isAllowlisted([id, addr(alice)])).toBe(true);
    expect(await events(registry, registry.write.join([id, "ipfs://alice"], { account: alice.account }))).toEqual([
      { eventName: "MemberJoined", args: { swarmId: id, member: addr(alice), via: Policy.Allowlist, metadataURI: "ipfs://alice", memberCount: 2n } },
    ]);
    await registry.write.setAllowlist([id, [addr(bob)], false], { account: owner.account });
    expect(await registry.read.isAllowlisted([id, addr(bob)])).toBe(false);
    await expectRevert(registry.write.join([id, ""], { account: bob.account }), "SwarmRegistryNotAllowlisted", [id, addr(bob)]);
    await expectRevert(registry.write.join([id, ""], { account: carol.account }), "SwarmRegistryNotAllowlisted", [id, addr(carol)]);
    // removal from the allowlist does not remove members
    await registry.write.setAllowlist([id, [addr(alice)], false], { account: owner.account });
    expect(await registry.read.isMember([id, addr(alice)])).toBe(true);
  });

  it("failures: non-admin, zero address (no partial update), unknown swarm", async () => {
    const { registry } = await fixture();
    const id = await create(registry, { policy: Policy.Allowlist });
    await expectRevert(registry.write.setAllowlist([id, [addr(alice)], true], { account: alice.account }), "SwarmRegistryNotAdmin", [id, addr(alice)]);
    await expectRevert(registry.write.setAllowlist([id, [addr(alice), zeroAddress], true], { account: owner.account }), "SwarmRegistryZeroAddress", []);
    expect(await registry.read.isAllowlisted([id, addr(alice)])).toBe(false);
    await expectRevert(registry.write.setAllowlist([4n, [addr(alice)], true], { account: owner.account }), "SwarmRegistryUnknownSwarm", [4n]);
  });
});

describe("SwarmRegistry: join, leave, remove, member metadata", () => {
  it("join an open swarm: event, count, metadata", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    expect(await events(registry, registry.write.join([id, "ipfs://card-a"], { account: alice.account }))).toEqual([
      { eventName: "MemberJoined", args: { swarmId: id, member: addr(alice), via: Policy.Open, metadataURI: "ipfs://card-a", memberCount: 2n } },
    ]);
    expect(await registry.read.isMember([id, addr(alice)])).toBe(true);
    expect(await registry.read.memberMetadata([id, addr(alice)])).toBe("ipfs://card-a");
    await registry.write.join([id, ""], { account: bob.account });
    expect(await registry.read.memberCount([id])).toBe(3n);
  });

  it("join failures", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    await registry.write.join([id, ""], { account: alice.account });
    await expectRevert(registry.write.join([id, ""], { account: alice.account }), "SwarmRegistryAlreadyMember", [id, addr(alice)]);
    await expectRevert(registry.write.join([id, ""], { account: owner.account }), "SwarmRegistryAlreadyMember", [id, addr(owner)]);
    await expectRevert(registry.write.join([0n, ""], { account: bob.account }), "SwarmRegistryUnknownSwarm", [0n]);
    await expectRevert(registry.write.join([2n, ""], { account: bob.account }), "SwarmRegistryUnknownSwarm", [2n]);
    await expectRevert(registry.write.join([id, "x".repeat(MAX_URI + 1)], { account: bob.account }), "SwarmRegistryURITooLong", [BigInt(MAX_URI + 1), BigInt(MAX_URI)]);
    const inv = await create(registry, { policy: Policy.Invite });
    await expectRevert(registry.write.join([inv, ""], { account: bob.account }), "SwarmRegistryWrongPolicy", [inv, Policy.Invite]);
    expect(await registry.read.memberCount([id])).toBe(2n);
  });

  it("leave: event, state cleared, rejoin allowed; failures", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    await registry.write.join([id, "ipfs://a"], { account: alice.account });
    expect(await events(registry, registry.write.leave([id], { account: alice.account }))).toEqual([
      { eventName: "MemberLeft", args: { swarmId: id, member: addr(alice), memberCount: 1n } },
    ]);
    expect(await registry.read.isMember([id, addr(alice)])).toBe(false);
    expect(await registry.read.memberMetadata([id, addr(alice)])).toBe("");
    await expectRevert(registry.write.leave([id], { account: alice.account }), "SwarmRegistryNotMember", [id, addr(alice)]);
    await expectRevert(registry.write.leave([id], { account: owner.account }), "SwarmRegistryOwnerCannotLeave", [id]);
    await expectRevert(registry.write.leave([8n], { account: alice.account }), "SwarmRegistryUnknownSwarm", [8n]);
    await registry.write.join([id, ""], { account: alice.account });
    expect(await registry.read.memberCount([id])).toBe(2n);
  });

  it("removeMember: admins remove non-owner members; failures", async () => {
    const { registry } = await fixture();
    const id = await create(registry, {}, [addr(admin)]);
    await registry.write.join([id, "ipfs://a"], { account: alice.account });
    await registry.write.join([id, ""], { account: bob.account });
    expect(await events(registry, registry.write.removeMember([id, addr(alice)], { account: admin.account }))).toEqual([
      { eventName: "MemberRemoved", args: { swarmId: id, member: addr(alice), by: addr(admin), memberCount: 2n } },
    ]);
    expect(await registry.read.isMember([id, addr(alice)])).toBe(false);
    expect(await registry.read.memberMetadata([id, addr(alice)])).toBe("");
    await expectRevert(registry.write.removeMember([id, addr(owner)], { account: bob.account }), "SwarmRegistryNotAdmin", [id, addr(bob)]);
    await expectRevert(registry.write.removeMember([id, addr(alice)], { account: admin.account }), "SwarmRegistryNotMember", [id, addr(alice)]);
    await expectRevert(registry.write.removeMember([id, addr(owner)], { account: admin.account }), "SwarmRegistryCannotRemoveOwner", [id]);
    await expectRevert(registry.write.removeMember([6n, addr(bob)], { account: admin.account }), "SwarmRegistryUnknownSwarm", [6n]);
    await registry.write.removeMember([id, addr(bob)], { account: owner.account });
    expect(await registry.read.memberCount([id])).toBe(1n);
  });

  it("setMemberMetadata: members only, bounded, event", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    await registry.write.join([id, "ipfs://old"], { account: alice.account });
    expect(await events(registry, registry.write.setMemberMetadata([id, "ipfs://new"], { account: alice.account }))).toEqual([
      { eventName: "MemberMetadataUpdated", args: { swarmId: id, member: addr(alice), metadataURI: "ipfs://new" } },
    ]);
    expect(await registry.read.memberMetadata([id, addr(alice)])).toBe("ipfs://new");
    await registry.write.setMemberMetadata([id, "ipfs://owner-card"], { account: owner.account });
    expect(await registry.read.memberMetadata([id, addr(owner)])).toBe("ipfs://owner-card");
    await expectRevert(registry.write.setMemberMetadata([id, "x"], { account: bob.account }), "SwarmRegistryNotMember", [id, addr(bob)]);
    await expectRevert(registry.write.setMemberMetadata([id, "x".repeat(MAX_URI + 1)], { account: alice.account }), "SwarmRegistryURITooLong", [BigInt(MAX_URI + 1), BigInt(MAX_URI)]);
    await expectRevert(registry.write.setMemberMetadata([9n, "x"], { account: alice.account }), "SwarmRegistryUnknownSwarm", [9n]);
    expect(await registry.read.memberMetadata([id, addr(alice)])).toBe("ipfs://new");
  });

  it("a smart account (EIP-1271 wallet) can be a member", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    const smart = await viem.deployContract("MockERC1271Wallet", [addr(alice)]);
    const data = encodeFunctionData({ abi: registry.abi, functionName: "join", args: [id, "ipfs://smart"] });
    await smart.write.execute([registry.address, 0n, data], { account: alice.account });
    expect(await registry.read.isMember([id, getAddress(smart.address)])).toBe(true);
  });

  it("isMember is a single cold SLOAD", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    const data = encodeFunctionData({ abi: registry.abi, functionName: "isMember", args: [id, addr(owner)] });
    const gas = await publicClient.estimateGas({ to: registry.address, data, account: addr(alice) });
    const bytes = Buffer.from(data.slice(2), "hex");
    const calldataGas = [...bytes].reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
    const execution = Number(gas) - 21_000 - calldataGas;
    // One cold SLOAD costs 2100; a second one would push execution above 4200.
    expect(execution).toBeGreaterThanOrEqual(2100);
    expect(execution).toBeLessThan(2100 + 1000);
  });
});

describe("SwarmRegistry: member indexes", () => {
  it("hands out 1, 2, 3, ... per swarm in order of first joins (owner first); non-members and unknown swarms read 0", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    const other = await create(registry, {}, [], bob); // bob owns swarm 2: index 1 there
    await registry.write.join([id, ""], { account: alice.account });
    await registry.write.join([id, ""], { account: bob.account });
    await registry.write.join([other, ""], { account: alice.account });
    expect(await registry.read.memberIndex([id, addr(owner)])).toBe(1n);
    expect(await registry.read.memberIndex([id, addr(alice)])).toBe(2n);
    expect(await registry.read.memberIndex([id, addr(bob)])).toBe(3n);
    expect(await registry.read.memberIndex([other, addr(bob)])).toBe(1n);
    expect(await registry.read.memberIndex([other, addr(alice)])).toBe(2n);
    expect(await registry.read.memberIndex([id, addr(carol)])).toBe(0n); // never joined
    expect(await registry.read.memberIndex([99n, addr(alice)])).toBe(0n); // unknown swarm
    expect(await registry.read.memberIndex([0n, addr(alice)])).toBe(0n);
    expect(await registry.read.memberIndexCount([id])).toBe(3n);
    expect(await registry.read.memberIndexCount([other])).toBe(2n);
    expect(await registry.read.memberIndexCount([99n])).toBe(0n);
    expect(await registry.read.membership([id, addr(carol)])).toEqual([false, 0n]);
    expect(await registry.read.membership([id, addr(bob)])).toEqual([true, 3n]);
  });

  it("leaving or removal keeps the index (memberIndex reads 0 meanwhile); rejoining gets the same index back", async () => {
    const { registry } = await fixture();
    const id = await create(registry, {}, [addr(admin)]);
    await registry.write.join([id, ""], { account: alice.account });
    await registry.write.join([id, ""], { account: bob.account });
    await registry.write.leave([id], { account: alice.account });
    await registry.write.removeMember([id, addr(bob)], { account: admin.account });
    expect(await registry.read.memberIndex([id, addr(alice)])).toBe(0n);
    expect(await registry.read.membership([id, addr(alice)])).toEqual([false, 2n]);
    expect(await registry.read.membership([id, addr(bob)])).toEqual([false, 3n]);
    await registry.write.join([id, ""], { account: carol.account }); // a newcomer gets a fresh index, not a freed one
    expect(await registry.read.memberIndex([id, addr(carol)])).toBe(4n);
    await registry.write.join([id, ""], { account: bob.account });
    await registry.write.join([id, ""], { account: alice.account });
    expect(await registry.read.memberIndex([id, addr(alice)])).toBe(2n);
    expect(await registry.read.memberIndex([id, addr(bob)])).toBe(3n);
    expect(await registry.read.memberIndexCount([id])).toBe(4n);
    expect(await registry.read.memberCount([id])).toBe(4n);
    expect(await registry.read.isMember([id, addr(alice)])).toBe(true);
  });

  it("memberIndexes answers a batch in order (0 for non-members, duplicates allowed, empty batch)", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    await registry.write.join([id, ""], { account: alice.account });
    await registry.write.join([id, ""], { account: bob.account });
    await registry.write.leave([id], { account: bob.account });
    expect(await registry.read.memberIndexes([id, [addr(alice), addr(bob), addr(carol), addr(owner), addr(alice), zeroAddress]])).toEqual([2n, 0n, 0n, 1n, 2n, 0n]);
    expect(await registry.read.memberIndexes([id, []])).toEqual([]);
    expect(await registry.read.memberIndexes([42n, [addr(alice)]])).toEqual([0n]);
  });

  it("memberIndexes rejects a malformed (non-address) word like the ABI decoder, and calldata that is too short", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    const data = encodeFunctionData({ abi: registry.abi, functionName: "memberIndexes", args: [id, [addr(owner), addr(alice)]] });
    await expect(publicClient.call({ to: registry.address, data })).resolves.toBeDefined();
    // the second account's word with a dirty high byte: after the selector, words swarmId, offset, length, account 0, account 1
    const at = 10 + 64 * 4;
    const dirty = `${data.slice(0, at)}ff${data.slice(at + 2)}` as Hex;
    await expect(publicClient.call({ to: registry.address, data: dirty })).rejects.toThrow();
    // a length that runs past the end of calldata
    const lenAt = 10 + 64 * 2;
    const long = `${data.slice(0, lenAt)}${padHex(toHex(3), { size: 32 }).slice(2)}${data.slice(lenAt + 64)}` as Hex;
    await expect(publicClient.call({ to: registry.address, data: long })).rejects.toThrow();
  });

  it("memberIndex is a single cold SLOAD, like isMember", async () => {
    const { registry } = await fixture();
    const id = await create(registry);
    const data = encodeFunctionData({ abi: registry.abi, functionName: "memberIndex", args: [id, addr(owner)] });
    const gas = await publicClient.estimateGas({ to: registry.address, data, account: addr(alice) });
    const calldataGas = [...Buffer.from(data.slice(2), "hex")].reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
    const execution = Number(gas) - 21_000 - calldataGas;
    expect(execution).toBeGreaterThanOrEqual(2100);
    expect(execution).toBeLessThan(2100 + 1000);
  });
});

describe("SwarmRegistry: token gates", () => {
  it("ERC-20: join needs at least the minimum; removeIneligible after the balance drops", async () => {
    const { registry, erc20 } = await fixture();
    const id = await create(registry, { policy: Policy.TokenGated, gateKind: Gate.ERC20, gateToken: erc20.address, gateMinBalance: 100n });
    await erc20.write.mint([addr(alice), 99n]);
    await expectRevert(registry.write.join([id, ""], { account: alice.account }), "SwarmRegistryInsufficientTokenBalance", [id, addr(alice), 99n, 100n]);
    await expectRevert(registry.write.join([id, ""], { account: bob.account }), "SwarmRegistryInsufficientTokenBalance", [id, addr(bob), 0n, 100n]);
    await erc20.write.mint([addr(alice), 1n]);
    expect(await events(registry, registry.write.join([id, "ipfs://a"], { account: alice.account }))).toEqual([
      { eventName: "MemberJoined", args: { swarmId: id, member: addr(alice), via: Policy.TokenGated, metadataURI: "ipfs://a", memberCount: 2n } },
    ]);
    await expectRevert(registry.write.removeIneligible([id, addr(alice)], { account: eve.account }), "SwarmRegistryStillEligible", [id, addr(alice)]);
    await erc20.write.burn([addr(alice), 1n]);
    expect(await events(registry, registry.write.removeIneligible([id, addr(alice)], { account: eve.account }))).toEqual([
      { eventName: "MemberRemoved", args: { swarmId: id, member: addr(alice), by: addr(eve), memberCount: 1n } },
    ]);
    expect(await registry.read.isMember([id, addr(alice)])).toBe(false);
    await expectRevert(registry.write.removeIneligible([id, addr(alice)], { account: eve.account }), "SwarmRegistryNotMember", [id, addr(alice)]);
  });

  it("ERC-721: join needs an NFT; a member who transferred it away can be removed by anyone", async () => {
    const { registry, erc721 } = await fixture();
    const id = await create(registry, { policy: Policy.TokenGated, gateKind: Gate.ERC721, gateToken: erc721.address, gateMinBalance: 1n });
    await expectRevert(registry.write.join([id, ""], { account: bob.account }), "SwarmRegistryInsufficientTokenBalance", [id, addr(bob), 0n, 1n]);
    await erc721.write.mint([addr(bob), 42n]);
    await registry.write.join([id, ""], { account: bob.account });
    await expectRevert(registry.write.removeIneligible([id, addr(bob)], { account: carol.account }), "SwarmRegistryStillEligible", [id, addr(bob)]);
    await erc721.write.transferFrom([addr(bob), addr(carol), 42n], { account: bob.account });
    await registry.write.removeIneligible([id, addr(bob)], { account: carol.account });
    expect(await registry.read.isMember([id, addr(bob)])).toBe(false);
    await registry.write.join([id, ""], { account: carol.account });
    expect(await registry.read.memberCount([id])).toBe(2n);
  });

  it("ERC-721 with a minimum of 2 counts NFTs", async () => {
    const { registry, erc721 } = await fixture();
    const id = await create(registry, { policy: Policy.TokenGated, gateKind: Gate.ERC721, gateToken: erc721.address, gateMinBalance: 2n });
    await erc721.write.mint([addr(alice), 1n]);
    await expectRevert(registry.write.join([id, ""], { account: alice.account }), "SwarmRegistryInsufficientTokenBalance", [id, addr(alice), 1n, 2n]);
    await erc721.write.mint([addr(alice), 2n]);
    await registry.write.join([id, ""], { account: alice.account });
    await erc721.write.burn([1n]);
    await registry.write.removeIneligible([id, addr(alice)], { account: bob.account });
    expect(await registry.read.isMember([id, addr(alice)])).toBe(false);
  });

  it("removeIneligible: wrong policy, unknown swarm; a policy change makes old members prunable", async () => {
    const { registry, erc20 } = await fixture();
    const id = await create(registry);
    await registry.write.join([id, ""], { account: alice.account });
    await expectRevert(registry.write.removeIneligible([id, addr(alice)], { account: eve.account }), "SwarmRegistryWrongPolicy", [id, Policy.Open]);
    await expectRevert(registry.write.removeIneligible([3n, addr(alice)], { account: eve.account }), "SwarmRegistryUnknownSwarm", [3n]);
    await registry.write.setPolicy([id, Policy.TokenGated, Gate.ERC20, erc20.address, 1n], { account: owner.account });
    expect(await registry.read.isMember([id, addr(alice)])).toBe(true);
    await registry.write.removeIneligible([id, addr(alice)], { account: eve.account });
    expect(await registry.read.memberCount([id])).toBe(1n);
  });
});

describe("SwarmRegistry: invites (EIP-712)", () => {
  it("exposes the EIP-712 domain and hashes invites like viem", async () => {
    const { registry, domain } = await inviteFixture();
    const chainId = await publicClient.getChainId();
    expect(domain).toEqual({ ...SWARM_REGISTRY_EIP712, chainId, verifyingContract: getAddress(registry.address) });
    expect(swarmRegistryDomain(chainId, getAddress(registry.address))).toEqual(domain);
    const invite = await newInvite({ invitee: addr(alice), maxUses: 3, salt: salt(77) });
    expect(await registry.read.hashInvite([invite])).toBe(typedDigest(domain, INVITE_TYPES, "Invite", { ...invite }));
  });

  it("valid invite: joins, counts the use, events", async () => {
    const { registry, id, domain } = await inviteFixture();
    const { invite, hash, signature } = await signInvite(admin, domain, await newInvite({ invitee: addr(alice) }));
    const evs = await events(registry, registry.write.joinWithInvite([id, invite, addr(admin), signature, "ipfs://alice"], { account: alice.account }));
    expect(evs).toEqual([
      { eventName: "InviteUsed", args: { swarmId: id, inviteHash: hash, member: addr(alice), uses: 1 } },
      { eventName: "MemberJoined", args: { swarmId: id, member: addr(alice), via: Policy.Invite, metadataURI: "ipfs://alice", memberCount: 2n } },
    ]);
    expect(await registry.read.isMember([id, addr(alice)])).toBe(true);
    expect(await registry.read.inviteUses([id, hash])).toBe(1);
    expect(await registry.read.memberMetadata([id, addr(alice)])).toBe("ipfs://alice");
  });

  it("the owner's signature works too; anyone may use an open invite until maxUses", async () => {
    const { registry, id, domain } = await inviteFixture();
    const { invite, hash, signature } = await signInvite(owner, domain, await newInvite({ maxUses: 2 }));
    await registry.write.joinWithInvite([id, invite, addr(owner), signature, ""], { account: alice.account });
    await registry.write.joinWithInvite([id, invite, addr(owner), signature, ""], { account: bob.account });
    expect(await registry.read.inviteUses([id, hash])).toBe(2);
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(owner), signature, ""], { account: carol.account }), "SwarmRegistryInviteExhausted", [hash, 2]);
    expect(await registry.read.memberCount([id])).toBe(3n);
  });

  it("replay beyond maxUses: leaving and rejoining with a used single-use invite fails", async () => {
    const { registry, id, domain } = await inviteFixture();
    const { invite, hash, signature } = await signInvite(admin, domain, await newInvite({ invitee: addr(alice), maxUses: 1 }));
    await registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: alice.account });
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: alice.account }), "SwarmRegistryAlreadyMember", [id, addr(alice)]);
    await registry.write.leave([id], { account: alice.account });
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: alice.account }), "SwarmRegistryInviteExhausted", [hash, 1]);
    // maxUses 0 is never usable
    const zero = await signInvite(admin, domain, await newInvite({ maxUses: 0, salt: salt(2) }));
    await expectRevert(registry.write.joinWithInvite([id, zero.invite, addr(admin), zero.signature, ""], { account: bob.account }), "SwarmRegistryInviteExhausted", [zero.hash, 0]);
  });

  it("expiry is inclusive: usable at `expiry`, rejected after", async () => {
    const { registry, id, domain } = await inviteFixture();
    const expiry = (await networkHelpers.time.latest()) + 100;
    const { invite, hash, signature } = await signInvite(admin, domain, await newInvite({ expiry, maxUses: 5 }));
    await networkHelpers.time.setNextBlockTimestamp(expiry);
    await registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: alice.account });
    await networkHelpers.time.setNextBlockTimestamp(expiry + 1);
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: bob.account }), "SwarmRegistryInviteExpired", [hash, expiry]);
    expect(await registry.read.isMember([id, addr(bob)])).toBe(false);
  });

  it("revoked invites cannot be used; revocation is per swarm and admin-only", async () => {
    const { registry, id, domain } = await inviteFixture();
    const { invite, hash, signature } = await signInvite(admin, domain, await newInvite({ maxUses: 5 }));
    await registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: alice.account });

    // an admin of another swarm cannot revoke swarm 1's invite (revocation is keyed by swarm)
    const other = await create(registry, { policy: Policy.Invite }, [], eve);
    await registry.write.revokeInvite([other, hash], { account: eve.account });
    expect(await registry.read.isInviteRevoked([id, hash])).toBe(false);
    await registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: bob.account });

    await expectRevert(registry.write.revokeInvite([id, hash], { account: alice.account }), "SwarmRegistryNotAdmin", [id, addr(alice)]);
    await expectRevert(registry.write.revokeInvite([99n, hash], { account: admin.account }), "SwarmRegistryUnknownSwarm", [99n]);
    expect(await events(registry, registry.write.revokeInvite([id, hash], { account: admin.account }))).toEqual([
      { eventName: "InviteRevoked", args: { swarmId: id, inviteHash: hash } },
    ]);
    expect(await registry.read.isInviteRevoked([id, hash])).toBe(true);
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: carol.account }), "SwarmRegistryInviteRevoked", [hash]);
    expect(await registry.read.inviteUses([id, hash])).toBe(2);
  });

  it("an invite for someone else cannot be used", async () => {
    const { registry, id, domain } = await inviteFixture();
    const { invite, hash, signature } = await signInvite(admin, domain, await newInvite({ invitee: addr(alice) }));
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: bob.account }), "SwarmRegistryInviteWrongInvitee", [hash, addr(alice), addr(bob)]);
    // changing the invitee in the struct breaks the signature
    const forged = { ...invite, invitee: addr(bob) };
    const forgedHash = await registry.read.hashInvite([forged]);
    await expectRevert(registry.write.joinWithInvite([id, forged, addr(admin), signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSignature", [forgedHash, addr(admin)]);
  });

  it("signed by a non-admin, or by someone other than the claimed signer", async () => {
    const { registry, id, domain } = await inviteFixture();
    const byAlice = await signInvite(alice, domain, await newInvite());
    await expectRevert(registry.write.joinWithInvite([id, byAlice.invite, addr(alice), byAlice.signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSigner", [byAlice.hash, addr(alice)]);
    await expectRevert(registry.write.joinWithInvite([id, byAlice.invite, addr(admin), byAlice.signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSignature", [byAlice.hash, addr(admin)]);
    await expectRevert(registry.write.joinWithInvite([id, byAlice.invite, zeroAddress, byAlice.signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSigner", [byAlice.hash, zeroAddress]);
  });

  it("an admin's outstanding invites die when the admin is revoked", async () => {
    const { registry, id, domain } = await inviteFixture();
    const { invite, hash, signature } = await signInvite(admin, domain, await newInvite());
    await registry.write.setAdmin([id, addr(admin), false], { account: owner.account });
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSigner", [hash, addr(admin)]);
  });

  it("signatures for another chain id or another registry are rejected", async () => {
    const { registry, id, domain } = await inviteFixture();
    const invite = await newInvite();
    const hash = await registry.read.hashInvite([invite]);

    const otherChain = await signInvite(admin, { ...domain, chainId: Number(domain.chainId) + 1 }, invite);
    expect(otherChain.hash).not.toBe(hash);
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), otherChain.signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSignature", [hash, addr(admin)]);

    // a second registry with the same swarm id and admin: its invite does not work here, and vice versa
    const registry2 = await viem.deployContract("SwarmRegistry");
    await registry2.write.createSwarm([{ ...OPEN, policy: Policy.Invite }, [addr(admin)]], { account: owner.account });
    const domain2: Domain = await readDomain(publicClient, registry2.address);
    const forRegistry2 = await signInvite(admin, domain2, invite);
    await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), forRegistry2.signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSignature", [hash, addr(admin)]);
    await registry2.write.joinWithInvite([1n, invite, addr(admin), forRegistry2.signature, ""], { account: bob.account });
    expect(await registry2.read.isMember([1n, addr(bob)])).toBe(true);
    expect(await registry.read.isMember([id, addr(bob)])).toBe(false);
  });

  it("malformed signatures are rejected with InvalidInviteSignature", async () => {
    const { registry, id, domain } = await inviteFixture();
    const { invite, hash, signature } = await signInvite(admin, domain, await newInvite());
    const malformed: Hex[] = [
      "0x",
      "0x1234",
      signature.slice(0, -2) as Hex, // 64 bytes read as a (r, vs) compact signature of a different digest
      `0x${"11".repeat(65)}`,
      `${signature.slice(0, -2)}1f` as Hex, // invalid v
      `${signature}00` as Hex, // 66 bytes
    ];
    for (const bad of malformed) {
      await expectRevert(registry.write.joinWithInvite([id, invite, addr(admin), bad, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSignature", [hash, addr(admin)]);
    }
    expect(await registry.read.inviteUses([id, hash])).toBe(0);
    await registry.write.joinWithInvite([id, invite, addr(admin), signature, ""], { account: bob.account });
  });

  it("invite for another swarm, wrong policy, already a member", async () => {
    const { registry, id, domain } = await inviteFixture();
    const id2 = await create(registry, { policy: Policy.Invite }, [addr(admin)]);
    const forSwarm2 = await signInvite(admin, domain, await newInvite({ swarmId: id2 }));
    await expectRevert(registry.write.joinWithInvite([id, forSwarm2.invite, addr(admin), forSwarm2.signature, ""], { account: bob.account }), "SwarmRegistryInviteSwarmMismatch", [id, id2]);
    await registry.write.joinWithInvite([id2, forSwarm2.invite, addr(admin), forSwarm2.signature, ""], { account: bob.account });

    const openId = await create(registry, {}, [addr(admin)]);
    const forOpen = await signInvite(admin, domain, await newInvite({ swarmId: openId }));
    await expectRevert(registry.write.joinWithInvite([openId, forOpen.invite, addr(admin), forOpen.signature, ""], { account: bob.account }), "SwarmRegistryWrongPolicy", [openId, Policy.Open]);
    await expectRevert(registry.write.joinWithInvite([77n, forOpen.invite, addr(admin), forOpen.signature, ""], { account: bob.account }), "SwarmRegistryUnknownSwarm", [77n]);

    const own = await signInvite(admin, domain, await newInvite({ salt: salt(9) }));
    await expectRevert(registry.write.joinWithInvite([id, own.invite, addr(admin), own.signature, ""], { account: owner.account }), "SwarmRegistryAlreadyMember", [id, addr(owner)]);
    await expectRevert(registry.write.joinWithInvite([id, own.invite, addr(admin), own.signature, "x".repeat(MAX_URI + 1)], { account: carol.account }), "SwarmRegistryURITooLong", [BigInt(MAX_URI + 1), BigInt(MAX_URI)]);
  });

  it("an EIP-1271 smart-account admin can sign invites", async () => {
    const { registry, id, domain } = await inviteFixture();
    const smart = await viem.deployContract("MockERC1271Wallet", [addr(dave)]);
    const smartAddr = getAddress(smart.address);
    const signed = await signInvite(dave, domain, await newInvite({ maxUses: 2 }));

    // not an admin yet
    await expectRevert(registry.write.joinWithInvite([id, signed.invite, smartAddr, signed.signature, ""], { account: bob.account }), "SwarmRegistryInvalidInviteSigner", [signed.hash, smartAddr]);
    await registry.write.setAdmin([id, smartAddr, true], { account: owner.account });
    const evs = await events(registry, registry.write.joinWithInvite([id, signed.invite, smartAddr, signed.signature, ""], { account: bob.account }));
    expect(evs[0]).toEqual({ eventName: "InviteUsed", args: { swarmId: id, inviteHash: signed.hash, member: addr(bob), uses: 1 } });
    expect(await registry.read.isMember([id, addr(bob)])).toBe(true);

    // a signature by a key that does not own the smart account is refused by isValidSignature
    const wrongKey = await signInvite(eve, domain, await newInvite({ salt: salt(5) }));
    await expectRevert(registry.write.joinWithInvite([id, wrongKey.invite, smartAddr, wrongKey.signature, ""], { account: carol.account }), "SwarmRegistryInvalidInviteSignature", [wrongKey.hash, smartAddr]);
    // the smart account's owner key is not itself an admin
    await expectRevert(registry.write.joinWithInvite([id, signed.invite, addr(dave), signed.signature, ""], { account: carol.account }), "SwarmRegistryInvalidInviteSigner", [signed.hash, addr(dave)]);
  });
});

describe("SwarmRegistry: property", () => {
  it("random join/leave/remove sequences keep memberCount and isMember equal to a model", async () => {
    const actors = [alice, bob, carol, dave, owner]; // index 4 is the owner
    const OWNER = 4;
    const op = fc.record({ kind: fc.constantFrom("join", "leave", "remove"), who: fc.integer({ min: 0, max: actors.length - 1 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        const { registry } = await fixture();
        const id = await create(registry, {}, [addr(admin)]);
        const model = new Set<number>([OWNER]);
        const firstJoin: number[] = [OWNER];
        for (const { kind, who } of ops) {
          const actor = actors[who]!;
          const a = addr(actor);
          if (kind === "join") {
            if (model.has(who)) await expectRevert(registry.write.join([id, ""], { account: actor.account }), "SwarmRegistryAlreadyMember", [id, a]);
            else {
              await registry.write.join([id, `agent-${who}`], { account: actor.account });
              model.add(who);
              if (!firstJoin.includes(who)) firstJoin.push(who);
            }
          } else {
            const tx = () =>
              kind === "leave"
                ? registry.write.leave([id], { account: actor.account })
                : registry.write.removeMember([id, a], { account: admin.account });
            if (!model.has(who)) await expectRevert(tx(), "SwarmRegistryNotMember", [id, a]);
            else if (who === OWNER) {
              await expectRevert(tx(), kind === "leave" ? "SwarmRegistryOwnerCannotLeave" : "SwarmRegistryCannotRemoveOwner", [id]);
            } else {
              await tx();
              model.delete(who);
            }
          }
          expect(await registry.read.memberCount([id])).toBe(BigInt(model.size));
        }
        for (let i = 0; i < actors.length; i++) {
          expect(await registry.read.isMember([id, addr(actors[i]!)])).toBe(model.has(i));
          // indexes: first-join order, kept across leave/rejoin
          const index = firstJoin.indexOf(i) + 1;
          expect(await registry.read.membership([id, addr(actors[i]!)])).toEqual([model.has(i), BigInt(index)]);
          expect(await registry.read.memberIndex([id, addr(actors[i]!)])).toBe(model.has(i) ? BigInt(index) : 0n);
        }
        expect(await registry.read.memberIndexCount([id])).toBe(BigInt(firstJoin.length));
      }),
      { numRuns: 25 },
    );
  });
});
