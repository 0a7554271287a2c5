/**
 * Attestations: attestor management (Ownable), hash-chained batch posting (sequence, previous root, running
 * head), Merkle verification of fire and delivery leaves (OpenZeppelin double-hashed leaves, sorted-pair
 * nodes), forged leaves, reordered batches and broken chain links; a fast-check property over random trees.
 * The Merkle tree is built here in TypeScript (no @openzeppelin/merkle-tree installed) exactly as MerkleProof
 * verifies it: commutative keccak256 of the sorted pair.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { network } from "hardhat";
import { type Address, type Hex, concat, encodeAbiParameters, keccak256, parseEventLogs, zeroAddress, zeroHash } from "viem";
import { expectRevert } from "../helpers/errors.ts";

// ---------------------------------------------------------------------------------------------
// Leaves and trees (the encoding documented in IAttestations.sol)
// ---------------------------------------------------------------------------------------------

type Fire = { scheduleId: bigint; scheduledTime: number; runNumber: number; firedAt: number; deliveryId: Hex };
type Delivery = { deliveryId: Hex; subscriptionId: bigint; bodyHash: Hex; statusCode: number; attempt: number; deliveredAt: number };

const doubleHash = (encoded: Hex): Hex => keccak256(keccak256(encoded));

function fireLeaf(f: Fire): Hex {
  return doubleHash(
    encodeAbiParameters(
      [{ type: "uint8" }, { type: "uint256" }, { type: "uint48" }, { type: "uint32" }, { type: "uint48" }, { type: "bytes32" }],
      [1, f.scheduleId, f.scheduledTime, f.runNumber, f.firedAt, f.deliveryId],
    ),
  );
}

function deliveryLeaf(d: Delivery): Hex {
  return doubleHash(
    encodeAbiParameters(
      [{ type: "uint8" }, { type: "bytes32" }, { type: "uint256" }, { type: "bytes32" }, { type: "uint16" }, { type: "uint32" }, { type: "uint48" }],
      [2, d.deliveryId, d.subscriptionId, d.bodyHash, d.statusCode, d.attempt, d.deliveredAt],
    ),
  );
}

/** keccak256 of the sorted pair (OpenZeppelin's Hashes.commutativeKeccak256). */
function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

/** A Merkle tree over `leaves` in the given order (an odd node is carried up); root and one proof per leaf. */
function buildTree(leaves: readonly Hex[]): { root: Hex; proofs: Hex[][] } {
  if (leaves.length === 0) throw new Error("empty tree");
  const proofs: Hex[][] = leaves.map(() => []);
  let layer = leaves.map((hash, i) => ({ hash, members: [i] }));
  while (layer.length > 1) {
    const next: typeof layer = [];
    for (let i = 0; i < layer.length; i += 2) {
      const left = layer[i]!;
      const right = layer[i + 1];
      if (right === undefined) {
        next.push(left);
        continue;
      }
      for (const m of left.members) proofs[m]!.push(right.hash);
      for (const m of right.members) proofs[m]!.push(left.hash);
      next.push({ hash: hashPair(left.hash, right.hash), members: [...left.members, ...right.members] });
    }
    layer = next;
  }
  return { root: layer[0]!.hash, proofs };
}

const chained = (prevHead: Hex, root: Hex, seq: bigint): Hex =>
  keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "uint64" }], [prevHead, root, seq]));

const id = (s: string): Hex => keccak256(new TextEncoder().encode(s));

const fires: Fire[] = [0, 1, 2, 3].map((k) => ({
  scheduleId: 7n,
  scheduledTime: 1_800_000_000 + k * 60,
  runNumber: k,
  firedAt: 1_800_000_001 + k * 60,
  deliveryId: id(`msg_fire_${k}`),
}));
const deliveries: Delivery[] = [1, 2, 3].map((attempt) => ({
  deliveryId: id("msg_fire_0"),
  subscriptionId: 0n,
  bodyHash: id(`body`),
  statusCode: attempt === 3 ? 200 : 503,
  attempt,
  deliveredAt: 1_800_000_002 + attempt * 10,
}));
const leaves: Hex[] = [...fires.map(fireLeaf), ...deliveries.map(deliveryLeaf)];

function lc<T>(value: T): T {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase() as T;
  if (Array.isArray(value)) return value.map(lc) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lc(v)])) as T;
  return value;
}

