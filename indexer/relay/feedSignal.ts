/**
 * A push signal for new feed events: one server-sent-events stream of a Ponder live query (`GET /sql/live`, the
 * `client` middleware the Concord indexer mounts at /sql/*) on `max(id)` of the feed's table. Ponder re-runs the
 * query when an indexing transaction that wrote the table commits (Postgres LISTEN/NOTIFY, or PGlite's) and pushes
 * the result when it changed, so every push means "the feed has new events" (or lost some to a reorg).
 *
 * Why: the relay long-polled `GET /v1/events?wait=`, which the indexer answers by re-reading the feed every 15 ms
 * while nothing is new: ≈ 66 queries a second for an idle relay, ≈ 19 % of a core of the indexer's process on this
 * machine (measured with the dev stack idle: 4.5 % without the relay, 23 % with it). With the signal the idle
 * relay reads the feed once per push and once per RELAY_FEED_SIGNAL_FALLBACK_MS.
 *
 * The relay's ingest loop (relay.ts), once the feed has been quiet for RELAY_FEED_SIGNAL_ACTIVE_MS, reads
 * `generation` before a feed read and, when the read found nothing new, waits for `wait(generation, fallbackMs)`:
 * a push that arrived during the read counts (the generation moved on), so none is missed. While events come it
 * long-polls (a long-poll answer arrives a few ms before a push would). While not connected (an indexer without /sql/live, 503 during Ponder's backfill, a dropped stream) the
 * loop long-polls as before, and the stream is reconnected with a backoff (an established stream that ends, e.g.
 * after undici's body timeout on an idle stream, is reconnected at once and without a log line).
 */
import { EventSourceParserStream } from "eventsource-parser/stream";

/** The feed table of indexer/ponder.schema.ts (`concordEvent`); its ids grow with the feed's order. */
export const FEED_SIGNAL_SQL = "select max(id) as id from concord_events";

export type FeedSignalOptions = {
  indexerUrl: string;
  log: (message: string) => void;
  /** First reconnect delay after a failed connect (doubles up to maxRetryMs). */
  retryMs?: number;
  maxRetryMs?: number;
};

/** The `sql` parameter of Ponder's /sql/live: superjson of { sql, params } (plain JSON values need no meta). */
export function liveQueryUrl(indexerUrl: string, sql = FEED_SIGNAL_SQL): string {
  return `${indexerUrl.replace(/\/+$/, "")}/sql/live?sql=${encodeURIComponent(JSON.stringify({ json: { sql, params: [] } }))}`;
}

export class FeedSignal {
  readonly #options: FeedSignalOptions;
  #generation = 0;
  #connected = false;
  #running = false;
  #loop: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #listeners = new Set<() => void>();
  #latest: string | null | undefined;
  #cancelRetry: (() => void) | undefined;

  constructor(options: FeedSignalOptions) {
    this.#options = options;
  }

  /** Pushes received so far. */
  get generation(): number {
    return this.#generation;
  }

  /** Whether the stream is open (pushes arrive). */
  get connected(): boolean {
    return this.#connected;
  }

  /** The newest feed id of the last push (null: the feed is empty; undefined: nothing pushed on this stream yet). */
  get latest(): string | null | undefined {
    return this.#latest;
  }

  /** Calls `listener` after every push and every connection change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#abort?.abort();
    this.#cancelRetry?.();
    this.#wakeAll();
    await this.#loop;
  }

  /** Resolves when a push came after `since` (a generation read before), the connection opened or closed, stop(), or after `ms`. */
  wait(since: number, ms: number): Promise<void> {
    if (this.#generation > since || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const unsubscribe = this.subscribe(done);
    });
  }

  #wakeAll(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    if (!connected) this.#latest = undefined;
    this.#wakeAll();
  }

  /** The live query's rows: `{ rows: [{ id }] }` (Ponder's /sql/live data). */
  static #newestId(data: string): string | null | undefined {
    try {
      const id = (JSON.parse(data) as { rows?: { id?: unknown }[] }).rows?.[0]?.id;
      return typeof id === "string" ? id : id === null ? null : undefined;
    } catch {
      return undefined;
    }
  }

  async #run(): Promise<void> {
    const { log } = this.#options;
    const retryMs = this.#options.retryMs ?? 1_000;
    const maxRetryMs = this.#options.maxRetryMs ?? 30_000;
    const url = liveQueryUrl(this.#options.indexerUrl);
    let delay = retryMs;
    let lastFailure = "";
    while (this.#running) {
      const abort = new AbortController();
      this.#abort = abort;
      let opened = false;
      let openedAt = 0;
      try {
        const response = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream" } });
        if (!response.ok || !response.body) {
          const text = await response.text().catch(() => "");
          throw new Error(`GET /sql/live answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ""}`);
        }
        opened = true;
        openedAt = Date.now();
        if (lastFailure) log("feed signal: connected (new events are pushed; the feed is no longer long-polled)");
        lastFailure = "";
        this.#setConnected(true);
        const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
        for await (const event of events) {
          this.#latest = FeedSignal.#newestId(event.data);
          this.#generation++;
          this.#wakeAll();
        }
      } catch (error) {
        if (!this.#running) break;
        if (!opened) {
          const message = (error as Error).message;
          if (message !== lastFailure) log(`feed signal: ${message}; long-polling the feed meanwhile, retrying (up to every ${maxRetryMs / 1000} s)`);
          lastFailure = message;
        }
      } finally {
        abort.abort();
        this.#setConnected(false);
      }
      if (!this.#running) break;
      // An established stream that ended (after a while) is reconnected at once; one closed right away backs off.
      if (opened && Date.now() - openedAt >= retryMs) {
        delay = retryMs;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#cancelRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#cancelRetry = undefined;
      delay = Math.min(delay * 2, maxRetryMs);
    }
  }
}
