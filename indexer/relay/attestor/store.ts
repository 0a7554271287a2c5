/**
 * The attestor's tables (created in db/migrate.ts):
 *
 *   relay_attestation_batches  seq (= the on-chain batch number), root, prev_root, chained_head (once posted),
 *                              leaf_count, from_time / to_time (unix s), uri, tree (SimpleMerkleTree dump),
 *                              status built → sent (tx_hash) → posted, attestor, built_at / posted_at (ms)
 *   relay_attestation_leaves   key (webhook-id `msg_…` of a delivery, `schedule:<id>:<scheduledTime>` of a fire),
 *                              seq, kind, leaf_hash, leaf_values (decimal strings), proof
 *   relay_fires.attested_seq, relay_outbox.attested_seq   the batch a fire / delivered row went into
 *
 * Leaves carry their values, so proofs outlive the outbox's retention purge. A row is attested once: building a
 * batch sets attested_seq on its rows in the same transaction that stores the batch and its leaves.
 * Only one batch is unposted at a time.
 */
import { keccak256, stringToBytes, type Hex } from "viem";
import type { Db, Queryable } from "../db/Db.ts";
import { acquireLease, releaseLease } from "../leases.ts";
import { AttestationError, buildTree, valuesToJson, webhookIdHash, ZERO_BYTES32, type Leaf } from "./leaves.ts";

export type BatchStatus = "built" | "sent" | "posted";

export type BatchRow = {
  seq: bigint;
  root: Hex;
  prevRoot: Hex;
  chainedHead: Hex | null;
  leafCount: number;
  fromTime: number;
  toTime: number;
  uri: string;
  status: BatchStatus;
  txHash: Hex | null;
};

type RawBatch = {
  seq: string | number;
  root: string;
  prev_root: string;
  chained_head: string | null;
  leaf_count: number;
  from_time: string | number;
  to_time: string | number;
  uri: string;
  status: BatchStatus;
  tx_hash: string | null;
};

const BATCH_COLUMNS = "seq, root, prev_root, chained_head, leaf_count, from_time, to_time, uri, status, tx_hash";

function toBatch(r: RawBatch): BatchRow {
  return {
    seq: BigInt(r.seq),
    root: r.root as Hex,
    prevRoot: r.prev_root as Hex,
    chainedHead: (r.chained_head as Hex | null) ?? null,
    leafCount: Number(r.leaf_count),
    fromTime: Number(r.from_time),
    toTime: Number(r.to_time),
    uri: r.uri,
    status: r.status,
    txHash: (r.tx_hash as Hex | null) ?? null,
  };
}

/** The fire key served by the proofs route: `schedule:<scheduleId>:<scheduledTime>`. */
export const fireKey = (scheduleId: string, scheduledTime: number | string) => `schedule:${scheduleId}:${scheduledTime}`;

/** The batch not posted yet (at most one), if any. */
export async function openBatch(db: Queryable): Promise<BatchRow | undefined> {
  const [row] = await db.query<RawBatch>(`SELECT ${BATCH_COLUMNS} FROM relay_attestation_batches WHERE status <> 'posted' ORDER BY seq LIMIT 1`);
  return row ? toBatch(row) : undefined;
}

export async function getBatch(db: Queryable, seq: bigint): Promise<BatchRow | undefined> {
  const [row] = await db.query<RawBatch>(`SELECT ${BATCH_COLUMNS} FROM relay_attestation_batches WHERE seq = $1`, [String(seq)]);
  return row ? toBatch(row) : undefined;
}

/** Subscription id of an outbox row as a leaf value: its decimal id, 0 when not numeric (a schedule's webhook). */
export function leafSubscriptionId(subscriptionId: string): bigint {
  return /^\d{1,78}$/.test(subscriptionId) ? BigInt(subscriptionId) : 0n;
}

const seconds = (ms: string | number) => Math.floor(Number(ms) / 1000);

/**
 * Builds the next batch from unattested fires and delivered outbox rows (at most `maxLeaves`, oldest first) and
 * stores it with its leaves and tree, marking the rows attested_seq = seq, in ONE transaction. `seq` and
 * `prevRoot` are the chain's head + 1 and the head's root. Returns undefined when there is nothing to attest or
 * a batch is still open.
 */
