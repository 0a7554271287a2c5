/**
 * The outbox (table relay_outbox): one row per webhook. Life cycle:
 *
 *   pending ──claim──▶ delivering ──2xx──▶ delivered
 *      ▲                   │ 5xx/408/425/429/network/timeout: pending again after a backoff, or dead when
 *      │                   │ the schedule is exhausted; other 4xx, 3xx, refused endpoint: dead at once;
 *      │                   │ 410: dead and the subscription disabled
 *      └──── redrive ◀── dead                 (reorg before delivery: cancelled)
 *
 *   pending ◀──▶ held: while the subscription is paused, cancelled or disabled (410) its pending rows are held
 *   (syncHeldDeliveries), and pending again as soon as it is deliverable (resume, redrive).
 *
 * A claim sets a lease (`locked_by`, `lease_until`): a row whose worker died (SIGKILL) is claimed again once
 * its lease has passed. Claims use `FOR UPDATE SKIP LOCKED`, so several relay processes on one Postgres
 * never claim the same row at the same time. Ordered subscriptions: only the lowest `sequence` of a
 * subscription that is still pending/delivering may be claimed (dead rows do not block the chain).
 */
import type { Queryable } from "./db/Db.ts";
import type { DeliveryKind } from "./deliveryId.ts";
import { signingSecrets } from "./secrets.ts";

export type OutboxStatus = "pending" | "delivering" | "delivered" | "dead" | "cancelled" | "held";

/** Every outbox status (API filters, /health counts). */
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ["pending", "delivering", "delivered", "dead", "cancelled", "held"];

export type NewDelivery = {
  id: string;
  subscriptionId: string;
  eventId: string;
  kind: DeliveryKind;
  eventType: string;
  blockNumber: string;
  blockHash: string;
  refId: string | null;
  body: string;
};

/**
 * Inserts deliveries in order (their `sequence` follows the array); existing ids are left alone. One statement:
 * column arrays (unnest … WITH ORDINALITY), each distinct body sent once (a fan-out to 1,000 subscriptions
 * repeats one event body 1,000 times; a JSON recordset of the rows cost ≈ 3x more to send and parse).
 */
export async function enqueueDeliveries(db: Queryable, deliveries: NewDelivery[], now = Date.now()): Promise<number> {
  return (await enqueueAndHandOff(db, deliveries, now)).inserted;
}

/** Who takes inserted rows at once, already leased (see enqueueAndHandOff). */
export type HandOff = { workerId: string; leaseMs: number; /** At most this many rows are handed off. */ max: number };

/**
 * enqueueDeliveries, and hand-off: up to `handOff.max` of the new rows are inserted already claimed by
 * `handOff.workerId` (status 'delivering', lease until now + leaseMs) and returned as claimed, so the caller's
 * delivery pool starts them as soon as the transaction commits instead of claiming them with another statement
 * (and another write per row). A row is handed off only where a claim at this moment could take it: its
 * subscription active and not disabled (410), and for an ordered subscription only its first row of the batch
 * and only if the subscription has no pending, delivering or held row yet (the statement's snapshot, before its own
 * inserts). Everything else is inserted pending and claimed as usual (other processes too, SKIP LOCKED). A crash
 * after the commit leaves the handed-off rows leased: they are claimed again after the lease, as any claim.
 */
