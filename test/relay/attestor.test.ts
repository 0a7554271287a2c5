/**
 * Attestor (indexer/relay/attestor/): leaf encodings against Attestations.fireLeaf / deliveryLeaf, batches built
 * from relay_fires + delivered relay_outbox rows, posted on an in-process Hardhat chain, proofs served by
 * GET /v1/proofs/:id and verified on-chain with verifyFire / verifyDelivery; forged leaves, a reordered batch and
 * broken chain links rejected; crash between build and post reconciled; another attestor taking our number
 * (renumbered); one lease holder on Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { network } from "hardhat";
import { SimpleMerkleTree, StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { Attestor } from "../../indexer/relay/attestor/attestor.ts";
import {
  DELIVERY_ENCODING,
  FIRE_ENCODING,
  buildTree,
  deliveryTuple,
  fireTuple,
  leafFromJson,
  leafHash,
  nextChainedHead,
  webhookIdHash,
  ZERO_BYTES32,
  type DeliveryValues,
  type FireValues,
} from "../../indexer/relay/attestor/leaves.ts";
import { proofRoutes } from "../../indexer/relay/attestor/proofs.ts";
import { buildBatch, fireKey, openBatch, webhookBodyHash } from "../../indexer/relay/attestor/store.ts";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { openDb } from "../../indexer/relay/db/openDb.ts";
import { enqueueDeliveries, purgeFinished } from "../../indexer/relay/outbox.ts";
import { decodeRevert } from "../helpers/errors.ts";
import { tempDir } from "./helpers.ts";

const POSTGRES_URL = process.env.RELAY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
type Wallet = WalletClient<Transport, Chain, Account>;

const { viem } = await network.create();
const publicClient = (await viem.getPublicClient()) as unknown as PublicClient;
const [ownerClient, secondClient, outsiderClient] = (await viem.getWalletClients()) as unknown as Wallet[];
const owner = ownerClient!;
const attestations = await viem.deployContract("Attestations", [owner.account.address, [owner.account.address]]);
const ATT = attestations.address as Address;

const uriFor = (seq: bigint) => `http://relay.test/v1/attestation-batches/${seq}`;

function newAttestor(db: Db, holder = "attestor-1", wallet: Wallet = owner, maxLeaves = 1000): Attestor {
  return new Attestor({ db, publicClient, walletClient: wallet, attestations: ATT, holder, intervalMs: 1000, maxLeaves, uriFor, log: () => {} });
}

/** Contract-side struct of a leaf's JSON values (as served by the proofs route: decimal strings). */
function fireStruct(json: Record<string, string>) {
  return {
    scheduleId: BigInt(json.scheduleId!),
    scheduledTime: Number(json.scheduledTime),
    runNumber: Number(json.runNumber),
    firedAt: Number(json.firedAt),
    deliveryId: json.deliveryId as Hex,
  };
}
function deliveryStruct(json: Record<string, string>) {
  return {
    deliveryId: json.deliveryId as Hex,
    subscriptionId: BigInt(json.subscriptionId!),
    bodyHash: json.bodyHash as Hex,
    statusCode: Number(json.statusCode),
    attempt: Number(json.attempt),
    deliveredAt: Number(json.deliveredAt),
  };
}

async function verifyOnChain(kind: string, seq: bigint, json: Record<string, string>, proof: Hex[]): Promise<boolean> {
  return kind === "fire"
    ? attestations.read.verifyFire([seq, fireStruct(json), proof])
    : attestations.read.verifyDelivery([seq, deliveryStruct(json), proof]);
}

let fireCounter = 0;
async function addFire(db: Db, scheduleId: string, withWebhook: boolean): Promise<string> {
  fireCounter++;
  const scheduledTime = 1_800_000_000 + fireCounter * 60;
  const deliveryId = withWebhook ? `msg_fire${String(fireCounter).padStart(28, "0")}` : null;
  await db.query("INSERT INTO relay_fires (schedule_id, scheduled_time, run_number, fired_at, delivery_id) VALUES ($1, $2, $3, $4, $5)", [
    scheduleId,
    scheduledTime,
    fireCounter,
    scheduledTime * 1000 + 37,
    deliveryId,
  ]);
  return fireKey(scheduleId, scheduledTime);
}

