/**
 * Reorgs and confirmations, run by the ingest leader after ingesting.
 *
 * Reorg check: the relay remembers, for every recent block it saw events in, the block hash and the cursor
 * just before its first event (relay_blocks; blocks deeper than max(reorgDepth, largest confirmations) below
 * the head are forgotten). It re-reads the feed from the oldest remembered cursor up to its own cursor and
 * compares: an event the relay matched that is no longer in the feed with the same block hash was reorged out.
 * Then, in one transaction:
 *   - each such event that was delivered (or is being delivered) to an endpoint gets a `<type>.removed` webhook
 *     to that endpoint, naming the original webhook-id (`originalWebhookId`);
 *   - its deliveries not yet made are cancelled, its pending confirmations dropped;
 *   - the cursor goes back to before the first reorged block, so the replacement events are ingested
 *     (the survivors hit ON CONFLICT DO NOTHING: delivery ids include the block hash);
 *   - the subscription status transitions of those blocks are forgotten (re-read with the new branch).
 * Raw-log deliveries (`log.raw`) are not feed events: rawLogs.ts checks their blocks itself.
 *
 * Confirmations: a pending confirmation whose block is `confirmations` deep (head ≥ block + N) becomes a
 * `confirmed` delivery: for mode after_confirmations the event itself (its type unchanged: the only
 * delivery), for mode both a `<type>.confirmed` notice naming the immediate delivery (`originalWebhookId`).
 */
import { lockCursor, readCursor, writeCursor } from "./cursor.ts";
import type { Db } from "./db/Db.ts";
import { deliveryId } from "./deliveryId.ts";
import type { IndexerClient } from "./indexerClient.ts";
import { enqueueDeliveries, type NewDelivery } from "./outbox.ts";
import { RAW_EVENT_ID_SUFFIX, RAW_LOG_TYPE } from "./rawEvent.ts";
import { dropTransitionsFrom } from "./subscriptionStatus.ts";

export type ReorgResult = { reorgedFromBlock: number | null; removedNotices: number; cancelled: number };

const key = (eventId: string, blockHash: string) => `${eventId}|${blockHash.toLowerCase()}`;

/** Drops remembered blocks too deep to matter. */
export async function pruneBlocks(db: Db, headBlock: number, reorgDepth: number): Promise<void> {
  const [row] = await db.query<{ c: string | number | null }>("SELECT max(confirmations) AS c FROM relay_subscriptions WHERE status = 'active'");
  const keep = Math.max(reorgDepth, Number(row?.c ?? 0));
  await db.query("DELETE FROM relay_blocks WHERE block_number < $1", [headBlock - keep]);
}

