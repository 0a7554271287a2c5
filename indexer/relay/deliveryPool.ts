/**
 * Delivery workers of one relay process: up to `concurrency` attempts in flight. A claimer loop claims due rows
 * in batches of up to `claimBatch` (outbox.ts: lease, SKIP LOCKED, per-subscription order) into a local queue
 * whenever the queue runs low, and starts queued rows as slots free up. A slot is free again as soon as its
 * HTTP attempt ended; outcomes are written in batches (one UPDATE for every attempt finished since the last
 * write, while the next attempts already run). Every relay process runs one pool; they share the outbox safely.
 *
 * Why batches: every statement has a fixed cost (a round trip on Postgres; on PGlite it runs inside this event
 * loop and ends with a WAL write), so claiming 32 rows per statement capped a 1,000-subscription fan-out at a few
 * hundred deliveries/s. A queued row that waited so long that its attempt could outlive its lease is dropped from
 * the queue unattempted (any worker claims it again once the lease has passed): at least once, never two
 * attempts of one row at the same time by design.
 */
import { attemptDelivery, type AttemptOutcome, type EndpointCheck, type SignFunction } from "./attemptDelivery.ts";
import type { Dispatcher } from "undici";
import type { Db } from "./db/Db.ts";
import { analyzeOutbox, claimDueDeliveries, completeDeliveries, releaseClaims, type ClaimedDelivery, type Completion } from "./outbox.ts";
import { retriesExhausted, retryDelayMs, type RetrySchedule } from "./retrySchedule.ts";
import { disableSubscription } from "./subscriptionCache.ts";

export type DeliveryPoolOptions = {
  db: Db;
  workerId: string;
  concurrency: number;
  /** Rows claimed per statement (default max(64, 4 x concurrency)); the queue is refilled when it holds <= concurrency. */
  claimBatch?: number;
  /** Most rows queued after a hand-off (default max(claimBatch, 32 x concurrency)); see handOffCapacity(). */
  handOffMax?: number;
  /**
   * Wait up to this long for more outcomes before writing them while attempts are in flight (default 0: the next
   * event-loop turn). For PGlite, whose statements run in this event loop with a fixed cost each (the relay sets
   * 5 ms there); on Postgres waiting cost throughput in the benchmark (the writes run beside the attempts).
   */
  flushGatherMs?: number;
  timeoutMs: number;
  leaseMs: number;
  pollMs: number;
  retry: RetrySchedule;
  sign: SignFunction;
  checkEndpoint: EndpointCheck;
  /** HTTP client pool for the POSTs (keep-alive, pinned DNS); default: undici's global one. */
  dispatcher?: Dispatcher;
  log: (message: string) => void;
  /** Called after each attempt (metrics, tests). */
  onAttempt?: (delivery: ClaimedDelivery, outcome: AttemptOutcome) => void;
};

export type DeliveryStats = { attempts: number; delivered: number; retried: number; dead: number; inFlight: number; queued: number; claims: number; largestClaim: number; writes: number; handedOff: number };

const SLOW_CLAIM_MS = 50;
/** Outcome writes (flushGatherMs): no more waiting once this many outcomes are queued. */
const FLUSH_GATHER_ROWS = 64;

type Queued = { delivery: ClaimedDelivery; claimedAt: number };

export class DeliveryPool {
  readonly stats: DeliveryStats = { attempts: 0, delivered: 0, retried: 0, dead: 0, inFlight: 0, queued: 0, claims: 0, largestClaim: 0, writes: 0, handedOff: 0 };
  #options: DeliveryPoolOptions;
  #claimBatch: number;
  #handOffMax: number;
  #running = false;
  #loop: Promise<void> | undefined;
  #inFlight = new Set<Promise<void>>();
  #queue: Queued[] = [];
  #wake: (() => void) | undefined;
  /** wake() came while the claimer was not sleeping: its next sleep returns at once (no lost wake-up). */
  #wakePending = false;
  /** Rows may be due that the last claim did not see (wake() was called, or the last claim was full). */
  #claimHint = true;
  #completions: Completion[] = [];
  #disables: { subscriptionId: string; reason: string }[] = [];
  /** Queued rows given back unattempted (their subscription answered 410 meanwhile): pending again, held. */
  #releases: string[] = [];
  #flushing: Promise<void> | undefined;
  #analyzedAt = 0;
  /** Ids claimed by this pool whose outcome is not written yet (queued, in flight or being recorded). */
  #busy = new Set<string>();

