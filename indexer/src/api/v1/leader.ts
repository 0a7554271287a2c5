/**
 * GET /v1/swarms/:id/leader   the swarm's election configuration and seat: leader, fencing term, lease end,
 *                             how the seat was taken, and whether the lease is live at the latest indexed
 *                             block (`live`, `asOf`).
 *
 * A swarm that never configured an election answers 200 with `mode: "none"`, `term: "0"`, `leader: null`
 * (what `currentLeader` / `electionConfig` answer on chain).
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { leadership as leaderships } from "ponder:schema";
import { eq } from "ponder";
import { leaseLive } from "../lib/consensusParams.ts";
import { toJson } from "../lib/json.ts";
import { parseSwarmId } from "../lib/params.ts";
import { indexedHead } from "./clock.ts";
import { requireSwarm } from "./common.ts";

export const leaderRoutes = new Hono();

leaderRoutes.get("/swarms/:id/leader", async (c) => {
  const id = parseSwarmId(c.req.param("id"));
  await requireSwarm(id);
  const [rows, head] = await Promise.all([
    db.select().from(leaderships).where(eq(leaderships.swarmId, id)).limit(1),
    indexedHead(),
  ]);
  const row = rows[0] ?? {
    swarmId: id,
    mode: "none",
    leaseDuration: 0n,
    quorumKind: "majority",
    weighting: "head",
    configuredBy: null,
    configuredAt: null,
    term: 0n,
    leader: null,
    leaseExpiresAt: null,
    electedHow: null,
    votesWeight: null,
    totalWeight: null,
    previousLeader: null,
    electedAt: null,
    lastHeartbeatAt: null,
    resignedAt: null,
    electionCount: 0,
    updatedBlock: null,
    updatedAt: null,
    updatedBlockHash: null,
    updatedTxHash: null,
    updatedLogIndex: null,
  };
  return c.json(
    toJson({
      ...row,
      live: leaseLive(row.leader, row.leaseExpiresAt, head.timestamp),
      asOf: head,
    }),
  );
});
