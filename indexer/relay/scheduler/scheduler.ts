/**
 * The scheduler loop: fires schedules' webhooks at wall-clock time (one-second resolution) through the outbox.
 *
 *   indexer ──GET /v1/schedules?active=true (start, every refreshMs)──▶ relay_schedules (+ schedule:<id> delivery rows)
 *           ──GET /v1/events?types=schedule.* (every tickMs, before firing)──▶ GET /v1/schedules/:id of each changed one
 *   loop: sleep until the earliest next occurrence (at most tickMs) → planFires per due schedule (catch-up policy)
 *         → ONE transaction: state compare-and-set + relay_fires rows (PK: at most once) + outbox rows → pool.wake()
 *
 * Only the holder of the 'scheduler' lease (relay_leader) runs the loop; several processes on one Postgres take it
 * over from each other, and even two processes that both believe they lead (clock skew, a long pause) cannot fire
 * an occurrence twice: the state moves by compare-and-set and relay_fires has a primary key (schedule, time).
 *
 * The clock is `now()` (epoch ms), injectable: tests drive `tick()` under fake time.
 * A cron expression the relay refuses (the contract checks only its syntax) marks the schedule invalid (logged,
 * never fired); no schedule can crash the loop: every per-schedule failure is caught, logged and skipped.
 */
import type { Db } from "../db/Db.ts";
import { CronError, parseCron, type CronSpec } from "./cron.ts";
import type { ScheduleClient } from "./client.ts";
import { nextOccurrence, planFires, type Occurrence } from "./occurrences.ts";
import {
  acquireSchedulerLease,
  commitFires,
  deactivateSchedules,
  loadSchedules,
  markInvalid,
  migrateScheduler,
  readScheduleCursor,
  releaseSchedulerLease,
  SchedulerConflictError,
  scheduleDigest,
  storedDigests,
  storeSchedules,
  writeScheduleCursor,
  type ScheduleCommit,
  type StoredSchedule,
} from "./store.ts";

export type SchedulerOptions = {
  db: Db;
  client: ScheduleClient;
  workerId: string;
  /** Epoch ms; default Date.now. */
  now?: () => number;
  /** Longest sleep between two passes (and the feed check interval). Default 1000. */
  tickMs?: number;
  /** Full reload of the active schedules. Default 60 s. */
  refreshMs?: number;
  /** Cron + skip: an occurrence reached later than this after its time is dropped. Default 5000. */
  skipGraceMs?: number;
  /** Due occurrences looked at per schedule and pass. Default 10,000. */
  maxScan?: number;
  /** Lease length. Default max(5 s, 5 × tickMs). */
  leaseMs?: number;
  /** The chain id in fire bodies (default: the indexer's /status). */
  chainId?: number;
  log?: (message: string) => void;
  /** Called after fires were committed (wakes the delivery pool). */
  onFired?: (fires: CommittedFire[]) => void;
};

export type CommittedFire = { scheduleId: string; time: number; run: number; deliveryId: string | null };

export type TickResult = { leader: boolean; fired: number; dropped: number; conflicts: number };

/** What decides an entry's next time: when equal, a reloaded schedule keeps its entry. */
const timingKey = (s: StoredSchedule) =>
  [s.status, s.endpoint === null, s.invalidReason, s.version, s.kind, s.cron, s.period, s.startTime, s.endTime, s.maxRuns, s.catchUp, s.nextRun, s.afterTime].join("|");

type ResolvedOptions = Required<Omit<SchedulerOptions, "chainId" | "onFired">> & Pick<SchedulerOptions, "chainId" | "onFired">;

type Entry = { schedule: StoredSchedule; spec: CronSpec | null; next: number | null };

/** What is not a webhook-firing schedule type change: `executed`/`funded` do not change firing. */
const IRRELEVANT = new Set(["schedule.executed", "schedule.funded"]);

/** Schedules per commit transaction. */
const COMMIT_BATCH = 2_000;

/** More changed schedules than this in the feed: one full reload instead of one GET each. */
const PER_ID_LIMIT = 50;

