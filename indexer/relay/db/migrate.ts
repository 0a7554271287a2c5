/**
 * The relay's schema: one script for PGlite and Postgres, idempotent (CREATE … IF NOT EXISTS), run at every
 * start. Times are epoch milliseconds (BIGINT) so both engines and every time zone agree.
 *
 * - relay_cursor              the last feed event id consumed (name 'events') and the indexer head block seen
 * - relay_leader              which process ingests (a lease row; every process delivers)
 * - relay_subscriptions       cache of the indexer's subscriptions + the relay's own disable flag (410 Gone)
 * - relay_secrets             signing secrets (whsec_…), with the previous one during a rotation
 * - relay_outbox              one row per webhook to deliver; id = webhook-id, deterministic (see deliveryId.ts)
 * - relay_blocks              block hash (and the cursor before it) of recent blocks, to detect reorgs
 * - relay_pending_confirmations events waiting for N confirmations before (or after) delivery
 * - relay_subscription_status pause/resume/cancel transitions by feed event id (status at a feed position)
 * - relay_raw_blocks          raw-log reader (rawLogs.ts): hash of each block read (reorg check); its cursor is
 *                             relay_cursor 'raw' (event_id = last block read, '' = not started)
 * - relay_fires               schedule fires (the scheduler's tables: scheduler/store.ts) + attested_seq
 * - relay_attestation_batches attestor: one row per Merkle batch (built → sent → posted), tree dump included;
 *   relay_attestation_leaves  its leaves (values, hash, proof) by key (webhook-id, or schedule:<id>:<time>);
 *                             relay_fires / relay_outbox .attested_seq = the batch a row went into
 */
import { createHash } from "node:crypto";
import type { Db } from "./Db.ts";

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS relay_cursor (
  name TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  head_block BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL
);
INSERT INTO relay_cursor (name, event_id, head_block, updated_at) VALUES ('events', '', 0, 0) ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS relay_leader (
  name TEXT PRIMARY KEY,
  holder TEXT,
  lease_until BIGINT NOT NULL DEFAULT 0
);
INSERT INTO relay_leader (name, holder, lease_until) VALUES ('ingest', NULL, 0) ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS relay_subscriptions (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  swarm_id TEXT,
  kinds JSONB NOT NULL,
  members JSONB NOT NULL,
  endpoint TEXT NOT NULL,
  status TEXT NOT NULL,
  confirmation_mode TEXT NOT NULL,
  confirmations INTEGER NOT NULL,
  ordered BOOLEAN NOT NULL,
  from_block BIGINT NOT NULL DEFAULT 0,
  from_event_id TEXT NOT NULL DEFAULT '',
  disabled_at BIGINT,
  disabled_reason TEXT,
  raw JSONB NOT NULL,
  refreshed_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS relay_secrets (
  subscription_id TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_valid_until BIGINT,
  created_at BIGINT NOT NULL,
  rotated_at BIGINT
);

CREATE SEQUENCE IF NOT EXISTS relay_outbox_sequence;
CREATE TABLE IF NOT EXISTS relay_outbox (
  id TEXT PRIMARY KEY,
  subscription_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('immediate', 'confirmed', 'removed')),
  event_type TEXT NOT NULL,
  block_number BIGINT NOT NULL,
  block_hash TEXT NOT NULL,
  ref_id TEXT,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivering', 'delivered', 'dead', 'cancelled', 'held')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_status_code INTEGER,
  last_error TEXT,
  locked_by TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT,
  sequence BIGINT NOT NULL DEFAULT nextval('relay_outbox_sequence')
);
CREATE INDEX IF NOT EXISTS relay_outbox_subscription ON relay_outbox (subscription_id, sequence);
CREATE INDEX IF NOT EXISTS relay_outbox_chain ON relay_outbox (subscription_id, sequence) WHERE status IN ('pending', 'delivering');
CREATE INDEX IF NOT EXISTS relay_outbox_block ON relay_outbox (block_number);
-- claims (outbox.ts): due pending rows in (next_attempt_at, sequence) order, and expired leases, without a sort
CREATE INDEX IF NOT EXISTS relay_outbox_pending ON relay_outbox (next_attempt_at, sequence) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS relay_outbox_leased ON relay_outbox (lease_until) WHERE status = 'delivering';
-- (replaced by the two above; every index costs on each of a row's three writes: insert, claim, outcome)
DROP INDEX IF EXISTS relay_outbox_due;
-- 'held' (outbox.ts syncHeldDeliveries): pending rows of a paused, cancelled or disabled subscription, kept out of
-- relay_outbox_pending so that claims do not walk past them. Outboxes made before it get the wider CHECK once.
-- (No line of the block ends with a semicolon: runMigration splits the script at those.)
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'relay_outbox'::regclass AND conname = 'relay_outbox_status_check'
                 AND pg_get_constraintdef(oid) LIKE '%held%') THEN
    ALTER TABLE relay_outbox DROP CONSTRAINT IF EXISTS relay_outbox_status_check; ALTER TABLE relay_outbox
      ADD CONSTRAINT relay_outbox_status_check CHECK (status IN ('pending', 'delivering', 'delivered', 'dead', 'cancelled', 'held')); END IF; END
