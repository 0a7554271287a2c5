/**
 * The raw-log reader (rawLogs.ts) on PGlite against an in-memory chain (blocks with hashes and logs behind the
 * two RPC calls it makes, getBlock and getLogs): cursor and limit, filters, pause by feed position, and a reorg
 * that replaces blocks above a remembered block without logs (the reader must resume after the newest block
 * still on the chain, not just before the first changed one).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Hex } from "viem";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { openDb } from "../../indexer/relay/db/openDb.ts";
import { listDeliveries, markDelivered, claimDueDeliveries } from "../../indexer/relay/outbox.ts";
import { rawEventId } from "../../indexer/relay/rawEvent.ts";
import { checkRawReorgs, ingestRawLogs, type RawRpc } from "../../indexer/relay/rawLogs.ts";
import { parseSubscription } from "../../indexer/relay/subscription.ts";
import { storeActiveSubscriptions } from "../../indexer/relay/subscriptionCache.ts";
import { recordTransitions } from "../../indexer/relay/subscriptionStatus.ts";
import { tempDir } from "./helpers.ts";

const TOKEN = `0x${"ab".repeat(20)}` as Hex;
const OTHER = `0x${"cd".repeat(20)}` as Hex;
const T0 = `0x${"01".repeat(32)}` as Hex;
const T1 = `0x${"02".repeat(32)}` as Hex;

type Block = { number: bigint; hash: Hex; timestamp: bigint; logs: { address: Hex; topics: Hex[]; data: Hex }[] };
const hashOf = (n: number, branch: string) => `0x${branch.repeat(2)}${n.toString(16).padStart(62, "0")}` as Hex;

/** An in-memory chain: `blocks[n]`; getLogs/getBlock like a node's (errors for missing blocks). */
function fakeChain() {
  const blocks: Block[] = [];
  const rpc = {
    async getBlock({ blockNumber }: { blockNumber: bigint }) {
      const b = blocks[Number(blockNumber)];
      if (!b) throw new Error(`block ${blockNumber} not found`);
      return { number: b.number, hash: b.hash, timestamp: b.timestamp };
    },
    async getLogs({ address, fromBlock, toBlock }: { address: Hex[]; fromBlock: bigint; toBlock: bigint }) {
      const out: Record<string, unknown>[] = [];
      for (let n = Number(fromBlock); n <= Number(toBlock); n++) {
        const b = blocks[n];
        if (!b) throw new Error(`block ${n} not found`);
        b.logs.forEach((l, i) => {
          if (address.includes(l.address)) {
            out.push({ ...l, blockNumber: b.number, blockHash: b.hash, transactionHash: hashOf(i, "77"), transactionIndex: i, logIndex: i });
          }
        });
      }
      return out;
    },
  } as unknown as RawRpc;
  const setBlock = (n: number, branch: string, logs: Block["logs"] = []) => {
    blocks[n] = { number: BigInt(n), hash: hashOf(n, branch), timestamp: BigInt(1_700_000_000 + n * 2 + (branch === "aa" ? 0 : 1)), logs };
  };
  return { blocks, rpc, setBlock };
}

