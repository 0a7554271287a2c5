/**
 * Ingest: one page of the indexer feed → outbox rows, in ONE transaction with the cursor advance, so a crash
 * at any point neither loses nor skips an event (the page is simply read again; deterministic delivery ids
 * make the re-insert a no-op).
 *
 * Per event and matching subscription (see matchEvent.ts), by the subscription's mode:
 * - immediate:            an `immediate` delivery (body = the feed event, unchanged)
 * - both:                 an `immediate` delivery + a pending confirmation (→ `<type>.confirmed` notice later)
 * - after_confirmations:  a pending confirmation only (→ the event itself once N blocks deep, see confirmations.ts)
 * Every event's block (number, hash, cursor before it) is remembered for the reorg check (reorgs.ts).
 * A subscription gets an event only if it was active at the event's feed position (subscriptionStatus.ts):
 * the page's `subscription.paused/resumed/cancelled` events change the status from their own position on.
 */
import { lockCursor, readCursor, writeCursor } from "./cursor.ts";
import type { Db, Queryable } from "./db/Db.ts";
import { deliveryId } from "./deliveryId.ts";
import type { FeedEvent } from "./feedEvent.ts";
import type { IndexerClient } from "./indexerClient.ts";
import { matchesSubscription } from "./matchEvent.ts";
import { enqueueAndHandOff, type ClaimedDelivery, type HandOff, type NewDelivery } from "./outbox.ts";
import { deliverableSubscriptions, storeActiveSubscriptions, type CachedSubscription, type DeliverableCache } from "./subscriptionCache.ts";
import { recordTransitions, StatusTracker, statusesAt, type StatusTransition } from "./subscriptionStatus.ts";

export type IngestResult = {
  events: number;
  deliveries: number;
  pendingConfirmations: number;
  cursor: string;
  /** Rows inserted already leased to `handOff.workerId` (committed): the caller's pool starts them (outbox.ts enqueueAndHandOff). */
  handedOff: ClaimedDelivery[];
  /** The time the hand-off leases were computed from (now). */
  at: number;
};

/** `deliverable`: the subscriptions cache of subscriptionCache.ts deliverableSubscriptions (shared with the raw-log reader). */
export type IngestState = { lastSubscriptionRefresh: number } & DeliverableCache;

export type IngestOptions = {
  batchSize: number;
  subscriptionsRefreshMs: number;
  /** Long-poll the feed for up to this many ms when nothing is new (indexerClient events(); default 0 = no wait). */
  feedWaitMs?: number;
};

export type PendingConfirmation = {
  subscription_id: string;
  event_id: string;
  block_hash: string;
  block_number: string;
  due_block: string;
  body: string;
  immediate_id: string | null;
};

/**
 * What one event produces for one subscription that receives it, by the subscription's mode: an `immediate`
 * delivery and/or a pending confirmation (appended to `deliveries` / `confirmations`). Shared by the feed ingest
 * and the raw-log reader (rawLogs.ts).
 */
export function planEventDelivery(
  sub: Pick<CachedSubscription, "id" | "mode" | "confirmations">,
  event: { id: string; blockHash: string; blockNumber: string },
  eventType: string,
  body: string,
  deliveries: NewDelivery[],
  confirmations: PendingConfirmation[],
): void {
  let immediateId: string | null = null;
  if (sub.mode !== "after_confirmations") {
    immediateId = deliveryId(sub.id, event.id, event.blockHash, "immediate");
    deliveries.push({ id: immediateId, subscriptionId: sub.id, eventId: event.id, kind: "immediate", eventType, blockNumber: event.blockNumber, blockHash: event.blockHash, refId: null, body });
  }
  if (sub.mode !== "immediate" && sub.confirmations > 0) {
    confirmations.push({
      subscription_id: sub.id,
      event_id: event.id,
      block_hash: event.blockHash,
      block_number: event.blockNumber,
      due_block: String(Number(event.blockNumber) + sub.confirmations),
      body,
      immediate_id: immediateId,
    });
  }
}

/** Stores pending confirmations (promoted by reorgs.ts once N blocks deep); existing ones are left alone. */
export async function insertPendingConfirmations(tx: Queryable, confirmations: PendingConfirmation[]): Promise<void> {
  if (confirmations.length === 0) return;
  await tx.query(
    `INSERT INTO relay_pending_confirmations (subscription_id, event_id, block_hash, block_number, due_block, body, immediate_id)
     SELECT x.subscription_id, x.event_id, x.block_hash, x.block_number::bigint, x.due_block::bigint, x.body, x.immediate_id
     FROM jsonb_to_recordset($1::jsonb) AS x(subscription_id text, event_id text, block_hash text, block_number text, due_block text, body text, immediate_id text)
     ON CONFLICT DO NOTHING`,
    [JSON.stringify(confirmations)],
  );
}