export async function buildBatch(
  db: Db,
  { seq, prevRoot, maxLeaves, uriFor, attestor, now = Date.now() }: { seq: bigint; prevRoot: Hex; maxLeaves: number; uriFor: (seq: bigint) => string; attestor: string; now?: number },
): Promise<BatchRow | undefined> {
  return db.transaction(async (tx) => {
    if ((await tx.query("SELECT seq FROM relay_attestation_batches WHERE status <> 'posted' LIMIT 1")).length > 0) return undefined;
    const fires = await tx.query<{ schedule_id: string; scheduled_time: string | number; run_number: string | number; fired_at: string | number; delivery_id: string | null }>(
      `SELECT schedule_id, scheduled_time, run_number, fired_at, delivery_id FROM relay_fires
       WHERE attested_seq IS NULL AND schedule_id ~ '^[0-9]{1,78}$'
       ORDER BY fired_at, schedule_id, scheduled_time LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [maxLeaves],
    );
    const deliveries = await tx.query<{ id: string; subscription_id: string; body: string; last_status_code: number | null; attempts: number; delivered_at: string | number }>(
      `SELECT id, subscription_id, body, last_status_code, attempts, delivered_at FROM relay_outbox
       WHERE status = 'delivered' AND attested_seq IS NULL AND delivered_at IS NOT NULL
       ORDER BY delivered_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [maxLeaves - fires.length],
    );
    if (fires.length + deliveries.length === 0) return undefined;
    const existing = await tx.query<{ status: string }>("SELECT status FROM relay_attestation_batches WHERE seq = $1", [String(seq)]);
    if (existing.length > 0) {
      throw new AttestationError(
        "chain_behind",
        `The relay already posted batch ${seq} but the chain's head is ${seq - 1n}: the chain was reset or is another chain. Attesting stops; use a fresh relay database for a new chain.`,
        { seq: String(seq) },
      );
    }

    const leaves: Leaf[] = [
      ...fires.map((f): Leaf => ({
        kind: "fire",
        key: fireKey(f.schedule_id, String(f.scheduled_time)),
        values: {
          scheduleId: BigInt(f.schedule_id),
          scheduledTime: Number(f.scheduled_time),
          runNumber: Number(f.run_number),
          firedAt: seconds(f.fired_at),
          deliveryId: f.delivery_id ? webhookIdHash(f.delivery_id) : ZERO_BYTES32,
        },
      })),
      ...deliveries.map((d): Leaf => ({
        kind: "delivery",
        key: d.id,
        values: {
          deliveryId: webhookIdHash(d.id),
          subscriptionId: leafSubscriptionId(d.subscription_id),
          bodyHash: webhookBodyHash(d.body),
          statusCode: Number(d.last_status_code ?? 0),
          attempt: Number(d.attempts),
          deliveredAt: seconds(d.delivered_at),
        },
      })),
    ];
    const tree = buildTree(leaves);
    const times = leaves.map((l) => (l.kind === "fire" ? l.values.firedAt : l.values.deliveredAt));
    const batch: BatchRow = {
      seq,
      root: tree.root,
      prevRoot,
      chainedHead: null,
      leafCount: leaves.length,
      fromTime: Math.min(...times),
      toTime: Math.max(...times),
      uri: uriFor(seq),
      status: "built",
      txHash: null,
    };
    await tx.query(
      `INSERT INTO relay_attestation_batches (seq, root, prev_root, leaf_count, from_time, to_time, uri, tree, status, attestor, built_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, 'built', $9, $10)`,
      [String(seq), batch.root, prevRoot, batch.leafCount, batch.fromTime, batch.toTime, batch.uri, JSON.stringify(tree.dump), attestor.toLowerCase(), now],
    );
    await tx.query(
      `INSERT INTO relay_attestation_leaves (key, seq, kind, leaf_hash, leaf_values, proof)
       SELECT x.key, $1, x.kind, x.leaf_hash, x.leaf_values, x.proof
       FROM jsonb_to_recordset($2::jsonb) AS x(key text, kind text, leaf_hash text, leaf_values jsonb, proof jsonb)
       ON CONFLICT (key) DO NOTHING`,
      [String(seq), JSON.stringify(tree.leaves.map((l) => ({ key: l.leaf.key, kind: l.leaf.kind, leaf_hash: l.hash, leaf_values: valuesToJson(l.leaf), proof: l.proof })))],
    );
    if (fires.length > 0) {
      await tx.query(
        `UPDATE relay_fires f SET attested_seq = $1
         FROM jsonb_to_recordset($2::jsonb) AS x(schedule_id text, scheduled_time bigint)
         WHERE f.schedule_id = x.schedule_id AND f.scheduled_time = x.scheduled_time`,
        [String(seq), JSON.stringify(fires.map((f) => ({ schedule_id: f.schedule_id, scheduled_time: String(f.scheduled_time) })))],
      );
    }
    if (deliveries.length > 0) {
      await tx.query("UPDATE relay_outbox SET attested_seq = $1 WHERE id = ANY($2::text[])", [String(seq), deliveries.map((d) => d.id)]);
    }
    return batch;
  });
}

/** keccak256 of the webhook body bytes (UTF-8, exactly as POSTed). */
export function webhookBodyHash(body: string): Hex {
  return keccak256(stringToBytes(body));
}

/**
 * Gives the open batch `oldSeq` the number `newSeq` chained to `prevRoot` (another attestor posted in between, or
 * the chain's head moved): the leaves, root and proofs stay; the rows follow.
 */
