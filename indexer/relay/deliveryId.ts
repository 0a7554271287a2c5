/**
 * The webhook-id of a delivery: `msg_` + 32 hex of SHA-256(subscription id, event id, block hash, kind).
 * Deterministic, so re-enqueueing the same event (a retried ingest, a crash between fetch and commit, two
 * relays) hits ON CONFLICT DO NOTHING, and a receiver deduplicates retries by it. The block hash is part of
 * it because after a reorg the feed may reuse an event id (same block number and position) for a different
 * event in the new block: that one must be a new delivery.
 */
import { createHash } from "node:crypto";

export type DeliveryKind = "immediate" | "confirmed" | "removed";

export function deliveryId(subscriptionId: string, eventId: string, blockHash: string, kind: DeliveryKind): string {
  const digest = createHash("sha256").update(`${subscriptionId}\n${eventId}\n${blockHash.toLowerCase()}\n${kind}`).digest("hex");
  return `msg_${digest.slice(0, 32)}`;
}