/** Builds what one page of events produces for the given subscriptions (pure; exported for tests). */
export function planDeliveries(
  events: FeedEvent[],
  subscriptions: CachedSubscription[],
  /** Statuses at the position before the first event (default: every subscription active). */
  status: StatusTracker = new StatusTracker(),
): { deliveries: NewDelivery[]; confirmations: PendingConfirmation[]; transitions: StatusTransition[] } {
  const deliveries: NewDelivery[] = [];
  const confirmations: PendingConfirmation[] = [];
  const transitions: StatusTransition[] = [];
  for (const event of events) {
    const transition = status.apply(event);
    if (transition) transitions.push(transition);
    let body: string | undefined;
    for (const sub of subscriptions) {
      if (!matchesSubscription(sub, event) || status.at(sub.id) !== "active") continue;
      body ??= JSON.stringify(event);
      planEventDelivery(sub, event, event.type, body, deliveries, confirmations);
    }
  }
  return { deliveries, confirmations, transitions };
}

/** Reloads the indexer's live (active or paused) subscriptions into the cache. */
export async function refreshSubscriptions(db: Db, client: IndexerClient, now = Date.now()): Promise<void> {
  const active = await client.liveSubscriptions();
  await db.transaction((tx) => storeActiveSubscriptions(tx, active, now));
}

export async function ingestOnce(
  db: Db,
  client: IndexerClient,
  options: IngestOptions,
  state: IngestState,
  now = Date.now(),
  /** Hand new rows to this process's delivery pool already leased (default: none; all rows pending). */
  handOff?: () => HandOff,
): Promise<IngestResult> {
  const { eventId: cursor } = await readCursor(db);
  const page = await client.events(cursor, options.batchSize, options.feedWaitMs ?? 0);
  // Subscriptions are read AFTER the events: the indexer writes both in the same indexing step, so every
  // subscription created up to the last event of the page is known (fromBlock keeps older events out).
  const touchesSubscriptions = page.items.some((e) => e.type.startsWith("subscription."));
  if (touchesSubscriptions || now - state.lastSubscriptionRefresh >= options.subscriptionsRefreshMs) {
    await refreshSubscriptions(db, client, now);
    state.lastSubscriptionRefresh = now;
  }
  if (page.items.length === 0) return { events: 0, deliveries: 0, pendingConfirmations: 0, cursor, handedOff: [], at: now };
  const subscriptions = await deliverableSubscriptions(db, state);
  const { deliveries, confirmations, transitions } = planDeliveries(page.items, subscriptions, new StatusTracker(await statusesAt(db, cursor)));

  const blocks = new Map<string, { block_number: string; block_hash: string; prev_cursor: string }>();
  page.items.forEach((event, i) => {
    if (!blocks.has(event.blockNumber)) {
      blocks.set(event.blockNumber, { block_number: event.blockNumber, block_hash: event.blockHash, prev_cursor: i === 0 ? cursor : page.items[i - 1]!.id });
    }
  });

  let inserted = 0;
  let handedOff: ClaimedDelivery[] = [];
  await db.transaction(async (tx) => {
    await lockCursor(tx, cursor);
    // The lease of handed-off rows counts from `now` (before the page was read): never later than the pool assumes.
    ({ inserted, handedOff } = await enqueueAndHandOff(tx, deliveries, now, handOff?.()));
    await recordTransitions(tx, transitions);
    await insertPendingConfirmations(tx, confirmations);
    await tx.query(
      `INSERT INTO relay_blocks (block_number, block_hash, prev_cursor)
       SELECT x.block_number::bigint, x.block_hash, x.prev_cursor FROM jsonb_to_recordset($1::jsonb) AS x(block_number text, block_hash text, prev_cursor text)
       ON CONFLICT (block_number) DO NOTHING`,
      [JSON.stringify([...blocks.values()])],
    );
    await writeCursor(tx, page.nextCursor, now);
  });
  return { events: page.items.length, deliveries: inserted, pendingConfirmations: confirmations.length, cursor: page.nextCursor, handedOff, at: now };
}
