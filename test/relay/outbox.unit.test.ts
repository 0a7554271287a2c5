/**
 * Relay unit tests on PGlite (temp dir) with a fake feed server: matching, ingest → outbox (idempotent,
 * crash-safe cursor), ordered claims, leases, retries/dead letters/redrive through the delivery pool with a
 * real HTTP receiver, 410, reorg retractions and confirmations.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signWebhook } from "../../sdk/webhooks.ts";
import { readCursor } from "../../indexer/relay/cursor.ts";
import type { Db } from "../../indexer/relay/db/Db.ts";
import { openDb } from "../../indexer/relay/db/openDb.ts";
import { DeliveryPool } from "../../indexer/relay/deliveryPool.ts";
import { deliveryId } from "../../indexer/relay/deliveryId.ts";
import { createIndexerClient } from "../../indexer/relay/indexerClient.ts";
import { ingestOnce, type IngestState } from "../../indexer/relay/ingest.ts";
import { acquireIngestLease } from "../../indexer/relay/ingestLeader.ts";
import { matchesSubscription } from "../../indexer/relay/matchEvent.ts";
import { claimDueDeliveries, completeDeliveries, enqueueDeliveries, listDeliveries, markDelivered, purgeFinished, redrive, syncHeldDeliveries, type NewDelivery } from "../../indexer/relay/outbox.ts";
import { migrate } from "../../indexer/relay/db/migrate.ts";
import { checkReorgs, promoteConfirmations } from "../../indexer/relay/reorgs.ts";
import { parseRetryAfter, retryDelayMs } from "../../indexer/relay/retrySchedule.ts";
import { readSecret } from "../../indexer/relay/secrets.ts";
import { disableSubscription, storeActiveSubscriptions, subscriptionsFingerprint } from "../../indexer/relay/subscriptionCache.ts";
import { parseSubscription } from "../../indexer/relay/subscription.ts";
import { feedEvent, startFakeFeed, startReceiver, tempDir, waitUntil, type FakeFeed, type Receiver } from "./helpers.ts";

const MEMBER = `0x${"33".repeat(20)}`;
const OTHER = `0x${"44".repeat(20)}`;
const OWNER = `0x${"55".repeat(20)}`;

function sub(id: string, endpoint: string, fields: Record<string, unknown> = {}) {
  return {
    id,
    owner: OWNER,
    swarmId: "1",
    kinds: 4, // KIND_MESSAGE
    member: null,
    endpoint,
    status: "active",
    mode: "immediate",
    confirmations: 0,
    ordered: true,
    createdBlock: "0",
    createdEventId: "",
    ...fields,
  };
}

describe("matching", () => {
  const base = parseSubscription(sub("1", "http://x"));
  it("matches swarm, kind (by the type's family), member and creation point", () => {
    expect(matchesSubscription(base, feedEvent(5, 0))).toBe(true);
    expect(matchesSubscription(base, feedEvent(5, 0, { swarmId: "2" }))).toBe(false);
    expect(matchesSubscription(base, feedEvent(5, 0, { type: "task.claimed" }))).toBe(false);
    expect(matchesSubscription(base, feedEvent(5, 0, { swarmId: null }))).toBe(false);
    const swarmKind = parseSubscription(sub("2", "http://x", { kinds: 1 << 7 }));
    expect(matchesSubscription(swarmKind, feedEvent(5, 0, { type: "member.joined" }))).toBe(true);
    expect(matchesSubscription(swarmKind, feedEvent(5, 0, { type: "swarm.created" }))).toBe(true);
    expect(matchesSubscription(swarmKind, feedEvent(5, 0, { type: "subscription.created" }))).toBe(false);
    const member = parseSubscription(sub("3", "http://x", { member: OTHER }));
    expect(matchesSubscription(member, feedEvent(5, 0))).toBe(false);
    expect(matchesSubscription(member, feedEvent(5, 0, { members: [MEMBER as `0x${string}`, OTHER as `0x${string}`] }))).toBe(true);
    const later = parseSubscription(sub("4", "http://x", { createdEventId: feedEvent(5, 3).id }));
    expect(matchesSubscription(later, feedEvent(5, 3))).toBe(false);
    expect(matchesSubscription(later, feedEvent(5, 4))).toBe(true);
    const raw = parseSubscription(sub("5", "http://x", { swarmId: null, kinds: 1 << 15 }));
    expect(matchesSubscription(raw, feedEvent(5, 0))).toBe(false);
  });

  it("parses the indexer's mode/status names and the retry helpers", () => {
    expect(parseSubscription(sub("1", "x", { mode: "after_confirmations", confirmations: 3 })).mode).toBe("after_confirmations");
    expect(parseSubscription(sub("1", "x", { mode: 2 })).mode).toBe("both");
    expect(() => parseSubscription(sub("1", "x", { mode: "sometimes" }))).toThrow(/mode/);
    expect(parseRetryAfter("7")).toBe(7000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(58_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    const schedule = { baseMs: 1000, capMs: 3_600_000, maxAttempts: 60 };
    expect(retryDelayMs(1, schedule, () => 0.999)).toBeLessThan(1000);
    expect(retryDelayMs(5, schedule, () => 0.999)).toBeGreaterThan(15_000);
    expect(retryDelayMs(40, schedule, () => 0.999)).toBeLessThanOrEqual(3_600_000);
    expect(retryDelayMs(3, schedule, () => 0)).toBe(0);
  });
});

describe("ingest, outbox and delivery (PGlite, fake feed)", () => {
  let feed: FakeFeed;
  let receiver: Receiver;
  let db: Db;
  let dir: ReturnType<typeof tempDir>;
  const options = { batchSize: 3, subscriptionsRefreshMs: 0 };
  const config = () => ({ databaseUrl: undefined, dbSchema: "public", dataDir: dir.dir, concurrency: 4 });

  beforeAll(async () => {
    feed = await startFakeFeed();
    receiver = await startReceiver();
    dir = tempDir("relay-unit-");
    db = await openDb(config());
  });
  afterAll(async () => {
    await db?.close();
    await feed?.close();
    await receiver?.close();
    dir?.remove();
  });
  beforeEach(async () => {
    // One PGlite for the file (creating one costs seconds): empty every table between tests.
    await db.exec(`TRUNCATE relay_outbox, relay_subscriptions, relay_secrets, relay_blocks, relay_pending_confirmations, relay_subscription_status, relay_raw_blocks;
      UPDATE relay_cursor SET event_id = '', head_block = 0; UPDATE relay_leader SET holder = NULL, lease_until = 0;`);
    feed.events = [];
    feed.subscriptions = [];
    receiver.received.length = 0;
    receiver.respond = () => ({ status: 200 });
  });

  it("ingests pages into the outbox in one transaction with the cursor; re-ingest is a no-op", async () => {
    const client = createIndexerClient(feed.url);
    feed.subscriptions = [sub("1", `${receiver.url}/a`), sub("2", `${receiver.url}/b`, { member: OTHER }), sub("3", `${receiver.url}/c`, { status: "paused" })];
    // Sub 3 was paused before these events (its subscription.paused event is in the feed, as on a real indexer).
    const paused = feedEvent(4, 0, { type: "subscription.paused", contract: "SubscriptionRegistry", data: { id: "3" } });
    feed.events = [paused, feedEvent(5, 0), feedEvent(5, 1, { members: [OTHER as `0x${string}`] }), feedEvent(6, 0, { type: "task.posted" }), feedEvent(7, 0), feedEvent(7, 1)];
    const state = { lastSubscriptionRefresh: 0 };
    const first = await ingestOnce(db, client, options, state);
    expect(first).toMatchObject({ events: 3, deliveries: 3 }); // pause + sub 1 × 2 messages + sub 2 × the one touching OTHER
    const second = await ingestOnce(db, client, options, state);
    expect(second).toMatchObject({ events: 3, deliveries: 2 });
    expect(await ingestOnce(db, client, options, state)).toMatchObject({ events: 0 });
    expect((await readCursor(db)).eventId).toBe(feedEvent(7, 1).id);
    // Every secret exists (created on first sight), paused subscription got nothing.
    expect(await readSecret(db, "1")).toBeDefined();
    expect(await listDeliveries(db, "3")).toHaveLength(0);
    const one = await listDeliveries(db, "1");
    expect(one.map((d) => d.eventId)).toEqual([feedEvent(5, 0).id, feedEvent(5, 1).id, feedEvent(7, 0).id, feedEvent(7, 1).id]);
    expect(one[0]!.id).toBe(deliveryId("1", feedEvent(5, 0).id, feedEvent(5, 0).blockHash, "immediate"));

    // A crash after reading but before committing = the cursor never moved: reading again inserts nothing new.
    await db.query("UPDATE relay_cursor SET event_id = '' WHERE name = 'events'");
    let again = 0;
    for (let i = 0; i < 3; i++) again += (await ingestOnce(db, client, options, state)).deliveries;
    expect(again).toBe(0);
    expect(await db.query("SELECT id FROM relay_outbox")).toHaveLength(5);
  });

  it("claims only the lowest pending row of an ordered subscription, all rows of an unordered one; leases expire", async () => {
    const client = createIndexerClient(feed.url);
    feed.subscriptions = [sub("1", `${receiver.url}/a`), sub("2", `${receiver.url}/b`, { ordered: false })];
    feed.events = [feedEvent(5, 0), feedEvent(5, 1), feedEvent(6, 0)];
    await ingestOnce(db, client, { batchSize: 10, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    const now = Date.now();
    const claimed = await claimDueDeliveries(db, "w1", 10, 1_000, now);
    expect(claimed.filter((c) => c.subscriptionId === "1").map((c) => c.eventId)).toEqual([feedEvent(5, 0).id]);
    expect(claimed.filter((c) => c.subscriptionId === "2")).toHaveLength(3);
    // Nothing else is claimable while those leases run; after the lease, the same rows come back.
    expect(await claimDueDeliveries(db, "w2", 10, 1_000, now + 500)).toHaveLength(0);
    const reclaimed = await claimDueDeliveries(db, "w2", 10, 1_000, now + 1_001);
    expect(reclaimed.map((c) => c.id).sort()).toEqual(claimed.map((c) => c.id).sort());
    // The first worker's late answer no longer counts; the second's does, and unblocks the next in order.
    expect(await markDelivered(db, claimed[0]!.id, "w1", 200)).toBe(false);
    const head = reclaimed.find((c) => c.subscriptionId === "1")!;
    expect(await markDelivered(db, head.id, "w2", 200)).toBe(true);
    const next = await claimDueDeliveries(db, "w3", 10, 1_000, now + 1_002);
    expect(next.map((c) => c.eventId)).toEqual([feedEvent(5, 1).id]);
  });

  it("delivers signed webhooks, retries 500/timeouts/429 with the same webhook-id, dead-letters 400, disables on 410, redrives", async () => {
    const client = createIndexerClient(feed.url);
    feed.subscriptions = [
      sub("1", `${receiver.url}/flaky`),
      sub("2", `${receiver.url}/bad`),
      sub("3", `${receiver.url}/gone`),
    ];
    feed.events = [feedEvent(5, 0), feedEvent(6, 0)];
    await ingestOnce(db, client, { batchSize: 10, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    for (const id of ["1", "2", "3"]) receiver.secrets.set(id === "1" ? "/flaky" : id === "2" ? "/bad" : "/gone", (await readSecret(db, id))!.secret);
    let badRecovered = false;
    receiver.respond = (w, n) => {
      if (w.path === "/flaky") {
        if (n === 1) return { status: 500 };
        if (n === 2) return "hang";
        if (n === 3) return { status: 429, headers: { "retry-after": "0" } };
        return { status: 200 };
      }
      if (w.path === "/bad") return badRecovered ? { status: 204 } : { status: 400 };
      return { status: 410 };
    };
    const pool = new DeliveryPool({
      db,
      workerId: "unit",
      concurrency: 4,
      timeoutMs: 300,
      leaseMs: 2_000,
      pollMs: 20,
      retry: { baseMs: 20, capMs: 100, maxAttempts: 6 },
      sign: signWebhook,
      checkEndpoint: async () => {},
      log: () => {},
    });
    pool.start();
    try {
      await waitUntil(async () => (await listDeliveries(db, "1")).every((d) => d.status === "delivered"), "subscription 1 delivered");
      const flaky = receiver.received.filter((r) => r.path === "/flaky");
      // 2 events; the first took 4 attempts (500, timeout, 429, 200), all with one webhook-id; ordered: the second after it.
      const firstId = deliveryId("1", feedEvent(5, 0).id, feedEvent(5, 0).blockHash, "immediate");
      expect(flaky.filter((r) => r.id === firstId)).toHaveLength(4);
      expect(flaky.every((r) => r.verified === true)).toBe(true);
      expect(flaky.findIndex((r) => r.json.id === feedEvent(6, 0).id)).toBeGreaterThan(flaky.map((r) => r.id).lastIndexOf(firstId));
      expect(flaky[0]!.json).toEqual(feedEvent(5, 0));
      const [d1] = await listDeliveries(db, "1");
      expect(d1).toMatchObject({ attempts: 4, lastStatusCode: 200, status: "delivered" });

      await waitUntil(async () => (await listDeliveries(db, "2")).every((d) => d.status === "dead"), "subscription 2 dead");
      expect((await listDeliveries(db, "2"))[0]).toMatchObject({ attempts: 1, lastStatusCode: 400 });
      await waitUntil(async () => (await db.query("SELECT 1 FROM relay_subscriptions WHERE id = '3' AND disabled_at IS NOT NULL")).length === 1, "410 disables");
      const gone = await listDeliveries(db, "3");
      expect(gone.filter((d) => d.status === "dead")).toHaveLength(1);
      expect(gone.filter((d) => d.status === "held")).toHaveLength(gone.length - 1); // held, not attempted
      const goneAttempts = receiver.received.filter((r) => r.path === "/gone").length;

      badRecovered = true;
      const moved = await redrive(db, "2");
      expect(moved).toHaveLength(2);
      pool.wake();
      await waitUntil(async () => (await listDeliveries(db, "2")).every((d) => d.status === "delivered"), "redriven deliveries");
      const bad = receiver.received.filter((r) => r.path === "/bad");
      expect(new Set(bad.map((r) => r.id)).size).toBe(2); // retried with the same ids
      expect(receiver.received.filter((r) => r.path === "/gone").length).toBe(goneAttempts);
    } finally {
      await pool.stop();
    }
  });

  it("dead-letters after the schedule is exhausted", async () => {
    feed.subscriptions = [sub("1", `${receiver.url}/down`)];
    feed.events = [feedEvent(5, 0)];
    await ingestOnce(db, createIndexerClient(feed.url), options, { lastSubscriptionRefresh: 0 });
    receiver.respond = () => ({ status: 503 });
    const pool = new DeliveryPool({
      db, workerId: "unit", concurrency: 2, timeoutMs: 300, leaseMs: 2_000, pollMs: 10,
      retry: { baseMs: 5, capMs: 20, maxAttempts: 3 }, sign: signWebhook, checkEndpoint: async () => {}, log: () => {},
    });
    pool.start();
    try {
      const [dead] = await waitUntil(async () => {
        const rows = await listDeliveries(db, "1");
        return rows[0]?.status === "dead" ? rows : undefined;
      }, "dead letter");
      expect(dead).toMatchObject({ attempts: 3, lastStatusCode: 503 });
      expect(dead!.lastError).toMatch(/gave up after 3 attempts/);
      expect(receiver.received).toHaveLength(3);
    } finally {
      await pool.stop();
    }
  });

  it("retracts reorged events with <type>.removed naming the original webhook-id and re-reads the new branch", async () => {
    const client = createIndexerClient(feed.url);
    feed.subscriptions = [sub("1", `${receiver.url}/a`, { ordered: false })];
    feed.events = [feedEvent(5, 0), feedEvent(6, 0), feedEvent(7, 0)];
    await ingestOnce(db, client, { batchSize: 10, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    const rows = await listDeliveries(db, "1");
    // Block 6's delivery went out, block 7's did not yet.
    const claimed = await claimDueDeliveries(db, "w", 10, 10_000);
    for (const c of claimed) if (c.eventId === feedEvent(6, 0).id || c.eventId === feedEvent(5, 0).id) await markDelivered(db, c.id, "w", 200);
    await db.query("UPDATE relay_outbox SET status = 'pending', locked_by = NULL WHERE status = 'delivering'");

    // Reorg: blocks 6 and 7 replaced (new hashes), block 6 now has a different event.
    const newHash = `0x${"bb".repeat(32)}` as `0x${string}`;
    feed.events = [feedEvent(5, 0), feedEvent(6, 0, { blockHash: newHash, data: { messageId: "new" } })];
    expect(await checkReorgs(db, client, 10)).toEqual({ reorgedFromBlock: 6, removedNotices: 1, cancelled: 1 });
    const after = await listDeliveries(db, "1");
    const removed = after.find((d) => d.kind === "removed")!;
    const original = rows.find((d) => d.eventId === feedEvent(6, 0).id)!;
    expect(removed.refId).toBe(original.id);
    const [body] = await db.query<{ body: string }>("SELECT body FROM relay_outbox WHERE id = $1", [removed.id]);
    expect(JSON.parse(body!.body)).toMatchObject({ type: "message.broadcast.removed", originalWebhookId: original.id, id: feedEvent(6, 0).id });
    expect(after.find((d) => d.eventId === feedEvent(7, 0).id)!.status).toBe("cancelled");
    // The cursor went back before block 6: the new block-6 event becomes a new delivery (new webhook-id).
    expect((await readCursor(db)).eventId).toBe(feedEvent(5, 0).id);
    await ingestOnce(db, client, { batchSize: 10, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    const final = await listDeliveries(db, "1");
    expect(final.filter((d) => d.kind === "immediate" && d.eventId === feedEvent(6, 0).id)).toHaveLength(2);
    expect(await checkReorgs(db, client, 10)).toMatchObject({ reorgedFromBlock: null });
  });

  it("after_confirmations delivers the event once N deep; both sends at once then <type>.confirmed", async () => {
    const client = createIndexerClient(feed.url);
    feed.subscriptions = [
      sub("1", `${receiver.url}/late`, { mode: "after_confirmations", confirmations: 2 }),
      sub("2", `${receiver.url}/both`, { mode: "both", confirmations: 2 }),
    ];
    feed.events = [feedEvent(5, 0)];
    await ingestOnce(db, client, options, { lastSubscriptionRefresh: 0 });
    expect(await listDeliveries(db, "1")).toHaveLength(0);
    expect(await listDeliveries(db, "2")).toHaveLength(1);
    expect(await promoteConfirmations(db, 6)).toBe(0);
    expect(await promoteConfirmations(db, 7)).toBe(2);
    const [late] = await listDeliveries(db, "1");
    const both = await listDeliveries(db, "2");
    expect(late).toMatchObject({ kind: "confirmed", eventType: "message.broadcast" });
    const bodies = await db.query<{ id: string; body: string }>("SELECT id, body FROM relay_outbox ORDER BY sequence");
    expect(JSON.parse(bodies.find((b) => b.id === late!.id)!.body)).toEqual(feedEvent(5, 0));
    expect(JSON.parse(bodies.find((b) => b.id === both[1]!.id)!.body)).toMatchObject({
      type: "message.broadcast.confirmed",
      originalWebhookId: both[0]!.id,
      confirmations: 2,
    });
    expect(await promoteConfirmations(db, 8)).toBe(0);
  });

  it("records a batch of different outcomes in one statement, each row its own; rows leased to another worker stay", async () => {
    feed.subscriptions = [sub("1", `${receiver.url}/u`, { ordered: false })];
    feed.events = Array.from({ length: 5 }, (_, i) => feedEvent(10 + i, 0));
    await ingestOnce(db, createIndexerClient(feed.url), { batchSize: 10, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    const now = Date.now();
    const mine = await claimDueDeliveries(db, "w1", 4, 60_000, now);
    const theirs = await claimDueDeliveries(db, "w2", 4, 60_000, now);
    expect(mine).toHaveLength(4);
    expect(theirs).toHaveLength(1);
    const [a, b, c, d] = mine.map((m) => m.id) as [string, string, string, string];
    // Out of sequence order, plus another worker's row: only the four rows of w1 change, each with its own values.
    const changed = await completeDeliveries(
      db,
      "w1",
      [
        { id: c, status: "dead", statusCode: 400, error: "x".repeat(2_000), nextAttemptAt: null },
        { id: a, status: "delivered", statusCode: 204, error: null, nextAttemptAt: null },
        { id: theirs[0]!.id, status: "delivered", statusCode: 200, error: null, nextAttemptAt: null },
        { id: d, status: "pending", statusCode: null, error: "timeout", nextAttemptAt: now + 7_000 },
        { id: b, status: "pending", statusCode: 503, error: "HTTP 503", nextAttemptAt: now + 5_000 },
      ],
      now + 1,
    );
    expect(changed.sort()).toEqual([a, b, c, d].sort());
    const rows = new Map(
      (
        await db.query<{ id: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null; next_attempt_at: string | number; delivered_at: string | number | null; locked_by: string | null }>(
          "SELECT id, status, attempts, last_status_code, last_error, next_attempt_at, delivered_at, locked_by FROM relay_outbox",
        )
      ).map((r) => [r.id, r]),
    );
    expect(rows.get(a)).toMatchObject({ status: "delivered", attempts: 1, last_status_code: 204, last_error: null, locked_by: null });
    expect(Number(rows.get(a)!.delivered_at)).toBe(now + 1);
    expect(rows.get(b)).toMatchObject({ status: "pending", attempts: 1, last_status_code: 503, last_error: "HTTP 503", delivered_at: null });
    expect(Number(rows.get(b)!.next_attempt_at)).toBe(now + 5_000);
    expect(rows.get(c)).toMatchObject({ status: "dead", attempts: 1, last_status_code: 400 });
    expect(rows.get(c)!.last_error).toHaveLength(1_000); // truncated
    expect(rows.get(d)).toMatchObject({ status: "pending", last_status_code: null, last_error: "timeout" });
    expect(Number(rows.get(d)!.next_attempt_at)).toBe(now + 7_000);
    expect(rows.get(theirs[0]!.id)).toMatchObject({ status: "delivering", attempts: 0, locked_by: "w2" });
    expect(await completeDeliveries(db, "w1", [])).toEqual([]);
  });

  it("a refresh rewrites only subscriptions that changed, and marks the ones gone inactive", async () => {
    const parsed = (fields: Record<string, unknown>[]) => fields.map((f, i) => parseSubscription(sub(String(i + 1), `${receiver.url}/${i}`, f)));
    const first = parsed([{}, {}, {}]);
    await storeActiveSubscriptions(db, first, 1_000);
    const refreshedAt = async () =>
      Object.fromEntries((await db.query<{ id: string; refreshed_at: string | number; status: string }>("SELECT id, refreshed_at, status FROM relay_subscriptions")).map((r) => [r.id, `${r.status}@${Number(r.refreshed_at)}`]));
    expect(await refreshedAt()).toEqual({ "1": "active@1000", "2": "active@1000", "3": "active@1000" });
    await storeActiveSubscriptions(db, first, 2_000); // nothing changed: nothing written
    expect(await refreshedAt()).toEqual({ "1": "active@1000", "2": "active@1000", "3": "active@1000" });
    const second = parsed([{}, { endpoint: `${receiver.url}/moved` }]); // 2 moved, 3 gone
    await storeActiveSubscriptions(db, second, 3_000);
    expect(await refreshedAt()).toEqual({ "1": "active@1000", "2": "active@3000", "3": "inactive@3000" });
    expect((await db.query<{ endpoint: string }>("SELECT endpoint FROM relay_subscriptions WHERE id = '2'"))[0]!.endpoint).toBe(`${receiver.url}/moved`);
    await storeActiveSubscriptions(db, [], 4_000);
    expect(await refreshedAt()).toEqual({ "1": "inactive@4000", "2": "inactive@4000", "3": "inactive@3000" });
  });

  it("holds the queued rows of a paused, cancelled or 410-disabled subscription out of claims; resume and redrive release them in order", async () => {
    const s = (id: string, fields: Record<string, unknown> = {}) => parseSubscription(sub(id, `${receiver.url}/${id}`, { ordered: false, ...fields }));
    const rows = (subscriptionId: string, n: number): NewDelivery[] =>
      Array.from({ length: n }, (_, i) => ({ id: `${subscriptionId}-${i}`, subscriptionId, eventId: `e${i}`, kind: "immediate", eventType: "message.broadcast", blockNumber: "5", blockHash: "0x05", refId: null, body: "{}" }));
    const statuses = async (subscriptionId: string) =>
      (await db.query<{ status: string }>("SELECT status FROM relay_outbox WHERE subscription_id = $1 ORDER BY sequence", [subscriptionId])).map((r) => r.status);
    await storeActiveSubscriptions(db, [s("1"), s("2"), s("3", { ordered: true })]);
    await enqueueDeliveries(db, [...rows("1", 3), ...rows("2", 3), ...rows("3", 3)], 1_000);
    const [inFlight] = await claimDueDeliveries(db, "w", 1, 60_000, 2_000);
    expect(inFlight!.id).toBe("1-0");

    // Sub 1 paused, sub 2 gone from the indexer's live list (cancelled): their pending rows are held at once.
    await storeActiveSubscriptions(db, [s("1", { status: "paused" }), s("3", { ordered: true })]);
    expect(await statuses("1")).toEqual(["delivering", "held", "held"]);
    expect(await statuses("2")).toEqual(["held", "held", "held"]);
    expect(await statuses("3")).toEqual(["pending", "pending", "pending"]);
    expect((await listDeliveries(db, "2", { status: "held" })).map((d) => d.id)).toEqual(["2-0", "2-1", "2-2"]);
    expect((await claimDueDeliveries(db, "w", 10, 60_000, 3_000)).map((c) => c.id)).toEqual(["3-0"]);

    // The attempt in flight at the pause asks for a retry: pending, never claimed while paused, held by the sweep.
    await completeDeliveries(db, "w", [{ id: "1-0", status: "pending", statusCode: 500, error: "HTTP 500", nextAttemptAt: 2_500 }]);
    expect(await claimDueDeliveries(db, "w", 10, 60_000, 3_000)).toHaveLength(0);
    expect(await syncHeldDeliveries(db)).toEqual({ held: 1, released: 0 });
    expect(await statuses("1")).toEqual(["held", "held", "held"]);

    // Resume sub 1 and sub 2 back: pending again with their due times, claimed in order.
    await storeActiveSubscriptions(db, [s("1"), s("2"), s("3", { ordered: true })]);
    expect(await statuses("1")).toEqual(["pending", "pending", "pending"]);
    const due = await db.query<{ id: string; next_attempt_at: string | number }>("SELECT id, next_attempt_at FROM relay_outbox WHERE subscription_id = '1' ORDER BY sequence");
    expect(due.map((r) => Number(r.next_attempt_at))).toEqual([2_500, 1_000, 1_000]);
    expect((await claimDueDeliveries(db, "w", 10, 60_000, 3_000)).map((c) => c.id)).toEqual(["1-0", "1-1", "1-2", "2-0", "2-1", "2-2"]);
    expect(await syncHeldDeliveries(db)).toEqual({ held: 0, released: 0 });

    // A 410 disables sub 3: its queued rows are held (the head in flight stays); a redrive releases them.
    await disableSubscription(db, "3", "endpoint answered 410 Gone");
    expect(await statuses("3")).toEqual(["delivering", "held", "held"]);
    await completeDeliveries(db, "w", [{ id: "3-0", status: "dead", statusCode: 410, error: "HTTP 410", nextAttemptAt: null }]);
    await redrive(db, "3", { now: 4_000 });
    expect(await statuses("3")).toEqual(["pending", "pending", "pending"]);
    expect((await claimDueDeliveries(db, "w", 10, 60_000, 5_000)).map((c) => c.id)).toEqual(["3-0"]);

    // Redriven dead rows of a paused subscription are held with the rest.
    await completeDeliveries(db, "w", [{ id: "3-0", status: "dead", statusCode: 400, error: "HTTP 400", nextAttemptAt: null }]);
    await storeActiveSubscriptions(db, [s("1"), s("2"), s("3", { ordered: true, status: "paused" })]);
    await redrive(db, "3", { now: 6_000 });
    expect(await statuses("3")).toEqual(["held", "held", "held"]);
    // A row made held behind the relay's back (an active subscription) is released by the sweep.
    await db.query("UPDATE relay_outbox SET status = 'held' WHERE id = '1-0'");
    expect(await syncHeldDeliveries(db)).toEqual({ held: 0, released: 1 });
  });

  it("purges the held rows of a subscription cancelled longer than the retention ago, never a paused one's", async () => {
    const s = (id: string, fields: Record<string, unknown> = {}) => parseSubscription(sub(id, `${receiver.url}/${id}`, { ordered: false, ...fields }));
    const rows = (subscriptionId: string): NewDelivery[] =>
      [0, 1].map((i) => ({ id: `${subscriptionId}-${i}`, subscriptionId, eventId: `e${i}`, kind: "immediate", eventType: "message.broadcast", blockNumber: "5", blockHash: "0x05", refId: null, body: "{}" }));
    await storeActiveSubscriptions(db, [s("1"), s("2")], 1_000);
    await enqueueDeliveries(db, [...rows("1"), ...rows("2")], 1_000);
    await storeActiveSubscriptions(db, [s("1", { status: "paused" })], 2_000); // 1 paused, 2 cancelled, at 2,000
    expect(await purgeFinished(db, 1_500)).toBe(0);
    expect(await purgeFinished(db, 10_000)).toBe(2);
    expect((await db.query<{ id: string; status: string }>("SELECT id, status FROM relay_outbox ORDER BY id")).map((r) => `${r.id}:${r.status}`)).toEqual(["1-0:held", "1-1:held"]);
  });

  it("an outbox made before the held status gets the wider status check on the next start", async () => {
    await db.exec(`ALTER TABLE relay_outbox DROP CONSTRAINT relay_outbox_status_check;
      ALTER TABLE relay_outbox ADD CONSTRAINT relay_outbox_status_check CHECK (status IN ('pending', 'delivering', 'delivered', 'dead', 'cancelled'))`);
    const held = { id: "x", subscriptionId: "1", eventId: "e", kind: "immediate" as const, eventType: "message.broadcast", blockNumber: "5", blockHash: "0x05", refId: null, body: "{}" };
    await enqueueDeliveries(db, [held]);
    await expect(db.query("UPDATE relay_outbox SET status = 'held' WHERE id = 'x'")).rejects.toThrow(/relay_outbox_status_check/);
    await migrate(db);
    await db.query("UPDATE relay_outbox SET status = 'held' WHERE id = 'x'");
    expect(await listDeliveries(db, "1", { status: "held" })).toHaveLength(1);
    await migrate(db); // idempotent
  });

  it("ingest re-reads the subscriptions only when their fingerprint changed: a refresh change, a 410 disable, a redrive", async () => {
    const client = createIndexerClient(feed.url);
    feed.subscriptions = [sub("1", `${receiver.url}/a`, { ordered: false }), sub("2", `${receiver.url}/b`, { ordered: false })];
    const state: IngestState = { lastSubscriptionRefresh: 0 };
    const opts = { batchSize: 10, subscriptionsRefreshMs: 60_000 };
    const rowsOf = async (eventId: string) =>
      (await db.query<{ subscription_id: string }>("SELECT subscription_id FROM relay_outbox WHERE event_id = $1 ORDER BY subscription_id", [eventId])).map((r) => r.subscription_id);

    feed.events = [feedEvent(10, 0)];
    await ingestOnce(db, client, opts, state);
    const first = state.deliverable!;
    expect(first.subscriptions).toHaveLength(2);
    expect(await rowsOf(feedEvent(10, 0).id)).toEqual(["1", "2"]);

    feed.events.push(feedEvent(11, 0));
    await ingestOnce(db, client, opts, state);
    expect(state.deliverable).toBe(first); // nothing changed: the list was not read again
    const fp = await subscriptionsFingerprint(db);
    expect(fp).toBe(first.fingerprint);

    await storeActiveSubscriptions(db, [parseSubscription(sub("1", `${receiver.url}/a`, { ordered: false })), parseSubscription(sub("2", `${receiver.url}/b`, { ordered: false }))]);
    expect(await subscriptionsFingerprint(db)).toBe(fp); // an unchanged refresh writes nothing
    await disableSubscription(db, "2", "410 in a test");
    const disabled = await subscriptionsFingerprint(db);
    expect(disabled).not.toBe(fp);
    feed.events.push(feedEvent(12, 0));
    await ingestOnce(db, client, opts, state);
    expect(state.deliverable!.subscriptions.map((s) => s.id)).toEqual(["1"]);
    expect(await rowsOf(feedEvent(12, 0).id)).toEqual(["1"]);

    await redrive(db, "2");
    expect(await subscriptionsFingerprint(db)).not.toBe(disabled);
    feed.events.push(feedEvent(13, 0));
    await ingestOnce(db, client, opts, state);
    expect(await rowsOf(feedEvent(13, 0).id)).toEqual(["1", "2"]);

    // A change made by the refresh (another endpoint) and a subscription gone both change it too.
    const before = await subscriptionsFingerprint(db);
    await storeActiveSubscriptions(db, [parseSubscription(sub("1", `${receiver.url}/moved`, { ordered: false }))]);
    expect(await subscriptionsFingerprint(db)).not.toBe(before);
  });

  it("with flushGatherMs, outcomes of a burst are written in batches, not one statement per delivery", async () => {
    feed.subscriptions = Array.from({ length: 20 }, (_, i) => sub(String(i + 1), `${receiver.url}/${i}`, { ordered: false }));
    feed.events = Array.from({ length: 10 }, (_, i) => feedEvent(10 + i, 0));
    await ingestOnce(db, createIndexerClient(feed.url), { batchSize: 100, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    const pool = new DeliveryPool({
      db, workerId: "gather", concurrency: 16, flushGatherMs: 20, timeoutMs: 2_000, leaseMs: 10_000, pollMs: 10,
      retry: { baseMs: 10, capMs: 50, maxAttempts: 5 }, sign: signWebhook, checkEndpoint: async () => {}, log: () => {},
    });
    pool.start();
    try {
      await waitUntil(async () => (await db.query("SELECT id FROM relay_outbox WHERE status <> 'delivered'")).length === 0, "all delivered", 20_000);
    } finally {
      await pool.stop();
    }
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(200);
    expect(pool.stats.delivered).toBe(200);
    // PGlite runs its statements inside this event loop: without gathering, every answer was written by its own
    // UPDATE before the next answer was read (200 writes).
    expect(pool.stats.writes).toBeLessThanOrEqual(100);
  });

  it("claims in batches larger than its concurrency: every row once, in order per ordered chain; stop() gives queued claims back", async () => {
    feed.subscriptions = [sub("1", `${receiver.url}/u`, { ordered: false }), sub("2", `${receiver.url}/o`)];
    feed.events = Array.from({ length: 30 }, (_, i) => feedEvent(10 + i, 0));
    await ingestOnce(db, createIndexerClient(feed.url), { batchSize: 100, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 });
    const make = () =>
      new DeliveryPool({
        db, workerId: "batch", concurrency: 2, claimBatch: 8, timeoutMs: 2_000, leaseMs: 10_000, pollMs: 10,
        retry: { baseMs: 10, capMs: 50, maxAttempts: 5 }, sign: signWebhook, checkEndpoint: async () => {}, log: () => {},
      });
    // The first pool is stopped while rows are still queued locally.
    const first = make();
    first.start();
    await waitUntil(() => receiver.received.length >= 4 && first.stats.queued > 0, "some deliveries with a non-empty queue", 10_000, 1);
    await first.stop();
    expect(first.stats.queued).toBe(0);
    expect(await db.query("SELECT id FROM relay_outbox WHERE status = 'delivering'")).toHaveLength(0); // given back, not left leased
    const second = make();
    second.start();
    try {
      await waitUntil(async () => (await db.query("SELECT id FROM relay_outbox WHERE status <> 'delivered'")).length === 0, "all delivered", 20_000);
    } finally {
      await second.stop();
    }
    const ids = receiver.received.map((r) => r.id);
    expect(new Set(ids).size).toBe(60);
    expect(ids).toHaveLength(60); // no row attempted twice
    const ordered = receiver.received.filter((r) => r.path === "/o").map((r) => Number((r.json as { blockNumber: string }).blockNumber));
    expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
    // Batches larger than the concurrency (2), not one claim per row. (The number of claims is load-dependent: an
    // ordered chain blocked by its in-flight head makes polls that claim nothing.)
    expect(Math.max(first.stats.largestClaim, second.stats.largestClaim)).toBeGreaterThan(2);
  });

  it("hands new rows off already leased where a claim could take them; the rest stay pending; leases expire", async () => {
    const client = createIndexerClient(feed.url);
    feed.subscriptions = [sub("1", `${receiver.url}/o`), sub("2", `${receiver.url}/u`, { ordered: false }), sub("3", `${receiver.url}/b`)];
    feed.events = [feedEvent(5, 0)];
    const state = { lastSubscriptionRefresh: 0 };
    await ingestOnce(db, client, { batchSize: 10, subscriptionsRefreshMs: 0 }, state); // no hand-off: all pending
    const t0 = Date.now();
    const early = await claimDueDeliveries(db, "w0", 10, 60_000, t0);
    expect(early).toHaveLength(3);
    for (const c of early.filter((c) => c.subscriptionId !== "3")) expect(await markDelivered(db, c.id, "w0", 200)).toBe(true);
    // Sub 3's head (event 5/0) is still in flight under w0: none of its new rows may be handed off.
    feed.events.push(feedEvent(6, 0), feedEvent(6, 1));
    const now = Date.now();
    const result = await ingestOnce(db, client, { batchSize: 10, subscriptionsRefreshMs: 0 }, state, now, () => ({ workerId: "h", leaseMs: 1_000, max: 10 }));
    expect(result.deliveries).toBe(6);
    const handed = result.handedOff.map((c) => `${c.subscriptionId}:${c.eventId}`);
    // Ordered sub 1: only its first new row (its chain was empty); unordered sub 2: both; ordered sub 3: none.
    expect(handed).toEqual([`1:${feedEvent(6, 0).id}`, `2:${feedEvent(6, 0).id}`, `2:${feedEvent(6, 1).id}`]);
    expect(result.handedOff.every((c) => c.endpoint.startsWith(receiver.url) && c.body.includes(c.eventId) && c.attempts === 0)).toBe(true);
    const rows = await db.query<{ subscription_id: string; event_id: string; status: string; locked_by: string | null; lease_until: string | number | null }>(
      "SELECT subscription_id, event_id, status, locked_by, lease_until FROM relay_outbox WHERE event_id <> $1 ORDER BY sequence",
      [feedEvent(5, 0).id],
    );
    for (const r of rows) {
      const isHanded = handed.includes(`${r.subscription_id}:${r.event_id}`);
      expect(r.status).toBe(isHanded ? "delivering" : "pending");
      expect(r.locked_by).toBe(isHanded ? "h" : null);
      if (isHanded) expect(Number(r.lease_until)).toBe(now + 1_000);
    }
    // While the hand-off leases run nothing of subs 1 and 2 is claimable (sub 1's next row waits for its head);
    // after them (the process died), the same rows come back, as claimed rows do.
    expect(await claimDueDeliveries(db, "w2", 10, 1_000, now + 500)).toHaveLength(0);
    const back = await claimDueDeliveries(db, "w2", 10, 1_000, now + 1_001);
    expect(back.map((c) => c.id).sort()).toEqual(result.handedOff.map((c) => c.id).sort());

    // A budget: at most `max` rows; an ordered subscription's first row only when its chain is empty.
    await db.exec("TRUNCATE relay_outbox");
    await db.exec("UPDATE relay_cursor SET event_id = ''");
    const capped = await ingestOnce(db, client, { batchSize: 10, subscriptionsRefreshMs: 0 }, state, Date.now(), () => ({ workerId: "h", leaseMs: 10_000, max: 2 }));
    expect(capped.deliveries).toBe(9);
    expect(capped.handedOff.map((c) => `${c.subscriptionId}:${c.eventId}`)).toEqual([`1:${feedEvent(5, 0).id}`, `2:${feedEvent(5, 0).id}`]);
  });

  it("a pool delivers handed-off rows once each (never re-claimed by itself); ordered chains still go one at a time", async () => {
    feed.subscriptions = [sub("1", `${receiver.url}/u`, { ordered: false }), sub("2", `${receiver.url}/o`)];
    feed.events = Array.from({ length: 20 }, (_, i) => feedEvent(10 + i, 0));
    const pool = new DeliveryPool({
      db, workerId: "handoff", concurrency: 4, timeoutMs: 2_000, leaseMs: 10_000, pollMs: 10,
      retry: { baseMs: 10, capMs: 50, maxAttempts: 5 }, sign: signWebhook, checkEndpoint: async () => {}, log: () => {},
    });
    expect(pool.handOffCapacity()).toBe(0); // not running
    pool.start();
    try {
      expect(pool.handOffCapacity()).toBe(128); // max(claimBatch 64, 32 x 4)
      const result = await ingestOnce(db, createIndexerClient(feed.url), { batchSize: 100, subscriptionsRefreshMs: 0 }, { lastSubscriptionRefresh: 0 }, Date.now(), () => ({
        workerId: "handoff", leaseMs: 10_000, max: pool.handOffCapacity(),
      }));
      expect(result.handedOff).toHaveLength(21); // 20 unordered + the ordered chain's head
      pool.acceptHandOff(result.handedOff, result.at);
      pool.wake();
      await waitUntil(async () => (await db.query("SELECT id FROM relay_outbox WHERE status <> 'delivered'")).length === 0, "all delivered", 20_000);
    } finally {
      await pool.stop();
    }
    expect(pool.stats.handedOff).toBe(21);
    const ids = receiver.received.map((r) => r.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40); // no row attempted twice (handed-off rows are never claimed by their own pool)
    const ordered = receiver.received.filter((r) => r.path === "/o").map((r) => Number((r.json as { blockNumber: string }).blockNumber));
    expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
  });

  it("lets one process hold the ingest lease at a time", async () => {
    expect(await acquireIngestLease(db, "a", 1_000, 0)).toBe(true);
    expect(await acquireIngestLease(db, "b", 1_000, 500)).toBe(false);
    expect(await acquireIngestLease(db, "a", 1_000, 600)).toBe(true);
    expect(await acquireIngestLease(db, "b", 1_000, 1_700)).toBe(true);
  });
});
