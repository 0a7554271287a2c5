/**
 * GET /v1/locks/:id                 one lock, id = `<swarmId>:<lockName>` (see ../lib/consensusParams.ts)
 * GET /v1/swarms/:id/locks/:name    the same lock addressed like a state key
 *
 * The answer: the lock's row (last `token`, `holder`, `expiresAt`, recorded `status`), its `state` at the
 * latest indexed block (`held` | `expired` | `released`), `live` (= state held), `asOf`, and `history` (every
 * acquisition / renewal / release, oldest first; an acquisition that took over an expired lease names it in
 * `previousHolder` / `previousToken`). A lock never acquired answers 404 `lock_not_found` (its next token is 1).
 */
import { type Context, Hono } from "hono";
import { db } from "ponder:api";
import { lockEvent as lockEvents, lock as locks } from "ponder:schema";
import { and, asc, eq } from "ponder";
import { lockId, lockState, parseLockId, parseLockName } from "../lib/consensusParams.ts";
import { notFound } from "../lib/errors.ts";
import { toJson } from "../lib/json.ts";
import { type Hex, parseSwarmId } from "../lib/params.ts";
import { indexedHead } from "./clock.ts";
import { requireSwarm } from "./common.ts";

export const lockRoutes = new Hono();

async function answerLock(c: Context, swarmId: bigint, lockName: Hex) {
  await requireSwarm(swarmId);
  const [rows, history, head] = await Promise.all([
    db
      .select()
      .from(locks)
      .where(and(eq(locks.swarmId, swarmId), eq(locks.lockName, lockName)))
      .limit(1),
    db
      .select()
      .from(lockEvents)
      .where(and(eq(lockEvents.swarmId, swarmId), eq(lockEvents.lockName, lockName)))
      .orderBy(asc(lockEvents.blockNumber), asc(lockEvents.logIndex)),
    indexedHead(),
  ]);
  const row = rows[0];
  if (row === undefined) {
    throw notFound("lock_not_found", `Lock ${lockName} of swarm ${swarmId} was never acquired`, {
      id: lockId(swarmId, lockName),
      swarmId: swarmId.toString(),
      lockName,
      token: "0",
    });
  }
  const state = lockState(row, head.timestamp);
  return c.json(toJson({ id: lockId(swarmId, lockName), ...row, state, live: state === "held", asOf: head, history }));
}

lockRoutes.get("/locks/:id", async (c) => {
  const { swarmId, lockName } = parseLockId(c.req.param("id"));
  return answerLock(c, swarmId, lockName);
});

lockRoutes.get("/swarms/:id/locks/:name", async (c) => {
  const swarmId = parseSwarmId(c.req.param("id"));
  const lockName = parseLockName(c.req.param("name"));
  return answerLock(c, swarmId, lockName);
});