export async function enqueueAndHandOff(
  db: Queryable,
  deliveries: NewDelivery[],
  now = Date.now(),
  handOff?: HandOff,
): Promise<{ inserted: number; handedOff: ClaimedDelivery[] }> {
  if (deliveries.length === 0) return { inserted: 0, handedOff: [] };
  const bodies: string[] = [];
  const bodyIndex = new Map<string, number>();
  const cols = { id: [] as string[], sub: [] as string[], event: [] as string[], kind: [] as string[], type: [] as string[], block: [] as string[], hash: [] as string[], ref: [] as (string | null)[], body: [] as number[] };
  // Hand-off candidates: the first `max` rows; of an ordered subscription (relay_subscriptions.ordered, checked in
  // SQL) only its first row of the batch.
  const first: boolean[] = [];
  const seen = new Set<string>();
  for (const d of deliveries) {
    let b = bodyIndex.get(d.body);
    if (b === undefined) {
      b = bodies.push(d.body); // 1-based, as SQL arrays
      bodyIndex.set(d.body, b);
    }
    cols.id.push(d.id);
    cols.sub.push(d.subscriptionId);
    cols.event.push(d.eventId);
    cols.kind.push(d.kind);
    cols.type.push(d.eventType);
    cols.block.push(d.blockNumber);
    cols.hash.push(d.blockHash);
    cols.ref.push(d.refId);
    cols.body.push(b);
    first.push(!seen.has(d.subscriptionId));
    seen.add(d.subscriptionId);
  }
  const params = [cols.id, cols.sub, cols.event, cols.kind, cols.type, cols.block, cols.hash, cols.ref, cols.body, bodies, now];
  if (!handOff || handOff.max <= 0) {
    const inserted = await db.query<{ id: string }>(
      `INSERT INTO relay_outbox (id, subscription_id, event_id, kind, event_type, block_number, block_hash, ref_id, body, next_attempt_at, created_at)
       SELECT x.id, x.subscription_id, x.event_id, x.kind, x.event_type, x.block_number, x.block_hash, x.ref_id, ($10::text[])[x.body_index], $11, $11
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::int[])
         WITH ORDINALITY AS x(id, subscription_id, event_id, kind, event_type, block_number, block_hash, ref_id, body_index, ordinal)
       ORDER BY x.ordinal
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      params,
    );
    return { inserted: inserted.length, handedOff: [] };
  }
  const candidate = deliveries.map((_, i) => i < handOff.max);
  const rows = await db.query<{
    id: string;
    subscription_id: string;
    status: string;
    attempts: number;
    sequence: string | number;
    endpoint: string | null;
    secret: string | null;
    previous_secret: string | null;
    previous_valid_until: string | number | null;
  }>(
    `WITH x AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::int[], $12::boolean[], $13::boolean[])
         WITH ORDINALITY AS x(id, subscription_id, event_id, kind, event_type, block_number, block_hash, ref_id, body_index, candidate, first_of_sub, ordinal)
     ),
     take AS (
       SELECT x.id FROM x JOIN relay_subscriptions s ON s.id = x.subscription_id
       WHERE x.candidate AND s.status = 'active' AND s.disabled_at IS NULL
         AND (NOT s.ordered OR (x.first_of_sub AND NOT EXISTS (
           SELECT 1 FROM relay_outbox o WHERE o.subscription_id = x.subscription_id AND o.status IN ('pending', 'delivering'))
           AND NOT EXISTS (SELECT 1 FROM relay_outbox h WHERE h.subscription_id = x.subscription_id AND h.status = 'held')))
     ),
     ins AS (
       INSERT INTO relay_outbox (id, subscription_id, event_id, kind, event_type, block_number, block_hash, ref_id, body, next_attempt_at, created_at,
         status, locked_by, lease_until)
       SELECT x.id, x.subscription_id, x.event_id, x.kind, x.event_type, x.block_number, x.block_hash, x.ref_id, ($10::text[])[x.body_index], $11, $11,
         CASE WHEN t.id IS NULL THEN 'pending' ELSE 'delivering' END,
         CASE WHEN t.id IS NULL THEN NULL ELSE $14 END,
         CASE WHEN t.id IS NULL THEN NULL ELSE $15::bigint END
       FROM x LEFT JOIN take t ON t.id = x.id
       ORDER BY x.ordinal
       ON CONFLICT (id) DO NOTHING
       RETURNING id, subscription_id, status, attempts, sequence
     )
     SELECT ins.id, ins.subscription_id, ins.status, ins.attempts, ins.sequence, s.endpoint, sec.secret, sec.previous_secret, sec.previous_valid_until
     FROM ins
       LEFT JOIN relay_subscriptions s ON ins.status = 'delivering' AND s.id = ins.subscription_id
       LEFT JOIN relay_secrets sec ON ins.status = 'delivering' AND sec.subscription_id = ins.subscription_id`,
    [...params, candidate, first, handOff.workerId, now + handOff.leaseMs],
  );
  const byId = new Map(deliveries.map((d) => [d.id, d]));
  const handedOff: ClaimedDelivery[] = [];
  for (const r of rows) {
    if (r.status !== "delivering") continue;
    const d = byId.get(r.id)!;
    handedOff.push({
      id: r.id,
      subscriptionId: r.subscription_id,
      eventId: d.eventId,
      kind: d.kind,
      body: d.body,
      attempts: Number(r.attempts),
      sequence: Number(r.sequence),
      endpoint: r.endpoint!,
      secrets: signingSecrets(
        r.secret === null
          ? undefined
          : { secret: r.secret, previousSecret: r.previous_secret, previousValidUntil: r.previous_valid_until === null ? null : Number(r.previous_valid_until) },
        now,
      ),
    });
  }
  handedOff.sort((a, b) => a.sequence - b.sequence);
  return { inserted: rows.length, handedOff };
}

export type ClaimedDelivery = {
  id: string;
  subscriptionId: string;
  eventId: string;
  kind: DeliveryKind;
  body: string;
  attempts: number;
  sequence: number;
  endpoint: string;
  /** The subscription's signing secrets valid now (current first), read with the claim. */
  secrets: string[];
};

/**
 * Claims up to `limit` due deliveries for `workerId` until `now + leaseMs`.
 *
 * Candidates: the first `limit` due rows of unordered subscriptions (by next_attempt_at, sequence: a walk of
 * the partial index relay_outbox_pending), rows whose lease expired (relay_outbox_leased), and the head of each ordered subscription's chain (lowest sequence
 * still pending or delivering, one LATERAL index probe per subscription) when that head is due. The outer
 * WHERE is re-checked on the locked row (Postgres re-evaluates it on the latest version), so a row another
 * process just claimed or finished is skipped, and SKIP LOCKED never waits for a row being claimed.
 * The subscription test of the unordered branches is a per-row subquery, not a join, so the planner cannot drive
 * the scan from relay_subscriptions (one outbox probe per subscription). Plans depend on the table's statistics:
 * right after a burst of 20,000 rows into a young table the planner still expects a handful and sorts every due
 * row (≈ 150-300 ms per claim instead of ≈ 2 ms for the index walk): the delivery pool runs `analyzeOutbox` when
 * a claim is slow (deliveryPool.ts).
 */
export async function claimDueDeliveries(
  db: Queryable,
  workerId: string,
  limit: number,
  leaseMs: number,
  now = Date.now(),
  /** Rows this worker is still attempting or recording: never re-claimed by it, even past their lease. */
  busy: readonly string[] = [],
): Promise<ClaimedDelivery[]> {
  const rows = await db.query<{
    id: string;
    subscription_id: string;
    event_id: string;
    kind: DeliveryKind;
    body: string;
    attempts: number;
    sequence: string | number;
    endpoint: string;
    secret: string | null;
    previous_secret: string | null;
    previous_valid_until: string | number | null;
  }>(
    `WITH candidates AS (
       SELECT h.id, h.next_attempt_at, h.sequence
       FROM relay_subscriptions s
       CROSS JOIN LATERAL (
         SELECT o.id, o.status, o.next_attempt_at, o.lease_until, o.sequence FROM relay_outbox o
         WHERE o.subscription_id = s.id AND o.status IN ('pending', 'delivering') ORDER BY o.sequence LIMIT 1
       ) h
       WHERE s.ordered AND s.status = 'active' AND s.disabled_at IS NULL
         AND ((h.status = 'pending' AND h.next_attempt_at <= $1) OR (h.status = 'delivering' AND h.lease_until < $1))
       UNION ALL
       (SELECT o.id, o.next_attempt_at, o.sequence
        FROM relay_outbox o
        WHERE o.status = 'pending' AND o.next_attempt_at <= $1
          AND (SELECT NOT s.ordered AND s.status = 'active' AND s.disabled_at IS NULL FROM relay_subscriptions s WHERE s.id = o.subscription_id)
        ORDER BY o.next_attempt_at, o.sequence LIMIT $2)
       UNION ALL
       (SELECT o.id, o.next_attempt_at, o.sequence
        FROM relay_outbox o
        WHERE o.status = 'delivering' AND o.lease_until < $1
          AND (SELECT NOT s.ordered AND s.status = 'active' AND s.disabled_at IS NULL FROM relay_subscriptions s WHERE s.id = o.subscription_id)
        ORDER BY o.lease_until LIMIT $2)
     ),
     due AS (
       SELECT o.id, s.endpoint, sec.secret, sec.previous_secret, sec.previous_valid_until
       FROM relay_outbox o
         JOIN candidates c ON c.id = o.id
         JOIN relay_subscriptions s ON s.id = o.subscription_id
         LEFT JOIN relay_secrets sec ON sec.subscription_id = o.subscription_id
       WHERE ((o.status = 'pending' AND o.next_attempt_at <= $1) OR (o.status = 'delivering' AND o.lease_until < $1))
         AND o.id NOT IN (SELECT unnest($5::text[]))
       ORDER BY c.next_attempt_at, c.sequence
       LIMIT $2
       FOR UPDATE OF o SKIP LOCKED
     )
     UPDATE relay_outbox o SET status = 'delivering', locked_by = $3, lease_until = $4
     FROM due WHERE o.id = due.id
     RETURNING o.id, o.subscription_id, o.event_id, o.kind, o.body, o.attempts, o.sequence, due.endpoint,
       due.secret, due.previous_secret, due.previous_valid_until`,
    [now, limit, workerId, now + leaseMs, [...busy]],
  );
  return rows
    .map((r) => ({
      id: r.id,
      subscriptionId: r.subscription_id,
      eventId: r.event_id,
      kind: r.kind,
      body: r.body,
      attempts: Number(r.attempts),
      sequence: Number(r.sequence),
      endpoint: r.endpoint,
      secrets: signingSecrets(
        r.secret === null
          ? undefined
          : { secret: r.secret, previousSecret: r.previous_secret, previousValidUntil: r.previous_valid_until === null ? null : Number(r.previous_valid_until) },
        now,
      ),
    }))
    .sort((a, b) => a.sequence - b.sequence);
}

/** Refreshes the planner's statistics of the outbox and the subscriptions (cheap: a sample of rows). */
export async function analyzeOutbox(db: Queryable): Promise<void> {
  await db.query("ANALYZE relay_outbox, relay_subscriptions");
}

/** The outcome of one attempt, as recorded. `pending` = retry at `nextAttemptAt`. */
export type Completion = {
  id: string;
  status: "delivered" | "pending" | "dead";
  statusCode: number | null;
  error: string | null;
  nextAttemptAt: number | null;
};

/**
 * Records attempt outcomes in one statement (attempts + 1, lease released). Only rows still claimed by
 * `workerId` change: a late answer after the lease passed to another worker is ignored. Returns the ids changed.
 *
 * The outcomes travel as column arrays, and each row finds its values by its position in the id array
 * (array_position): the rows are found by primary key (`id = ANY`) and nothing is joined. A join against a
 * recordset of the outcomes was planned as a nested loop that re-read the whole recordset for every row (the
 * planner expects few 'delivering' rows after a burst): O(n²), ≈ 40 ms for 128 outcomes on PGlite instead of ≈ 15.
 */
export async function completeDeliveries(db: Queryable, workerId: string, completions: Completion[], now = Date.now()): Promise<string[]> {
  if (completions.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `UPDATE relay_outbox o SET status = ($4::text[])[array_position($1::text[], o.id)], attempts = o.attempts + 1,
       delivered_at = CASE WHEN ($4::text[])[array_position($1::text[], o.id)] = 'delivered' THEN $3 ELSE o.delivered_at END,
       next_attempt_at = COALESCE(($7::bigint[])[array_position($1::text[], o.id)], o.next_attempt_at),
       last_status_code = ($5::int[])[array_position($1::text[], o.id)], last_error = ($6::text[])[array_position($1::text[], o.id)],
       locked_by = NULL, lease_until = NULL
     WHERE o.id = ANY($1::text[]) AND o.locked_by = $2 AND o.status = 'delivering'
     RETURNING o.id`,
    [
      completions.map((c) => c.id),
      workerId,
      now,
      completions.map((c) => c.status),
      completions.map((c) => c.statusCode),
      completions.map((c) => (c.error === null ? null : c.error.slice(0, 1000))),
      completions.map((c) => c.nextAttemptAt),
    ],
  );
  return rows.map((r) => r.id);
}

export async function markDelivered(db: Queryable, id: string, workerId: string, statusCode: number, now = Date.now()): Promise<boolean> {
  const done = await completeDeliveries(db, workerId, [{ id, status: "delivered", statusCode, error: null, nextAttemptAt: null }], now);
  return done.length > 0;
}

/** A failed attempt to retry at `nextAttemptAt`. */
export async function markRetry(
  db: Queryable,
  id: string,
  workerId: string,
  failure: { statusCode: number | null; error: string },
  nextAttemptAt: number,
): Promise<boolean> {
  const done = await completeDeliveries(db, workerId, [{ id, status: "pending", statusCode: failure.statusCode, error: failure.error, nextAttemptAt }]);
  return done.length > 0;
}

export async function markDead(db: Queryable, id: string, workerId: string, failure: { statusCode: number | null; error: string }): Promise<boolean> {
  const done = await completeDeliveries(db, workerId, [{ id, status: "dead", statusCode: failure.statusCode, error: failure.error, nextAttemptAt: null }]);
  return done.length > 0;
}

/** A subscription `s` may be delivered to now (claims, hand-off and held rows use the same test). */
const DELIVERABLE = "s.status = 'active' AND s.disabled_at IS NULL";

/**
 * Gives claimed rows back untouched (shutdown before their attempts started, or their subscription answered 410
 * meanwhile), in one statement: pending, or held when their subscription cannot be delivered to now.
 */
export async function releaseClaims(db: Queryable, ids: readonly string[], workerId: string): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE relay_outbox o SET locked_by = NULL, lease_until = NULL,
       status = CASE WHEN EXISTS (SELECT 1 FROM relay_subscriptions s WHERE s.id = o.subscription_id AND ${DELIVERABLE}) THEN 'pending' ELSE 'held' END
     WHERE o.id = ANY($1::text[]) AND o.locked_by = $2 AND o.status = 'delivering'`,
    [[...ids], workerId],
  );
}


