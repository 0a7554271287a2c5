/**
 * One shared watch of the feed's newest event id for every long-poll (`GET /v1/events?wait=`) of this process.
 *
 * Each waiting request used to re-run its own query every 15 ms: ≈ 66 queries a second per waiting client (one
 * long-polling client cost the indexer ≈ 20 % of a core, five ≈ 56 %, on the process that also indexes). Now every
 * waiting request registers here and is woken, to re-run its own (filtered) query once, when the newest id differs
 * from the one it saw. The newest id comes from `push` (Ponder's live query of it, pushed when an indexing
 * transaction that wrote the feed commits: no query at all while nothing happens) or, while that stream is not
 * connected, from ONE read every `intervalMs` shared by all waiters. A request reads the newest id BEFORE its
 * first query, so an event committed after that query still wakes it; one whose filter does not match the new
 * events waits again from the id it was woken with.
 */
export type FeedWatch = {
  /** The newest event id now (one read; null while the feed is empty). */
  newest(): Promise<string | null>;
  /**
   * Resolves with the newest id as soon as it differs from `seen` (a new event, or a reorg removed the newest),
   * or with `undefined` once `ms` passed or `signal` aborted (the client went away).
   */
  changedSince(seen: string | null, ms: number, signal?: AbortSignal): Promise<string | null | undefined>;
  /** Requests waiting now (tests, metrics). */
  waiting(): number;
};

/** Pushed newest ids (indexer/relay/feedSignal.ts FeedSignal, on this indexer's own /sql/live). */
export type NewestPush = {
  readonly connected: boolean;
  /** The newest id of the last push; undefined before the first push of the current stream. */
  readonly latest: string | null | undefined;
  /** Called after every push and connection change. */
  subscribe(listener: () => void): () => void;
};

export function createFeedWatch(readNewest: () => Promise<string | null>, intervalMs: number, push?: NewestPush): FeedWatch {
  type Waiter = { seen: string | null; done: (newest: string | null | undefined) => void };
  const waiters = new Set<Waiter>();
  let ticking = false;
  const pushed = () => (push?.connected === true && push.latest !== undefined ? push.latest : undefined);
  const wake = (newest: string | null) => {
    for (const waiter of [...waiters]) if (newest !== waiter.seen) waiter.done(newest);
  };
  push?.subscribe(() => {
    const newest = pushed();
    if (newest !== undefined) wake(newest);
  });

  async function tick(): Promise<void> {
    while (waiters.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (waiters.size === 0) break;
      if (pushed() !== undefined) continue; // pushes wake the waiters; nothing to read
      let newest: string | null;
      try {
        newest = await readNewest();
      } catch {
        continue; // a failed read: look again next interval (each waiter still ends at its own deadline)
      }
      wake(newest);
    }
    ticking = false;
  }

  return {
    newest: readNewest,
    waiting: () => waiters.size,
    changedSince(seen, ms, signal) {
      if (signal?.aborted || ms <= 0) return Promise.resolve(undefined);
      const now = pushed();
      if (now !== undefined && now !== seen) return Promise.resolve(now);
      return new Promise((resolve) => {
        const waiter: Waiter = {
          seen,
          done: (newest) => {
            clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            waiters.delete(waiter);
            resolve(newest);
          },
        };
        const onAbort = () => waiter.done(undefined);
        const timer = setTimeout(() => waiter.done(undefined), ms);
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.add(waiter);
        if (!ticking) {
          ticking = true;
          void tick();
        }
      });
    },
  };
}
