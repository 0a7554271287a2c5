/**
 * Raw-log subscriptions (KIND_RAW): the relay reads the logs itself from the chain's RPC (viem getLogs), for
 * the addresses of the live raw subscriptions, with its own cursor (relay_cursor 'raw' = last block read), and
 * turns the matching logs into `log.raw` deliveries (rawEvent.ts) in the same outbox, with the same delivery
 * modes (immediate / after_confirmations / both) and the same pause semantics as feed events (a subscription
 * gets a log iff it was active at the log's position: subscriptionStatus.ts; the ids sort with the feed's).
 *
 * Why not the indexer: Ponder decodes logs by the ABIs it is configured with (its `factory()` only adds
 * addresses to a contract whose ABI is known), so logs of arbitrary contracts and topics cannot go through it.
 *
 * Order with the feed: raw logs of block b are read only once the relay has consumed the feed up to the
 * indexer's head at or above b (`limitBlock`), so every subscription created, paused, resumed or cancelled up to
 * b is known before b's logs are matched.
 *
 * Reorgs: the hash of every block the reader used (the range's parent block, its end and each block with a log)
 * is kept (relay_raw_blocks): consecutive ranges share a remembered block, so the remembered blocks form a chain
 * and a reorg of any block read is seen at or below the next remembered one. `checkRawReorgs` re-reads those blocks by number; at the first one whose hash changed
 * (or that is gone), every raw delivery from there on that reached (or is reaching) its endpoint gets a
 * `log.raw.removed` notice naming the original webhook-id, the undelivered ones are cancelled, their pending
 * confirmations dropped, and the cursor goes back to the newest remembered block still on the chain (the
 * common ancestor as far as the relay knows) so the new branch's logs are read (new webhook-ids: the block
 * hash is part of the id). A reorg deeper than the remembered window (RELAY_REORG_DEPTH) is not repaired. Confirmations use the indexer's head like feed events.
 */
import type { Hex, PublicClient } from "viem";
import type { Db, Queryable } from "./db/Db.ts";
import { IngestConflictError } from "./errors.ts";
import { deliveryId } from "./deliveryId.ts";
import { insertPendingConfirmations, planEventDelivery, type PendingConfirmation } from "./ingest.ts";
import { enqueueDeliveries, type NewDelivery } from "./outbox.ts";
import { matchesRawFilter, RAW_EVENT_ID_SUFFIX, RAW_LOG_TYPE, rawEventBody, type RawLog } from "./rawEvent.ts";
import { deliverableSubscriptions, type DeliverableCache } from "./subscriptionCache.ts";
import { loadTransitions, statusAt } from "./subscriptionStatus.ts";

export type RawRpc = Pick<PublicClient, "getLogs" | "getBlock">;

export type RawIngestResult = { subscriptions: number; logs: number; deliveries: number; cursor: number | null; more: boolean };

export type RawReorgResult = { reorgedFromBlock: number | null; removedNotices: number; cancelled: number };

async function readRawCursor(db: Queryable): Promise<string> {
  const [row] = await db.query<{ event_id: string }>("SELECT event_id FROM relay_cursor WHERE name = 'raw'");
  return row?.event_id ?? "";
}

async function moveRawCursor(tx: Queryable, expected: string, next: string, now: number): Promise<void> {
  const [row] = await tx.query<{ event_id: string }>("SELECT event_id FROM relay_cursor WHERE name = 'raw' FOR UPDATE");
  if ((row?.event_id ?? "") !== expected) throw new IngestConflictError(expected, row?.event_id ?? "");
  await tx.query("UPDATE relay_cursor SET event_id = $1, updated_at = $2 WHERE name = 'raw'", [next, now]);
}

/**
 * Reads the logs of blocks (cursor, min(limitBlock, cursor + maxBlockRange)] for the live raw subscriptions and
 * enqueues their deliveries, cursor advance in the same transaction. Without raw subscriptions only the cursor
 * moves (to `limitBlock`): a raw subscription created later starts at its own block anyway.
 */