/**
 * Redrive: dead deliveries of a subscription (or the one named) go back to pending with attempts reset, due
 * now; a relay-side disable (410) of the subscription is lifted, and its held rows are pending again (held, with
 * the redriven ones, while the subscription is paused). Returns the ids moved.
 */
export async function redrive(db: Queryable, subscriptionId: string, options: { deliveryId?: string; now?: number } = {}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const rows = await db.query<{ id: string }>(
    `UPDATE relay_outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = NULL, last_status_code = NULL,
       locked_by = NULL, lease_until = NULL
     WHERE subscription_id = $1 AND status = 'dead' AND ($3::text IS NULL OR id = $3) RETURNING id`,
    [subscriptionId, now, options.deliveryId ?? null],
  );
  await db.query("UPDATE relay_subscriptions SET disabled_at = NULL, disabled_reason = NULL WHERE id = $1", [subscriptionId]);
  await syncHeldDeliveries(db, [subscriptionId]);
  return rows.map((r) => r.id);
}

/**
 * Holds the pending rows of subscriptions that cannot be delivered to now (paused, cancelled, disabled after a
 * 410, or unknown) and makes the held rows of deliverable ones (active, not disabled) pending again, keeping
 * their due time and order. `subscriptionIds`: only those (a status change just written, in the same transaction);
 * undefined: every row (the ingest leader's periodic sweep, for rows that became pending later, e.g. a retry
 * of an attempt that was in flight when its subscription was paused).
 *
 * Why: a claim walks the due pending rows in order (relay_outbox_pending) and tests each row's subscription; rows
 * it may not take were walked on every claim. 50,000 queued rows of one paused subscription made every claim cost
 * ≈ 50 ms on Postgres and ≈ 115 ms on PGlite (inside the relay's event loop), even claims that found nothing; held,
 * 1.2 and ≈ 2 ms (bench/lib/heldClaims.ts).
 * A held row is never claimed; claims also test the subscription, so a row that is pending while its
 * subscription is paused (until the next sweep) is not sent either.
 */