export async function renumberBatch(db: Db, oldSeq: bigint, newSeq: bigint, prevRoot: Hex, uriFor: (seq: bigint) => string): Promise<void> {
  await db.transaction(async (tx) => {
    if (newSeq !== oldSeq && (await tx.query("SELECT 1 FROM relay_attestation_batches WHERE seq = $1", [String(newSeq)])).length > 0) {
      throw new AttestationError(
        "chain_behind",
        `Cannot renumber batch ${oldSeq} to ${newSeq}: the relay already has a batch ${newSeq} (the chain was reset?). Attesting stops.`,
        { oldSeq: String(oldSeq), newSeq: String(newSeq) },
      );
    }
    const moved = await tx.query(
      `UPDATE relay_attestation_batches SET seq = $2, prev_root = $3, uri = $4, status = 'built', tx_hash = NULL
       WHERE seq = $1 AND status <> 'posted' RETURNING seq`,
      [String(oldSeq), String(newSeq), prevRoot, uriFor(newSeq)],
    );
    if (moved.length === 0) return;
    await tx.query("UPDATE relay_attestation_leaves SET seq = $2 WHERE seq = $1", [String(oldSeq), String(newSeq)]);
    await tx.query("UPDATE relay_fires SET attested_seq = $2 WHERE attested_seq = $1", [String(oldSeq), String(newSeq)]);
    await tx.query("UPDATE relay_outbox SET attested_seq = $2 WHERE attested_seq = $1", [String(oldSeq), String(newSeq)]);
  });
}

export async function markSent(db: Queryable, seq: bigint, txHash: Hex): Promise<void> {
  await db.query("UPDATE relay_attestation_batches SET status = 'sent', tx_hash = $2 WHERE seq = $1 AND status <> 'posted'", [String(seq), txHash]);
}

export async function markPosted(db: Queryable, seq: bigint, chainedHead: Hex, txHash: Hex | null, now = Date.now()): Promise<void> {
  await db.query(
    "UPDATE relay_attestation_batches SET status = 'posted', chained_head = $2, tx_hash = COALESCE($3, tx_hash), posted_at = $4 WHERE seq = $1",
    [String(seq), chainedHead, txHash, now],
  );
}

/** Takes or renews the attestor lease (relay_leader 'attestor'): one attestor among several processes. */
export async function acquireAttestorLease(db: Queryable, holder: string, leaseMs: number, now = Date.now()): Promise<boolean> {
  return acquireLease(db, "attestor", holder, leaseMs, now);
}

export async function releaseAttestorLease(db: Queryable, holder: string): Promise<void> {
  await releaseLease(db, "attestor", holder);
}

export type StoredLeaf = {
  key: string;
  seq: bigint;
  kind: "fire" | "delivery";
  leafHash: Hex;
  values: Record<string, string>;
  proof: Hex[];
  batch: BatchRow;
};

/** The stored leaf `key` with its batch, if any. */
export async function findLeaf(db: Queryable, key: string): Promise<StoredLeaf | undefined> {
  const [row] = await db.query<RawBatch & { key: string; kind: "fire" | "delivery"; leaf_hash: string; leaf_values: unknown; proof: unknown }>(
    `SELECT l.key, l.kind, l.leaf_hash, l.leaf_values, l.proof, ${BATCH_COLUMNS.split(", ").map((c) => `b.${c}`).join(", ")}
     FROM relay_attestation_leaves l JOIN relay_attestation_batches b ON b.seq = l.seq WHERE l.key = $1`,
    [key],
  );
  if (!row) return undefined;
  const parse = <T,>(v: unknown): T => (typeof v === "string" ? (JSON.parse(v) as T) : (v as T));
  const batch = toBatch(row);
  return {
    key: row.key,
    seq: batch.seq,
    kind: row.kind,
    leafHash: row.leaf_hash as Hex,
    values: parse<Record<string, string>>(row.leaf_values),
    proof: parse<Hex[]>(row.proof),
    batch,
  };
}

/** A batch's leaves (for GET /v1/attestation-batches/:seq), in insertion order of the keys. */
export async function batchLeaves(db: Queryable, seq: bigint): Promise<{ key: string; kind: string; leafHash: Hex; values: Record<string, string> }[]> {
  const rows = await db.query<{ key: string; kind: string; leaf_hash: string; leaf_values: unknown }>(
    "SELECT key, kind, leaf_hash, leaf_values FROM relay_attestation_leaves WHERE seq = $1 ORDER BY leaf_hash",
    [String(seq)],
  );
  return rows.map((r) => ({
    key: r.key,
    kind: r.kind,
    leafHash: r.leaf_hash as Hex,
    values: typeof r.leaf_values === "string" ? (JSON.parse(r.leaf_values) as Record<string, string>) : (r.leaf_values as Record<string, string>),
  }));
}
