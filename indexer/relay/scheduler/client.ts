/**
 * What the scheduler reads from the indexer: the schedules (GET /v1/schedules?active=true, all pages;
 * GET /v1/schedules/:id) and the `schedule.*` events of the feed (GET /v1/events?types=schedule.*), which tell
 * it which schedules changed. Failures are FeedErrors (the scheduler logs them and keeps firing from its cache).
 */
import { FeedError } from "../errors.ts";
import { parseSchedule, type RelaySchedule } from "./schedule.ts";

export type ScheduleEvent = { id: string; type: string; scheduleId: string | null };

export type ScheduleClient = {
  /** Every active schedule (all pages). */
  activeSchedules(): Promise<RelaySchedule[]>;
  /** One schedule, or null when the indexer does not know it. */
  schedule(id: string): Promise<RelaySchedule | null>;
  /** `schedule.*` feed events after `after` (feed cursor), ascending. */
  scheduleEvents(after: string, limit: number): Promise<{ items: ScheduleEvent[]; nextCursor: string }>;
  /** The chain id (Ponder's /status). */
  chainId(): Promise<number>;
};

async function get(url: string, timeoutMs: number, allow404 = false): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
  } catch (error) {
    throw new FeedError("feed_unavailable", `GET ${url} failed: ${(error as Error).message}`, undefined, { cause: error });
  }
  const text = await response.text().catch(() => "");
  if (allow404 && response.status === 404) return null;
  if (!response.ok) throw new FeedError("feed_unavailable", `GET ${url} -> HTTP ${response.status}: ${text.slice(0, 300)}`, response.status);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FeedError("feed_invalid", `GET ${url} answered invalid JSON: ${text.slice(0, 200)}`, response.status, { cause: error });
  }
}

function page(body: unknown, url: string): { items: unknown[]; nextCursor: string } {
  const p = body as { items?: unknown; nextCursor?: unknown } | null;
  if (typeof p !== "object" || p === null || !Array.isArray(p.items)) throw new FeedError("feed_invalid", `GET ${url} answered no items array`);
  return { items: p.items, nextCursor: p.nextCursor === null || p.nextCursor === undefined ? "" : String(p.nextCursor) };
}

function parse(value: unknown, url: string): RelaySchedule {
  try {
    return parseSchedule(value);
  } catch (error) {
    throw new FeedError("feed_invalid", `GET ${url}: not a schedule: ${(error as Error).message.slice(0, 300)}`);
  }
}

export function createScheduleClient(baseUrl: string, timeoutMs = 10_000): ScheduleClient {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    async activeSchedules() {
      const all: RelaySchedule[] = [];
      let after = "";
      for (let guard = 0; guard < 100_000; guard++) {
        const url = `${base}/v1/schedules?active=true&limit=500${after ? `&after=${encodeURIComponent(after)}` : ""}`;
        const p = page(await get(url, timeoutMs), url);
        for (const item of p.items) all.push(parse(item, url));
        if (p.items.length === 0 || p.nextCursor === "" || p.nextCursor === after) break;
        after = p.nextCursor;
      }
      return all;
    },
    async schedule(id) {
      const url = `${base}/v1/schedules/${encodeURIComponent(id)}`;
      const body = await get(url, timeoutMs, true);
      return body === null ? null : parse(body, url);
    },
    async scheduleEvents(after, limit) {
      const url = `${base}/v1/events?after=${encodeURIComponent(after)}&limit=${limit}&types=schedule.*`;
      const p = page(await get(url, timeoutMs), url);
      const items = p.items.map((raw) => {
        const e = raw as { id?: unknown; type?: unknown; data?: { scheduleId?: unknown } };
        if (typeof e.id !== "string" || typeof e.type !== "string") throw new FeedError("feed_invalid", `GET ${url}: an item without id/type`);
        const id = e.data?.scheduleId;
        return { id: e.id, type: e.type, scheduleId: typeof id === "string" || typeof id === "number" ? String(id) : null };
      });
      return { items, nextCursor: items.at(-1)?.id ?? after };
    },
    async chainId() {
      const url = `${base}/status`;
      const body = (await get(url, timeoutMs)) as Record<string, { id?: unknown }>;
      const id = Object.values(body ?? {}).map((chain) => Number(chain?.id)).find((n) => Number.isSafeInteger(n) && n > 0);
      if (id === undefined) throw new FeedError("feed_invalid", `GET ${url} has no chain id`);
      return id;
    },
  };
}
