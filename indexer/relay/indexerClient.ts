/**
 * What the relay reads from the Concord indexer: the unified event feed, the subscriptions and the head block.
 * Every failure is a FeedError (the ingest loop logs it and tries again on the next poll).
 */
import { FeedError } from "./errors.ts";
import { parseFeedEvent, type FeedEvent } from "./feedEvent.ts";
import { parseSubscription, type RelaySubscription } from "./subscription.ts";

export type EventPage = { items: FeedEvent[]; nextCursor: string };

export type IndexerClient = {
  /**
   * The page after `after`. `waitMs` > 0: long-poll (the indexer answers when an event follows `after` or after
   * that many ms with an empty page; an indexer without `wait` answers at once).
   */
  events(after: string, limit: number, waitMs?: number): Promise<EventPage>;
  /** Every active subscription (all pages). */
  activeSubscriptions(): Promise<RelaySubscription[]>;
  /** Every subscription that is not cancelled (active or paused; all pages). */
  liveSubscriptions(): Promise<RelaySubscription[]>;
  /** The indexer's latest indexed block number (Ponder's /status). */
  headBlock(): Promise<number>;
  /** The chain id the indexer follows (Ponder's /status). */
  chainId(): Promise<number>;
};

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (error) {
    throw new FeedError("feed_unavailable", `GET ${url} failed: ${(error as Error).message}`, undefined, { cause: error });
  }
  const text = await response.text().catch(() => "");
  if (!response.ok) throw new FeedError("feed_unavailable", `GET ${url} -> HTTP ${response.status}: ${text.slice(0, 300)}`, response.status);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FeedError("feed_invalid", `GET ${url} answered invalid JSON: ${text.slice(0, 200)}`, response.status, { cause: error });
  }
}

function items(body: unknown, url: string): { items: unknown[]; nextCursor: unknown } {
  const page = body as { items?: unknown; nextCursor?: unknown };
  if (typeof body !== "object" || body === null || !Array.isArray(page.items)) {
    throw new FeedError("feed_invalid", `GET ${url} answered no items array`);
  }
  return { items: page.items, nextCursor: page.nextCursor };
}

export function createIndexerClient(baseUrl: string, timeoutMs = 10_000): IndexerClient {
  async function subscriptionPages(filter: string): Promise<RelaySubscription[]> {
    const all: RelaySubscription[] = [];
    let after = "";
    for (let guard = 0; guard < 10_000; guard++) {
      const url = `${baseUrl}/v1/subscriptions?${filter}limit=500${after ? `&after=${encodeURIComponent(after)}` : ""}`;
      const page = items(await getJson(url, timeoutMs), url);
      try {
        all.push(...page.items.map(parseSubscription));
      } catch (error) {
        throw new FeedError("feed_invalid", `GET ${url}: ${(error as Error).message}`);
      }
      const next = page.nextCursor === null || page.nextCursor === undefined ? "" : String(page.nextCursor);
      if (page.items.length === 0 || next === "" || next === after) break;
      after = next;
    }
    return all;
  }
  return {
    async events(after, limit, waitMs = 0) {
      const url = `${baseUrl}/v1/events?after=${encodeURIComponent(after)}&limit=${limit}${waitMs > 0 ? `&wait=${Math.round(waitMs)}` : ""}`;
      const page = items(await getJson(url, timeoutMs), url);
      let events: FeedEvent[];
      try {
        events = page.items.map(parseFeedEvent);
      } catch (error) {
        throw new FeedError("feed_invalid", `GET ${url}: ${(error as Error).message}`);
      }
      for (let i = 0; i < events.length; i++) {
        const previous = i === 0 ? after : events[i - 1]!.id;
        if (!(events[i]!.id > previous)) throw new FeedError("feed_invalid", `GET ${url}: ids are not ascending after ${previous}`);
      }
      const last = events.at(-1)?.id ?? after;
      return { items: events, nextCursor: last };
    },
    async activeSubscriptions() {
      return subscriptionPages("active=true&");
    },
    async liveSubscriptions() {
      return (await subscriptionPages("")).filter((sub) => sub.status !== "cancelled");
    },
    async headBlock() {
      const url = `${baseUrl}/status`;
      const body = (await getJson(url, timeoutMs)) as Record<string, { block?: { number?: unknown } }>;
      let head = -1;
      for (const chain of Object.values(body ?? {})) {
        const number = Number(chain?.block?.number);
        if (Number.isFinite(number)) head = Math.max(head, number);
      }
      if (head < 0) throw new FeedError("feed_invalid", `GET ${url} has no block number`);
      return head;
    },
    async chainId() {
      const url = `${baseUrl}/status`;
      const body = (await getJson(url, timeoutMs)) as Record<string, { id?: unknown }>;
      const id = Object.values(body ?? {}).map((chain) => Number(chain?.id)).find((n) => Number.isSafeInteger(n) && n > 0);
      if (id === undefined) throw new FeedError("feed_invalid", `GET ${url} has no chain id`);
      return id;
    },
  };
}
