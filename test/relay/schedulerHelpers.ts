/**
 * A fake indexer for the scheduler tests (real HTTP on 127.0.0.1): GET /v1/schedules?active=, /v1/schedules/:id,
 * /v1/events?types=schedule.* (and an empty feed / no subscriptions for a whole relay's ingest loop) and /status, from in-memory schedules in the indexer's JSON shape
 * (TIME_CONTRACT.md). `change(id, fields, type)` edits a schedule AND appends its `schedule.<type>` feed event,
 * as the indexer does when it indexes the block.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export const OWNER = `0x${"55".repeat(20)}`;

export type ScheduleJson = Record<string, unknown> & { id: string; status: string };

export type FakeScheduleIndexer = {
  url: string;
  schedules: Map<string, ScheduleJson>;
  events: { id: string; type: string; data: { scheduleId: string } }[];
  /** Requests seen, by path (to check what the scheduler asked for). */
  requests: string[];
  /** Answer 503 to everything while true. */
  down: boolean;
  add(schedule: ScheduleJson): void;
  change(id: string, fields: Record<string, unknown>, type: string): void;
  close(): Promise<void>;
};

let blockCounter = 1;

export function schedule(id: string, fields: Record<string, unknown> = {}): ScheduleJson {
  return {
    id,
    owner: OWNER,
    swarmId: null,
    kind: "cron",
    cron: "* * * * * *",
    period: null,
    startTime: "0",
    endTime: null,
    maxRuns: null,
    catchUp: "fire_all",
    payload: "0xc0ffee",
    endpoint: "http://127.0.0.1:9/hook",
    target: null,
    callData: "0x",
    valuePerRun: "0",
    callGasLimit: 0,
    funds: "0",
    status: "active",
    nextOccurrence: 0,
    executedCount: 0,
    lastExecutedAt: null,
    createdAt: "0",
    createdBlock: "1",
    createdTxHash: `0x${"11".repeat(32)}`,
    createdEventId: "",
    pausedAt: null,
    cancelledAt: null,
    updatedEventId: "",
    updatedBlock: "1",
    updatedAt: "0",
    ...fields,
  } as ScheduleJson;
}

export async function startFakeScheduleIndexer(chainId = 31337): Promise<FakeScheduleIndexer> {
  const fake: FakeScheduleIndexer = {
    url: "",
    schedules: new Map(),
    events: [],
    requests: [],
    down: false,
    add(s) {
      fake.schedules.set(s.id, s);
      fake.events.push({ id: nextEventId(), type: "schedule.registered", data: { scheduleId: s.id } });
    },
    change(id, fields, type) {
      const current = fake.schedules.get(id);
      if (!current) throw new Error(`no schedule ${id}`);
      const eventId = nextEventId();
      fake.schedules.set(id, { ...current, ...fields, updatedEventId: eventId });
      fake.events.push({ id: eventId, type: `schedule.${type}`, data: { scheduleId: id } });
    },
    close: async () => {},
  };
  const nextEventId = () => `${String(blockCounter++).padStart(16, "0")}-00000000`;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    fake.requests.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (fake.down) return send(503, { error: { code: "unavailable", message: "down" } });
    if (url.pathname === "/v1/schedules") {
      const active = url.searchParams.get("active");
      const after = url.searchParams.get("after") ?? "";
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const items = [...fake.schedules.values()]
        .filter((s) => active === null || (active === "true") === (s.status === "active"))
        .sort((a, b) => Number(a.id) - Number(b.id))
        .filter((s) => after === "" || Number(s.id) > Number(after))
        .slice(0, limit);
      return send(200, { items, nextCursor: items.length === limit ? items.at(-1)!.id : null });
    }
    const one = /^\/v1\/schedules\/(\d+)$/.exec(url.pathname);
    if (one) {
      const s = fake.schedules.get(one[1]!);
      return s ? send(200, s) : send(404, { error: { code: "schedule_not_found", message: "no such schedule" } });
    }
    if (url.pathname === "/v1/events") {
      const after = url.searchParams.get("after") ?? "";
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const types = url.searchParams.get("types");
      // The relay's ingest loop reads the whole feed (no subscriptions here: nothing); the scheduler asks for schedule.*.
      if (types === null) return send(200, { items: [], nextCursor: null, hasMore: false });
      if (types !== "schedule.*") return send(400, { error: { code: "test", message: "the scheduler should ask for schedule.* only" } });
      const items = fake.events.filter((e) => e.id > after).slice(0, limit);
      return send(200, { items, nextCursor: items.at(-1)?.id ?? null, hasMore: false });
    }
    if (url.pathname === "/v1/subscriptions") return send(200, { items: [], nextCursor: null });
    if (url.pathname === "/status") return send(200, { localhost: { id: chainId, block: { number: 1, timestamp: 0 } } });
    send(404, { error: { code: "route_not_found", message: url.pathname } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
