/**
 * A subscription's status AT A POSITION of the feed. An event goes to a subscription iff the subscription was
 * active at that event's position: created before it (matchEvent.ts: `fromEventId`) and not paused or
 * cancelled by an earlier feed event. The feed is one ordered stream that carries the `subscription.*` events
 * too, so the relay follows each subscription's transitions by event id:
 *
 *   subscription.paused → paused, subscription.resumed → active, subscription.cancelled → cancelled
 *
 * (the subscription id is the event's `data.id`). Transitions are stored (relay_subscription_status, written in
 * the same transaction as the ingest cursor) so the status at the cursor survives restarts; a reorg deletes
 * the transitions of the reorged blocks with everything else it rewinds (reorgs.ts). Events that happened while
 * a subscription was paused are therefore never delivered, not even after it is resumed, and a resume takes
 * effect exactly from its own position, whatever the relay's polling or subscription refresh timing.
 */
import type { Queryable } from "./db/Db.ts";
import type { FeedEvent } from "./feedEvent.ts";

export type FeedStatus = "active" | "paused" | "cancelled";

export type StatusTransition = { subscriptionId: string; eventId: string; blockNumber: string; blockHash: string; status: FeedStatus };

const TRANSITIONS: Record<string, FeedStatus> = {
  "subscription.paused": "paused",
  "subscription.resumed": "active",
  "subscription.cancelled": "cancelled",
};

/** The transition a feed event makes, or null (not a pause/resume/cancel, or no subscription id in `data`). */
export function transitionOf(event: FeedEvent): StatusTransition | null {
  const status = TRANSITIONS[event.type];
  if (status === undefined) return null;
  const id = (event.data as Record<string, unknown> | undefined)?.id;
  if (id === undefined || id === null) return null;
  return { subscriptionId: String(id), eventId: event.id, blockNumber: event.blockNumber, blockHash: event.blockHash, status };
}

/**
 * Follows statuses along the feed: `at(sub)` is the status at the current position (default active: the
 * creation check is matchEvent's), `apply(event)` moves past one event and returns its transition, if any.
 */
export class StatusTracker {
  readonly #status: Map<string, FeedStatus>;
  constructor(initial: ReadonlyMap<string, FeedStatus> = new Map()) {
    this.#status = new Map(initial);
  }
  at(subscriptionId: string): FeedStatus {
    return this.#status.get(subscriptionId) ?? "active";
  }
  apply(event: FeedEvent): StatusTransition | null {
    const transition = transitionOf(event);
    if (transition) this.#status.set(transition.subscriptionId, transition.status);
    return transition;
  }
}

/** The status of every subscription with a stored transition at or before feed position `eventId`. */
export async function statusesAt(db: Queryable, eventId: string): Promise<Map<string, FeedStatus>> {
  const rows = await db.query<{ subscription_id: string; status: FeedStatus }>(
    `SELECT DISTINCT ON (subscription_id) subscription_id, status FROM relay_subscription_status
     WHERE event_id <= $1 ORDER BY subscription_id, event_id DESC`,
    [eventId],
  );
  return new Map(rows.map((r) => [r.subscription_id, r.status]));
}

/** Every stored transition of the given subscriptions, in feed order (for statusAt over a range). */
export async function loadTransitions(db: Queryable, subscriptionIds: readonly string[]): Promise<StatusTransition[]> {
  if (subscriptionIds.length === 0) return [];
  const rows = await db.query<{ subscription_id: string; event_id: string; block_number: string | number; block_hash: string; status: FeedStatus }>(
    `SELECT subscription_id, event_id, block_number, block_hash, status FROM relay_subscription_status
     WHERE subscription_id = ANY($1::text[]) ORDER BY event_id`,
    [[...subscriptionIds]],
  );
  return rows.map((r) => ({ subscriptionId: r.subscription_id, eventId: r.event_id, blockNumber: String(r.block_number), blockHash: r.block_hash, status: r.status }));
}

/** The status of `subscriptionId` at position `eventId` given its transitions in feed order (active if none before). */
export function statusAt(transitions: readonly StatusTransition[], subscriptionId: string, eventId: string): FeedStatus {
  let status: FeedStatus = "active";
  for (const t of transitions) {
    if (t.eventId >= eventId) break;
    if (t.subscriptionId === subscriptionId) status = t.status;
  }
  return status;
}

export async function recordTransitions(tx: Queryable, transitions: readonly StatusTransition[]): Promise<void> {
  if (transitions.length === 0) return;
  await tx.query(
    `INSERT INTO relay_subscription_status (subscription_id, event_id, block_number, block_hash, status)
     SELECT x.subscription_id, x.event_id, x.block_number::bigint, x.block_hash, x.status
     FROM jsonb_to_recordset($1::jsonb) AS x(subscription_id text, event_id text, block_number text, block_hash text, status text)
     ON CONFLICT (subscription_id, event_id) DO UPDATE SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, status = EXCLUDED.status`,
    [
      JSON.stringify(
        transitions.map((t) => ({ subscription_id: t.subscriptionId, event_id: t.eventId, block_number: t.blockNumber, block_hash: t.blockHash, status: t.status })),
      ),
    ],
  );
}

/** A reorg from `fromBlock`: those transitions are re-read from the new branch. */
export async function dropTransitionsFrom(tx: Queryable, fromBlock: number): Promise<void> {
  await tx.query("DELETE FROM relay_subscription_status WHERE block_number >= $1", [fromBlock]);
}