async function deploy(initialAttestors?: (a: { owner: Address; relay: Address }) => Address[]) {
  const { viem } = await network.create();
  const [owner, relay, other, outsider] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const attestors = initialAttestors ? initialAttestors({ owner: owner!.account.address, relay: relay!.account.address }) : [relay!.account.address];
  const att = await viem.deployContract("Attestations", [owner!.account.address, attestors]);
  const send = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    expect(receipt.status).toBe("success");
    return { receipt, events: parseEventLogs({ abi: att.abi, logs: receipt.logs }) };
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  /** Posts batch `seq` as the relay with defaults for the other fields. */
  const post = (seq: bigint, root: Hex, prevRoot: Hex, over: { leafCount?: number; from?: number; to?: number; uri?: string; account?: typeof relay } = {}) =>
    att.write.attest([seq, root, prevRoot, over.leafCount ?? 7, over.from ?? 100, over.to ?? 200, over.uri ?? "ipfs://batch"], {
      account: (over.account ?? relay)!.account,
    });
  return { viem, publicClient, owner: owner!, relay: relay!, other: other!, outsider: outsider!, att, send, now, post };
}

// ---------------------------------------------------------------------------------------------

describe("Attestations: attestors", () => {
  it("the constructor sets the owner and the initial attestors (events); rejects zero and duplicates", async () => {
    const { viem, att, owner, relay, publicClient } = await deploy();
    expect(lc(await att.read.owner())).toBe(lc(owner.account.address));
    expect(await att.read.isAttestor([relay.account.address])).toBe(true);
    expect(await att.read.isAttestor([owner.account.address])).toBe(false);
    expect(await att.read.attestorCount()).toBe(1n);
    expect(await att.read.MAX_URI_LENGTH()).toBe(512n);
    expect(await att.read.LEAF_FIRE()).toBe(1);
    expect(await att.read.LEAF_DELIVERY()).toBe(2);
    expect(await att.read.head()).toEqual([0n, zeroHash, zeroHash]);
    const logs = await publicClient.getContractEvents({ abi: att.abi, address: att.address, eventName: "AttestorUpdated", fromBlock: 0n });
    expect(lc(logs.map((l) => l.args))).toEqual(lc([{ attestor: relay.account.address, allowed: true }]));
    await expect(viem.deployContract("Attestations", [owner.account.address, [zeroAddress]])).rejects.toThrow(/AttestationsZeroAddress/);
    await expect(viem.deployContract("Attestations", [owner.account.address, [relay.account.address, relay.account.address]])).rejects.toThrow(
      /AttestationsAttestorUnchanged/,
    );
    await expect(viem.deployContract("Attestations", [zeroAddress, []])).rejects.toThrow(/OwnableInvalidOwner/);
    const none = await viem.deployContract("Attestations", [owner.account.address, []]);
    expect(await none.read.attestorCount()).toBe(0n);
  });

  it("setAttestor: owner only; adds and revokes with events; rejects zero and no-op changes", async () => {
    const { att, owner, relay, other, send } = await deploy();
    await expectRevert(att.write.setAttestor([other.account.address, true], { account: relay.account }), "OwnableUnauthorizedAccount", [relay.account.address]);
    const added = await send(att.write.setAttestor([other.account.address, true], { account: owner.account }));
    expect(added.events[0]!.eventName).toBe("AttestorUpdated");
    expect(lc(added.events[0]!.args)).toEqual(lc({ attestor: other.account.address, allowed: true }));
    expect(await att.read.attestorCount()).toBe(2n);
    await expectRevert(att.write.setAttestor([other.account.address, true]), "AttestationsAttestorUnchanged", [other.account.address, true]);
    await expectRevert(att.write.setAttestor([zeroAddress, true]), "AttestationsZeroAddress", []);
    const revoked = await send(att.write.setAttestor([relay.account.address, false]));
    expect(lc(revoked.events[0]!.args)).toEqual(lc({ attestor: relay.account.address, allowed: false }));
    expect(await att.read.isAttestor([relay.account.address])).toBe(false);
    expect(await att.read.attestorCount()).toBe(1n);
    await expectRevert(att.write.setAttestor([relay.account.address, false]), "AttestationsAttestorUnchanged", [relay.account.address, false]);
  });
});