export async function syncHeldDeliveries(db: Queryable, subscriptionIds?: readonly string[]): Promise<{ held: number; released: number }> {
  const [row] = await db.query<{ held: string | number; released: string | number }>(
    `WITH hold AS (
       UPDATE relay_outbox o SET status = 'held'
       WHERE o.status = 'pending' AND ($1::text[] IS NULL OR o.subscription_id = ANY($1::text[]))
         AND NOT EXISTS (SELECT 1 FROM relay_subscriptions s WHERE s.id = o.subscription_id AND ${DELIVERABLE})
       RETURNING 1
     ),
     release AS (
       UPDATE relay_outbox o SET status = 'pending'
       WHERE o.status = 'held' AND ($1::text[] IS NULL OR o.subscription_id = ANY($1::text[]))
         AND EXISTS (SELECT 1 FROM relay_subscriptions s WHERE s.id = o.subscription_id AND ${DELIVERABLE})
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM hold) AS held, (SELECT count(*) FROM release) AS released`,
    [subscriptionIds === undefined ? null : [...subscriptionIds]],
  );
  return { held: Number(row?.held ?? 0), released: Number(row?.released ?? 0) };
}

export type DeliveryView = {
  id: string;
  eventId: string;
  kind: DeliveryKind;
  eventType: string;
  blockNumber: string;
  refId: string | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  sequence: number;
};