  constructor(options: DeliveryPoolOptions) {
    this.#options = options;
    this.#claimBatch = Math.max(1, options.claimBatch ?? Math.max(64, options.concurrency * 4));
    this.#handOffMax = Math.max(0, options.handOffMax ?? Math.max(this.#claimBatch, options.concurrency * 32));
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Claim now instead of at the next poll (new rows were just enqueued, a chain head or a redrive freed up). */
  wake(): void {
    this.#claimHint = true;
    this.#nudge();
  }

  /**
   * How many new rows this pool takes at once from an enqueue in this process (hand-off, outbox.ts
   * enqueueAndHandOff): room up to `handOffMax` queued rows (default max(claimBatch, 32 x concurrency)); 0 while
   * stopping. Bounded so that a handed-off row starts well within its lease (a queued row that could outlive its
   * lease is dropped unattempted and claimed again after it, as a claimed one).
   */
  handOffCapacity(): number {
    if (!this.#running) return 0;
    return Math.max(0, this.#handOffMax - this.#queue.length - this.#inFlight.size);
  }

  /**
   * Takes rows the caller inserted already leased to this worker (their transaction has committed): they are
   * queued as if claimed at `claimedAt` (the time their lease was computed from) and started as slots are free.
   */
  acceptHandOff(rows: readonly ClaimedDelivery[], claimedAt: number): void {
    if (rows.length === 0) return;
    for (const delivery of rows) {
      this.#busy.add(delivery.id);
      this.#queue.push({ delivery, claimedAt });
    }
    this.stats.handedOff += rows.length;
    if (!this.#running) return; // stop() gives queued rows back
    this.#startQueued();
  }

  /** Wakes the claimer loop (a slot is free); it claims only if rows are likely due (see #run). */
  #nudge(): void {
    if (this.#wake) this.#wake();
    else this.#wakePending = true;
  }

  /** Stops claiming, waits for the attempts in flight (each bounded by the timeout), gives queued rows back. */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    const unstarted = this.#queue.splice(0).map((q) => q.delivery.id);
    this.stats.queued = 0;
    if (unstarted.length > 0) {
      await releaseClaims(this.#options.db, unstarted, this.#options.workerId).catch((error) =>
        this.#options.log(`giving back ${unstarted.length} queued claim(s) failed (they return after their lease): ${(error as Error).message}`),
      );
      for (const id of unstarted) this.#busy.delete(id);
    }
    await this.#flush();
  }

  /**
   * Writes every recorded outcome (one statement per batch), then wakes the claimer (ordered chains may move on).
   * Each batch is taken one event-loop turn after the write was asked for (setImmediate: after the I/O callbacks
   * ready now, i.e. the HTTP answers that arrived meanwhile). Without it, on PGlite, whose statements run inside
   * this event loop, every answer was written by its own statement before the next answer was read (one UPDATE
   * per delivery, ≈ 4 ms each); on Postgres it costs one turn of latency.
   */
  #flush(): Promise<void> {
    this.#flushing ??= (async () => {
      const { db, workerId, log } = this.#options;
      while ((await this.#gather(), this.#completions.length > 0 || this.#disables.length > 0 || this.#releases.length > 0)) {
        const batch = this.#completions.splice(0);
        const disables = this.#disables.splice(0);
        const releases = this.#releases.splice(0);
        try {
          // A 410's disable first: until its row leaves 'delivering' (next statement) no later row of an ordered
          // chain can be claimed, and afterwards none of the subscription's rows is claimable any more.
          for (const d of disables) await disableSubscription(db, d.subscriptionId, d.reason);
          await completeDeliveries(db, workerId, batch);
          this.stats.writes++;
          // The given-back rows of a 410'd subscription are held with its other queued rows (releaseClaims).
          if (releases.length > 0) await releaseClaims(db, releases, workerId);
        } catch (error) {
          // The rows stay 'delivering' under our lease: they are attempted again after it (at least once).
          log(`recording ${batch.length} outcome(s) failed: ${(error as Error).message}`);
        }
        for (const c of batch) this.#busy.delete(c.id);
        for (const id of releases) this.#busy.delete(id);
      }
      this.#flushing = undefined;
      this.wake();
    })();
    return this.#flushing;
  }

  /**
   * Lets outcomes gather before a write: one event-loop turn (the answers already read), and with `flushGatherMs`,
   * while attempts are still in flight and the batch is small, up to that long more. A write's fixed cost (a
   * statement, a WAL flush) then serves dozens of outcomes; a lone attempt (an ordered chain's next row waits
   * for it) is written at once.
   */
  async #gather(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const gatherMs = this.#options.flushGatherMs ?? 0;
    if (gatherMs > 0 && this.#running && this.#inFlight.size > 0 && this.#completions.length < FLUSH_GATHER_ROWS) {
      await new Promise<void>((resolve) => setTimeout(resolve, gatherMs));
    }
  }