export async function ingestRawLogs(
  db: Db,
  rpc: RawRpc,
  limitBlock: number,
  options: { chainId: number; maxBlockRange: number; /** The process's subscriptions cache (the ingest state); default a fresh one. */ cache?: DeliverableCache },
  now = Date.now(),
): Promise<RawIngestResult> {
  const subscriptions = (await deliverableSubscriptions(db, options.cache ?? {})).filter((s) => s.rawAddress !== null);
  const cursorText = await readRawCursor(db);
  if (subscriptions.length === 0) {
    if (cursorText === "" || Number(cursorText) < limitBlock) {
      await db.transaction((tx) => moveRawCursor(tx, cursorText, String(limitBlock), now));
    }
    return { subscriptions: 0, logs: 0, deliveries: 0, cursor: limitBlock, more: false };
  }
  const cursor = cursorText === "" ? Math.min(...subscriptions.map((s) => s.fromBlock)) - 1 : Number(cursorText);
  const from = cursor + 1;
  const to = Math.min(limitBlock, cursor + options.maxBlockRange);
  if (to < from) return { subscriptions: subscriptions.length, logs: 0, deliveries: 0, cursor, more: false };

  const end = await rpc.getBlock({ blockNumber: BigInt(to) });
  // The range's parent: remembered too (its hash is the link to the previous range). If it is remembered with
  // another hash, the chain reorganized below this range: leave it to checkRawReorgs, which rewinds.
  const parent = from > 0 ? await rpc.getBlock({ blockNumber: BigInt(from - 1) }) : undefined;
  if (parent) {
    const [known] = await db.query<{ block_hash: string }>("SELECT block_hash FROM relay_raw_blocks WHERE block_number = $1", [from - 1]);
    if (known && known.block_hash.toLowerCase() !== parent.hash!.toLowerCase()) {
      throw new Error(`raw logs: block ${from - 1} changed since it was read (reorg): waiting for the reorg check`);
    }
  }
  const addresses = [...new Set(subscriptions.map((s) => s.rawAddress as Hex))];
  const logs = await rpc.getLogs({ address: addresses, fromBlock: BigInt(from), toBlock: BigInt(to) });
  const blockNumbers = [...new Set(logs.map((l) => l.blockNumber!))].filter((n) => n !== BigInt(to));
  const headers = new Map([[BigInt(to), end], ...(await Promise.all(blockNumbers.map(async (n) => [n, await rpc.getBlock({ blockNumber: n })] as const)))]);
  const raw: RawLog[] = logs
    .map((l) => {
      const header = headers.get(l.blockNumber!)!;
      // A log of another branch than the headers read just now: the chain is reorganizing; read again later.
      if (header.hash !== l.blockHash) throw new Error(`raw logs: block ${l.blockNumber} changed while reading (reorg in progress)`);
      return {
        address: l.address,
        topics: l.topics,
        data: l.data,
        blockNumber: l.blockNumber!,
        blockHash: l.blockHash!,
        blockTimestamp: header.timestamp,
        transactionHash: l.transactionHash!,
        transactionIndex: l.transactionIndex!,
        logIndex: l.logIndex!,
      };
    })
    .sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));

  const transitions = await loadTransitions(db, subscriptions.map((s) => s.id));
  const deliveries: NewDelivery[] = [];
  const confirmations: PendingConfirmation[] = [];
  for (const log of raw) {
    const event = rawEventBody(options.chainId, log);
    let body: string | undefined;
    for (const sub of subscriptions) {
      if (!matchesRawFilter(sub, event)) continue;
      if (sub.fromEventId !== "" ? !(event.id > sub.fromEventId) : Number(event.blockNumber) < sub.fromBlock) continue;
      if (statusAt(transitions, sub.id, event.id) !== "active") continue;
      body ??= JSON.stringify(event);
      planEventDelivery(sub, event, RAW_LOG_TYPE, body, deliveries, confirmations);
    }
  }

  let inserted = 0;
  await db.transaction(async (tx) => {
    inserted = await enqueueDeliveries(tx, deliveries, now);
    await insertPendingConfirmations(tx, confirmations);
    await tx.query(
      `INSERT INTO relay_raw_blocks (block_number, block_hash)
       SELECT x.block_number::bigint, x.block_hash FROM jsonb_to_recordset($1::jsonb) AS x(block_number text, block_hash text)
       ON CONFLICT (block_number) DO UPDATE SET block_hash = EXCLUDED.block_hash`,
      [JSON.stringify([...(parent ? [[parent.number!, parent] as const] : []), ...headers.entries()].map(([n, h]) => ({ block_number: n.toString(), block_hash: h.hash!.toLowerCase() })))],
    );
    await moveRawCursor(tx, cursorText, String(to), now);
  });
  return { subscriptions: subscriptions.length, logs: raw.length, deliveries: inserted, cursor: to, more: to < limitBlock };
}

