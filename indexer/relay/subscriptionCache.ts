/**
 * The relay's cache of subscriptions (table relay_subscriptions), refreshed from the indexer. It also keeps
 * what only the relay knows: `disabled_at`/`disabled_reason` (the endpoint answered 410 Gone). The delivery
 * workers read endpoint, ordering and status from here at every attempt, so an endpoint update or a pause
 * applies to queued deliveries too.
 */
import type { KindName } from "../src/lib/eventBody.ts";
import type { Queryable } from "./db/Db.ts";
import { syncHeldDeliveries } from "./outbox.ts";
import { ensureSecrets } from "./secrets.ts";
import type { RelaySubscription } from "./subscription.ts";

export type CachedSubscription = RelaySubscription & { disabledAt: number | null; disabledReason: string | null };

type SubscriptionRow = {
  id: string;
  owner: string;
  swarm_id: string | null;
  kinds: KindName[] | string;
  members: string[] | string;
  endpoint: string;
  status: RelaySubscription["status"];
  confirmation_mode: RelaySubscription["mode"];
  confirmations: number | string;
  ordered: boolean;
  from_block: number | string;
  from_event_id: string;
  disabled_at: number | string | null;
  disabled_reason: string | null;
  raw?: Partial<RelaySubscription> | string | null;
};

const json = <T>(value: T | string): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);

function fromRow(row: SubscriptionRow): CachedSubscription {
  const members = json<string[]>(row.members);
  const kinds = json<KindName[]>(row.kinds);
  const raw = row.raw === undefined || row.raw === null ? {} : json<Partial<RelaySubscription>>(row.raw);
  return {
    id: row.id,
    owner: row.owner,
    swarmId: row.swarm_id,
    kinds,
    member: members[0] ?? null,
    endpoint: row.endpoint,
    status: row.status,
    mode: row.confirmation_mode,
    confirmations: Number(row.confirmations),
    ordered: row.ordered,
    fromBlock: Number(row.from_block),
    fromEventId: row.from_event_id,
    rawAddress: raw.rawAddress ?? null,
    topics: raw.topics ?? [],
    disabledAt: row.disabled_at === null ? null : Number(row.disabled_at),
    disabledReason: row.disabled_reason,
  };
}

/**
 * Stores the indexer's live (active or paused) subscriptions: upserts each (keeping the relay-side disable
 * flag), creates its signing secret if new, and marks every other cached live one "inactive" (cancelled).
 * The `status` column is the subscription's CURRENT status (deliveries are claimed only while it is active);
 * which events a subscription gets is decided by its status at each event's feed position (subscriptionStatus.ts).
 */
export async function storeActiveSubscriptions(db: Queryable, active: RelaySubscription[], now = Date.now()): Promise<void> {
  // Two set-based statements instead of two per subscription: with 1,000 subscriptions the per-row version made
  // 2,000 round trips every refresh, which on the in-process PGlite blocked the relay's event loop. Only rows that
  // changed are written (refreshed_at = when the row last changed; every column is derived from `raw`, the
  // subscription itself, except `status`, which the cancellation below also sets): rewriting 1,000 unchanged rows every second
  // cost ≈ 60 ms of PGlite time per refresh; the cancelled ones are found with a hashed NOT IN, not with
  // `NOT (id = ANY(array))`, which compares every row with every id (quadratic).
  const changed: string[] = [];
  if (active.length > 0) {
    const rows = active.map((sub) => ({
      id: sub.id,
      owner: sub.owner,
      swarm_id: sub.swarmId,
      kinds: sub.kinds,
      members: sub.member ? [sub.member] : [],
      endpoint: sub.endpoint,
      status: sub.status,
      confirmation_mode: sub.mode,
      confirmations: sub.confirmations,
      ordered: sub.ordered,
      from_block: sub.fromBlock,
      from_event_id: sub.fromEventId,
      raw: sub,
    }));
    const upserted = await db.query<{ id: string }>(
      `INSERT INTO relay_subscriptions (id, owner, swarm_id, kinds, members, endpoint, status, confirmation_mode, confirmations, ordered, from_block, from_event_id, raw, refreshed_at)
       SELECT x.id, x.owner, x.swarm_id, x.kinds, x.members, x.endpoint, x.status, x.confirmation_mode, x.confirmations, x.ordered, x.from_block, x.from_event_id, x.raw, $2
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, owner text, swarm_id text, kinds jsonb, members jsonb, endpoint text, status text,
         confirmation_mode text, confirmations integer, ordered boolean, from_block bigint, from_event_id text, raw jsonb)
       ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, swarm_id = EXCLUDED.swarm_id, kinds = EXCLUDED.kinds,
         members = EXCLUDED.members, endpoint = EXCLUDED.endpoint, status = EXCLUDED.status,
         confirmation_mode = EXCLUDED.confirmation_mode, confirmations = EXCLUDED.confirmations, ordered = EXCLUDED.ordered,
         from_block = EXCLUDED.from_block, from_event_id = EXCLUDED.from_event_id, raw = EXCLUDED.raw, refreshed_at = EXCLUDED.refreshed_at
       WHERE (relay_subscriptions.status, relay_subscriptions.raw) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.raw)
       RETURNING id`,
      [JSON.stringify(rows), now],
    );
    changed.push(...upserted.map((r) => r.id));
    await ensureSecrets(db, active.map((sub) => sub.id), now);
  }
  const ids = active.map((sub) => sub.id);
  const cancelled = await db.query<{ id: string }>(
    `UPDATE relay_subscriptions SET status = 'inactive', refreshed_at = $2 WHERE status IN ('active', 'paused') AND id NOT IN (SELECT unnest($1::text[])) AND id NOT LIKE 'schedule:%'
     RETURNING id`,
    [ids, now],
  );
  changed.push(...cancelled.map((r) => r.id));
  // Queued rows follow their subscription's status in the same transaction: held while paused or cancelled,
  // pending again on resume (outbox.ts syncHeldDeliveries).
  if (changed.length > 0) await syncHeldDeliveries(db, changed);
}