describe("raw-log reader (PGlite, in-memory chain)", () => {
  let db: Db;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    dir = tempDir("relay-raw-");
    db = await openDb({ databaseUrl: undefined, dbSchema: "public", dataDir: dir.dir, concurrency: 4 });
  });
  afterAll(async () => {
    await db?.close();
    dir?.remove();
  });
  beforeEach(async () => {
    await db.exec(`TRUNCATE relay_outbox, relay_subscriptions, relay_secrets, relay_pending_confirmations, relay_subscription_status, relay_raw_blocks;
      UPDATE relay_cursor SET event_id = '', head_block = 0;`);
  });

  const rawSub = (id: string, topics: Hex[], fields: Record<string, unknown> = {}) =>
    parseSubscription({ id, owner: OTHER, swarmId: "0", kinds: 1 << 15, rawAddress: TOKEN, topics, endpoint: `http://127.0.0.1:9/${id}`, status: "active", mode: "immediate", confirmations: 0, ordered: true, createdBlock: "1", createdEventId: "", ...fields });
  const bodies = async (id: string) =>
    (await db.query<{ body: string; kind: string }>("SELECT body, kind FROM relay_outbox WHERE subscription_id = $1 ORDER BY sequence", [id])).map((r) => ({
      kind: r.kind,
      ...(JSON.parse(r.body) as { type: string; blockNumber: string; blockHash: string; topics: Hex[]; data: Hex; originalWebhookId?: string }),
    }));

  it("reads up to the limit, filters by address and topics, applies pauses by position, and survives a reorg", async () => {
    const { rpc, setBlock } = fakeChain();
    for (let n = 0; n <= 8; n++) setBlock(n, "aa");
    setBlock(2, "aa", [{ address: TOKEN, topics: [T0, T1], data: "0x02" }, { address: OTHER, topics: [T0], data: "0x99" }]);
    setBlock(3, "aa", [{ address: TOKEN, topics: [T1], data: "0x03" }]); // topic0 differs: not for sub 1
    setBlock(6, "aa", [{ address: TOKEN, topics: [T0], data: "0x06" }]);
    await storeActiveSubscriptions(db, [rawSub("1", [T0]), rawSub("2", [])]);

    // Limit 4 (the feed is consumed up to block 4): blocks 1..4 read.
    expect(await ingestRawLogs(db, rpc, 4, { chainId: 31337, maxBlockRange: 1000 })).toMatchObject({ subscriptions: 2, logs: 2, deliveries: 3, cursor: 4, more: false });
    expect((await bodies("1")).map((b) => b.data)).toEqual(["0x02"]);
    expect((await bodies("2")).map((b) => b.data)).toEqual(["0x02", "0x03"]);
    // Sub 1 paused at block 5 (a feed position before block 6's log): block 6 is not for it.
    await recordTransitions(db, [{ subscriptionId: "1", eventId: rawEventId(31337, { blockTimestamp: 1_700_000_010n, blockNumber: 5n, transactionIndex: 0, logIndex: 0 }).replace(":raw", ""), blockNumber: "5", blockHash: hashOf(5, "aa"), status: "paused" }]);
    // Small ranges: more until the limit.
    expect(await ingestRawLogs(db, rpc, 8, { chainId: 31337, maxBlockRange: 2 })).toMatchObject({ cursor: 6, more: true });
    expect(await ingestRawLogs(db, rpc, 8, { chainId: 31337, maxBlockRange: 2 })).toMatchObject({ cursor: 8, more: false });
    expect((await bodies("1")).map((b) => b.data)).toEqual(["0x02"]);
    expect((await bodies("2")).map((b) => b.data)).toEqual(["0x02", "0x03", "0x06"]);
    expect(await checkRawReorgs(db, rpc)).toMatchObject({ reorgedFromBlock: null });

    // Everything so far delivered.
    for (;;) {
      const claimed = await claimDueDeliveries(db, "w", 100, 10_000); // ordered: one head per subscription at a time
      if (claimed.length === 0) break;
      for (const c of claimed) await markDelivered(db, c.id, "w", 200);
    }
    // Reorg: blocks 3.. replaced (new hashes); block 3 loses its log, block 5 (no log before) gets one for sub 2.
    for (let n = 3; n <= 9; n++) setBlock(n, "bb");
    setBlock(5, "bb", [{ address: TOKEN, topics: [T1], data: "0x55" }]);
    // Remembered: 2 (log), 3 (log), 4 (range end), 6 (log + range end), 8 (range end): the first changed one is 3.
    expect(await checkRawReorgs(db, rpc)).toEqual({ reorgedFromBlock: 3, removedNotices: 2, cancelled: 0 });
    const removed = (await bodies("2")).filter((b) => b.kind === "removed");
    expect(removed.map((b) => [b.type, b.data])).toEqual([["log.raw.removed", "0x03"], ["log.raw.removed", "0x06"]]);
    const originals = await listDeliveries(db, "2");
    expect(removed.map((b) => b.originalWebhookId)).toEqual(originals.filter((d) => d.kind === "immediate" && d.blockNumber !== "2").map((d) => d.id));
    await ingestRawLogs(db, rpc, 9, { chainId: 31337, maxBlockRange: 1000 });
    expect((await bodies("2")).filter((b) => b.kind === "immediate").map((b) => [b.data, b.blockHash])).toEqual([
      ["0x02", hashOf(2, "aa")],
      ["0x03", hashOf(3, "aa")],
      ["0x06", hashOf(6, "aa")],
      ["0x55", hashOf(5, "bb")],
    ]);
    expect(await checkRawReorgs(db, rpc)).toMatchObject({ reorgedFromBlock: null });
  });

  it("a reorg that only replaces blocks above a remembered block without logs is re-read from that block", async () => {
    const { rpc, setBlock } = fakeChain();
    for (let n = 0; n <= 6; n++) setBlock(n, "aa");
    await storeActiveSubscriptions(db, [rawSub("3", [])]);
    await ingestRawLogs(db, rpc, 2, { chainId: 31337, maxBlockRange: 1000 }); // remembers block 2 (range end)
    await ingestRawLogs(db, rpc, 6, { chainId: 31337, maxBlockRange: 1000 }); // remembers block 6
    // Blocks 3..6 replaced; the new block 3 has a log. Only block 6 was remembered above 2.
    for (let n = 3; n <= 6; n++) setBlock(n, "bb");
    setBlock(3, "bb", [{ address: TOKEN, topics: [T0], data: "0x33" }]);
    expect(await checkRawReorgs(db, rpc)).toMatchObject({ reorgedFromBlock: 6 });
    await ingestRawLogs(db, rpc, 6, { chainId: 31337, maxBlockRange: 1000 });
    expect((await bodies("3")).map((b) => [b.data, b.blockNumber])).toEqual([["0x33", "3"]]);
  });

  it("remembers each range's parent block: a reorg below the first block with a log is re-read from the parent", async () => {
    // The e2e failure mode: one range read blocks 1..4 of branch A (a log in block 4 only); branch B replaces
    // blocks 1..6 and has its log in block 1. Without the parent (block 0) remembered, the reader resumed after 3.
    const { rpc, setBlock } = fakeChain();
    for (let n = 0; n <= 4; n++) setBlock(n, "aa");
    setBlock(4, "aa", [{ address: TOKEN, topics: [T0], data: "0xa4" }]);
    await storeActiveSubscriptions(db, [rawSub("5", [])]);
    await ingestRawLogs(db, rpc, 4, { chainId: 31337, maxBlockRange: 1000 });
    expect((await db.query<{ block_number: number }>("SELECT block_number FROM relay_raw_blocks ORDER BY block_number")).map((r) => Number(r.block_number))).toEqual([0, 4]);
    for (let n = 1; n <= 6; n++) setBlock(n, "bb");
    setBlock(1, "bb", [{ address: TOKEN, topics: [T0], data: "0xb1" }]);
    expect(await checkRawReorgs(db, rpc)).toMatchObject({ reorgedFromBlock: 4, removedNotices: 0, cancelled: 1 });
    await ingestRawLogs(db, rpc, 6, { chainId: 31337, maxBlockRange: 1000 });
    expect((await bodies("5")).filter((b) => b.kind === "immediate").map((b) => [b.data, b.blockNumber])).toEqual([["0xa4", "4"], ["0xb1", "1"]]);
  });

  it("when even the oldest remembered block changed, rewinds by the reorg depth; re-read unchanged logs are not enqueued twice", async () => {
    const { rpc, setBlock } = fakeChain();
    for (let n = 0; n <= 6; n++) setBlock(n, "aa");
    setBlock(1, "aa", [{ address: TOKEN, topics: [T0], data: "0xa1" }]);
    await storeActiveSubscriptions(db, [rawSub("6", [])]);
    await ingestRawLogs(db, rpc, 2, { chainId: 31337, maxBlockRange: 1000 }); // remembers 0, 1, 2
    await ingestRawLogs(db, rpc, 6, { chainId: 31337, maxBlockRange: 1000 }); // remembers 2, 6
    await db.query("DELETE FROM relay_raw_blocks WHERE block_number < 3"); // pruned: only block 6 is remembered
    for (let n = 3; n <= 6; n++) setBlock(n, "bb");
    setBlock(4, "bb", [{ address: TOKEN, topics: [T0], data: "0xb4" }]);
    expect(await checkRawReorgs(db, rpc, Date.now(), 64)).toMatchObject({ reorgedFromBlock: 6 });
    await ingestRawLogs(db, rpc, 6, { chainId: 31337, maxBlockRange: 1000 });
    expect((await bodies("6")).map((b) => [b.data, b.blockNumber])).toEqual([["0xa1", "1"], ["0xb4", "4"]]);
  });
});
