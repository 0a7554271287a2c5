/**
 * The scheduler's tables and statements.
 *
 * - relay_schedules  cache of the indexer's schedules (GET /v1/schedules) + the scheduler's state per schedule:
 *                    `next_run` (lowest unconsumed occurrence), `after_time` (cron: the next occurrence is after
 *                    it), `invalid_reason` (a cron expression the relay refuses: never fired), `version`
 *                    (compare-and-set: a state change commits only over the state it was planned from).
 * - relay_fires      one row per fire; PRIMARY KEY (schedule_id, scheduled_time) = a (schedule, fire time) pair
 *                    fires at most once, whatever the number of relay processes or restarts. Inserted in the same
 *                    transaction as the fire's outbox row and the state change.
 * - relay_leader 'scheduler'  the lease row: one process runs the scheduler loop at a time.
 * - relay_cursor 'schedules'  the feed position of the last `schedule.*` event applied.
 *
 * A schedule's webhooks go through the relay's outbox like a subscription's: the outbox row's subscription_id is
 * `schedule:<id>`, with a row of that id in relay_subscriptions (endpoint, status, ordered) and in relay_secrets
 * (its signing secret), so the delivery pool claims, signs, retries and dead-letters them unchanged.
 */
import { createHash } from "node:crypto";
import type { Db, Queryable } from "../db/Db.ts";
import { runMigration } from "../db/migrate.ts";
import { acquireLease, releaseLease } from "../leases.ts";
import { enqueueDeliveries, syncHeldDeliveries, type NewDelivery } from "../outbox.ts";
import { ensureSecrets } from "../secrets.ts";
import type { SeriesState } from "./occurrences.ts";
import type { RelaySchedule } from "./schedule.ts";

