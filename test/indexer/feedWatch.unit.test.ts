/**
 * The long-polls' shared watch (indexer/src/api/lib/feedWatch.ts): many waiting requests cost one read per
 * interval, all are woken with the new newest id, a waiter that already saw the newest id keeps waiting, deadlines
 * and aborts end waits, the loop stops when nobody waits, and a failed read is retried; with a connected push
 * (the indexer's own live query) waiters are woken by pushes and nothing is read, until the push drops.
 */
import { describe, expect, it } from "vitest";
import { createFeedWatch, type NewestPush } from "../../indexer/src/api/lib/feedWatch.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fakeFeed(initial: string | null) {
  const feed = { newest: initial, reads: 0, fail: false };
  const read = async () => {
    feed.reads++;
    if (feed.fail) throw new Error("database busy");
    return feed.newest;
  };
  return { feed, read };
}

describe("feed watch", () => {
  it("twenty waiting requests cost one read per interval and are all woken with the new newest id", async () => {
    const { feed, read } = fakeFeed("0005");
    const watch = createFeedWatch(read, 10);
    const waits = Array.from({ length: 20 }, () => watch.changedSince("0005", 10_000));
    await sleep(150);
    expect(watch.waiting()).toBe(20);
    // ≈ 15 intervals went by: one read each, not one per request and interval (≈ 300).
    expect(feed.reads).toBeGreaterThanOrEqual(5);
    expect(feed.reads).toBeLessThanOrEqual(20);
    feed.newest = "0006";
    expect(await Promise.all(waits)).toEqual(Array(20).fill("0006"));
    expect(watch.waiting()).toBe(0);
    // Nobody waits: no more reads.
    const reads = feed.reads;
    await sleep(60);
    expect(feed.reads).toBeLessThanOrEqual(reads + 1);
  });

  it("a waiter that saw an older id wakes at once; one that saw the newest waits for the next change or its deadline", async () => {
    const { feed, read } = fakeFeed("0007");
    const watch = createFeedWatch(read, 5);
    expect(await watch.changedSince("0006", 10_000)).toBe("0007");
    expect(await watch.changedSince(null, 10_000)).toBe("0007"); // the feed was empty when the request looked
    const started = Date.now();
    expect(await watch.changedSince("0007", 120)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    // A reorg that removed the newest event also counts as a change (the request re-runs its query).
    const pending = watch.changedSince("0007", 10_000);
    feed.newest = "0004";
    expect(await pending).toBe("0004");
    expect(await watch.changedSince("0004", 0)).toBeUndefined();
  });

  it("a client that goes away ends its wait; a failed read is retried", async () => {
    const { feed, read } = fakeFeed(null);
    const watch = createFeedWatch(read, 5);
    const abort = new AbortController();
    const gone = watch.changedSince(null, 10_000, abort.signal);
    await sleep(20);
    abort.abort();
    expect(await gone).toBeUndefined();
    expect(watch.waiting()).toBe(0);
    expect(await watch.changedSince(null, 10_000, abort.signal)).toBeUndefined(); // already aborted

    feed.fail = true;
    const pending = watch.changedSince(null, 10_000);
    await sleep(30);
    const failedReads = feed.reads;
    expect(failedReads).toBeGreaterThan(1);
    feed.fail = false;
    feed.newest = "0001";
    expect(await pending).toBe("0001");
  });

  it("with a connected push, waiters wake on pushes and the feed is not read; when the push drops, polling resumes", async () => {
    const { feed, read } = fakeFeed("0009");
    const listeners = new Set<() => void>();
    const push = { connected: true, latest: "0009" as string | null | undefined, subscribe: (l: () => void) => (listeners.add(l), () => listeners.delete(l)) };
    const send = (latest: string | null | undefined, connected = true) => {
      push.connected = connected;
      push.latest = latest;
      for (const l of listeners) l();
    };
    const watch = createFeedWatch(read, 5, push satisfies NewestPush);
    const waits = Array.from({ length: 5 }, () => watch.changedSince("0009", 10_000));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(feed.reads).toBe(0);
    send("0010");
    expect(await Promise.all(waits)).toEqual(Array(5).fill("0010"));
    // A push the request has not seen yet: answered at once.
    expect(await watch.changedSince("0009", 10_000)).toBe("0010");
    expect(feed.reads).toBe(0);
    // The stream drops: the shared read takes over.
    const pending = watch.changedSince("0010", 10_000);
    send(undefined, false);
    feed.newest = "0011";
    expect(await pending).toBe("0011");
    expect(feed.reads).toBeGreaterThan(0);
  });
});
