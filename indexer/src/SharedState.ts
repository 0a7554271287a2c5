/**
 * SharedState → state_entries (current value per key), state_history (every set / delete),
 * state_key_policies (writer restriction) and state_key_writers (writer lists).
 *
 * StateSet carries the full value and the version it reached; StateDeleted the version reached by the
 * delete (versions are never reused, so the row keeps its version with `deleted = true`).
 */
import { ponder } from "ponder:registry";
import { stateKey as stateEntries, stateWrite as stateHistory, stateKeyRestriction as stateKeyPolicies, stateKeyWriter as stateKeyWriters } from "ponder:schema";
import { historyCursor, lower, updatedCursor, updatedCursorShort } from "./lib/chain.ts";
import { recordEvent } from "./lib/feed.ts";

ponder.on("SharedState:StateSet", async ({ event, context }) => {
  const { swarmId, key, writer, version, value, valueHash } = event.args;
  const current = {
    value,
    valueHash,
    version: BigInt(version),
    deleted: false,
    lastWriter: lower(writer),
    ...updatedCursor(event),
  };
  await context.db
    .insert(stateEntries)
    .values({ swarmId, key, createdBlock: event.block.number, createdAt: event.block.timestamp, ...current })
    .onConflictDoUpdate(current);
  await context.db.insert(stateHistory).values({
    id: event.id,
    swarmId,
    key,
    kind: "set",
    version: BigInt(version),
    value,
    valueHash,
    writer: lower(writer),
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, { type: "state.set", swarmId, members: [writer] });
});

ponder.on("SharedState:StateDeleted", async ({ event, context }) => {
  const { swarmId, key, writer, version } = event.args;
  const current = {
    value: null,
    valueHash: null,
    version: BigInt(version),
    deleted: true,
    lastWriter: lower(writer),
    ...updatedCursor(event),
  };
  await context.db
    .insert(stateEntries)
    .values({ swarmId, key, createdBlock: event.block.number, createdAt: event.block.timestamp, ...current })
    .onConflictDoUpdate(current);
  await context.db.insert(stateHistory).values({
    id: event.id,
    swarmId,
    key,
    kind: "delete",
    version: BigInt(version),
    value: null,
    valueHash: null,
    writer: lower(writer),
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, { type: "state.deleted", swarmId, members: [writer] });
});

ponder.on("SharedState:KeyWriterUpdated", async ({ event, context }) => {
  const { swarmId, key, writer, allowed, admin } = event.args;
  const row = { allowed, updatedBy: lower(admin), ...updatedCursorShort(event) };
  await context.db
    .insert(stateKeyWriters)
    .values({ swarmId, key, writer: lower(writer), ...row })
    .onConflictDoUpdate(row);
  await recordEvent(context, event, { type: "state.writer_updated", swarmId, members: [writer, admin] });
});

ponder.on("SharedState:KeyRestrictionUpdated", async ({ event, context }) => {
  const { swarmId, key, restricted, admin } = event.args;
  const row = { restricted, updatedBy: lower(admin), ...updatedCursorShort(event) };
  await context.db
    .insert(stateKeyPolicies)
    .values({ swarmId, key, ...row })
    .onConflictDoUpdate(row);
  await recordEvent(context, event, { type: "state.restriction_updated", swarmId, members: [admin] });
});
