/**
 * Exact pause/resume: an event goes to a subscription iff the subscription was active at the event's position
 * in the feed (subscriptionStatus.ts). Pure planning, then ingest through a fake feed with every page size
 * (page boundaries, the subscription's current status and refresh timing must not change the outcome), a reorg
 * that removes a pause, and the raw-log filter/id helpers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { openDb } from "../../indexer/relay/db/openDb.ts";
import type { FeedEvent } from "../../indexer/relay/feedEvent.ts";
import { createIndexerClient } from "../../indexer/relay/indexerClient.ts";
import { ingestOnce, planDeliveries } from "../../indexer/relay/ingest.ts";
import { listDeliveries } from "../../indexer/relay/outbox.ts";
import { matchesRawFilter, rawEventBody, rawEventId } from "../../indexer/relay/rawEvent.ts";
import { checkReorgs } from "../../indexer/relay/reorgs.ts";
import { parseSubscription } from "../../indexer/relay/subscription.ts";
import type { CachedSubscription } from "../../indexer/relay/subscriptionCache.ts";
import { StatusTracker, statusAt, statusesAt, transitionOf } from "../../indexer/relay/subscriptionStatus.ts";
import { feedEvent, startFakeFeed, tempDir, type FakeFeed } from "./helpers.ts";

const OWNER = `0x${"55".repeat(20)}`;

function sub(id: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    owner: OWNER,
    swarmId: "1",
    kinds: 4, // KIND_MESSAGE
    member: null,
    endpoint: `http://127.0.0.1:9/${id}`,
    status: "active",
    mode: "immediate",
    confirmations: 0,
    ordered: true,
    createdBlock: "0",
    createdEventId: "",
    ...fields,
  };
}
const cached = (s: Record<string, unknown>): CachedSubscription => ({ ...parseSubscription(s), disabledAt: null, disabledReason: null });
const change = (block: number, logIndex: number, type: "created" | "paused" | "resumed" | "cancelled", id: string): FeedEvent =>
  feedEvent(block, logIndex, { type: `subscription.${type}`, contract: "SubscriptionRegistry", data: { id, owner: OWNER, swarmId: "1" } });
const message = (block: number, logIndex: number) => feedEvent(block, logIndex, { data: { n: `${block}/${logIndex}` } });

/**
 * Sub 1: created at 2/0; paused at 4/0; resumed at 6/0 (same block as a message before it and one after).
 * Sub 2: created at 2/1; paused at 8/0 (its current status: paused).
 */
const FEED: FeedEvent[] = [
  change(2, 0, "created", "1"),
  change(2, 1, "created", "2"),
  message(3, 0), // 1, 2
  change(4, 0, "paused", "1"),
  message(4, 1), // 2
  message(5, 0), // 2
  message(6, 0), // 2 (sub 1 still paused: its resume is at 6/1)
  change(6, 1, "resumed", "1"),
  message(6, 2), // 1, 2
  message(7, 0), // 1, 2
  change(8, 0, "paused", "2"),
  message(8, 1), // 1
  message(9, 0), // 1
];
const EXPECTED: Record<string, string[]> = {
  "1": ["3/0", "6/2", "7/0", "8/1", "9/0"],
  "2": ["3/0", "4/1", "5/0", "6/0", "6/2", "7/0"],
};
const SUBS = [sub("1", { createdEventId: FEED[0]!.id, status: "active" }), sub("2", { createdEventId: FEED[1]!.id, status: "paused" })];

