import { beforeAll, describe, expect, it } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import { encodeFunctionData, keccak256, parseEventLogs, toHex, zeroAddress, type Address, type Hex, type WalletClient } from "viem";
import { expectRevert, decodeRevert } from "../helpers/errors.ts";
import { readDomain, signTyped } from "../helpers/signatures.ts";

const SET_TYPES = {
  SetState: [
    { name: "swarmId", type: "uint256" },
    { name: "key", type: "bytes32" },
    { name: "value", type: "bytes" },
    { name: "expectedVersion", type: "uint64" },
    { name: "writer", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;
const DELETE_TYPES = {
  DeleteState: [
    { name: "swarmId", type: "uint256" },
    { name: "key", type: "bytes32" },
    { name: "expectedVersion", type: "uint64" },
    { name: "writer", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

const MAX = 4096;
const openSwarm = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;

let keyCounter = 0;
/** A fresh key per test so tests sharing a deployment never collide. */
function freshKey(label = "k"): Hex {
  keyCounter += 1;
  return keccak256(toHex(`${label}-${keyCounter}`));
}

function bytesOf(length: number, seed = 1): Hex {
  let hex = "";
  for (let i = 0; i < length; i++) hex += ((i * 7 + seed) % 256).toString(16).padStart(2, "0");
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
  // swarm 1: owner creates it, admin2 is an extra (non-member) admin; alice, bob, carol join
  await registry.write.createSwarm([openSwarm, [admin2!.account.address]], { account: owner!.account });
  for (const w of [alice!, bob!, carol!]) await registry.write.join([1n, ""], { account: w.account });
  // swarm 2: created by bob (so bob is its admin and only member)
  await registry.write.createSwarm([openSwarm, []], { account: bob!.account });
  const state = await viem.deployContract("SharedState", [registry.address]);

  /** Sends a write and returns its receipt (throws on revert). */
  async function receiptOf(hash: Promise<Hex>) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    expect(receipt.status).toBe("success");
    return receipt;
  }
  function logsOf(receipt: Awaited<ReturnType<typeof receiptOf>>, eventName: string) {
    // addresses lower-cased, as wallet clients report them
    return parseEventLogs({ abi: state.abi, logs: receipt.logs })
      .filter((l) => l.eventName === eventName)
      .map((l) => ({ ...l, args: lowerAddresses(l.args as Record<string, unknown>) }));
  }
  return { viem, networkHelpers, publicClient, registry, state, owner: owner!, alice: alice!, bob: bob!, carol: carol!, outsider: outsider!, admin2: admin2!, receiptOf, logsOf };
}

type Fixture = Awaited<ReturnType<typeof deployFixture>>;

describe("SharedState", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await deployFixture();
  });

  describe("deployment", () => {
    it("stores the registry and exposes the size bound", async () => {
      expect((await f.state.read.registry()).toLowerCase()).toBe(f.registry.address.toLowerCase());
      expect(await f.state.read.MAX_VALUE_SIZE()).toBe(BigInt(MAX));
    });

    it("rejects a zero registry", async () => {
      await expect(f.viem.deployContract("SharedState", [zeroAddress])).rejects.toThrow(/SharedStateZeroAddress/);
    });
  });

  describe("set", () => {
    it("creates a key at version 1 and emits StateSet with value and hash", async () => {
      const key = freshKey();
      const value = bytesOf(32);
      expect(await f.state.read.get([1n, key])).toEqual(["0x", 0n, false]);
      const { result } = await f.state.simulate.set([1n, key, value, 0n], { account: f.alice.account.address });
      expect(result).toBe(1n);
      const receipt = await f.receiptOf(f.state.write.set([1n, key, value, 0n], { account: f.alice.account }));
      const logs = f.logsOf(receipt, "StateSet");
      expect(logs).toHaveLength(1);
      expect(logs[0]!.args).toEqual({
        swarmId: 1n,
        key,
        writer: f.alice.account.address,
        version: 1n,
        value,
        valueHash: keccak256(value),
      });
      expect(await f.state.read.get([1n, key])).toEqual([value, 1n, true]);
      expect(await f.state.read.version([1n, key])).toBe(1n);
    });

    it("updates with the current version and rejects a stale or future one", async () => {
      const key = freshKey();
      await f.receiptOf(f.state.write.set([1n, key, "0x01", 0n], { account: f.alice.account }));
      await f.receiptOf(f.state.write.set([1n, key, "0x02", 1n], { account: f.bob.account }));
      // alice still holds version 1: stale
      await expectRevert(f.state.write.set([1n, key, "0x03", 1n], { account: f.alice.account }), "SharedStateVersionMismatch", [1n, key, 1n, 2n]);
      await expectRevert(f.state.write.set([1n, key, "0x03", 7n], { account: f.alice.account }), "SharedStateVersionMismatch", [1n, key, 7n, 2n]);
      // a key never written needs expectedVersion 0
      const other = freshKey();
      await expectRevert(f.state.write.set([1n, other, "0x03", 1n], { account: f.alice.account }), "SharedStateVersionMismatch", [1n, other, 1n, 0n]);
      expect(await f.state.read.get([1n, key])).toEqual(["0x02", 2n, true]);
      expect(await f.state.read.get([1n, other])).toEqual(["0x", 0n, false]);
    });

    it("round-trips values of every word boundary length and never leaks stale bytes when shrinking", async () => {
      const key = freshKey();
      let version = 0n;
      for (const length of [100, 5, 0, 1, 31, 32, 33, 64, 65, 3, MAX, 40]) {
        const value = bytesOf(length, length);
        await f.receiptOf(f.state.write.set([1n, key, value, version], { account: f.carol.account }));
        version += 1n;
        expect(await f.state.read.get([1n, key])).toEqual([value, version, true]);
      }
    });

    it("accepts an empty value as an existing key", async () => {
      const key = freshKey();
      await f.receiptOf(f.state.write.set([1n, key, "0x", 0n], { account: f.alice.account }));
      expect(await f.state.read.get([1n, key])).toEqual(["0x", 1n, true]);
    });

    it("rejects a value over MAX_VALUE_SIZE with its size and the max", async () => {
      const key = freshKey();
      await expectRevert(f.state.write.set([1n, key, bytesOf(MAX + 1), 0n], { account: f.alice.account }), "SharedStateValueTooLarge", [BigInt(MAX + 1), BigInt(MAX)]);
      expect(await f.state.read.version([1n, key])).toBe(0n);
    });

    it("rejects non-members and unknown swarms", async () => {
      const key = freshKey();
      await expectRevert(f.state.write.set([1n, key, "0x01", 0n], { account: f.outsider.account }), "SharedStateNotMember", [1n, f.outsider.account.address]);
      // an admin that is not a member cannot write either
      await expectRevert(f.state.write.set([1n, key, "0x01", 0n], { account: f.admin2.account }), "SharedStateNotMember", [1n, f.admin2.account.address]);
      await expectRevert(f.state.write.set([99n, key, "0x01", 0n], { account: f.alice.account }), "SharedStateNotMember", [99n, f.alice.account.address]);
      expect(await f.state.read.version([1n, key])).toBe(0n);
    });

    it("keeps swarms apart: the same key in two swarms has independent values and versions", async () => {
      const key = freshKey();
      await f.receiptOf(f.state.write.set([1n, key, "0xaa", 0n], { account: f.bob.account }));
      await f.receiptOf(f.state.write.set([1n, key, "0xab", 1n], { account: f.bob.account }));
      await f.receiptOf(f.state.write.set([2n, key, "0xbb", 0n], { account: f.bob.account }));
      expect(await f.state.read.get([1n, key])).toEqual(["0xab", 2n, true]);
      expect(await f.state.read.get([2n, key])).toEqual(["0xbb", 1n, true]);
      // alice is not in swarm 2
      await expectRevert(f.state.write.set([2n, key, "0x01", 1n], { account: f.alice.account }), "SharedStateNotMember", [2n, f.alice.account.address]);
    });

    it("stops a member who left", async () => {
      const g = await deployFixture();
      const key = freshKey();
      await g.receiptOf(g.state.write.set([1n, key, "0x01", 0n], { account: g.carol.account }));
      await g.receiptOf(g.registry.write.leave([1n], { account: g.carol.account }));
      await expectRevert(g.state.write.set([1n, key, "0x02", 1n], { account: g.carol.account }), "SharedStateNotMember", [1n, g.carol.account.address]);
      expect(await g.state.read.canWrite([1n, key, g.carol.account.address])).toBe(false);
    });

    it("updates an existing key with a 32-byte value in at most 50,000 gas", async () => {
      const key = freshKey("gas");
      await f.receiptOf(f.state.write.set([1n, key, bytesOf(32, 1), 0n], { account: f.alice.account }));
      const receipt = await f.receiptOf(f.state.write.set([1n, key, bytesOf(32, 2), 1n], { account: f.bob.account }));
      console.log(`SharedState.set 32-byte compare-and-set update: ${receipt.gasUsed} gas`);
      expect(receipt.gasUsed).toBeLessThanOrEqual(50_000n);
    });
  });

  describe("del", () => {
    it("deletes with the current version, bumps the version and emits StateDeleted", async () => {
      const key = freshKey();
      await f.receiptOf(f.state.write.set([1n, key, "0x1234", 0n], { account: f.alice.account }));
      const { result } = await f.state.simulate.del([1n, key, 1n], { account: f.bob.account.address });
      expect(result).toBe(2n);
      const receipt = await f.receiptOf(f.state.write.del([1n, key, 1n], { account: f.bob.account }));
      const logs = f.logsOf(receipt, "StateDeleted");
      expect(logs).toHaveLength(1);
      expect(logs[0]!.args).toEqual({ swarmId: 1n, key, writer: f.bob.account.address, version: 2n });
      expect(await f.state.read.get([1n, key])).toEqual(["0x", 2n, false]);
      expect(await f.state.read.version([1n, key])).toBe(2n);
    });

    it("rejects a stale version, a missing key and a second delete", async () => {
      const key = freshKey();
      await expectRevert(f.state.write.del([1n, key, 0n], { account: f.alice.account }), "SharedStateKeyNotFound", [1n, key, 0n]);
      await f.receiptOf(f.state.write.set([1n, key, "0x01", 0n], { account: f.alice.account }));
      await f.receiptOf(f.state.write.set([1n, key, "0x02", 1n], { account: f.alice.account }));
      await expectRevert(f.state.write.del([1n, key, 1n], { account: f.alice.account }), "SharedStateVersionMismatch", [1n, key, 1n, 2n]);
      await f.receiptOf(f.state.write.del([1n, key, 2n], { account: f.alice.account }));
      await expectRevert(f.state.write.del([1n, key, 3n], { account: f.alice.account }), "SharedStateKeyNotFound", [1n, key, 3n]);
      await expectRevert(f.state.write.del([1n, key, 3n], { account: f.outsider.account }), "SharedStateNotMember", [1n, f.outsider.account.address]);
      expect(await f.state.read.get([1n, key])).toEqual(["0x", 3n, false]);
    });

    it("never reuses a version: a stale writer cannot win after delete and re-create", async () => {
      const key = freshKey();
      await f.receiptOf(f.state.write.set([1n, key, "0x01", 0n], { account: f.alice.account })); // v1, alice and bob read v1
      await f.receiptOf(f.state.write.del([1n, key, 1n], { account: f.alice.account })); // v2 deleted
      // re-create needs the deleted version, not 0
      await expectRevert(f.state.write.set([1n, key, "0x02", 0n], { account: f.carol.account }), "SharedStateVersionMismatch", [1n, key, 0n, 2n]);
      await f.receiptOf(f.state.write.set([1n, key, "0x02", 2n], { account: f.carol.account })); // v3
      await expectRevert(f.state.write.set([1n, key, "0x03", 1n], { account: f.bob.account }), "SharedStateVersionMismatch", [1n, key, 1n, 3n]);
      expect(await f.state.read.get([1n, key])).toEqual(["0x02", 3n, true]);
    });
  });

  describe("key writers and restriction", () => {
    it("only admins manage writers and restriction", async () => {
      const key = freshKey();
      await expectRevert(f.state.write.setKeyWriter([1n, key, f.alice.account.address, true], { account: f.alice.account }), "SharedStateNotAdmin", [1n, f.alice.account.address]);
      await expectRevert(f.state.write.setKeyRestricted([1n, key, true], { account: f.alice.account }), "SharedStateNotAdmin", [1n, f.alice.account.address]);
      await expectRevert(f.state.write.setKeyRestricted([99n, key, true], { account: f.owner.account }), "SharedStateNotAdmin", [99n, f.owner.account.address]);
      // bob is admin of swarm 2, not of swarm 1
      await expectRevert(f.state.write.setKeyRestricted([1n, key, true], { account: f.bob.account }), "SharedStateNotAdmin", [1n, f.bob.account.address]);
      await expectRevert(f.state.write.setKeyWriter([1n, key, zeroAddress, true], { account: f.owner.account }), "SharedStateZeroAddress", []);
      expect(await f.state.read.isKeyRestricted([1n, key])).toBe(false);
      expect(await f.state.read.isKeyWriter([1n, key, f.alice.account.address])).toBe(false);
    });

    it("emits KeyWriterUpdated and KeyRestrictionUpdated with the admin", async () => {
      const key = freshKey();
      let receipt = await f.receiptOf(f.state.write.setKeyWriter([1n, key, f.alice.account.address, true], { account: f.admin2.account }));
      expect(f.logsOf(receipt, "KeyWriterUpdated").map((l) => l.args)).toEqual([
        { swarmId: 1n, key, writer: f.alice.account.address, allowed: true, admin: f.admin2.account.address },
      ]);
      receipt = await f.receiptOf(f.state.write.setKeyRestricted([1n, key, true], { account: f.owner.account }));
      expect(f.logsOf(receipt, "KeyRestrictionUpdated").map((l) => l.args)).toEqual([
        { swarmId: 1n, key, restricted: true, admin: f.owner.account.address },
      ]);
      expect(await f.state.read.isKeyWriter([1n, key, f.alice.account.address])).toBe(true);
      expect(await f.state.read.isKeyRestricted([1n, key])).toBe(true);
    });

    it("once restricted, only listed members write (set and del); unrestricting reopens the key", async () => {
      const key = freshKey();
      const other = freshKey();
      await f.receiptOf(f.state.write.set([1n, key, "0x01", 0n], { account: f.bob.account })); // v1
      await f.receiptOf(f.state.write.setKeyRestricted([1n, key, true], { account: f.owner.account }));
      // restricting does not touch value or version
      expect(await f.state.read.get([1n, key])).toEqual(["0x01", 1n, true]);
      await expectRevert(f.state.write.set([1n, key, "0x02", 1n], { account: f.bob.account }), "SharedStateWriterNotAllowed", [1n, key, f.bob.account.address]);
      await expectRevert(f.state.write.del([1n, key, 1n], { account: f.bob.account }), "SharedStateWriterNotAllowed", [1n, key, f.bob.account.address]);
      // even the owner (an admin and member) must be listed
      await expectRevert(f.state.write.set([1n, key, "0x02", 1n], { account: f.owner.account }), "SharedStateWriterNotAllowed", [1n, key, f.owner.account.address]);
      expect(await f.state.read.canWrite([1n, key, f.alice.account.address])).toBe(false);

      await f.receiptOf(f.state.write.setKeyWriter([1n, key, f.alice.account.address, true], { account: f.owner.account }));
      expect(await f.state.read.canWrite([1n, key, f.alice.account.address])).toBe(true);
      expect(await f.state.read.canWrite([1n, key, f.bob.account.address])).toBe(false);
      await f.receiptOf(f.state.write.set([1n, key, "0x02", 1n], { account: f.alice.account })); // v2
      await f.receiptOf(f.state.write.del([1n, key, 2n], { account: f.alice.account })); // v3
      // other keys are unaffected
      await f.receiptOf(f.state.write.set([1n, other, "0x09", 0n], { account: f.bob.account }));
      expect(await f.state.read.canWrite([1n, other, f.bob.account.address])).toBe(true);

      // taking alice off the list stops her
      await f.receiptOf(f.state.write.setKeyWriter([1n, key, f.alice.account.address, false], { account: f.owner.account }));
      await expectRevert(f.state.write.set([1n, key, "0x03", 3n], { account: f.alice.account }), "SharedStateWriterNotAllowed", [1n, key, f.alice.account.address]);

      // unrestricting reopens the key to every member
      await f.receiptOf(f.state.write.setKeyRestricted([1n, key, false], { account: f.owner.account }));
      await f.receiptOf(f.state.write.set([1n, key, "0x03", 3n], { account: f.bob.account }));
      expect(await f.state.read.get([1n, key])).toEqual(["0x03", 4n, true]);
    });

    it("a listed writer still has to be a member", async () => {
      const key = freshKey();
      await f.receiptOf(f.state.write.setKeyWriter([1n, key, f.outsider.account.address, true], { account: f.owner.account }));
      await f.receiptOf(f.state.write.setKeyRestricted([1n, key, true], { account: f.owner.account }));
      await expectRevert(f.state.write.set([1n, key, "0x01", 0n], { account: f.outsider.account }), "SharedStateNotMember", [1n, f.outsider.account.address]);
      expect(await f.state.read.canWrite([1n, key, f.outsider.account.address])).toBe(false);
    });
  });

  describe("relayed writes (EIP-712)", () => {
    const FAR = 10n ** 12n; // a deadline far in the future

    async function signSet(signer: WalletClient, m: { swarmId: bigint; key: Hex; value: Hex; expectedVersion: bigint; writer: Address; deadline: bigint }) {
      const domain = await readDomain(f.publicClient, f.state.address);
      return signTyped(signer, domain, SET_TYPES, "SetState", m);
    }
    async function signDel(signer: WalletClient, m: { swarmId: bigint; key: Hex; expectedVersion: bigint; writer: Address; deadline: bigint }) {
      const domain = await readDomain(f.publicClient, f.state.address);
      return signTyped(signer, domain, DELETE_TYPES, "DeleteState", m);
    }

    it("uses the documented domain", async () => {
      const domain = await readDomain(f.publicClient, f.state.address);
      expect(domain.name).toBe("Concord SharedState");
      expect(domain.version).toBe("1");
    });

    it("setBySig writes as the signer, submitted by anyone, and cannot be replayed", async () => {
      const key = freshKey();
      const writer = f.alice.account.address;
      const m = { swarmId: 1n, key, value: "0xc0ffee" as Hex, expectedVersion: 0n, writer, deadline: FAR };
      const sig = await signSet(f.alice, m);
      const receipt = await f.receiptOf(f.state.write.setBySig([1n, key, m.value, 0n, writer, FAR, sig], { account: f.outsider.account }));
      expect(f.logsOf(receipt, "StateSet").map((l) => l.args)).toEqual([
        { swarmId: 1n, key, writer: writer.toLowerCase(), version: 1n, value: "0xc0ffee", valueHash: keccak256("0xc0ffee") },
      ]);
      expect(await f.state.read.get([1n, key])).toEqual(["0xc0ffee", 1n, true]);
      // the version it expected is gone: the same signature can never succeed again
      await expectRevert(f.state.write.setBySig([1n, key, m.value, 0n, writer, FAR, sig], { account: f.bob.account }), "SharedStateVersionMismatch", [1n, key, 0n, 1n]);
    });

    it("rejects expired, forged and tampered signatures", async () => {
      const key = freshKey();
      const writer = f.alice.account.address;
      const latest = BigInt(await f.networkHelpers.time.latest());
      const expired = { swarmId: 1n, key, value: "0x01" as Hex, expectedVersion: 0n, writer, deadline: latest };
      const expiredSig = await signSet(f.alice, expired);
      const err = await expectRevert(f.state.write.setBySig([1n, key, "0x01", 0n, writer, latest, expiredSig], { account: f.bob.account }), "SharedStateSignatureExpired");
      expect(err.args[0]).toBe(latest);
      expect(err.args[1] as bigint).toBeGreaterThan(latest);

      const m = { swarmId: 1n, key, value: "0x01" as Hex, expectedVersion: 0n, writer, deadline: FAR };
      // bob signs a message claiming to be alice
      const forged = await signSet(f.bob, m);
      await expectRevert(f.state.write.setBySig([1n, key, "0x01", 0n, writer, FAR, forged], { account: f.bob.account }), "SharedStateInvalidSignature", [writer]);
      const good = await signSet(f.alice, m);
      // each signed field is bound: value, key, swarm, version, deadline
      await expectRevert(f.state.write.setBySig([1n, key, "0x02", 0n, writer, FAR, good], { account: f.bob.account }), "SharedStateInvalidSignature", [writer]);
      await expectRevert(f.state.write.setBySig([1n, freshKey(), "0x01", 0n, writer, FAR, good], { account: f.bob.account }), "SharedStateInvalidSignature", [writer]);
      await expectRevert(f.state.write.setBySig([2n, key, "0x01", 0n, writer, FAR, good], { account: f.bob.account }), "SharedStateInvalidSignature", [writer]);
      await expectRevert(f.state.write.setBySig([1n, key, "0x01", 0n, writer, FAR - 1n, good], { account: f.bob.account }), "SharedStateInvalidSignature", [writer]);
      await expectRevert(f.state.write.setBySig([1n, key, "0x01", 0n, writer, FAR, "0x1234"], { account: f.bob.account }), "SharedStateInvalidSignature", [writer]);
      expect(await f.state.read.version([1n, key])).toBe(0n);
      await f.receiptOf(f.state.write.setBySig([1n, key, "0x01", 0n, writer, FAR, good], { account: f.bob.account }));
      expect(await f.state.read.get([1n, key])).toEqual(["0x01", 1n, true]);
    });

    it("applies membership and key restriction to the signer, not the relayer", async () => {
      const key = freshKey();
      const outsider = f.outsider.account.address;
      const m = { swarmId: 1n, key, value: "0x01" as Hex, expectedVersion: 0n, writer: outsider, deadline: FAR };
      const sig = await signSet(f.outsider, m);
      // relayed by a member, still the outsider's write
      await expectRevert(f.state.write.setBySig([1n, key, "0x01", 0n, outsider, FAR, sig], { account: f.alice.account }), "SharedStateNotMember", [1n, outsider]);

      await f.receiptOf(f.state.write.setKeyRestricted([1n, key, true], { account: f.owner.account }));
      await f.receiptOf(f.state.write.setKeyWriter([1n, key, f.bob.account.address, true], { account: f.owner.account }));
      const aliceSig = await signSet(f.alice, { ...m, writer: f.alice.account.address });
      // bob (a listed writer) relaying alice's write does not make it allowed
      await expectRevert(f.state.write.setBySig([1n, key, "0x01", 0n, f.alice.account.address, FAR, aliceSig], { account: f.bob.account }), "SharedStateWriterNotAllowed", [1n, key, f.alice.account.address]);
      const bobSig = await signSet(f.bob, { ...m, writer: f.bob.account.address });
      await f.receiptOf(f.state.write.setBySig([1n, key, "0x01", 0n, f.bob.account.address, FAR, bobSig], { account: f.alice.account }));
      expect(await f.state.read.version([1n, key])).toBe(1n);
    });

    it("delBySig deletes as the signer and binds its fields", async () => {
      const key = freshKey();
      const writer = f.carol.account.address;
      await f.receiptOf(f.state.write.set([1n, key, "0x01", 0n], { account: f.alice.account }));
      const m = { swarmId: 1n, key, expectedVersion: 1n, writer, deadline: FAR };
      const sig = await signDel(f.carol, m);
      await expectRevert(f.state.write.delBySig([1n, key, 2n, writer, FAR, sig], { account: f.outsider.account }), "SharedStateInvalidSignature", [writer]);
      await expectRevert(f.state.write.delBySig([1n, key, 1n, writer, FAR, await signDel(f.alice, m)], { account: f.outsider.account }), "SharedStateInvalidSignature", [writer]);
      const latest = BigInt(await f.networkHelpers.time.latest());
      const expiredSig = await signDel(f.carol, { ...m, deadline: latest });
      await expectRevert(f.state.write.delBySig([1n, key, 1n, writer, latest, expiredSig], { account: f.outsider.account }), "SharedStateSignatureExpired");
      const receipt = await f.receiptOf(f.state.write.delBySig([1n, key, 1n, writer, FAR, sig], { account: f.outsider.account }));
      expect(f.logsOf(receipt, "StateDeleted").map((l) => l.args)).toEqual([{ swarmId: 1n, key, writer: writer.toLowerCase(), version: 2n }]);
      await expectRevert(f.state.write.delBySig([1n, key, 1n, writer, FAR, sig], { account: f.outsider.account }), "SharedStateVersionMismatch", [1n, key, 1n, 2n]);
    });

    it("accepts an EIP-1271 smart-account member's signature", async () => {
      const wallet = await f.viem.deployContract("MockERC1271Wallet", [f.carol.account.address]);
      const join = encodeFunctionData({ abi: f.registry.abi, functionName: "join", args: [1n, ""] });
      await f.receiptOf(wallet.write.execute([f.registry.address, 0n, join], { account: f.carol.account }));
      const key = freshKey();
      const m = { swarmId: 1n, key, value: "0xaa" as Hex, expectedVersion: 0n, writer: wallet.address, deadline: FAR };
      // the wallet accepts its owner's ECDSA signature of the digest
      const sig = await signSet(f.carol, m);
      const receipt = await f.receiptOf(f.state.write.setBySig([1n, key, "0xaa", 0n, wallet.address, FAR, sig], { account: f.outsider.account }));
      expect(f.logsOf(receipt, "StateSet")[0]!.args.writer).toBe(wallet.address.toLowerCase());
      const wrong = await signSet(f.bob, m);
      await expectRevert(f.state.write.setBySig([1n, key, "0xaa", 1n, wallet.address, FAR, wrong], { account: f.outsider.account }), "SharedStateInvalidSignature", [wallet.address]);
    });
  });

  describe("properties", () => {
    it("compare-and-set never loses an update under random interleavings (TypeScript model)", async () => {
      const writers = [f.alice, f.bob, f.carol];
      type Op = { kind: "read" | "set" | "del"; writer: number; value: Hex };
      const opArb: fc.Arbitrary<Op> = fc.record({
        kind: fc.constantFrom("read", "set", "set", "del") as fc.Arbitrary<Op["kind"]>,
        writer: fc.integer({ min: 0, max: writers.length - 1 }),
        value: fc.uint8Array({ minLength: 0, maxLength: 70 }).map((b) => toHex(b)),
      });

      const seen = { success: 0, mismatch: 0, notFound: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 18 }), async (ops) => {
          const key = freshKey("prop");
          // model: the chain's state and each writer's last-read version
          const model = { version: 0n, value: "0x" as Hex, live: false };
          const readVersion = writers.map(() => 0n);
          const successfulVersions: bigint[] = [];
          let lastWritten: Hex | undefined;

          for (const op of ops) {
            const account = writers[op.writer]!.account;
            if (op.kind === "read") {
              const [value, version, exists] = await f.state.read.get([1n, key]);
              expect([value, version, exists]).toEqual([model.value, model.version, model.live]);
              readVersion[op.writer] = version;
              continue;
            }
            const expected = readVersion[op.writer]!;
            const call = op.kind === "set"
              ? f.state.write.set([1n, key, op.value, expected], { account })
              : f.state.write.del([1n, key, expected], { account });
            let error: unknown;
            try {
              await f.receiptOf(call);
            } catch (e) {
              error = e;
            }
            const versionMatches = expected === model.version;
            const shouldSucceed = versionMatches && (op.kind === "set" || model.live);
            if (shouldSucceed) {
              expect(error).toBeUndefined();
              model.version += 1n;
              model.live = op.kind === "set";
              model.value = op.kind === "set" ? op.value : "0x";
              if (op.kind === "set") lastWritten = op.value;
              readVersion[op.writer] = model.version; // a writer knows the version it just wrote
              successfulVersions.push(model.version);
              seen.success += 1;
            } else {
              const decoded = decodeRevert(error);
              if (!versionMatches) {
                expect(decoded?.errorName).toBe("SharedStateVersionMismatch");
                expect(decoded?.args).toEqual([1n, key, expected, model.version]);
                seen.mismatch += 1;
              } else {
                expect(decoded?.errorName).toBe("SharedStateKeyNotFound");
                expect(decoded?.args).toEqual([1n, key, model.version]);
                seen.notFound += 1;
              }
            }
            expect(await f.state.read.get([1n, key])).toEqual([model.value, model.version, model.live]);
          }
          // versions strictly increase, one per successful write, never reused
          for (let i = 1; i < successfulVersions.length; i++) {
            expect(successfulVersions[i]!).toBe(successfulVersions[i - 1]! + 1n);
          }
          expect(await f.state.read.version([1n, key])).toBe(BigInt(successfulVersions.length));
          if (model.live) expect((await f.state.read.get([1n, key]))[0]).toBe(lastWritten);
        }),
        { numRuns: 50 },
      );
      // the generated interleavings really exercised wins, stale losers and deletes of absent keys
      expect(seen.success).toBeGreaterThan(10);
      expect(seen.mismatch).toBeGreaterThan(5);
      expect(seen.notFound).toBeGreaterThan(0);
    });
  });
});