$$;
CREATE INDEX IF NOT EXISTS relay_outbox_held ON relay_outbox (subscription_id) WHERE status = 'held';

CREATE TABLE IF NOT EXISTS relay_blocks (
  block_number BIGINT PRIMARY KEY,
  block_hash TEXT NOT NULL,
  prev_cursor TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS relay_pending_confirmations (
  subscription_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  block_hash TEXT NOT NULL,
  block_number BIGINT NOT NULL,
  due_block BIGINT NOT NULL,
  body TEXT NOT NULL,
  immediate_id TEXT,
  PRIMARY KEY (subscription_id, event_id, block_hash)
);

CREATE TABLE IF NOT EXISTS relay_subscription_status (
  subscription_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  block_number BIGINT NOT NULL,
  block_hash TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'cancelled')),
  PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX IF NOT EXISTS relay_subscription_status_block ON relay_subscription_status (block_number);

CREATE TABLE IF NOT EXISTS relay_raw_blocks (
  block_number BIGINT PRIMARY KEY,
  block_hash TEXT NOT NULL
);
INSERT INTO relay_cursor (name, event_id, head_block, updated_at) VALUES ('raw', '', 0, 0) ON CONFLICT (name) DO NOTHING;

CREATE TABLE IF NOT EXISTS relay_fires (
  schedule_id TEXT NOT NULL,
  scheduled_time BIGINT NOT NULL,
  run_number BIGINT NOT NULL,
  fired_at BIGINT NOT NULL,
  delivery_id TEXT,
  PRIMARY KEY (schedule_id, scheduled_time)
);

ALTER TABLE relay_fires ADD COLUMN IF NOT EXISTS attested_seq BIGINT;
ALTER TABLE relay_outbox ADD COLUMN IF NOT EXISTS attested_seq BIGINT;
CREATE INDEX IF NOT EXISTS relay_fires_unattested ON relay_fires (fired_at) WHERE attested_seq IS NULL;
CREATE INDEX IF NOT EXISTS relay_outbox_unattested ON relay_outbox (delivered_at) WHERE status = 'delivered' AND attested_seq IS NULL;
INSERT INTO relay_leader (name, holder, lease_until) VALUES ('attestor', NULL, 0) ON CONFLICT (name) DO NOTHING;
CREATE TABLE IF NOT EXISTS relay_attestation_batches (
  seq BIGINT PRIMARY KEY,
  root TEXT NOT NULL,
  prev_root TEXT NOT NULL,
  chained_head TEXT,
  leaf_count INTEGER NOT NULL,
  from_time BIGINT NOT NULL,
  to_time BIGINT NOT NULL,
  uri TEXT NOT NULL,
  tree JSONB NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('built', 'sent', 'posted')),
  tx_hash TEXT,
  attestor TEXT,
  built_at BIGINT NOT NULL,
  posted_at BIGINT
);
CREATE TABLE IF NOT EXISTS relay_attestation_leaves (
  key TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('fire', 'delivery')),
  leaf_hash TEXT NOT NULL,
  leaf_values JSONB NOT NULL,
  proof JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS relay_attestation_leaves_seq ON relay_attestation_leaves (seq);
`;

/** Creates what is missing (see runMigration). */
export async function migrate(db: Db): Promise<void> {
  await runMigration(db, "core", SCHEMA_SQL);
}

const MIGRATION_LOCK = 7411520017;
const DEADLOCK = "40P01";

/**
 * Runs an idempotent schema script (CREATE … IF NOT EXISTS …) once per version of its text.
 *
 * PGlite: one process, the script runs at every start. Postgres: several relay processes share the schema, and
 * one may start while others work. Even a no-op `CREATE INDEX IF NOT EXISTS` takes a SHARE lock on its table,
 * which waits for the running processes' writes while they may wait for a lock the script already took: Postgres
 * then aborts one side (deadlock_detected; seen when a second relay started beside a busy one). So the script runs
 * under an advisory lock (concurrent starts serialize), only when the SHA-256 of its text differs from the one
 * recorded in relay_schema_versions (a restart of the same version takes no table lock at all), and is retried
 * after a deadlock (an upgrade beside running processes).
 */
export async function runMigration(db: Db, name: string, sql: string): Promise<void> {
  if (db.kind !== "postgres") {
    await db.exec(sql);
    return;
  }
  const digest = createHash("sha256").update(sql).digest("hex");
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
        await tx.query("CREATE TABLE IF NOT EXISTS relay_schema_versions (name TEXT PRIMARY KEY, digest TEXT NOT NULL, migrated_at BIGINT NOT NULL)");
        const [current] = await tx.query<{ digest: string }>("SELECT digest FROM relay_schema_versions WHERE name = $1", [name]);
        if (current?.digest === digest) return;
        for (const statement of sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await tx.query(statement);
        await tx.query(
          `INSERT INTO relay_schema_versions (name, digest, migrated_at) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET digest = EXCLUDED.digest, migrated_at = EXCLUDED.migrated_at`,
          [name, digest, Date.now()],
        );
      });
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}
