/**
 * GET /v1/swarms/:id           the swarm, its admins, its message rate limit and its task claim cap
 * GET /v1/swarms/:id/members   members, ordered by address (?status=active|inactive|all&limit=&cursor=)
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { claimCap as claimCaps, member as members, rateLimit as rateLimits, swarmAdmin as swarmAdmins } from "ponder:schema";
import { and, asc, eq, gt } from "ponder";
import { pageOf, toJson } from "../lib/json.ts";
import { parseMembersQuery, parseSwarmId } from "../lib/params.ts";
import { requireSwarm } from "./common.ts";

export const swarmRoutes = new Hono();

swarmRoutes.get("/swarms/:id", async (c) => {
  const id = parseSwarmId(c.req.param("id"));
  const swarm = await requireSwarm(id);
  const [admins, limits, caps] = await Promise.all([
    db
      .select({ address: swarmAdmins.address })
      .from(swarmAdmins)
      .where(and(eq(swarmAdmins.swarmId, id), eq(swarmAdmins.isAdmin, true)))
      .orderBy(asc(swarmAdmins.address)),
    db.select().from(rateLimits).where(eq(rateLimits.swarmId, id)).limit(1),
    db.select().from(claimCaps).where(eq(claimCaps.swarmId, id)).limit(1),
  ]);
  const limit = limits[0];
  return c.json(
    toJson({
      ...swarm,
      admins: admins.map((a) => a.address),
      rateLimit:
        limit === undefined
          ? { maxMessages: 0, windowSeconds: 0 }
          : { maxMessages: limit.maxMessages, windowSeconds: limit.windowSeconds },
      claimCap: caps[0]?.cap ?? 0,
    }),
  );
});

swarmRoutes.get("/swarms/:id/members", async (c) => {
  const id = parseSwarmId(c.req.param("id"));
  const query = parseMembersQuery(c.req.query());
  await requireSwarm(id);
  const conditions = [eq(members.swarmId, id)];
  if (query.status !== "all") conditions.push(eq(members.active, query.status === "active"));
  if (query.cursor !== undefined) conditions.push(gt(members.address, query.cursor));
  const rows = await db
    .select()
    .from(members)
    .where(and(...conditions))
    .orderBy(asc(members.address))
    .limit(query.limit + 1);
  return c.json(toJson(pageOf(rows, query.limit, (row) => row.address)));
});