export const SCHEDULER_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS relay_schedules (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  swarm_id TEXT,
  kind TEXT NOT NULL,
  cron TEXT,
  period BIGINT,
  start_time BIGINT NOT NULL,
  end_time BIGINT,
  max_runs BIGINT,
  catch_up TEXT NOT NULL,
  payload TEXT NOT NULL,
  endpoint TEXT,
  status TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_event_id TEXT NOT NULL DEFAULT '',
  raw JSONB NOT NULL,
  refreshed_at BIGINT NOT NULL,
  next_run BIGINT NOT NULL DEFAULT 0,
  after_time BIGINT,
  invalid_reason TEXT,
  version BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS relay_fires (
  schedule_id TEXT NOT NULL,
  scheduled_time BIGINT NOT NULL,
  run_number BIGINT NOT NULL,
  fired_at BIGINT NOT NULL,
  delivery_id TEXT,
  PRIMARY KEY (schedule_id, scheduled_time)
);
INSERT INTO relay_leader (name, holder, lease_until) VALUES ('scheduler', NULL, 0) ON CONFLICT (name) DO NOTHING;
INSERT INTO relay_cursor (name, event_id, head_block, updated_at) VALUES ('schedules', '', 0, 0) ON CONFLICT (name) DO NOTHING;
`;

/** Creates the scheduler's tables (idempotent; run at every relay start, after the core migration). */
export async function migrateScheduler(db: Db): Promise<void> {
  await runMigration(db, "scheduler", SCHEDULER_SCHEMA_SQL);
}

/** The outbox / secrets key of a schedule's webhooks. */
export const scheduleSubscriptionId = (scheduleId: string) => `schedule:${scheduleId}`;

/** The webhook-id of a fire: `msg_` + 32 hex of SHA-256("schedule", schedule id, scheduled time). */
export function fireDeliveryId(scheduleId: string, scheduledTime: number): string {
  const digest = createHash("sha256").update(`schedule\n${scheduleId}\n${scheduledTime}`).digest("hex");
  return `msg_${digest.slice(0, 32)}`;
}

/** A cached schedule with its scheduler state. */
export type StoredSchedule = RelaySchedule & SeriesState & { invalidReason: string | null; version: number };

type ScheduleRow = {
  id: string;
  owner: string;
  swarm_id: string | null;
  kind: "cron" | "interval";
  cron: string | null;
  period: string | number | null;
  start_time: string | number;
  end_time: string | number | null;
  max_runs: string | number | null;
  catch_up: RelaySchedule["catchUp"];
  payload: `0x${string}`;
  endpoint: string | null;
  status: RelaySchedule["status"];
  updated_at: string | number;
  updated_event_id: string;
  next_run: string | number;
  after_time: string | number | null;
  invalid_reason: string | null;
  version: string | number;
};

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

function fromRow(r: ScheduleRow): StoredSchedule {
  return {
    id: r.id,
    owner: r.owner,
    swarmId: r.swarm_id,
    kind: r.kind,
    cron: r.cron,
    period: num(r.period),
    startTime: Number(r.start_time),
    endTime: num(r.end_time),
    maxRuns: num(r.max_runs),
    catchUp: r.catch_up,
    payload: r.payload,
    endpoint: r.endpoint,
    status: r.status,
    updatedAt: Number(r.updated_at),
    updatedEventId: r.updated_event_id,
    nextRun: Number(r.next_run),
    afterTime: num(r.after_time),
    invalidReason: r.invalid_reason,
    version: Number(r.version),
  };
}

const COLUMNS = `id, owner, swarm_id, kind, cron, period, start_time, end_time, max_runs, catch_up, payload, endpoint, status,
  updated_at, updated_event_id, next_run, after_time, invalid_reason, version`;

export async function loadSchedules(db: Queryable, ids?: readonly string[]): Promise<StoredSchedule[]> {
  const rows = ids
    ? await db.query<ScheduleRow>(`SELECT ${COLUMNS} FROM relay_schedules WHERE id = ANY($1::text[])`, [[...ids]])
    : await db.query<ScheduleRow>(`SELECT ${COLUMNS} FROM relay_schedules`);
  return rows.map(fromRow);
}

export async function getStoredSchedule(db: Queryable, id: string): Promise<StoredSchedule | undefined> {
  return (await loadSchedules(db, [id]))[0];
}

/**
 * Upserts schedules from the indexer (and their delivery rows in relay_subscriptions + secrets). The scheduler
 * state is kept; when the cron expression changed, the series goes on after the update's block time (occurrences
 * of the new expression before the update never existed) and the validity is re-checked by the scheduler.
 * `complete`: the list is every active schedule, so cached ones missing from it are no longer active.
 */
export async function storeSchedules(db: Db, schedules: RelaySchedule[], { complete, now = Date.now() }: { complete: boolean; now?: number }): Promise<void> {
  await db.transaction(async (tx) => {
    if (schedules.length > 0) {
      const rows = schedules.map((s) => ({
        id: s.id,
        owner: s.owner,
        swarm_id: s.swarmId,
        kind: s.kind,
        cron: s.cron,
        period: s.period,
        start_time: s.startTime,
        end_time: s.endTime,
        max_runs: s.maxRuns,
        catch_up: s.catchUp,
        payload: s.payload,
        endpoint: s.endpoint,
        status: s.status,
        updated_at: s.updatedAt,
        updated_event_id: s.updatedEventId,
        raw: s,
      }));
      await tx.query(
        `INSERT INTO relay_schedules (id, owner, swarm_id, kind, cron, period, start_time, end_time, max_runs, catch_up, payload, endpoint,
           status, updated_at, updated_event_id, raw, refreshed_at)
         SELECT x.id, x.owner, x.swarm_id, x.kind, x.cron, x.period, x.start_time, x.end_time, x.max_runs, x.catch_up, x.payload, x.endpoint,
           x.status, x.updated_at, x.updated_event_id, x.raw, $2
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, owner text, swarm_id text, kind text, cron text, period bigint, start_time bigint,
           end_time bigint, max_runs bigint, catch_up text, payload text, endpoint text, status text, updated_at bigint, updated_event_id text, raw jsonb)
         ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, swarm_id = EXCLUDED.swarm_id, kind = EXCLUDED.kind, cron = EXCLUDED.cron,
           period = EXCLUDED.period, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, max_runs = EXCLUDED.max_runs,
           catch_up = EXCLUDED.catch_up, payload = EXCLUDED.payload, endpoint = EXCLUDED.endpoint,
           status = CASE WHEN relay_schedules.status = 'cancelled' THEN 'cancelled' ELSE EXCLUDED.status END,
           updated_at = EXCLUDED.updated_at, updated_event_id = EXCLUDED.updated_event_id, raw = EXCLUDED.raw, refreshed_at = EXCLUDED.refreshed_at,
           after_time = CASE WHEN relay_schedules.cron IS DISTINCT FROM EXCLUDED.cron
             THEN GREATEST(COALESCE(relay_schedules.after_time, EXCLUDED.start_time - 1), EXCLUDED.updated_at - 1) ELSE relay_schedules.after_time END,
           invalid_reason = CASE WHEN relay_schedules.cron IS DISTINCT FROM EXCLUDED.cron THEN NULL ELSE relay_schedules.invalid_reason END,
           version = CASE WHEN relay_schedules.cron IS DISTINCT FROM EXCLUDED.cron THEN relay_schedules.version + 1 ELSE relay_schedules.version END`,
        [JSON.stringify(rows), now],
      );
    }
    if (complete) {
      await tx.query(`UPDATE relay_schedules SET status = 'inactive', refreshed_at = $2 WHERE status = 'active' AND id NOT IN (SELECT unnest($1::text[]))`, [
        schedules.map((s) => s.id),
        now,
      ]);
    }
    await syncDeliveryRows(tx, complete ? undefined : schedules.map((s) => s.id), now);
  });
}

/**
 * Mirrors schedules with a webhook into relay_subscriptions as `schedule:<id>` (endpoint; status 'active' only
 * while the schedule is active and valid, so the delivery pool holds its queued fires otherwise; ordered for
 * fire_all) and creates their signing secrets. Status: the schedule's, or 'invalid' (refused cron). `ids` limits it to those schedules (undefined = all).
 * Unchanged rows are not rewritten (a full refresh of 10,000 schedules touched every row); new rows get their secret.
 */
export async function syncDeliveryRows(db: Queryable, ids: string[] | undefined, now = Date.now()): Promise<void> {
  const rows = await db.query<{ sub_id: string }>(
    `INSERT INTO relay_subscriptions (id, owner, swarm_id, kinds, members, endpoint, status, confirmation_mode, confirmations, ordered, raw, refreshed_at)
     SELECT 'schedule:' || s.id, s.owner, NULL, '[]'::jsonb, '[]'::jsonb, s.endpoint,
       CASE WHEN s.invalid_reason IS NOT NULL THEN 'invalid' ELSE s.status END,
       'immediate', 0, s.catch_up = 'fire_all', jsonb_build_object('scheduleId', s.id), $2
     FROM relay_schedules s WHERE s.endpoint IS NOT NULL AND ($1::text[] IS NULL OR s.id = ANY($1::text[]))
     ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, endpoint = EXCLUDED.endpoint, status = EXCLUDED.status,
       ordered = EXCLUDED.ordered, refreshed_at = EXCLUDED.refreshed_at
     WHERE (relay_subscriptions.owner, relay_subscriptions.endpoint, relay_subscriptions.status, relay_subscriptions.ordered)
       IS DISTINCT FROM (EXCLUDED.owner, EXCLUDED.endpoint, EXCLUDED.status, EXCLUDED.ordered)
     RETURNING id AS sub_id`,
    [ids ?? null, now],
  );
  await ensureSecrets(db, rows.map((r) => r.sub_id), now);
  // Queued fires follow the schedule's status: held while paused, cancelled or invalid, pending again on resume.
  if (rows.length > 0) await syncHeldDeliveries(db, rows.map((r) => r.sub_id));
}

/** Canonical text of a schedule's indexer fields (key order independent: jsonb reorders keys). */
export function scheduleDigest(schedule: RelaySchedule | Record<string, unknown>): string {
  const o = schedule as Record<string, unknown>;
  return JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k] ?? null]));
}

/** Digest of every cached schedule's indexer fields, by id (to store only what changed). */
export async function storedDigests(db: Queryable): Promise<Map<string, { digest: string; status: string }>> {
  const rows = await db.query<{ id: string; raw: Record<string, unknown> | string; status: string }>("SELECT id, raw, status FROM relay_schedules");
  return new Map(rows.map((r) => [r.id, { digest: scheduleDigest(typeof r.raw === "string" ? (JSON.parse(r.raw) as Record<string, unknown>) : r.raw), status: r.status }]));
}

/** Cached schedules no longer active at the indexer (missing from ?active=true) stop firing. */
export async function deactivateSchedules(db: Db, ids: string[], now = Date.now()): Promise<void> {
  if (ids.length === 0) return;
  await db.transaction(async (tx) => {
    await tx.query("UPDATE relay_schedules SET status = 'inactive', refreshed_at = $2 WHERE status = 'active' AND id = ANY($1::text[])", [ids, now]);
    await syncDeliveryRows(tx, ids, now);
  });
}

export async function markInvalid(db: Db, id: string, reason: string, now = Date.now()): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("UPDATE relay_schedules SET invalid_reason = $2, version = version + 1 WHERE id = $1", [id, reason]);
    await syncDeliveryRows(tx, [id], now);
  });
}

/** Whatever a fire commit changes for one schedule. */
export type ScheduleCommit = {
  schedule: StoredSchedule;
  state: SeriesState;
  fires: { run: number; time: number; body: string }[];
};

export class SchedulerConflictError extends Error {
  constructor(ids: string[]) {
    super(`schedule state changed under the scheduler (another process, or a refresh): ${ids.join(", ")}`);
    this.name = "SchedulerConflictError";
  }
}

/**
 * Commits fires and state changes in ONE transaction: the state moves only from the version it was planned
 * from (else SchedulerConflictError, nothing written), each fire's relay_fires row is inserted unless that
 * (schedule, time) already fired, and only the fires inserted get their outbox row. Returns the fires written.
 */
export async function commitFires(
  db: Db,
  commits: ScheduleCommit[],
  { firedAt, outboxNow = Date.now() }: { firedAt: number; outboxNow?: number },
): Promise<{ scheduleId: string; time: number; run: number; deliveryId: string | null }[]> {
  if (commits.length === 0) return [];
  const sorted = [...commits].sort((a, b) => (a.schedule.id < b.schedule.id ? -1 : a.schedule.id > b.schedule.id ? 1 : 0));
  return db.transaction(async (tx) => {
    const updated = await tx.query<{ id: string }>(
      `UPDATE relay_schedules s SET next_run = x.next_run, after_time = x.after_time, version = s.version + 1
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, version bigint, next_run bigint, after_time bigint)
       WHERE s.id = x.id AND s.version = x.version RETURNING s.id`,
      [JSON.stringify(sorted.map((c) => ({ id: c.schedule.id, version: c.schedule.version, next_run: c.state.nextRun, after_time: c.state.afterTime })))],
    );
    if (updated.length !== sorted.length) {
      const done = new Set(updated.map((u) => u.id));
      throw new SchedulerConflictError(sorted.filter((c) => !done.has(c.schedule.id)).map((c) => c.schedule.id));
    }
    const fires = sorted.flatMap((c) =>
      c.fires.map((f) => ({
        schedule_id: c.schedule.id,
        scheduled_time: f.time,
        run_number: f.run,
        delivery_id: c.schedule.endpoint === null ? null : fireDeliveryId(c.schedule.id, f.time),
        body: f.body,
      })),
    );
    if (fires.length === 0) return [];
    const inserted = await tx.query<{ schedule_id: string; scheduled_time: string | number }>(
      `INSERT INTO relay_fires (schedule_id, scheduled_time, run_number, fired_at, delivery_id)
       SELECT x.schedule_id, x.scheduled_time, x.run_number, $2, x.delivery_id
       FROM jsonb_to_recordset($1::jsonb) AS x(schedule_id text, scheduled_time bigint, run_number bigint, delivery_id text)
       ON CONFLICT (schedule_id, scheduled_time) DO NOTHING
       RETURNING schedule_id, scheduled_time`,
      [JSON.stringify(fires.map(({ body: _body, ...f }) => f)), firedAt],
    );
    const fresh = new Set(inserted.map((r) => `${r.schedule_id}|${Number(r.scheduled_time)}`));
    const written = fires.filter((f) => fresh.has(`${f.schedule_id}|${f.scheduled_time}`));
    const deliveries: NewDelivery[] = written
      .filter((f) => f.delivery_id !== null)
      .map((f) => ({
        id: f.delivery_id!,
        subscriptionId: scheduleSubscriptionId(f.schedule_id),
        eventId: `fire:${f.schedule_id}:${f.scheduled_time}`,
        kind: "immediate",
        eventType: "schedule.fired",
        blockNumber: "0",
        blockHash: "",
        refId: null,
        body: f.body,
      }));
    await enqueueDeliveries(tx, deliveries, outboxNow);
    return written.map((f) => ({ scheduleId: f.schedule_id, time: f.scheduled_time, run: f.run_number, deliveryId: f.delivery_id }));
  });
}

/** Takes or renews the scheduler lease; true when `holder` runs the scheduler until `now + leaseMs`. */
export async function acquireSchedulerLease(db: Queryable, holder: string, leaseMs: number, now: number): Promise<boolean> {
  return acquireLease(db, "scheduler", holder, leaseMs, now);
}

export async function releaseSchedulerLease(db: Queryable, holder: string): Promise<void> {
  await releaseLease(db, "scheduler", holder);
}

export async function readScheduleCursor(db: Queryable): Promise<string> {
  const [row] = await db.query<{ event_id: string }>("SELECT event_id FROM relay_cursor WHERE name = 'schedules'");
  return row?.event_id ?? "";
}

export async function writeScheduleCursor(db: Queryable, eventId: string, now = Date.now()): Promise<void> {
  await db.query("UPDATE relay_cursor SET event_id = $1, updated_at = $2 WHERE name = 'schedules'", [eventId, now]);
}