describe("status at a feed position (pure)", () => {
  it("reads transitions from subscription.* events and follows them in order", () => {
    expect(transitionOf(change(4, 0, "paused", "7"))).toMatchObject({ subscriptionId: "7", status: "paused", eventId: feedEvent(4, 0).id });
    expect(transitionOf(change(4, 0, "created", "7"))).toBeNull(); // creation is matchEvent's fromEventId
    expect(transitionOf(message(4, 0))).toBeNull();
    const tracker = new StatusTracker(new Map([["1", "paused"]]));
    expect(tracker.at("1")).toBe("paused");
    expect(tracker.at("2")).toBe("active");
    tracker.apply(change(5, 0, "resumed", "1"));
    tracker.apply(change(5, 1, "cancelled", "2"));
    expect([tracker.at("1"), tracker.at("2")]).toEqual(["active", "cancelled"]);
    const transitions = [transitionOf(change(4, 0, "paused", "1"))!, transitionOf(change(6, 1, "resumed", "1"))!];
    expect(statusAt(transitions, "1", message(4, 0).id)).toBe("active");
    expect(statusAt(transitions, "1", message(4, 1).id)).toBe("paused");
    expect(statusAt(transitions, "1", message(6, 0).id)).toBe("paused");
    expect(statusAt(transitions, "1", message(6, 2).id)).toBe("active");
    expect(statusAt(transitions, "2", message(6, 2).id)).toBe("active");
  });

  it("plans a delivery only where the subscription was active", () => {
    const { deliveries, transitions } = planDeliveries(FEED, SUBS.map(cached));
    expect(transitions.map((t) => `${t.subscriptionId}:${t.status}`)).toEqual(["1:paused", "1:active", "2:paused"]);
    for (const id of ["1", "2"]) {
      expect(deliveries.filter((d) => d.subscriptionId === id).map((d) => d.eventId)).toEqual(
        EXPECTED[id]!.map((p) => message(Number(p.split("/")[0]), Number(p.split("/")[1])).id),
      );
    }
  });
});