export async function checkReorgs(db: Db, client: IndexerClient, batchSize: number): Promise<ReorgResult> {
  const none: ReorgResult = { reorgedFromBlock: null, removedNotices: 0, cancelled: 0 };
  const tracked = await db.query<{ block_number: string | number; block_hash: string; prev_cursor: string }>(
    "SELECT block_number, block_hash, prev_cursor FROM relay_blocks ORDER BY block_number",
  );
  if (tracked.length === 0) return none;
  const { eventId: cursor } = await readCursor(db);
  const start = tracked[0]!.prev_cursor;
  if (!(start < cursor)) return none;

  // What the feed says now, from the oldest remembered block up to our cursor.
  const present = new Set<string>();
  const hashesByBlock = new Map<number, Set<string>>();
  let after = start;
  for (;;) {
    const page = await client.events(after, batchSize);
    for (const event of page.items) {
      if (event.id > cursor) break;
      present.add(key(event.id, event.blockHash));
      const number = Number(event.blockNumber);
      if (!hashesByBlock.has(number)) hashesByBlock.set(number, new Set());
      hashesByBlock.get(number)!.add(event.blockHash.toLowerCase());
    }
    const last = page.items.at(-1);
    if (!last || last.id >= cursor || page.items.length < batchSize) break;
    after = page.nextCursor;
  }

  const reorged = tracked.find((b) => !hashesByBlock.get(Number(b.block_number))?.has(b.block_hash.toLowerCase()));
  if (!reorged) return none;
  const fromBlock = Number(reorged.block_number);

  return db.transaction(async (tx) => {
    await lockCursor(tx, cursor);
    const rows = await tx.query<{
      id: string;
      subscription_id: string;
      event_id: string;
      event_type: string;
      block_number: string | number;
      block_hash: string;
      status: string;
      body: string;
    }>(
      `SELECT id, subscription_id, event_id, event_type, block_number, block_hash, status, body FROM relay_outbox
       WHERE block_number >= $1 AND kind IN ('immediate', 'confirmed') AND event_type <> '${RAW_LOG_TYPE}' ORDER BY sequence`,
      [fromBlock],
    );
    const gone = rows.filter((r) => !present.has(key(r.event_id, r.block_hash)));
    const notices: NewDelivery[] = [];
    const noticed = new Set<string>();
    const toCancel: string[] = [];
    for (const row of gone) {
      if (row.status === "delivered" || row.status === "delivering") {
        const target = `${row.subscription_id}|${key(row.event_id, row.block_hash)}`;
        if (noticed.has(target)) continue;
        noticed.add(target);
        const original = JSON.parse(row.body) as Record<string, unknown>;
        notices.push({
          id: deliveryId(row.subscription_id, row.event_id, row.block_hash, "removed"),
          subscriptionId: row.subscription_id,
          eventId: row.event_id,
          kind: "removed",
          eventType: row.event_type,
          blockNumber: String(row.block_number),
          blockHash: row.block_hash,
          refId: row.id,
          body: JSON.stringify({ ...original, type: `${row.event_type}.removed`, originalWebhookId: row.id }),
        });
      } else if (row.status === "pending" || row.status === "held" || row.status === "dead") {
        toCancel.push(row.id);
      }
    }
    if (toCancel.length > 0) {
      await tx.query(
        "UPDATE relay_outbox SET status = 'cancelled', last_error = 'event removed by a chain reorganization' WHERE id = ANY($1::text[])",
        [toCancel],
      );
    }
    const removedNotices = await enqueueDeliveries(tx, notices);
    const pending = await tx.query<{ subscription_id: string; event_id: string; block_hash: string }>(
      "SELECT subscription_id, event_id, block_hash FROM relay_pending_confirmations WHERE block_number >= $1",
      [fromBlock],
    );
    for (const p of pending) {
      if (present.has(key(p.event_id, p.block_hash)) || p.event_id.endsWith(RAW_EVENT_ID_SUFFIX)) continue;
      await tx.query("DELETE FROM relay_pending_confirmations WHERE subscription_id = $1 AND event_id = $2 AND block_hash = $3", [
        p.subscription_id,
        p.event_id,
        p.block_hash,
      ]);
    }
    await tx.query("DELETE FROM relay_blocks WHERE block_number >= $1", [fromBlock]);
    await dropTransitionsFrom(tx, fromBlock);
    await writeCursor(tx, reorged.prev_cursor);
    return { reorgedFromBlock: fromBlock, removedNotices, cancelled: toCancel.length };
  });
}

/** Turns pending confirmations that are deep enough into deliveries. Returns how many were enqueued. */
export async function promoteConfirmations(db: Db, headBlock: number, now = Date.now()): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx.query<{
      subscription_id: string;
      event_id: string;
      block_hash: string;
      block_number: string | number;
      due_block: string | number;
      body: string;
      immediate_id: string | null;
    }>(
      `SELECT subscription_id, event_id, block_hash, block_number, due_block, body, immediate_id FROM relay_pending_confirmations
       WHERE due_block <= $1 ORDER BY block_number, event_id, subscription_id LIMIT 1000 FOR UPDATE`,
      [headBlock],
    );
    if (due.length === 0) return 0;
    const deliveries: NewDelivery[] = due.map((p) => {
      const event = JSON.parse(p.body) as Record<string, unknown> & { type: string };
      const confirmations = Number(p.due_block) - Number(p.block_number);
      const body =
        p.immediate_id === null
          ? p.body
          : JSON.stringify({ ...event, type: `${event.type}.confirmed`, originalWebhookId: p.immediate_id, confirmations });
      return {
        id: deliveryId(p.subscription_id, p.event_id, p.block_hash, "confirmed"),
        subscriptionId: p.subscription_id,
        eventId: p.event_id,
        kind: "confirmed",
        eventType: event.type,
        blockNumber: String(p.block_number),
        blockHash: p.block_hash,
        refId: p.immediate_id,
        body,
      };
    });
    const inserted = await enqueueDeliveries(tx, deliveries, now);
    await tx.query(
      `DELETE FROM relay_pending_confirmations p USING jsonb_to_recordset($1::jsonb) AS x(subscription_id text, event_id text, block_hash text)
       WHERE p.subscription_id = x.subscription_id AND p.event_id = x.event_id AND p.block_hash = x.block_hash`,
      [JSON.stringify(due.map((p) => ({ subscription_id: p.subscription_id, event_id: p.event_id, block_hash: p.block_hash })))],
    );
    return inserted;
  });
}
