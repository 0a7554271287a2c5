/**
 * Delivery workers of one relay process: up to `concurrency` attempts in flight. A claimer loop claims as
 * many due rows as there are free slots (outbox.ts: lease, SKIP LOCKED, per-subscription order), runs each
 * attempt, and records the outcome with the retry schedule. Every relay process runs one pool; they share
 * the outbox safely. Outcomes are written in batches (one UPDATE for every attempt finished since the last
 * write): per-statement cost dominates on PGlite.
 */
import { attemptDelivery, type AttemptOutcome, type EndpointCheck, type SignFunction } from "./attemptDelivery.ts";
import type { Dispatcher } from "undici";
import type { Db } from "./db/Db.ts";
import { claimDueDeliveries, completeDeliveries, type ClaimedDelivery, type Completion } from "./outbox.ts";
import { retriesExhausted, retryDelayMs, type RetrySchedule } from "./retrySchedule.ts";
import { disableSubscription } from "./subscriptionCache.ts";

export type DeliveryPoolOptions = {
  db: Db;
  workerId: string;
  concurrency: number;
  timeoutMs: number;
  leaseMs: number;
  pollMs: number;
  retry: RetrySchedule;
  sign: SignFunction;
  checkEndpoint: EndpointCheck;
  /** HTTP client pool for the POSTs (keep-alive, pinned DNS); default: Node's global one. */
  dispatcher?: Dispatcher;
  log: (message: string) => void;
  /** Called after each attempt (metrics, tests). */
  onAttempt?: (delivery: ClaimedDelivery, outcome: AttemptOutcome) => void;
};

export type DeliveryStats = { attempts: number; delivered: number; retried: number; dead: number; inFlight: number };

export class DeliveryPool {
  readonly stats: DeliveryStats = { attempts: 0, delivered: 0, retried: 0, dead: 0, inFlight: 0 };
  #options: DeliveryPoolOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #inFlight = new Set<Promise<void>>();
  #wake: (() => void) | undefined;
  #completions: Completion[] = [];
  #disables: { subscriptionId: string; reason: string }[] = [];
  #flushing: Promise<void> | undefined;
  /** Ids claimed by this pool whose outcome is not written yet. */
  #busy = new Set<string>();

  constructor(options: DeliveryPoolOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Claim now instead of at the next poll (new rows were just enqueued). */
  wake(): void {
    this.#wake?.();
  }

  /** Stops claiming and waits for the attempts in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    await this.#flush();
  }

  /** Writes every recorded outcome (one statement), then wakes the claimer (ordered chains may move on). */
  #flush(): Promise<void> {
    this.#flushing ??= (async () => {
      const { db, workerId, log } = this.#options;
      while (this.#completions.length > 0 || this.#disables.length > 0) {
        const batch = this.#completions.splice(0);
        const disables = this.#disables.splice(0);
        try {
          await completeDeliveries(db, workerId, batch);
          for (const d of disables) await disableSubscription(db, d.subscriptionId, d.reason);
        } catch (error) {
          // The rows stay 'delivering' under our lease: they are attempted again after it (at least once).
          log(`recording ${batch.length} outcome(s) failed: ${(error as Error).message}`);
        }
        for (const c of batch) this.#busy.delete(c.id);
      }
      this.#flushing = undefined;
      this.wake();
    })();
    return this.#flushing;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  async #run(): Promise<void> {
    const { db, workerId, concurrency, leaseMs, pollMs, log } = this.#options;
    // Idle: poll less and less often (up to 1 s); any claim, completion or wake() resets it.
    let idleRounds = 0;
    while (this.#running) {
      const free = concurrency - this.#inFlight.size;
      if (free <= 0) {
        await this.#sleep(pollMs);
        continue;
      }
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await claimDueDeliveries(db, workerId, free, leaseMs, Date.now(), [...this.#busy]);
      } catch (error) {
        log(`claim failed: ${(error as Error).message}`);
      }
      for (const delivery of claimed) {
        this.#busy.add(delivery.id);
        const task = this.#deliver(delivery).catch((error) => log(`delivery ${delivery.id} bookkeeping failed: ${(error as Error).message}`));
        this.#inFlight.add(task);
        this.stats.inFlight = this.#inFlight.size;
        void task.finally(() => {
          this.#inFlight.delete(task);
          this.stats.inFlight = this.#inFlight.size;
          this.wake();
        });
      }
      idleRounds = claimed.length === 0 && this.#inFlight.size === 0 ? idleRounds + 1 : 0;
      if (claimed.length === 0 || claimed.length < free) await this.#sleep(Math.min(1_000, pollMs * 2 ** Math.min(idleRounds, 10)));
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
        log(`subscription ${delivery.subscriptionId}: endpoint answered 410 Gone, deliveries stopped (redrive to resume)`);
        this.stats.dead++;
        break;
      case "dead":
        this.#completions.push({ ...base, status: "dead" });
        this.stats.dead++;
        break;
    }
    this.#options.onAttempt?.(delivery, outcome);
    await this.#flush();
  }
}