/** A subscription's deliveries by sequence (ascending), optionally one status, paged by sequence. */
export async function listDeliveries(
  db: Queryable,
  subscriptionId: string,
  { status, afterSequence = 0, limit = 100 }: { status?: OutboxStatus; afterSequence?: number; limit?: number } = {},
): Promise<DeliveryView[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id, event_id, kind, event_type, block_number, ref_id, status, attempts, next_attempt_at, last_status_code, last_error,
       created_at, delivered_at, sequence
     FROM relay_outbox WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2) AND sequence > $3
     ORDER BY sequence LIMIT $4`,
    [subscriptionId, status ?? null, afterSequence, limit],
  );
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    id: String(r.id),
    eventId: String(r.event_id),
    kind: r.kind as DeliveryKind,
    eventType: String(r.event_type),
    blockNumber: String(r.block_number),
    refId: (r.ref_id as string | null) ?? null,
    status: r.status as OutboxStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: r.status === "pending" ? num(r.next_attempt_at) : null,
    lastStatusCode: num(r.last_status_code),
    lastError: (r.last_error as string | null) ?? null,
    createdAt: Number(r.created_at),
    deliveredAt: num(r.delivered_at),
    sequence: Number(r.sequence),
  }));
}

/** Counts by status (for /health). */
export async function outboxCounts(db: Queryable): Promise<Record<OutboxStatus, number>> {
  const rows = await db.query<{ status: OutboxStatus; n: string | number }>("SELECT status, count(*) AS n FROM relay_outbox GROUP BY status");
  const counts = Object.fromEntries(OUTBOX_STATUSES.map((status) => [status, 0])) as Record<OutboxStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

/**
 * Deletes delivered and cancelled rows older than `olderThan` (ms epoch). With `keepUnattested` (the attestor is
 * on) a delivered row stays until the attestor has put it in a batch (`attested_seq`; its leaf keeps its values).
 * Held rows of a subscription (or schedule) cancelled before `olderThan` go too: they can never be sent (a paused
 * one's stay, whatever their age).
 */
export async function purgeFinished(db: Queryable, olderThan: number, { keepUnattested = false }: { keepUnattested?: boolean } = {}): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `DELETE FROM relay_outbox WHERE status IN ('delivered', 'cancelled') AND created_at < $1
       AND NOT ($2::boolean AND status = 'delivered' AND attested_seq IS NULL) RETURNING id`,
    [olderThan, keepUnattested],
  );
  const held = await db.query<{ id: string }>(
    `DELETE FROM relay_outbox o USING relay_subscriptions s
     WHERE o.status = 'held' AND s.id = o.subscription_id AND s.status IN ('inactive', 'cancelled') AND s.refreshed_at < $1
     RETURNING o.id`,
    [olderThan],
  );
  return rows.length + held.length;
}
