/** Lookups shared by the /v1 routes. */
import { db } from "ponder:api";
import { swarm as swarms } from "ponder:schema";
import { eq } from "ponder";
import { notFound } from "../lib/errors.ts";

export type SwarmRow = typeof swarms.$inferSelect;

/** The swarm row, or a 404 `swarm_not_found`. */
export async function requireSwarm(id: bigint): Promise<SwarmRow> {
  const rows = await db.select().from(swarms).where(eq(swarms.id, id)).limit(1);
  const row = rows[0];
  if (row === undefined) throw notFound("swarm_not_found", `Swarm ${id} does not exist`, { swarmId: id.toString() });
  return row;
}
