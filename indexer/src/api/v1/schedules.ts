/**
 * GET /v1/schedules/:id                                       one schedule (404 schedule_not_found)
 * GET /v1/schedules?active=true|false&after=<id>&limit=&owner=&swarm=&kind=cron|interval
 *                                                             schedules by id ascending, cursor-paginated
 *
 * A schedule as rebuilt from ScheduleRegistry's events (table `schedules`, see ponder.schema.ts): timing
 * (`kind`, `cron`, `period`, `startTime`, `endTime`, `maxRuns`, `catchUp`), actions (`payload`, `endpoint`,
 * `target`, `callData`, `valuePerRun`, `callGasLimit`, `funds`), `status` (active | paused | cancelled), the
 * executed state (`nextOccurrence`, `executedCount`, `lastExecutedAt`) and feed cursors `createdEventId` /
 * `updatedEventId`. `active=true`: status active only; `active=false`: paused or cancelled. `{ items,
 * nextCursor }`: pass `nextCursor` (a schedule id) as `after`; null on the last page.
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { schedule as schedules } from "ponder:schema";
import { and, asc, eq, gt, ne } from "ponder";
import { notFound } from "../lib/errors.ts";
import { pageOf, toJson } from "../lib/json.ts";
import { parseScheduleId, parseSchedulesQuery } from "../lib/timeParams.ts";

export const scheduleRoutes = new Hono();

scheduleRoutes.get("/schedules", async (c) => {
  const query = parseSchedulesQuery(c.req.query());
  const conditions = [];
  if (query.active === true) conditions.push(eq(schedules.status, "active"));
  if (query.active === false) conditions.push(ne(schedules.status, "active"));
  if (query.after !== undefined) conditions.push(gt(schedules.id, query.after));
  if (query.owner !== undefined) conditions.push(eq(schedules.owner, query.owner));
  if (query.swarmId !== undefined) conditions.push(eq(schedules.swarmId, query.swarmId));
  if (query.kind !== undefined) conditions.push(eq(schedules.kind, query.kind));
  const rows = await db
    .select()
    .from(schedules)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(asc(schedules.id))
    .limit(query.limit + 1);
  return c.json(toJson(pageOf(rows, query.limit, (row) => row.id.toString())));
});

scheduleRoutes.get("/schedules/:id", async (c) => {
  const id = parseScheduleId(c.req.param("id"));
  const rows = await db.select().from(schedules).where(eq(schedules.id, id)).limit(1);
  const row = rows[0];
  if (row === undefined) throw notFound("schedule_not_found", `Schedule ${id} does not exist`, { scheduleId: id.toString() });
  return c.json(toJson(row));
});