let deliveryCounter = 0;
/** An outbox row, then (unless `status` says otherwise) recorded delivered as the delivery pool would. */
async function addDelivery(db: Db, subscriptionId: string, status: "delivered" | "pending" | "dead" = "delivered"): Promise<string> {
  deliveryCounter++;
  const id = `msg_${deliveryCounter.toString(16).padStart(32, "0")}`;
  await enqueueDeliveries(db, [
    { id, subscriptionId, eventId: `e${deliveryCounter}`, kind: "immediate", eventType: "message.broadcast", blockNumber: "5", blockHash: `0x${"ab".repeat(32)}`, refId: null, body: JSON.stringify({ type: "message.broadcast", n: deliveryCounter, text: "héllo" }) },
  ]);
  if (status !== "pending") {
    await db.query("UPDATE relay_outbox SET status = $2, attempts = 2, last_status_code = $3, delivered_at = $4 WHERE id = $1", [
      id,
      status,
      status === "delivered" ? 204 : 500,
      status === "delivered" ? Date.now() : null,
    ]);
  }
  return id;
}

async function getProof(app: ReturnType<typeof proofRoutes>, key: string) {
  const response = await app.request(`/v1/proofs/${encodeURIComponent(key)}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { leaf: Record<string, string>; proof: Hex[]; seq: string; kind: string; error?: { code: string } } };
}

async function expectAttestRevert(promise: Promise<unknown>, name: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${name}`).toBeDefined();
  expect(decodeRevert(error)?.errorName).toBe(name);
}

