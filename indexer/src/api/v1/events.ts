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
 * waits for the feed's newest id to change (one shared look every WAIT_RECHECK_MS for all waiting requests,
 * ../lib/feedWatch.ts), re-runs its query, and answers as soon as a matching event is there, or with the empty page
 * when the wait ends (or the client went away). A poller then sees an event within ≈ WAIT_RECHECK_MS instead of
 * half its interval, and any number of waiting pollers cost the indexer one small query per WAIT_RECHECK_MS.
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { concordEvent as concordEvents } from "ponder:schema";
import { and, asc, eq, gt, inArray, sql } from "ponder";
import { type ConcordEventRow, toEventBody } from "../../lib/eventBody.ts";
import { parseEventsQuery } from "../lib/feedParams.ts";
import { FeedSignal } from "../../../relay/feedSignal.ts";
import { createFeedWatch, type FeedWatch } from "../lib/feedWatch.ts";
import { requireSwarm } from "./common.ts";

export const eventRoutes = new Hono();

/** Without the push: how often the long-polls (`wait`) look for a new event, all together (one max(id) on the primary key). */
const WAIT_RECHECK_MS = 15;

/**
 * The push side of the watch: this indexer's own Ponder live query (`/sql/live`, mounted at /sql/* in ../index.ts)
 * on max(id) of the feed, through the relay's FeedSignal, at CONCORD_API_SELF_URL (this server's own address; the
 * stack scripts set it, never a client's Host header). Opened at the first long-poll. Without it, until it is
 * connected and whenever it drops, the watch reads the newest id every WAIT_RECHECK_MS.
 */
let feedWatch: FeedWatch | undefined;
const watch = (): FeedWatch => {
  if (feedWatch) return feedWatch;
  const self = process.env.CONCORD_API_SELF_URL?.trim();
  const push = self ? new FeedSignal({ indexerUrl: self, log: (message) => console.warn(`[concord api] long-polls: ${message}`) }) : undefined;
  push?.start();
  feedWatch = createFeedWatch(
    async () => {
      const [row] = await db.select({ id: sql<string | null>`max(${concordEvents.id})` }).from(concordEvents);
      return row?.id ?? null;
    },
    WAIT_RECHECK_MS,
    push,
  );
  return feedWatch;
};

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
  // Long-poll: the newest id is read BEFORE the query, so an event committed after the query still wakes the wait.
  const feedWatch = query.waitMs > 0 ? watch() : undefined;
  let seen = feedWatch ? await feedWatch.newest() : null;
  let rows = await read();
  if (rows.length === 0 && feedWatch) {
    const deadline = Date.now() + query.waitMs;
    const signal = c.req.raw.signal;
    while (rows.length === 0) {
      const newest = await feedWatch.changedSince(seen, deadline - Date.now(), signal);
      if (newest === undefined) break; // the wait ended, or the client went away
      seen = newest;
      rows = await read();
    }
  }
  const hasMore = rows.length > query.limit;
  const items = (hasMore ? rows.slice(0, query.limit) : rows).map((row) => toEventBody(row as ConcordEventRow));
  const last = items[items.length - 1];
  return c.json({ items, nextCursor: last?.id ?? query.after ?? null, hasMore });
});