describe("Attestations: attest", () => {
  it("posts a chained sequence of batches: events, stored batches and the running head", async () => {
    const { att, relay, other, owner, send, now, post } = await deploy();
    await send(att.write.setAttestor([other.account.address, true], { account: owner.account }));
    const roots = [buildTree(leaves).root, buildTree(leaves.slice(0, 3)).root, buildTree([leaves[6]!]).root];
    let head: Hex = zeroHash;
    let prev: Hex = zeroHash;
    for (let i = 0; i < roots.length; i++) {
      const seq = BigInt(i + 1);
      const by = i === 1 ? other : relay; // any attestor may post
      const { events, receipt } = await send(
        att.write.attest([seq, roots[i]!, prev, 7 - i, 1000 + i * 100, 1099 + i * 100, `ipfs://b${seq}`], { account: by.account }),
      );
      head = chained(head, roots[i]!, seq);
      expect(events).toHaveLength(1);
      expect(events[0]!.eventName).toBe("AttestationPosted");
      expect(lc(events[0]!.args)).toEqual(
        lc({
          seq,
          root: roots[i]!,
          prevRoot: prev,
          chainedHead: head,
          leafCount: 7 - i,
          fromTime: 1000 + i * 100,
          toTime: 1099 + i * 100,
          uri: `ipfs://b${seq}`,
          attestor: by.account.address,
        }),
      );
      expect(lc(await att.read.getAttestation([seq]))).toEqual(
        lc({ root: roots[i]!, chainedHead: head, leafCount: 7 - i, fromTime: 1000 + i * 100, toTime: 1099 + i * 100, postedAt: await now(), attestor: by.account.address }),
      );
      expect(await att.read.head()).toEqual([seq, head, roots[i]!]);
      if (i === 0) console.log(`attest gas: ${receipt.gasUsed}`);
      prev = roots[i]!;
    }
    // Unposted batches read as zero.
    expect((await att.read.getAttestation([4n])).root).toBe(zeroHash);
  });

  it("rejects a broken chain link: wrong sequence number or wrong previous root", async () => {
    const { att, post, send } = await deploy();
    const r1 = buildTree(leaves).root;
    const r2 = buildTree(leaves.slice(1)).root;
    await expectRevert(post(0n, r1, zeroHash), "AttestationsWrongSequence", [0n, 1n]);
    await expectRevert(post(2n, r1, zeroHash), "AttestationsWrongSequence", [2n, 1n]);
    await expectRevert(post(1n, r1, r2), "AttestationsWrongPrevRoot", [r2, zeroHash]);
    await send(post(1n, r1, zeroHash));
    await expectRevert(post(1n, r2, zeroHash), "AttestationsWrongSequence", [1n, 2n]); // no re-post, no fork
    await expectRevert(post(3n, r2, r1), "AttestationsWrongSequence", [3n, 2n]); // no gap
    await expectRevert(post(2n, r2, zeroHash), "AttestationsWrongPrevRoot", [zeroHash, r1]);
    await expectRevert(post(2n, r2, r2), "AttestationsWrongPrevRoot", [r2, r1]);
    await send(post(2n, r2, r1));
    expect((await att.read.head())[0]).toBe(2n);
  });

  it("rejects non-attestors, empty batches, an inverted window and a long uri", async () => {
    const { att, owner, relay, outsider, post, send } = await deploy();
    const r = buildTree(leaves).root;
    await expectRevert(post(1n, r, zeroHash, { account: outsider }), "AttestationsNotAttestor", [outsider.account.address]);
    await expectRevert(post(1n, r, zeroHash, { account: owner }), "AttestationsNotAttestor", [owner.account.address]);
    await expectRevert(post(1n, zeroHash, zeroHash), "AttestationsEmptyBatch", [zeroHash, 7]);
    await expectRevert(post(1n, r, zeroHash, { leafCount: 0 }), "AttestationsEmptyBatch", [r, 0]);
    await expectRevert(post(1n, r, zeroHash, { from: 201, to: 200 }), "AttestationsInvalidWindow", [201, 200]);
    await expectRevert(post(1n, r, zeroHash, { uri: "x".repeat(513) }), "AttestationsURITooLong", [513n, 512n]);
    await send(post(1n, r, zeroHash, { from: 200, to: 200, uri: "x".repeat(512) }));
    // A revoked attestor can post no more.
    await send(att.write.setAttestor([relay.account.address, false], { account: owner.account }));
    await expectRevert(post(2n, r, r), "AttestationsNotAttestor", [relay.account.address]);
  });
});

