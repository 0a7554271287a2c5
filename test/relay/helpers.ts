/**
 * Test helpers for the relay: a webhook receiver (real HTTP server on 127.0.0.1, scripted answers, verifies
 * Standard Webhooks signatures), a fake feed server for unit tests of ingest/reorg logic, temp PGlite dirs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { verifyWebhook } from "../../sdk/webhooks.ts";
import type { FeedEvent } from "../../indexer/relay/feedEvent.ts";

export type ReceivedWebhook = {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  json: Record<string, unknown>;
  path: string;
  at: number;
  headers: Record<string, string>;
  /** Whether verifyWebhook accepted it with the secret known to the test (undefined: no secret given). */
  verified: boolean | undefined;
};

/** What the receiver answers: a status (+ headers), or "hang" (never answers: the relay times out). */
/** An answer, optionally after `delayMs` (a slow receiver); "hang" never answers. */
export type Answer = { status: number; headers?: Record<string, string>; delayMs?: number } | "hang";

export type Receiver = {
  url: string;
  received: ReceivedWebhook[];
  /** Decides each answer (default 200). */
  respond: (webhook: ReceivedWebhook, count: number) => Answer;
  /** Secret(s) per path prefix used to verify (set by tests once they know them). */
  secrets: Map<string, string>;
  close: () => Promise<void>;
};

export async function startReceiver(respond: Receiver["respond"] = () => ({ status: 200 })): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = { url: "", received, respond, secrets: new Map(), close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = req.headers;
      const secret = [...receiver.secrets.entries()].find(([prefix]) => (req.url ?? "").startsWith(prefix))?.[1];
      let verified: boolean | undefined;
      if (secret !== undefined) {
        try {
          verifyWebhook({ headers: headers as Record<string, string>, body, secret });
          verified = true;
        } catch {
          verified = false;
        }
      }
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        // kept as body
      }
      const webhook: ReceivedWebhook = {
        id: String(headers["webhook-id"] ?? ""),
        timestamp: Number(headers["webhook-timestamp"] ?? 0),
        signature: String(headers["webhook-signature"] ?? ""),
        body,
        json,
        path: req.url ?? "/",
        at: Date.now(),
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
        verified,
      };
      received.push(webhook);
      const answer = receiver.respond(webhook, received.filter((r) => r.id === webhook.id).length);
      if (answer === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      const reply = () => {
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
        res.end(answer.status < 300 ? "ok" : "no");
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}

/**
 * A fake indexer for unit tests: /v1/events, /v1/subscriptions, /status from in-memory arrays; with `live` on, also
 * Ponder's /sql/live server-sent events for the relay's feed signal (feedSignal.ts): push() sends one event to
 * every open stream, dropLive() ends them. Off (the default), /sql/live answers 404 like an indexer without it.
 */
export type FakeFeed = {
  url: string;
  events: FeedEvent[];
  subscriptions: Record<string, unknown>[];
  head: { number: number };
  live: boolean;
  /** Requests seen per path (/v1/events, /sql/live, …). */
  requests: Map<string, number>;
  /** The `sql` parameters /sql/live was opened with. */
  liveQueries: string[];
  /** The `wait` parameter of each /v1/events request (0 when absent). */
  eventWaits: number[];
  openStreams: () => number;
  push: () => void;
  dropLive: () => void;
  close: () => Promise<void>;
};

export async function startFakeFeed(): Promise<FakeFeed> {
  const streams = new Set<http.ServerResponse>();
  let pushes = 0;
  const feed: FakeFeed = {
    url: "",
    events: [],
    subscriptions: [],
    head: { number: 0 },
    live: false,
    requests: new Map(),
    liveQueries: [],
    eventWaits: [],
    openStreams: () => streams.size,
    push: () => {
      pushes++;
      for (const res of streams) res.write(`data: {"rows":[{"id":"${pushes}"}]}\n\n`);
    },
    dropLive: () => {
      for (const res of streams) res.end();
      streams.clear();
    },
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    feed.requests.set(url.pathname, (feed.requests.get(url.pathname) ?? 0) + 1);
    if (url.pathname === "/sql/live" && feed.live) {
      feed.liveQueries.push(url.searchParams.get("sql") ?? "");
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.flushHeaders();
      streams.add(res);
      res.on("close", () => streams.delete(res));
      return;
    }
    const send = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/v1/events") {
      feed.eventWaits.push(Number(url.searchParams.get("wait") ?? 0));
      const after = url.searchParams.get("after") ?? "";
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const items = [...feed.events].sort((a, b) => (a.id < b.id ? -1 : 1)).filter((e) => e.id > after).slice(0, limit);
      return send({ items, nextCursor: items.at(-1)?.id ?? null });
    }
    if (url.pathname === "/v1/subscriptions") {
      const items = feed.subscriptions.filter((s) => url.searchParams.get("active") !== "true" || s.status === "active");
      return send({ items, nextCursor: null });
    }
    if (url.pathname === "/status") return send({ localhost: { id: 31337, block: { number: feed.head.number, timestamp: 0 } } });
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  feed.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  feed.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return feed;
}

/** A feed event like the indexer's (id sorts in chain order). */
export function feedEvent(block: number, logIndex: number, fields: Partial<FeedEvent> = {}): FeedEvent {
  return {
    id: `${String(block).padStart(16, "0")}-${String(logIndex).padStart(8, "0")}`,
    type: "message.broadcast",
    chainId: 31337,
    blockNumber: String(block),
    blockHash: `0x${block.toString(16).padStart(64, "a")}`,
    blockTimestamp: String(1_700_000_000 + block),
    txHash: `0x${"11".repeat(32)}`,
    txIndex: 0,
    logIndex,
    contract: "MessageBus",
    address: `0x${"22".repeat(20)}`,
    swarmId: "1",
    members: [`0x${"33".repeat(20)}`],
    fencingToken: null,
    data: { messageId: String(logIndex) },
    ...fields,
  } as FeedEvent;
}

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function waitUntil<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, label: string, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${label}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
