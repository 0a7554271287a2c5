/**
 * Retry schedule: exponential backoff with full jitter (AWS "Exponential Backoff And Jitter"):
 * after the n-th failed attempt the next one waits uniform(0, min(cap, base · 2^(n-1))).
 * After `maxAttempts` attempts the delivery is dead-lettered. A Retry-After header (seconds or HTTP date)
 * on 429/503 replaces the jittered delay (capped by `capMs`).
 *
 * Defaults (base 1 s, cap 1 h, 60 attempts): the mean total wait is ≈ 2 048 s for the first 12 attempts
 * plus 30 min for each later one ≈ 24.5 h, i.e. about a day before a delivery is dead.
 */
export type RetrySchedule = { baseMs: number; capMs: number; maxAttempts: number };

/** Delay before the next attempt, given how many attempts have been made so far (≥ 1). */
export function retryDelayMs(attemptsMade: number, schedule: RetrySchedule, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attemptsMade - 1, 0), 52);
  const ceiling = Math.min(schedule.capMs, schedule.baseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/** Whether the schedule is exhausted after `attemptsMade` attempts. */
export function retriesExhausted(attemptsMade: number, schedule: RetrySchedule): boolean {
  return attemptsMade >= schedule.maxAttempts;
}

/**
 * Parses a Retry-After header: delta-seconds ("120") or an HTTP date. Returns milliseconds from `now`
 * (≥ 0), or undefined when absent or unparseable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