  /** Sleeps up to `ms`; resolves true when the full time passed, false when woken. */
  #sleep(ms: number): Promise<boolean> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const self = this;
      const finish = (timedOut: boolean) => {
        clearTimeout(timer);
        self.#wake = undefined;
        self.#wakePending = false;
        resolve(timedOut);
      };
      const timer = setTimeout(() => finish(true), ms);
      this.#wake = () => finish(false);
    });
  }

  /** Starts queued rows while slots are free; drops rows whose lease could end before their attempt. */
  #startQueued(): void {
    const { concurrency, leaseMs, timeoutMs, log } = this.#options;
    const now = Date.now();
    while (this.#inFlight.size < concurrency && this.#queue.length > 0) {
      const { delivery, claimedAt } = this.#queue.shift()!;
      if (now + timeoutMs + 1_000 > claimedAt + leaseMs) {
        // Claimed too long ago: another worker may take it after the lease; leave it to whoever claims it then.
        this.#busy.delete(delivery.id);
        continue;
      }
      const task = this.#deliver(delivery).catch((error) => log(`delivery ${delivery.id} bookkeeping failed: ${(error as Error).message}`));
      this.#inFlight.add(task);
      void task.finally(() => {
        this.#inFlight.delete(task);
        this.stats.inFlight = this.#inFlight.size;
        this.#nudge();
      });
    }
    this.stats.inFlight = this.#inFlight.size;
    this.stats.queued = this.#queue.length;
  }

  async #run(): Promise<void> {
    const { db, workerId, concurrency, leaseMs, pollMs, log } = this.#options;
    // Claims happen when the queue is low AND rows are likely due: after wake(), after a full batch, or once per
    // poll interval. A slot freed by a finished attempt only starts queued rows (no empty claim per attempt).
    // Idle: poll less and less often (up to 1 s); any claim or wake() resets it.
    let idleRounds = 0;
    let pollDue = true;
    let lastClaimAt = 0;
    while (this.#running) {
      this.#startQueued();
      const want = this.#claimBatch - this.#queue.length;
      let claimed = -1;
      if ((this.#claimHint || pollDue) && this.#queue.length <= concurrency && want > 0) {
        this.#claimHint = false;
        claimed = 0;
        try {
          const now = Date.now();
          lastClaimAt = now;
          const started = performance.now();
          const rows = await claimDueDeliveries(db, workerId, want, leaseMs, now, [...this.#busy]);
          this.stats.claims++;
          // A slow full claim of a large batch (a burst) usually means stale planner statistics (see outbox.ts):
          // refresh them, at most twice a minute (ANALYZE samples the table; on Postgres it runs beside the
          // deliveries, on PGlite it blocks this process for its duration, hence only for bursts).
          if (rows.length === want && want >= 64 && performance.now() - started > SLOW_CLAIM_MS && Date.now() - this.#analyzedAt > 30_000) {
            this.#analyzedAt = Date.now();
            void analyzeOutbox(db).catch((error) => log(`ANALYZE failed: ${(error as Error).message}`));
          }
          claimed = rows.length;
          if (claimed > this.stats.largestClaim) this.stats.largestClaim = claimed;
          for (const delivery of rows) {
            this.#busy.add(delivery.id);
            this.#queue.push({ delivery, claimedAt: now });
          }
        } catch (error) {
          log(`claim failed: ${(error as Error).message}`);
        }
        if (!this.#running) break;
        this.#startQueued();
        // A full batch: more rows are probably due; claim again as soon as the queue runs low.
        if (claimed === want) this.#claimHint = true;
      }
      idleRounds = claimed === 0 && this.#inFlight.size === 0 && this.#queue.length === 0 ? idleRounds + 1 : claimed > 0 ? 0 : idleRounds;
      if (this.#claimHint && this.#queue.length <= concurrency) continue;
      const timedOut = await this.#sleep(Math.min(1_000, pollMs * 2 ** Math.min(idleRounds, 10)));
      pollDue = timedOut || Date.now() - lastClaimAt >= pollMs;
      if (this.#claimHint) idleRounds = 0;
    }
  }

  async #deliver(delivery: ClaimedDelivery): Promise<void> {
    const { timeoutMs, retry, sign, checkEndpoint, dispatcher, log } = this.#options;
    let outcome: AttemptOutcome;
    if (delivery.secrets.length === 0) {
      outcome = { kind: "retry", statusCode: null, error: "no signing secret for this subscription yet", durationMs: 0 };
    } else {
      outcome = await attemptDelivery({ id: delivery.id, endpoint: delivery.endpoint, body: delivery.body, secrets: delivery.secrets, timeoutMs, sign, checkEndpoint, dispatcher });
    }
    this.stats.attempts++;
    const attemptsMade = delivery.attempts + 1;
    const base = { id: delivery.id, statusCode: outcome.statusCode, error: "error" in outcome ? outcome.error : null, nextAttemptAt: null };
    switch (outcome.kind) {
      case "delivered":
        this.#completions.push({ ...base, status: "delivered" });
        this.stats.delivered++;
        break;
      case "retry": {
        if (retriesExhausted(attemptsMade, retry)) {
          this.#completions.push({ ...base, status: "dead", error: `gave up after ${attemptsMade} attempts; last: ${outcome.error}` });
          this.stats.dead++;
          break;
        }
        const delay = outcome.retryAfterMs !== undefined ? Math.min(outcome.retryAfterMs, retry.capMs) : retryDelayMs(attemptsMade, retry);
        this.#completions.push({ ...base, status: "pending", nextAttemptAt: Date.now() + delay });
        this.stats.retried++;
        break;
      }
      case "gone":
        this.#completions.push({ ...base, status: "dead" });
        this.#disables.push({ subscriptionId: delivery.subscriptionId, reason: `endpoint answered 410 Gone to ${delivery.id}` });
        // Rows of this subscription claimed before the disable are not attempted: back to pending (held until a redrive).
        this.#queue = this.#queue.filter((q) => {
          if (q.delivery.subscriptionId !== delivery.subscriptionId) return true;
          this.#releases.push(q.delivery.id);
          return false;
        });
        log(`subscription ${delivery.subscriptionId}: endpoint answered 410 Gone, deliveries stopped (redrive to resume)`);
        this.stats.dead++;
        break;
      case "dead":
        this.#completions.push({ ...base, status: "dead" });
        this.stats.dead++;
        break;
    }
    this.#options.onAttempt?.(delivery, outcome);
    // Not awaited: the slot is free for the next attempt while the outcome is written (the row stays in #busy).
    void this.#flush();
  }
}
