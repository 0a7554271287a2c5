/**
 * GET /v1/subscriptions/:id                                   one subscription (404 subscription_not_found)
 * GET /v1/subscriptions?active=true|false&after=<id>&limit=&owner=&swarm=
 *                                                             subscriptions by id ascending, cursor-paginated
 *
 * A subscription as rebuilt from SubscriptionRegistry's events (table `subscriptions`): filter (`swarmId`,
 * `kinds` bitmask and `kindNames`, `member`, raw `rawAddress` / `topics`), `endpoint`, `label`, `status`
 * (active | paused | cancelled), delivery (`confirmations`, `mode`: immediate | after_confirmations | both,
 * `ordered`), and feed cursors `createdEventId` / `updatedEventId`. `active=true`: status active only;
 * `active=false`: paused or cancelled. `{ items, nextCursor }`: pass `nextCursor` (a subscription id) as
 * `after`; null on the last page.
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { subscription as subscriptions } from "ponder:schema";
import { and, asc, eq, gt, ne } from "ponder";
import { notFound } from "../lib/errors.ts";
import { parseSubscriptionId, parseSubscriptionsQuery } from "../lib/feedParams.ts";
import { pageOf, toJson } from "../lib/json.ts";

export const subscriptionRoutes = new Hono();

subscriptionRoutes.get("/subscriptions", async (c) => {
  const query = parseSubscriptionsQuery(c.req.query());
  const conditions = [];
  if (query.active === true) conditions.push(eq(subscriptions.status, "active"));
  if (query.active === false) conditions.push(ne(subscriptions.status, "active"));
  if (query.after !== undefined) conditions.push(gt(subscriptions.id, query.after));
  if (query.owner !== undefined) conditions.push(eq(subscriptions.owner, query.owner));
  if (query.swarmId !== undefined) conditions.push(eq(subscriptions.swarmId, query.swarmId));
  const rows = await db
    .select()
    .from(subscriptions)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(asc(subscriptions.id))
    .limit(query.limit + 1);
  return c.json(toJson(pageOf(rows, query.limit, (row) => row.id.toString())));
});

subscriptionRoutes.get("/subscriptions/:id", async (c) => {
  const id = parseSubscriptionId(c.req.param("id"));
  const rows = await db.select().from(subscriptions).where(eq(subscriptions.id, id)).limit(1);
  const row = rows[0];
  if (row === undefined) {
    throw notFound("subscription_not_found", `Subscription ${id} does not exist`, { subscriptionId: id.toString() });
  }
  return c.json(toJson(row));
});