describe("exact pause/resume through ingest (PGlite, fake feed)", () => {
  let feed: FakeFeed;
  let db: Db;
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    feed = await startFakeFeed();
    dir = tempDir("relay-status-");
    db = await openDb({ databaseUrl: undefined, dbSchema: "public", dataDir: dir.dir, concurrency: 4 });
  });
  afterAll(async () => {
    await db?.close();
    await feed?.close();
    dir?.remove();
  });
  beforeEach(async () => {
    await db.exec(`TRUNCATE relay_outbox, relay_subscriptions, relay_secrets, relay_blocks, relay_pending_confirmations, relay_subscription_status;
      UPDATE relay_cursor SET event_id = '', head_block = 0;`);
    feed.events = [...FEED];
    feed.subscriptions = SUBS.map((s) => ({ ...s }));
  });

  const delivered = async (id: string) =>
    (await listDeliveries(db, id, { limit: 1000 })).filter((d) => d.kind === "immediate").map((d) => d.eventId);
  const ids = (id: string) => EXPECTED[id]!.map((p) => message(Number(p.split("/")[0]), Number(p.split("/")[1])).id);

  for (const batchSize of [1, 2, 3, 5, 100]) {
    it(`gives the same result for pages of ${batchSize} (status persisted across pages)`, async () => {
      const client = createIndexerClient(feed.url);
      const state = { lastSubscriptionRefresh: 0 };
      for (let i = 0; i < 50; i++) if ((await ingestOnce(db, client, { batchSize, subscriptionsRefreshMs: 0 }, state)).events === 0) break;
      expect(await delivered("1")).toEqual(ids("1"));
      expect(await delivered("2")).toEqual(ids("2"));
      expect(await statusesAt(db, FEED.at(-1)!.id)).toEqual(new Map([["1", "active"], ["2", "paused"]]));
      expect(await statusesAt(db, message(5, 0).id)).toEqual(new Map([["1", "paused"]]));
    });
  }

  it("a reorg that removes a pause forgets it: the new branch's events are delivered", async () => {
    const client = createIndexerClient(feed.url);
    feed.events = FEED.filter((e) => Number(e.blockNumber) <= 5);
    feed.subscriptions = [SUBS[0]!, { ...SUBS[1]!, status: "active" }];
    await ingestOnce(db, client, { batchSize: 100, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    expect(await delivered("1")).toEqual([message(3, 0).id]);
    // Blocks 4.. replaced: no pause any more, other messages.
    const hash = `0x${"cd".repeat(32)}` as `0x${string}`;
    feed.events = [...FEED.filter((e) => Number(e.blockNumber) <= 3), feedEvent(4, 0, { blockHash: hash }), feedEvent(5, 0, { blockHash: hash })];
    feed.subscriptions = [{ ...SUBS[0]!, status: "active" }, { ...SUBS[1]!, status: "active" }];
    expect(await checkReorgs(db, client, 100)).toMatchObject({ reorgedFromBlock: 4 });
    expect(await statusesAt(db, feedEvent(9, 0).id)).toEqual(new Map());
    await ingestOnce(db, client, { batchSize: 100, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    expect(await delivered("1")).toEqual([message(3, 0).id, feedEvent(4, 0).id, feedEvent(5, 0).id]);
  });

  it("a subscription paused before the relay ever ran gets nothing from its paused period", async () => {
    // Current status active (resumed at 6/1), but the relay starts from the beginning of the feed.
    const client = createIndexerClient(feed.url);
    await ingestOnce(db, client, { batchSize: 100, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    expect(await delivered("1")).not.toContain(message(5, 0).id);
    expect(await delivered("1")).not.toContain(message(6, 0).id);
  });
});

describe("raw-log filters and ids", () => {
  const address = `0x${"ab".repeat(20)}` as const;
  const t0 = `0x${"01".repeat(32)}` as const;
  const t1 = `0x${"02".repeat(32)}` as const;
  const zero = `0x${"00".repeat(32)}` as const;
  const log = { address, topics: [t0, t1], data: "0x1234" as const, blockNumber: 12n, blockHash: `0x${"ee".repeat(32)}` as const, blockTimestamp: 1_700_000_123n, transactionHash: `0x${"aa".repeat(32)}` as const, transactionIndex: 3, logIndex: 7 };

  it("matches address and non-zero topics (zero = any; a required topic the log lacks does not match)", () => {
    const raw = (fields: Record<string, unknown>) => parseSubscription(sub("9", { swarmId: null, kinds: 1 << 15, ...fields }));
    const body = rawEventBody(31337, log);
    expect(matchesRawFilter(raw({ rawAddress: address.toUpperCase().replace("0X", "0x"), topics: [] }), body)).toBe(true);
    expect(matchesRawFilter(raw({ rawAddress: address, topics: [t0] }), body)).toBe(true);
    expect(matchesRawFilter(raw({ rawAddress: address, topics: [zero, t1] }), body)).toBe(true);
    expect(matchesRawFilter(raw({ rawAddress: address, topics: [t1] }), body)).toBe(false);
    expect(matchesRawFilter(raw({ rawAddress: address, topics: [t0, t1, t0] }), body)).toBe(false);
    expect(matchesRawFilter(raw({ rawAddress: `0x${"cd".repeat(20)}`, topics: [] }), body)).toBe(false);
    expect(matchesRawFilter(parseSubscription(sub("8")), body)).toBe(false); // a swarm filter
    expect(body).toMatchObject({ type: "log.raw", chainId: 31337, blockNumber: "12", logIndex: 7, txIndex: 3, topics: [t0, t1], data: "0x1234", swarmId: null });
  });

  it("sorts raw ids with the feed's Ponder checkpoints (same block: by tx index and log index)", () => {
    // A Ponder checkpoint: timestamp(10) chainId(16) block(16) txIndex(16) eventType(1) eventIndex(16).
    const checkpoint = (block: number, tx: number, logIndex: number) =>
      `${"1700000123"}${"31337".padStart(16, "0")}${String(block).padStart(16, "0")}${String(tx).padStart(16, "0")}5${String(logIndex).padStart(16, "0")}`;
    const id = rawEventId(31337, log);
    expect(id.startsWith(checkpoint(12, 3, 7))).toBe(true);
    expect(checkpoint(12, 3, 6) < id && id < checkpoint(12, 3, 8) && checkpoint(12, 2, 9) < id && id < checkpoint(12, 4, 0)).toBe(true);
  });
});