/** Re-reads the remembered blocks; retracts and rewinds from the first one whose hash changed (see the top). */
export async function checkRawReorgs(db: Db, rpc: RawRpc, now = Date.now(), maxDepth = 64): Promise<RawReorgResult> {
  const none: RawReorgResult = { reorgedFromBlock: null, removedNotices: 0, cancelled: 0 };
  const tracked = await db.query<{ block_number: string | number; block_hash: string }>(
    "SELECT block_number, block_hash FROM relay_raw_blocks ORDER BY block_number",
  );
  if (tracked.length === 0) return none;
  const cursorText = await readRawCursor(db);
  const current = await Promise.all(
    tracked.map((b) => rpc.getBlock({ blockNumber: BigInt(b.block_number) }).then((block) => block.hash?.toLowerCase() ?? null, () => null)),
  );
  const index = tracked.findIndex((b, i) => current[i] !== b.block_hash.toLowerCase());
  if (index < 0) return none;
  const fromBlock = Number(tracked[index]!.block_number);
  // Read again from just after the newest remembered block that is still on the chain (blocks between it and
  // fromBlock had no log of ours on the old branch, but may have some on the new one).
  // When even the oldest remembered block changed, nothing below it is known to be on the chain: go back
  // `maxDepth` blocks (re-read logs of unchanged blocks get the same webhook-ids: no second delivery).
  const resumeAfter = index > 0 ? Number(tracked[index - 1]!.block_number) : Math.max(0, fromBlock - 1 - maxDepth);

  return db.transaction(async (tx) => {
    const rows = await tx.query<{ id: string; subscription_id: string; event_id: string; block_number: string | number; block_hash: string; status: string; body: string }>(
      `SELECT id, subscription_id, event_id, block_number, block_hash, status, body FROM relay_outbox
       WHERE block_number >= $1 AND kind IN ('immediate', 'confirmed') AND event_type = '${RAW_LOG_TYPE}' ORDER BY sequence`,
      [fromBlock],
    );
    const notices: NewDelivery[] = [];
    const noticed = new Set<string>();
    const toCancel: string[] = [];
    for (const row of rows) {
      if (row.status === "delivered" || row.status === "delivering") {
        const target = `${row.subscription_id}|${row.event_id}|${row.block_hash}`;
        if (noticed.has(target)) continue;
        noticed.add(target);
        notices.push({
          id: deliveryId(row.subscription_id, row.event_id, row.block_hash, "removed"),
          subscriptionId: row.subscription_id,
          eventId: row.event_id,
          kind: "removed",
          eventType: RAW_LOG_TYPE,
          blockNumber: String(row.block_number),
          blockHash: row.block_hash,
          refId: row.id,
          body: JSON.stringify({ ...(JSON.parse(row.body) as object), type: `${RAW_LOG_TYPE}.removed`, originalWebhookId: row.id }),
        });
      } else if (row.status === "pending" || row.status === "held" || row.status === "dead") {
        toCancel.push(row.id);
      }
    }
    if (toCancel.length > 0) {
      await tx.query("UPDATE relay_outbox SET status = 'cancelled', last_error = 'log removed by a chain reorganization' WHERE id = ANY($1::text[])", [toCancel]);
    }
    const removedNotices = await enqueueDeliveries(tx, notices, now);
    await tx.query("DELETE FROM relay_pending_confirmations WHERE block_number >= $1 AND event_id LIKE $2", [fromBlock, `%${RAW_EVENT_ID_SUFFIX}`]);
    await tx.query("DELETE FROM relay_raw_blocks WHERE block_number >= $1", [fromBlock]);
    await moveRawCursor(tx, cursorText, String(Math.min(resumeAfter, Number(cursorText))), now);
    return { reorgedFromBlock: fromBlock, removedNotices, cancelled: toCancel.length };
  });
}

/** Forgets raw blocks more than `keep` below `head` (the newest one is always kept: the next check compares it). */
export async function pruneRawBlocks(db: Queryable, head: number, keep: number): Promise<void> {
  await db.query("DELETE FROM relay_raw_blocks WHERE block_number < $1 AND block_number < (SELECT max(block_number) FROM relay_raw_blocks)", [head - keep]);
}