describe("Attestations: verify", () => {
  it("every fire and delivery of a batch verifies with its proof; the contract computes the same leaves", async () => {
    const { att, send, post } = await deploy();
    const tree = buildTree(leaves);
    await send(post(1n, tree.root, zeroHash, { leafCount: leaves.length }));
    for (let i = 0; i < fires.length; i++) {
      expect(await att.read.fireLeaf([fires[i]!])).toBe(leaves[i]);
      expect(await att.read.verifyFire([1n, fires[i]!, tree.proofs[i]!])).toBe(true);
      expect(await att.read.verify([1n, leaves[i]!, tree.proofs[i]!])).toBe(true);
    }
    for (let j = 0; j < deliveries.length; j++) {
      const i = fires.length + j;
      expect(await att.read.deliveryLeaf([deliveries[j]!])).toBe(leaves[i]);
      expect(await att.read.verifyDelivery([1n, deliveries[j]!, tree.proofs[i]!])).toBe(true);
    }
    // A single-leaf batch: the root is the leaf, the proof is empty.
    await send(post(2n, leaves[0]!, tree.root, { leafCount: 1 }));
    expect(await att.read.verifyFire([2n, fires[0]!, []])).toBe(true);
    expect(await att.read.verifyFire([2n, fires[1]!, []])).toBe(false);
  });

  it("a forged leaf, the wrong batch, an unknown batch, a wrong proof and an inner node do not verify", async () => {
    const { att, send, post } = await deploy();
    const tree = buildTree(leaves);
    await send(post(1n, tree.root, zeroHash, { leafCount: leaves.length }));
    const other = buildTree(leaves.slice(0, 4));
    await send(post(2n, other.root, tree.root, { leafCount: 4 }));
    const f = fires[1]!;
    const p = tree.proofs[1]!;
    for (const forged of [
      { ...f, firedAt: f.firedAt + 1 },
      { ...f, runNumber: f.runNumber + 1 },
      { ...f, scheduleId: 8n },
      { ...f, scheduledTime: f.scheduledTime - 60 },
      { ...f, deliveryId: id("msg_forged") },
    ]) {
      expect(await att.read.verifyFire([1n, forged, p])).toBe(false);
    }
    const d = deliveries[2]!;
    expect(await att.read.verifyDelivery([1n, { ...d, statusCode: 500 }, tree.proofs[6]!])).toBe(false);
    expect(await att.read.verifyDelivery([1n, { ...d, attempt: 4 }, tree.proofs[6]!])).toBe(false);
    expect(await att.read.verify([1n, leaves[4]!, tree.proofs[5]!])).toBe(false); // another leaf's proof
    expect(await att.read.verifyFire([3n, f, p])).toBe(false); // unknown batch
    expect(await att.read.verifyFire([0n, f, p])).toBe(false);
    expect(await att.read.verifyFire([2n, fires[2]!, tree.proofs[2]!])).toBe(false); // proof from another batch
    expect(await att.read.verifyFire([2n, fires[2]!, other.proofs[2]!])).toBe(true);
    // An inner node is not a leaf: double hashing keeps a (node, shorter proof) pair from verifying as a leaf.
    const inner = hashPair(leaves[0]!, leaves[1]!);
    expect(await att.read.verify([1n, inner, tree.proofs[0]!.slice(1)])).toBe(true); // raw verify accepts nodes...
    const asFire = { scheduleId: BigInt(inner), scheduledTime: 0, runNumber: 0, firedAt: 0, deliveryId: zeroHash };
    expect(await att.read.verifyFire([1n, asFire, tree.proofs[0]!.slice(1)])).toBe(false); // ...typed leaves cannot forge them
  });

  it("a reordered batch has a different root: the original proofs fail against it", async () => {
    const { att, send, post } = await deploy();
    const tree = buildTree(leaves);
    // Move leaves across subtrees (swapping two siblings would keep the root: nodes hash sorted pairs).
    const reordered = [leaves[0]!, leaves[2]!, leaves[1]!, leaves[3]!, leaves[4]!, leaves[5]!, leaves[6]!];
    const moved = buildTree(reordered);
    expect(moved.root).not.toBe(tree.root);
    expect(buildTree([leaves[1]!, leaves[0]!, ...leaves.slice(2)]).root).toBe(tree.root);
    await send(post(1n, moved.root, zeroHash, { leafCount: leaves.length }));
    expect(await att.read.verifyFire([1n, fires[1]!, tree.proofs[1]!])).toBe(false);
    expect(await att.read.verifyFire([1n, fires[2]!, tree.proofs[2]!])).toBe(false);
    expect(await att.read.verifyFire([1n, fires[1]!, moved.proofs[2]!])).toBe(true);
  });

  it("property: every leaf of a random batch verifies, a random forged leaf does not", async () => {
    const { att, send, post } = await deploy();
    let seq = 0n;
    let prev: Hex = zeroHash;
    const fireArb = fc.record({
      scheduleId: fc.bigInt({ min: 1n, max: 2n ** 64n }),
      scheduledTime: fc.integer({ min: 0, max: 2 ** 40 }),
      runNumber: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      firedAt: fc.integer({ min: 0, max: 2 ** 40 }),
      deliveryId: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fireArb, { minLength: 1, maxLength: 16, selector: (f) => fireLeaf(f) }), fc.nat(), async (batch, pick) => {
        const hashes = batch.map(fireLeaf);
        const tree = buildTree(hashes);
        seq += 1n;
        await send(post(seq, tree.root, prev, { leafCount: batch.length }));
        prev = tree.root;
        for (let i = 0; i < batch.length; i++) {
          expect(await att.read.verifyFire([seq, batch[i]!, tree.proofs[i]!])).toBe(true);
        }
        const i = pick % batch.length;
        const forged = { ...batch[i]!, firedAt: batch[i]!.firedAt + 1 };
        expect(await att.read.verifyFire([seq, forged, tree.proofs[i]!])).toBe(false);
      }),
      { numRuns: 20 },
    );
    expect((await att.read.head())[0]).toBe(20n);
  });
});
