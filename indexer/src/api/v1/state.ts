/**
 * GET /v1/swarms/:id/state/:key   current value and version of a SharedState key.
 *
 * `key` is 0x + 64 hex digits, or a UTF-8 string of 1..32 bytes right-padded with zero bytes (see
 * ../lib/params.ts). A key never written answers 404 `state_key_not_found` (its version is 0: create it
 * with expectedVersion 0); a deleted key answers 200 with `deleted: true`, `value: null` and its version
 * (pass it as expectedVersion to re-create the key).
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { stateKey as stateEntries, stateKeyRestriction as stateKeyPolicies, stateKeyWriter as stateKeyWriters } from "ponder:schema";
import { and, asc, eq } from "ponder";
import { notFound } from "../lib/errors.ts";
import { toJson } from "../lib/json.ts";
import { parseStateKey, parseSwarmId } from "../lib/params.ts";
import { requireSwarm } from "./common.ts";

export const stateRoutes = new Hono();

stateRoutes.get("/swarms/:id/state/:key", async (c) => {
  const id = parseSwarmId(c.req.param("id"));
  const key = parseStateKey(c.req.param("key"));
  await requireSwarm(id);
  const [entries, policies, writers] = await Promise.all([
    db
      .select()
      .from(stateEntries)
      .where(and(eq(stateEntries.swarmId, id), eq(stateEntries.key, key)))
      .limit(1),
    db
      .select()
      .from(stateKeyPolicies)
      .where(and(eq(stateKeyPolicies.swarmId, id), eq(stateKeyPolicies.key, key)))
      .limit(1),
    db
      .select({ writer: stateKeyWriters.writer })
      .from(stateKeyWriters)
      .where(and(eq(stateKeyWriters.swarmId, id), eq(stateKeyWriters.key, key), eq(stateKeyWriters.allowed, true)))
      .orderBy(asc(stateKeyWriters.writer)),
  ]);
  const entry = entries[0];
  if (entry === undefined) {
    throw notFound("state_key_not_found", `Key ${key} of swarm ${id} was never written`, {
      swarmId: id.toString(),
      key,
      version: "0",
    });
  }
  return c.json(
    toJson({
      ...entry,
      restricted: policies[0]?.restricted ?? false,
      writers: writers.map((w) => w.writer),
    }),
  );
});
