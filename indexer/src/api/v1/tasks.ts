/**
 * GET /v1/swarms/:id/tasks   a swarm's tasks, ascending by task id, cursor-paginated:
 *                            ?status=open,claimed&type=<bytes32|string>&claimant=&poster=&limit=&cursor=
 *                            → { items, nextCursor } (pass nextCursor as `cursor` for the next page)
 * GET /v1/tasks/:id          one task with its full history (`history`, oldest first)
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { taskEvent as taskEvents, task as tasks } from "ponder:schema";
import { and, asc, eq, gt, inArray } from "ponder";
import { notFound } from "../lib/errors.ts";
import { pageOf, toJson } from "../lib/json.ts";
import { parseSwarmId, parseTaskId, parseTasksQuery } from "../lib/params.ts";
import { requireSwarm } from "./common.ts";

export const taskRoutes = new Hono();

taskRoutes.get("/swarms/:id/tasks", async (c) => {
  const id = parseSwarmId(c.req.param("id"));
  const query = parseTasksQuery(c.req.query());
  await requireSwarm(id);
  const conditions = [eq(tasks.swarmId, id)];
  if (query.statuses !== undefined) conditions.push(inArray(tasks.status, query.statuses));
  if (query.typeTag !== undefined) conditions.push(eq(tasks.typeTag, query.typeTag));
  if (query.claimant !== undefined) conditions.push(eq(tasks.claimant, query.claimant));
  if (query.poster !== undefined) conditions.push(eq(tasks.poster, query.poster));
  if (query.cursor !== undefined) conditions.push(gt(tasks.id, query.cursor));
  const rows = await db
    .select()
    .from(tasks)
    .where(and(...conditions))
    .orderBy(asc(tasks.id))
    .limit(query.limit + 1);
  return c.json(toJson(pageOf(rows, query.limit, (row) => row.id.toString())));
});

taskRoutes.get("/tasks/:id", async (c) => {
  const id = parseTaskId(c.req.param("id"));
  const rows = await db.select().from(tasks).where(eq(tasks.id, id)).limit(1);
  const task = rows[0];
  if (task === undefined) throw notFound("task_not_found", `Task ${id} does not exist`, { taskId: id.toString() });
  const history = await db
    .select()
    .from(taskEvents)
    .where(eq(taskEvents.taskId, id))
    .orderBy(asc(taskEvents.blockNumber), asc(taskEvents.logIndex));
  return c.json(toJson({ ...task, history }));
});
