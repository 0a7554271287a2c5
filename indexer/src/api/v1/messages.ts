/**
 * GET /v1/swarms/:id/messages?after=<messageId>&limit=   messages with id > after, ascending by message id.
 *
 * Answers `{ items, nextCursor }`: `nextCursor` is the last item's message id when more messages follow
 * (pass it as `after`), null otherwise. Message ids have no gaps (1, 2, 3, ... per swarm).
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { message as messages } from "ponder:schema";
import { and, asc, eq, gt } from "ponder";
import { pageOf, toJson } from "../lib/json.ts";
import { parseMessagesQuery, parseSwarmId } from "../lib/params.ts";
import { requireSwarm } from "./common.ts";

export const messageRoutes = new Hono();

messageRoutes.get("/swarms/:id/messages", async (c) => {
  const id = parseSwarmId(c.req.param("id"));
  const query = parseMessagesQuery(c.req.query());
  await requireSwarm(id);
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.swarmId, id), gt(messages.messageId, query.after)))
    .orderBy(asc(messages.messageId))
    .limit(query.limit + 1);
  return c.json(toJson(pageOf(rows, query.limit, (row) => row.messageId.toString())));
});