describe("leaf encodings", () => {
  const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString("hex")}` as Hex);
  const fireArb = fc.record({
    scheduleId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    scheduledTime: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
    runNumber: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    firedAt: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
    deliveryId: fc.oneof(fc.constant(ZERO_BYTES32), bytes32),
  });
  const deliveryArb = fc.record({
    deliveryId: bytes32,
    subscriptionId: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
    bodyHash: bytes32,
    statusCode: fc.integer({ min: 0, max: 65_535 }),
    attempt: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    deliveredAt: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  });

  it("fire and delivery leaves equal Attestations.fireLeaf / deliveryLeaf", async () => {
    await fc.assert(
      fc.asyncProperty(fireArb, deliveryArb, async (fire: FireValues, delivery: DeliveryValues) => {
        expect(leafHash({ kind: "fire", key: "f", values: fire })).toBe(await attestations.read.fireLeaf([fire]));
        expect(leafHash({ kind: "delivery", key: "d", values: delivery })).toBe(await attestations.read.deliveryLeaf([delivery]));
      }),
      { numRuns: 25 },
    );
  });

  it("a one-kind batch has StandardMerkleTree's root; values out of range are refused", () => {
    const fires: FireValues[] = [0, 1, 2, 3, 4].map((i) => ({ scheduleId: BigInt(i + 1), scheduledTime: 1000 + i, runNumber: i, firedAt: 1001 + i, deliveryId: webhookIdHash(`msg_${i}`) }));
    const ours = buildTree(fires.map((values, i) => ({ kind: "fire" as const, key: `k${i}`, values })));
    const standard = StandardMerkleTree.of(fires.map((f) => [...fireTuple(f)]), [...FIRE_ENCODING]);
    expect(ours.root).toBe(standard.root);
    const deliveries: DeliveryValues[] = [0, 1, 2].map((i) => ({ deliveryId: webhookIdHash(`msg_${i}`), subscriptionId: BigInt(i), bodyHash: webhookBodyHash(`{"i":${i}}`), statusCode: 200, attempt: 1, deliveredAt: 5 + i }));
    expect(buildTree(deliveries.map((values, i) => ({ kind: "delivery" as const, key: `d${i}`, values }))).root).toBe(
      StandardMerkleTree.of(deliveries.map((d) => [...deliveryTuple(d)]), [...DELIVERY_ENCODING]).root,
    );
    expect(() => leafHash({ kind: "fire", key: "x", values: { ...fires[0]!, scheduledTime: 2 ** 48 } })).toThrow(/out of the leaf type's range/);
    expect(() => leafHash({ kind: "delivery", key: "x", values: { ...deliveries[0]!, statusCode: 70_000 } })).toThrow(/out of the leaf type's range/);
  });
});

describe("attestor on PGlite", () => {
  let db: Db;
  let remove: () => void;
  let app: ReturnType<typeof proofRoutes>;
  let chainId: number;

  beforeAll(async () => {
    const dir = tempDir("concord-attestor-");
    remove = dir.remove;
    db = await openDb({ databaseUrl: undefined, dbSchema: "public", dataDir: dir.dir, concurrency: 1 });
    chainId = await publicClient.getChainId();
    app = proofRoutes({ db, attestations: ATT, chainId: () => chainId });
  });
  afterAll(async () => {
    await db?.close();
    remove?.();
  });

  let firstRoot: Hex;
  const keys: string[] = [];

  it("posts a batch of fires and deliveries; every proof from the route verifies on-chain", async () => {
    keys.push(await addFire(db, "1", true), await addFire(db, "1", false), await addFire(db, "7", true));
    keys.push(await addDelivery(db, "3"), await addDelivery(db, "12"), await addDelivery(db, "schedule:1"), await addDelivery(db, "3"));
    const pending = await addDelivery(db, "3", "pending");
    const dead = await addDelivery(db, "3", "dead");

    // Recorded but not attested yet: 409.
    expect((await getProof(app, keys[0]!)).status).toBe(409);
    expect((await getProof(app, keys[3]!)).body.error?.code).toBe("not_yet_attested");

    const attestor = newAttestor(db);
    const round = await attestor.runOnce();
    expect(round).toMatchObject({ leader: true, posted: [1n] });
    const [headSeq, headChained, headRoot] = await attestations.read.head();
    expect(headSeq).toBe(1n);
    firstRoot = headRoot;
    expect(headChained).toBe(nextChainedHead(ZERO_BYTES32, headRoot, 1n));
    const onChain = await attestations.read.getAttestation([1n]);
    expect(onChain.leafCount).toBe(7);
    const posted = await publicClient.getContractEvents({ address: ATT, abi: attestations.abi, eventName: "AttestationPosted", fromBlock: 0n });
    const receipt = await publicClient.getTransactionReceipt({ hash: posted[0]!.transactionHash! });
    console.info(`attest gas (first batch, 7 leaves, uri ${uriFor(1n).length} bytes): ${receipt.gasUsed}`);
    expect(attestor.stats).toMatchObject({ posted: 1, lastSeq: "1", lastGasUsed: String(receipt.gasUsed) });

    for (const key of keys) {
      const { status, body } = await getProof(app, key);
      expect(status, key).toBe(200);
      expect(body).toMatchObject({ id: key, seq: "1", root: headRoot, prevRoot: ZERO_BYTES32, chainedHead: headChained, attestations: ATT, chainId });
      expect(body.leafHash).toBe(leafHash(leafFromJson(body.kind as "fire" | "delivery", key, body.leaf)));
      expect(await verifyOnChain(body.kind, 1n, body.leaf, body.proof), key).toBe(true);
    }
    // Leaf values are the recorded ones: a fire's deliveryId is keccak256 of its webhook-id, or zero without one.
    const fire0 = (await getProof(app, keys[0]!)).body;
    expect(fire0.leaf.deliveryId).toBe(webhookIdHash(`msg_fire${"1".padStart(28, "0")}`));
    expect((await getProof(app, keys[1]!)).body.leaf.deliveryId).toBe(ZERO_BYTES32);
    // A schedule's webhook (non-numeric subscription id) carries subscriptionId 0; the body hash is of the UTF-8 bytes.
    const scheduleHook = (await getProof(app, keys[5]!)).body;
    expect(scheduleHook.leaf.subscriptionId).toBe("0");
    const [bodyRow] = await db.query<{ body: string }>("SELECT body FROM relay_outbox WHERE id = $1", [keys[5]]);
    expect(scheduleHook.leaf.bodyHash).toBe(webhookBodyHash(bodyRow!.body));
    expect(scheduleHook.leaf).toMatchObject({ statusCode: "204", attempt: "2" });

    // Rows are marked with their batch; the pending and dead deliveries are not in it.
    const marked = await db.query<{ id: string; attested_seq: string | null }>("SELECT id, attested_seq FROM relay_outbox ORDER BY id");
    expect(marked.filter((r) => r.attested_seq !== null).length).toBe(4);
    expect((await getProof(app, pending)).status).toBe(409);
    const deadProof = await getProof(app, dead);
    expect(deadProof.status).toBe(404);
    expect(deadProof.body.error?.code).toBe("proof_not_found");
    expect((await getProof(app, "msg_unknown")).status).toBe(404);
    expect((await getProof(app, "schedule:1:5")).status).toBe(404);
    expect((await getProof(app, "nope")).status).toBe(400);

    const batch = await app.request("/v1/attestation-batches/1");
    const batchBody = (await batch.json()) as { leaves: { leafHash: Hex }[]; root: Hex; uri: string; status: string };
    expect(batchBody).toMatchObject({ root: headRoot, uri: uriFor(1n), status: "posted" });
    // Anyone can rebuild the root from the served leaves.
    expect(SimpleMerkleTree.of(batchBody.leaves.map((l) => l.leafHash)).root).toBe(headRoot);
    expect((await app.request("/v1/attestation-batches/9")).status).toBe(404);

    // Nothing new: the next round builds nothing.
    expect(await attestor.runOnce()).toMatchObject({ leader: true, posted: [] });
  });

  it("a forged leaf, a proof from a reordered batch and a broken chain link do not verify", async () => {
    const delivery = (await getProof(app, keys[3]!)).body;
    const fire = (await getProof(app, keys[0]!)).body;
    // Forged values.
    expect(await verifyOnChain("delivery", 1n, { ...delivery.leaf, statusCode: "200" }, delivery.proof)).toBe(false);
    expect(await verifyOnChain("delivery", 1n, { ...delivery.leaf, attempt: "1" }, delivery.proof)).toBe(false);
    expect(await verifyOnChain("fire", 1n, { ...fire.leaf, firedAt: String(Number(fire.leaf.firedAt) + 1) }, fire.proof)).toBe(false);
    // A delivery's values presented as a fire (another kind byte, another leaf) do not verify.
    expect(
      await attestations.read.verifyFire([1n, { scheduleId: 3n, scheduledTime: 0, runNumber: 0, firedAt: Number(delivery.leaf.deliveredAt), deliveryId: delivery.leaf.deliveryId as Hex }, delivery.proof]),
    ).toBe(false);
    // A proof from the same leaves in another order (unsorted, reversed) has another root and fails against ours.
    const hashes = (await Promise.all(keys.map((k) => getProof(app, k)))).map((p) => p.body.leafHash as Hex);
    const reordered = SimpleMerkleTree.of([...hashes].reverse(), { sortLeaves: false });
    expect(reordered.root).not.toBe(firstRoot);
    const index = hashes.indexOf(delivery.leafHash as Hex);
    const wrongProof = reordered.getProof(hashes.length - 1 - index) as Hex[];
    expect(wrongProof).not.toEqual(delivery.proof);
    expect(await verifyOnChain("delivery", 1n, delivery.leaf, wrongProof)).toBe(false);
    // The right proof against a batch that does not exist: false.
    expect(await verifyOnChain("delivery", 2n, delivery.leaf, delivery.proof)).toBe(false);
    // Broken chain links are refused on chain: wrong prevRoot, a skipped or repeated seq.
    const someRoot = `0x${"42".repeat(32)}` as Hex;
    await expectAttestRevert(attestations.write.attest([2n, someRoot, someRoot, 1, 1, 2, ""], { account: owner.account }), "AttestationsWrongPrevRoot");
    await expectAttestRevert(attestations.write.attest([3n, someRoot, firstRoot, 1, 1, 2, ""], { account: owner.account }), "AttestationsWrongSequence");
    await expectAttestRevert(attestations.write.attest([1n, someRoot, ZERO_BYTES32, 1, 1, 2, ""], { account: owner.account }), "AttestationsWrongSequence");
    await expectAttestRevert(attestations.write.attest([2n, someRoot, firstRoot, 1, 1, 2, ""], { account: outsiderClient!.account }), "AttestationsNotAttestor");
  });

  it("the next batch chains to the first and holds only new rows", async () => {
    const key = await addDelivery(db, "3");
    const round = await newAttestor(db).runOnce();
    expect(round.posted).toEqual([2n]);
    const [seq, chained, root] = await attestations.read.head();
    expect(seq).toBe(2n);
    const first = await attestations.read.getAttestation([1n]);
    expect(chained).toBe(nextChainedHead(first.chainedHead, root, 2n));
    expect((await attestations.read.getAttestation([2n])).leafCount).toBe(1);
    const second = await publicClient.getContractEvents({ address: ATT, abi: attestations.abi, eventName: "AttestationPosted", fromBlock: 0n });
    console.info(`attest gas (second batch, 1 leaf): ${(await publicClient.getTransactionReceipt({ hash: second.at(-1)!.transactionHash! })).gasUsed}`);
    const proof = (await getProof(app, key)).body;
    expect(proof).toMatchObject({ seq: "2", prevRoot: firstRoot });
    expect(await verifyOnChain("delivery", 2n, proof.leaf, proof.proof)).toBe(true);
    // A proof of batch 2 does not verify against batch 1.
    expect(await verifyOnChain("delivery", 1n, proof.leaf, proof.proof)).toBe(false);
  });

  it("a crash between build and post: the same batch is sent on restart", async () => {
    const key = await addFire(db, "9", true);
    const [seq, , root] = await attestations.read.head();
    const built = await buildBatch(db, { seq: seq + 1n, prevRoot: root, maxLeaves: 1000, uriFor, attestor: owner.account.address });
    expect(built?.seq).toBe(3n);
    expect((await getProof(app, key)).body.error?.code).toBe("not_yet_attested");
    // "Restart": a new attestor on the same store (same worker id; another one waits for the lease, see below)
    // finds the open batch and posts exactly it.
    const round = await newAttestor(db).runOnce();
    expect(round.posted).toEqual([3n]);
    expect((await attestations.read.getAttestation([3n])).root).toBe(built!.root);
    expect((await getProof(app, key)).status).toBe(200);
  });

  it("a crash after sending, before recording: reconciled with head() without a second transaction", async () => {
    await addDelivery(db, "4");
    const [seq, , root] = await attestations.read.head();
    const built = (await buildBatch(db, { seq: seq + 1n, prevRoot: root, maxLeaves: 1000, uriFor, attestor: owner.account.address }))!;
    // The crashed process's transaction made it on chain.
    await attestations.write.attest([built.seq, built.root, built.prevRoot, built.leafCount, built.fromTime, built.toTime, built.uri], { account: owner.account });
    const nonce = await publicClient.getTransactionCount({ address: owner.account.address });
    const round = await newAttestor(db).runOnce();
    expect(round.posted).toEqual([built.seq]);
    expect(await publicClient.getTransactionCount({ address: owner.account.address })).toBe(nonce);
    expect(await openBatch(db)).toBeUndefined();
    const [, chained] = await attestations.read.head();
    const [row] = await db.query<{ chained_head: string; status: string }>("SELECT chained_head, status FROM relay_attestation_batches WHERE seq = $1", [String(built.seq)]);
    expect(row).toEqual({ chained_head: chained, status: "posted" });
  });

  it("another attestor took our number: the open batch is re-chained after it and posted", async () => {
    await attestations.write.setAttestor([secondClient!.account.address, true], { account: owner.account });
    const key = await addDelivery(db, "5");
    const [seq, , root] = await attestations.read.head();
    const built = (await buildBatch(db, { seq: seq + 1n, prevRoot: root, maxLeaves: 1000, uriFor, attestor: owner.account.address }))!;
    const otherRoot = `0x${"77".repeat(32)}` as Hex;
    await attestations.write.attest([built.seq, otherRoot, root, 1, 1, 1, "other"], { account: secondClient!.account });
    const round = await newAttestor(db).runOnce();
    expect(round.posted).toEqual([built.seq + 1n]);
    const proof = (await getProof(app, key)).body;
    expect(proof).toMatchObject({ seq: String(built.seq + 1n), prevRoot: otherRoot, root: built.root });
    expect(await verifyOnChain("delivery", built.seq + 1n, proof.leaf, proof.proof)).toBe(true);
    const [marked] = await db.query<{ attested_seq: string }>("SELECT attested_seq FROM relay_outbox WHERE id = $1", [key]);
    expect(String(marked!.attested_seq)).toBe(String(built.seq + 1n));
  });

  it("proofs outlive the outbox's retention purge; with the attestor on, unattested deliveries are kept", async () => {
    const unattested = await addDelivery(db, "9");
    const attestedKey = keys[3]!;
    const before = await getProof(app, attestedKey);
    const purged = await purgeFinished(db, Date.now() + 60_000, { keepUnattested: true });
    expect(purged).toBeGreaterThan(0);
    const left = await db.query<{ id: string }>("SELECT id FROM relay_outbox WHERE status = 'delivered'");
    expect(left.map((r) => r.id)).toEqual([unattested]);
    const after = await getProof(app, attestedKey);
    expect(after.status).toBe(200);
    expect(after.body).toEqual(before.body);
    expect(await verifyOnChain("delivery", BigInt(after.body.seq), after.body.leaf, after.body.proof)).toBe(true);
    // The kept row is attested next round.
    const round = await newAttestor(db).runOnce();
    expect(round.posted).toHaveLength(1);
    expect((await getProof(app, unattested)).status).toBe(200);
  });

  it("large rounds split into batches of maxLeaves, posted in one round", async () => {
    for (let i = 0; i < 5; i++) await addDelivery(db, "6");
    const [before] = await attestations.read.head();
    const round = await newAttestor(db, "attestor-1", owner, 2).runOnce();
    expect(round.posted).toEqual([before + 1n, before + 2n, before + 3n]);
    const counts = await Promise.all(round.posted.map(async (s) => (await attestations.read.getAttestation([s])).leafCount));
    expect(counts).toEqual([2, 2, 1]);
  });
});

describe("attestor lease on Postgres", () => {
  it("only one process attests at a time; the other takes over after a stop", async () => {
    const schema = `attestor_${process.pid}_${Date.now().toString(36)}`;
    const config = { databaseUrl: POSTGRES_URL, dbSchema: schema, dataDir: "", concurrency: 1 };
    const dbA = await openDb(config);
    const dbB = await openDb(config);
    try {
      const a = newAttestor(dbA, "A");
      const b = newAttestor(dbB, "B");
      await addDelivery(dbA, "8");
      const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
      expect([ra.leader, rb.leader].filter(Boolean)).toHaveLength(1);
      expect(ra.posted.length + rb.posted.length).toBe(1);
      const holder = ra.leader ? a : b;
      const other = ra.leader ? b : a;
      expect((await other.runOnce()).leader).toBe(false);
      await holder.stop();
      expect((await other.runOnce()).leader).toBe(true);
      await other.stop();
    } finally {
      await dbA.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await dbA.close();
      await dbB.close();
    }
  });
});
