/**
 * Attestations → attestations (one row per posted batch), attestors (every account ever allowed, with its
 * current right to post) and the feed (`attestation.*`: no swarm and no subscription kind, pull feed only).
 *
 * Semantics mirrored from contracts/interfaces/IAttestations.sol: batches are posted in order from seq 1,
 * each chained to the previous root; the event carries everything stored (postedAt = the block time).
 * The deployment's own AttestorUpdated logs (constructor) are indexed like any other.
 */
import { ponder } from "ponder:registry";
import { attestation as attestations, attestor as attestors } from "ponder:schema";
import { historyCursor, lower, updatedCursor } from "./lib/chain.ts";
import { recordEvent } from "./lib/feed.ts";

ponder.on("Attestations:AttestationPosted", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(attestations).values({
    seq: a.seq,
    root: lower(a.root),
    prevRoot: lower(a.prevRoot),
    chainedHead: lower(a.chainedHead),
    leafCount: a.leafCount,
    fromTime: BigInt(a.fromTime),
    toTime: BigInt(a.toTime),
    uri: a.uri,
    attestor: lower(a.attestor),
    eventId: event.id,
    ...historyCursor(event, context.chain.id),
  });
  // Only an attestor can post, so its row exists (AttestorUpdated came first); upsert keeps this total anyway.
  await context.db
    .insert(attestors)
    .values({
      address: lower(a.attestor),
      allowed: true,
      attestationCount: 1,
      lastSeq: a.seq,
      updatedEventId: event.id,
      ...updatedCursor(event),
    })
    .onConflictDoUpdate((row) => ({
      attestationCount: row.attestationCount + 1,
      lastSeq: a.seq,
      updatedEventId: event.id,
      ...updatedCursor(event),
    }));
  await recordEvent(context, event, { type: "attestation.posted", swarmId: null, members: [a.attestor] });
});

ponder.on("Attestations:AttestorUpdated", async ({ event, context }) => {
  const { attestor, allowed } = event.args;
  await context.db
    .insert(attestors)
    .values({
      address: lower(attestor),
      allowed,
      attestationCount: 0,
      lastSeq: null,
      updatedEventId: event.id,
      ...updatedCursor(event),
    })
    .onConflictDoUpdate({ allowed, updatedEventId: event.id, ...updatedCursor(event) });
  await recordEvent(context, event, { type: "attestation.attestor_updated", swarmId: null, members: [attestor] });
});