/**
 * A value that changes whenever a cached subscription row (schedules' rows aside) is inserted, changed or deleted:
 * their number and the sum of their writers' transaction ids (`xmin`; every write makes a new row version with
 * the writing transaction's id). One aggregate over the table instead of reading and parsing every row: ingest
 * re-reads loadDeliverableSubscriptions only when it changed (≈ 13 ms per page with 1,000 subscriptions).
 */
export async function subscriptionsFingerprint(db: Queryable): Promise<string> {
  const [row] = await db.query<{ n: string | number; x: string | number | null }>(
    "SELECT count(*) AS n, sum(xmin::text::bigint) AS x FROM relay_subscriptions WHERE id NOT LIKE 'schedule:%'",
  );
  return `${row?.n ?? 0}:${row?.x ?? 0}`;
}

/** The deliverable subscriptions as last read, and the table's fingerprint taken before that read. */
export type DeliverableCache = { deliverable?: { fingerprint: string; subscriptions: CachedSubscription[] } };

/**
 * loadDeliverableSubscriptions, read again only when subscriptionsFingerprint changed since the list kept in
 * `cache` (shared by the feed ingest and the raw-log reader of one process). The fingerprint is read BEFORE the
 * rows: a change between the two reads makes the next fingerprint differ.
 */
export async function deliverableSubscriptions(db: Queryable, cache: DeliverableCache): Promise<CachedSubscription[]> {
  const fingerprint = await subscriptionsFingerprint(db);
  if (cache.deliverable?.fingerprint === fingerprint) return cache.deliverable.subscriptions;
  const subscriptions = await loadDeliverableSubscriptions(db);
  cache.deliverable = { fingerprint, subscriptions };
  return subscriptions;
}

/** Live (active or paused now) and not disabled: the candidates for events; subscriptionStatus.ts says which were active when. */
export async function loadDeliverableSubscriptions(db: Queryable): Promise<CachedSubscription[]> {
  const rows = await db.query<SubscriptionRow>(
    "SELECT * FROM relay_subscriptions WHERE status IN ('active', 'paused') AND disabled_at IS NULL AND id NOT LIKE 'schedule:%' ORDER BY id",
  );
  return rows.map(fromRow);
}

export async function getCachedSubscription(db: Queryable, id: string): Promise<CachedSubscription | undefined> {
  const [row] = await db.query<SubscriptionRow>("SELECT * FROM relay_subscriptions WHERE id = $1", [id]);
  return row ? fromRow(row) : undefined;
}

/** The endpoint answered 410 Gone: the relay stops delivering to this subscription (until a redrive). */
export async function disableSubscription(db: Queryable, id: string, reason: string, now = Date.now()): Promise<void> {
  await db.query("UPDATE relay_subscriptions SET disabled_at = $2, disabled_reason = $3 WHERE id = $1 AND disabled_at IS NULL", [id, now, reason]);
  await syncHeldDeliveries(db, [id]);
}