export class Scheduler {
  readonly stats = { fired: 0, dropped: 0, conflicts: 0, invalid: 0, leader: false, schedules: 0 };
  #o: ResolvedOptions;
  #entries = new Map<string, Entry>();
  #loaded = false;
  #migrated = false;
  #skippedTo: string | undefined;
  /** Parsed cron expressions by text (many schedules share one). */
  #specs = new Map<string, CronSpec>();
  #leaseRenewedAt = -Infinity;
  #lastFeedCheck = -Infinity;
  #lastRefresh = -Infinity;
  #lastError = "";
  #chainId: number | null | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(options: SchedulerOptions) {
    const tickMs = options.tickMs ?? 1_000;
    this.#o = {
      now: Date.now,
      tickMs,
      refreshMs: 60_000,
      skipGraceMs: 5_000,
      maxScan: 10_000,
      leaseMs: Math.max(5_000, tickMs * 5),
      log: (m) => console.log(`[scheduler] ${m}`),
      ...options,
    };
    this.#chainId = options.chainId;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops the loop (the pass in progress completes) and gives the lease up. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    if (this.stats.leader) await releaseSchedulerLease(this.#o.db, this.#o.workerId).catch(() => {});
    this.stats.leader = false;
  }

  /** Re-read schedules at the next pass (e.g. a `schedule.*` event was seen elsewhere). */
  wake(): void {
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      try {
        await this.tick();
      } catch (error) {
        this.#logOnce(`pass failed: ${(error as Error).message}`);
      }
      if (!this.#running) break;
      const now = this.#o.now();
      let wait = this.#o.tickMs - (now - this.#lastFeedCheck);
      for (const entry of this.#entries.values()) {
        if (entry.next !== null) wait = Math.min(wait, entry.next * 1000 - now);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(0, Math.min(wait, this.#o.tickMs)));
        const self = this;
        function done() {
          clearTimeout(timer);
          self.#wake = undefined;
          resolve();
        }
        this.#wake = done;
      });
    }
  }

  #logOnce(message: string): void {
    if (message !== this.#lastError) this.#o.log(message);
    this.#lastError = message;
  }

  /**
   * One pass: lease, schedule changes (feed, every tickMs; full reload every refreshMs), then every due
   * occurrence. Exposed for tests (fake time) and called by the loop.
   */
  async tick(): Promise<TickResult> {
    const { db, workerId, leaseMs } = this.#o;
    if (!this.#migrated) {
      await migrateScheduler(db); // idempotent; startRelay runs it too, a bare Scheduler (bench, tests) needs it
      this.#migrated = true;
    }
    let now = this.#o.now();
    if (!this.stats.leader || now - this.#leaseRenewedAt >= leaseMs / 5) {
      const leader = await acquireSchedulerLease(db, workerId, leaseMs, now);
      if (leader) this.#leaseRenewedAt = now;
      if (leader !== this.stats.leader) {
        this.#o.log(leader ? "running the scheduler (lease taken)" : "not the scheduler: another process holds the lease");
        if (!leader) {
          this.#entries.clear();
          this.#loaded = false;
        }
      }
      this.stats.leader = leader;
    }
    if (!this.stats.leader) return { leader: false, fired: 0, dropped: 0, conflicts: 0 };

    // The periodic full reload waits (up to another refreshMs) while fires are imminent: its CPU work
    // (parsing every schedule) must not delay them.
    const refreshDue = now - this.#lastRefresh >= this.#o.refreshMs;
    const forced = now - this.#lastRefresh >= 2 * this.#o.refreshMs;
    if (!this.#loaded || (refreshDue && (forced || !this.#firesWithin(now, 1_500)))) {
      this.#lastRefresh = now;
      try {
        if (!this.#loaded) await this.#skipFeedToEnd();
        await this.refresh();
        this.#loaded = true;
      } catch (error) {
        this.#logOnce(`schedules refresh: ${(error as Error).message}`);
      }
      if (!this.#loaded) {
        // The indexer is unreachable: fire from the cache meanwhile.
        await this.#reload();
        this.#loaded = true;
      }
    }
    let result = await this.#fireDue(this.#o.now());
    // Schedule changes after firing (off the fires' path): each pass that is due reads them, so a change the
    // indexer has is applied at most tickMs later, before any later fire.
    now = this.#o.now();
    if (now - this.#lastFeedCheck >= this.#o.tickMs) {
      this.#lastFeedCheck = now;
      try {
        if ((await this.followFeed()) > 0) {
          // A resume or an update may make occurrences due now.
          const again = await this.#fireDue(this.#o.now());
          result = { fired: result.fired + again.fired, dropped: result.dropped + again.dropped, conflicts: result.conflicts + again.conflicts };
        }
      } catch (error) {
        this.#logOnce(`schedule events: ${(error as Error).message}`);
      }
    }
    return { leader: true, ...result };
  }

  #firesWithin(now: number, ms: number): boolean {
    const limit = Math.floor((now + ms) / 1000);
    for (const entry of this.#entries.values()) if (entry.next !== null && entry.next <= limit) return true;
    return false;
  }

  /**
   * On (re)load: the feed cursor moves to the feed's end BEFORE the full reload, so those events are not
   * re-applied one by one (the reload reflects them); events after it are read normally.
   */
  async #skipFeedToEnd(): Promise<void> {
    const { db, client } = this.#o;
    let cursor = await readScheduleCursor(db);
    for (let guard = 0; guard < 10_000; guard++) {
      const page = await client.scheduleEvents(cursor, 500);
      if (page.items.length === 0) break;
      cursor = page.nextCursor;
      if (page.items.length < 500) break;
    }
    this.#skippedTo = cursor;
  }

  /**
   * Reload of the indexer's active schedules: stores the new and changed ones (and deactivates the cached ones
   * no longer active), then reloads those into memory (everything on the first load).
   */
  async refresh(): Promise<void> {
    const { db, client } = this.#o;
    const active = await client.activeSchedules();
    const stored = await storedDigests(db);
    const changed = active.filter((s) => stored.get(s.id)?.digest !== scheduleDigest(s));
    const activeIds = new Set(active.map((s) => s.id));
    const gone = [...stored.entries()].filter(([id, row]) => row.status === "active" && !activeIds.has(id)).map(([id]) => id);
    if (changed.length > 0) await storeSchedules(db, changed, { complete: false });
    await deactivateSchedules(db, gone);
    if (this.#skippedTo !== undefined) {
      await writeScheduleCursor(db, this.#skippedTo);
      this.#skippedTo = undefined;
    }
    if (!this.#loaded) await this.#reload();
    else if (changed.length + gone.length > 0) await this.#reload([...changed.map((s) => s.id), ...gone]);
  }

  /** Applies the `schedule.*` feed events since the stored cursor: each changed schedule is read again. */
  async followFeed(): Promise<number> {
    const { db, client } = this.#o;
    let cursor = await readScheduleCursor(db);
    const start = cursor;
    const ids = new Set<string>();
    let unknown = false;
    for (let guard = 0; guard < 10_000; guard++) {
      const page = await client.scheduleEvents(cursor, 500);
      for (const event of page.items) {
        if (IRRELEVANT.has(event.type)) continue;
        if (event.scheduleId === null) unknown = true;
        else ids.add(event.scheduleId);
      }
      cursor = page.nextCursor;
      if (page.items.length < 500) break;
    }
    if (cursor === start) return 0;
    if (unknown || ids.size > PER_ID_LIMIT) {
      await this.refresh();
    } else if (ids.size > 0) {
      const schedules = [];
      for (const id of ids) {
        const schedule = await client.schedule(id);
        if (schedule) schedules.push(schedule);
      }
      await storeSchedules(db, schedules, { complete: false });
      await this.#reload([...ids]);
    }
    await writeScheduleCursor(db, cursor);
    return ids.size;
  }

  /** Loads schedules (all, or the ones named) from the store into memory and computes their next times. */
  async #reload(ids?: string[]): Promise<void> {
    const rows = await loadSchedules(this.#o.db, ids);
    const previous = ids ? new Map(ids.map((id) => [id, this.#entries.get(id)])) : this.#entries;
    if (!ids) this.#entries = new Map();
    for (const id of ids ?? []) this.#entries.delete(id);
    for (const schedule of rows) {
      // Unchanged timing and state: keep the computed next time (no cron work for 10,000 schedules).
      const old = previous.get(schedule.id);
      if (old && timingKey(old.schedule) === timingKey(schedule)) {
        this.#entries.set(schedule.id, { ...old, schedule });
        continue;
      }
      const entry = await this.#prepare(schedule);
      if (entry) this.#entries.set(schedule.id, entry);
    }
    this.stats.schedules = this.#entries.size;
  }

  /** A schedule the loop fires (active, with a webhook, valid), with its next time; undefined otherwise. */
  async #prepare(schedule: StoredSchedule): Promise<Entry | undefined> {
    if (schedule.status !== "active" || schedule.endpoint === null || schedule.invalidReason !== null) return undefined;
    let spec: CronSpec | null = null;
    try {
      if (schedule.kind === "cron") {
        const text = schedule.cron ?? "";
        spec = this.#specs.get(text) ?? parseCron(text);
        this.#specs.set(text, spec);
      }
      const next = nextOccurrence(schedule, spec, schedule);
      return { schedule, spec, next: next?.time ?? null };
    } catch (error) {
      const reason = error instanceof CronError ? error.message : `cannot compute fire times: ${(error as Error).message}`;
      this.#o.log(`schedule ${schedule.id} is invalid and will not fire: ${reason}`);
      this.stats.invalid++;
      await markInvalid(this.#o.db, schedule.id, reason).catch((e) => this.#o.log(`schedule ${schedule.id}: ${(e as Error).message}`));
      return undefined;
    }
  }

  async #chain(): Promise<number | null> {
    if (this.#chainId === undefined) {
      try {
        this.#chainId = await this.#o.client.chainId();
      } catch (error) {
        this.#logOnce(`chain id: ${(error as Error).message}`);
        return null;
      }
    }
    return this.#chainId;
  }

  #body(schedule: StoredSchedule, fire: Occurrence, firedAt: number, chainId: number | null): string {
    return JSON.stringify({
      type: "schedule.fired",
      chainId,
      scheduleId: schedule.id,
      swarmId: schedule.swarmId,
      scheduledTime: fire.time,
      runNumber: fire.run,
      firedAt,
      cron: schedule.cron,
      period: schedule.period,
      payload: schedule.payload,
    });
  }

  async #fireDue(nowMs: number): Promise<{ fired: number; dropped: number; conflicts: number }> {
    const nowSec = Math.floor(nowMs / 1000);
    const due = [...this.#entries.values()].filter((e) => e.next !== null && e.next <= nowSec);
    if (due.length === 0) return { fired: 0, dropped: 0, conflicts: 0 };
    const chainId = await this.#chain();
    let fired = 0;
    let dropped = 0;
    let conflicts = 0;
    for (let i = 0; i < due.length; i += COMMIT_BATCH) {
      const batch: { entry: Entry; commit: ScheduleCommit; next: number | null; dropped: number }[] = [];
      for (const entry of due.slice(i, i + COMMIT_BATCH)) {
        try {
          const plan = planFires(entry.schedule, entry.spec, entry.schedule, nowMs, { skipGraceMs: this.#o.skipGraceMs, maxScan: this.#o.maxScan });
          batch.push({
            entry,
            commit: {
              schedule: entry.schedule,
              state: plan.state,
              fires: plan.fires.map((f) => ({ ...f, body: this.#body(entry.schedule, f, nowMs, chainId) })),
            },
            next: plan.next,
            dropped: plan.dropped,
          });
        } catch (error) {
          // Never let one schedule stop the others: park it until the next reload.
          this.#o.log(`schedule ${entry.schedule.id}: planning failed, skipped: ${(error as Error).message}`);
          entry.next = null;
        }
      }
      try {
        const written = await commitFires(this.#o.db, batch.map((b) => b.commit), { firedAt: nowMs });
        for (const b of batch) {
          Object.assign(b.entry.schedule, b.commit.state, { version: b.entry.schedule.version + 1 });
          b.entry.next = b.next;
          dropped += b.dropped;
          if (b.dropped > 0) this.#o.log(`schedule ${b.entry.schedule.id}: ${b.dropped} missed occurrence(s) dropped (catchUp ${b.entry.schedule.catchUp})`);
        }
        fired += written.length;
        if (written.length > 0) this.#o.onFired?.(written);
      } catch (error) {
        if (!(error instanceof SchedulerConflictError)) throw error;
        // Someone else moved these schedules (a second process, a cron update): read them again, plan again.
        conflicts++;
        this.#o.log(error.message);
        await this.#reload(batch.map((b) => b.entry.schedule.id));
      }
    }
    this.stats.fired += fired;
    this.stats.dropped += dropped;
    this.stats.conflicts += conflicts;
    return { fired, dropped, conflicts };
  }
}
