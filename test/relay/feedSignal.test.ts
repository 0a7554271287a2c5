/**
 * The relay's feed signal (indexer/relay/feedSignal.ts) against a fake indexer serving Ponder's /sql/live stream:
 * pushes move the generation and wake waiters (a push during a read is not missed), an indexer without /sql/live
 * leaves it disconnected and retried with one log line, a dropped stream is reconnected, stop() ends waits; and a
 * relay (startRelay, PGlite) whose poll interval is a minute still delivers a new event at once when it is pushed,
 * without long-polling the feed while idle. The real stack (Ponder's own /sql/live) is exercised by the e2e tests.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadRelayConfig } from "../../indexer/relay/config.ts";
import { FEED_SIGNAL_SQL, FeedSignal, liveQueryUrl } from "../../indexer/relay/feedSignal.ts";
import { startRelay } from "../../indexer/relay/relay.ts";
import { feedEvent, startFakeFeed, startReceiver, tempDir, waitUntil, type FakeFeed, type Receiver } from "./helpers.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeFeed(live: boolean): Promise<FakeFeed> {
  const feed = await startFakeFeed();
  feed.live = live;
  cleanups.push(() => feed.close());
  return feed;
}

function signal(feed: FakeFeed, logs: string[] = []): FeedSignal {
  const s = new FeedSignal({ indexerUrl: feed.url, log: (m) => logs.push(m), retryMs: 20, maxRetryMs: 80 });
  s.start();
  cleanups.push(() => s.stop());
  return s;
}

describe("feed signal", () => {
  it("opens Ponder's live query on max(id) of the feed table", async () => {
    const url = new URL(liveQueryUrl("http://indexer:42069/"));
    expect(url.pathname).toBe("/sql/live");
    expect(JSON.parse(url.searchParams.get("sql")!)).toEqual({ json: { sql: FEED_SIGNAL_SQL, params: [] } });
    const feed = await fakeFeed(true);
    signal(feed);
    await waitUntil(() => feed.openStreams() === 1, "the stream");
    expect(feed.liveQueries).toEqual([url.searchParams.get("sql")]);
  });

  it("counts pushes and wakes a waiter; a push between reading the generation and waiting is not missed", async () => {
    const feed = await fakeFeed(true);
    const s = signal(feed);
    await waitUntil(() => s.connected, "connected");
    const before = s.generation;
    const waiting = s.wait(before, 60_000);
    feed.push();
    await waiting;
    expect(s.generation).toBe(before + 1); // woken by the push, not by the 60 s timeout
    // The push lands while the caller is "reading"; its wait afterwards returns at once.
    const read = s.generation;
    feed.push();
    await waitUntil(() => s.generation > read, "the second push");
    const started = Date.now();
    await s.wait(read, 60_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    // Nothing pushed: the wait ends at its timeout with the generation unchanged.
    const quiet = s.generation;
    await s.wait(quiet, 50);
    expect(s.generation).toBe(quiet);
  });

  it("an indexer without /sql/live: not connected, retried with backoff, logged once", async () => {
    const feed = await fakeFeed(false);
    const logs: string[] = [];
    const s = signal(feed, logs);
    await waitUntil(() => (feed.requests.get("/sql/live") ?? 0) >= 3, "three attempts");
    expect(s.connected).toBe(false);
    expect(logs).toEqual([expect.stringMatching(/^feed signal: GET \/sql\/live answered HTTP 404; long-polling the feed meanwhile/)]);
    // Once it serves the stream: connected, and the recovery is logged.
    feed.live = true;
    await waitUntil(() => s.connected, "connected after the indexer got /sql/live");
    expect(logs.at(-1)).toMatch(/^feed signal: connected/);
  });

  it("reconnects a dropped stream and wakes waiters on both changes; stop() ends a wait", async () => {
    const feed = await fakeFeed(true);
    const s = signal(feed);
    await waitUntil(() => s.connected, "connected");
    const waiting = s.wait(s.generation, 60_000);
    feed.dropLive();
    await waiting; // the disconnect wakes it (the caller falls back to long-polling)
    await waitUntil(() => s.connected && feed.openStreams() === 1, "reconnected");
    expect(feed.requests.get("/sql/live")).toBe(2);
    const after = s.generation;
    feed.push();
    await waitUntil(() => s.generation > after, "a push on the new stream");
    const pending = s.wait(s.generation, 60_000);
    await s.stop();
    await pending;
    expect(s.connected).toBe(false);
  });
});

describe("relay with the feed signal", () => {
  it("a relay polling once a minute delivers a pushed event at once and does not long-poll while idle", async () => {
    const feed = await fakeFeed(true);
    const receiver: Receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const dir = tempDir("relay-signal-");
    cleanups.push(() => dir.remove());
    feed.subscriptions = [
      { id: "1", owner: `0x${"55".repeat(20)}`, swarmId: "1", kinds: 4, member: null, endpoint: `${receiver.url}/a`, status: "active", mode: "immediate", confirmations: 0, ordered: false, createdBlock: "0", createdEventId: "" },
    ];
    const config = loadRelayConfig({
      RELAY_PORT: "0",
      RELAY_INDEXER_URL: feed.url,
      RELAY_DATA_DIR: dir.dir,
      RELAY_ALLOW_LOOPBACK: "1",
      RELAY_SCHEDULER: "0",
      RELAY_CHAIN_ID: "31337",
      RELAY_REORG_DEPTH: "0",
      // Without a push the feed would be read again only after a minute (the fake feed has no long-poll).
      RELAY_POLL_MS: "60000",
      RELAY_FEED_SIGNAL_FALLBACK_MS: "60000",
    });
    const relay = await startRelay(config, { log: () => {} });
    cleanups.push(() => relay.stop());
    await waitUntil(() => feed.openStreams() === 1, "the relay's stream");
    await waitUntil(async () => ((await (await fetch(`${relay.url}/health`)).json()) as { stats: { feedSignal: { connected: boolean } } }).stats.feedSignal.connected, "feedSignal connected in /health");

    // Idle: the feed is not read again while nothing is pushed.
    const reads = feed.requests.get("/v1/events") ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(feed.requests.get("/v1/events") ?? 0).toBeLessThanOrEqual(reads + 1);
    const readsBeforeEvent = feed.eventWaits.length;

    // An event and its push: delivered long before the minute is up.
    feed.events.push(feedEvent(5, 0));
    feed.push();
    const [webhook] = await waitUntil(() => (receiver.received.length > 0 ? receiver.received : undefined), "the pushed event's webhook", 20_000);
    expect(webhook!.json.id).toBe(feedEvent(5, 0).id);
    // Quiet until then: once connected, every read was a plain one (no long-poll). Right after an event the feed is
    // long-polled (RELAY_FEED_SIGNAL_ACTIVE_MS, 10 s by default), where the next event is seen a few ms sooner.
    expect(feed.eventWaits.slice(reads, readsBeforeEvent).every((w) => w === 0)).toBe(true);
    await waitUntil(() => feed.eventWaits.slice(readsBeforeEvent).some((w) => w === 60_000), "a long-poll while active");
    feed.events.push(feedEvent(6, 0));
    feed.push();
    await waitUntil(() => receiver.received.length >= 2, "the second event's webhook", 20_000);
  });
});
