/**
 * GET /v1/events?after=<cursor>&limit=&swarm=&member=&types=   the unified Concord event feed (pull).
 *
 * Every Concord log the indexer handled, one item per log, ordered by `id` ascending (the chain order).
 * An item is EXACTLY the webhook body the relay POSTs (indexer/src/lib/eventBody.ts `toEventBody`).
 * Filters: `swarm` (events of that swarm; 404 if it does not exist), `member` (events whose `members` list the
 * address), `types` (comma list of types and `family.*` wildcards). Answers `{ items, nextCursor, hasMore }`:
 * `nextCursor` is the last item's id, or the `after` given (null if none) when the page is empty, so a poller
 * always passes `nextCursor` back as `after`; `hasMore` tells whether more matching events follow already.
 * `wait=<ms>` (0–10,000, default 0) makes it a long-poll: while no matching event follows `after`, the route
 * looks again every WAIT_RECHECK_MS and answers as soon as one does, or with the empty page when the wait ends
 * (or the client went away). A poller then sees an event within ≈ WAIT_RECHECK_MS instead of half its interval.
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { concordEvent as concordEvents } from "ponder:schema";
import { and, asc, eq, gt, inArray, sql } from "ponder";
import { type ConcordEventRow, toEventBody } from "../../lib/eventBody.ts";
import { parseEventsQuery } from "../lib/feedParams.ts";
import { requireSwarm } from "./common.ts";

export const eventRoutes = new Hono();

/** How often a long-poll (`wait`) looks for new events (each look is one indexed range query). */
const WAIT_RECHECK_MS = 15;

eventRoutes.get("/events", async (c) => {
  const query = parseEventsQuery(c.req.query());
  if (query.swarmId !== undefined) await requireSwarm(query.swarmId);
  if (query.types !== undefined && query.types.length === 0) {
    // A known family without types (none at present): nothing can match.
    return c.json({ items: [], nextCursor: query.after ?? null, hasMore: false });
  }
  const conditions = [];
  if (query.after !== undefined) conditions.push(gt(concordEvents.id, query.after));
  if (query.swarmId !== undefined) conditions.push(eq(concordEvents.swarmId, query.swarmId));
  if (query.types !== undefined) conditions.push(inArray(concordEvents.type, query.types));
  if (query.member !== undefined) {
    conditions.push(sql`${concordEvents.members} @> ${JSON.stringify([query.member])}::jsonb`);
  }
  const where = conditions.length === 0 ? undefined : and(...conditions);
  const read = () => db.select().from(concordEvents).where(where).orderBy(asc(concordEvents.id)).limit(query.limit + 1);
  let rows = await read();
  if (rows.length === 0 && query.waitMs > 0) {
    const deadline = Date.now() + query.waitMs;
    const signal = c.req.raw.signal;
    while (rows.length === 0 && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_RECHECK_MS, left)));
      rows = await read();
    }
  }
  const hasMore = rows.length > query.limit;
  const items = (hasMore ? rows.slice(0, query.limit) : rows).map((row) => toEventBody(row as ConcordEventRow));
  const last = items[items.length - 1];
  return c.json({ items, nextCursor: last?.id ?? query.after ?? null, hasMore });
});
