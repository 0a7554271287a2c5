/**
 * Which occurrence of an interval schedule a keeper may execute at chain time `now`: exactly the rules of
 * ScheduleRegistry.executable / _consume (contracts/time/ScheduleRegistry.sol, IScheduleRegistry):
 *
 * - only an active schedule with an on-chain call whose funds cover valuePerRun, once now >= startTime;
 * - occurrence k is due at startTime + k·period; it exists while k < maxRuns (0 = below 2^32 - 1) and, with an
 *   end time, while its time <= endTime;
 * - FireAll: k = nextOccurrence; FireLatestOnce and Skip: k = the latest due occurrence within the bounds, and it
 *   must be >= nextOccurrence; Skip also drops it once now >= its time + period.
 */
export type CatchUp = "fire_latest_once" | "fire_all" | "skip";

/** What the rule needs of a schedule (from the indexer's /v1/schedules or getSchedule on chain). */
export type KeeperSchedule = {
  id: bigint;
  status: "active" | "paused" | "cancelled";
  catchUp: CatchUp;
  startTime: number;
  period: number;
  /** 0 = none. */
  endTime: number;
  /** 0 = unlimited. */
  maxRuns: number;
  nextOccurrence: number;
  hasCall: boolean;
  valuePerRun: bigint;
  funds: bigint;
};

/** The contract's bound on occurrences when maxRuns is 0 (so that k + 1 fits in uint32). */
export const UNLIMITED_RUNS = 2 ** 32 - 1;

/** On-chain enum order of IScheduleRegistry.CatchUpPolicy. */
export const CATCH_UP_BY_INDEX: readonly CatchUp[] = ["fire_latest_once", "fire_all", "skip"];

/** The highest k with start + k·period <= min(now, end), capped below maxRuns (callers ensure now >= start). */
export function latestDue(s: Pick<KeeperSchedule, "startTime" | "period" | "endTime" | "maxRuns">, now: number): number {
  const horizon = s.endTime !== 0 && s.endTime < now ? s.endTime : now;
  const latest = Math.floor((horizon - s.startTime) / s.period);
  const cap = (s.maxRuns === 0 ? UNLIMITED_RUNS : s.maxRuns) - 1;
  return latest < cap ? latest : cap;
}

/** The occurrence executable at `now`, or null (same answer as ScheduleRegistry.executable at that time). */
export function executableOccurrence(s: KeeperSchedule, now: number): { occurrence: number; scheduledAt: number } | null {
  if (s.status !== "active" || !s.hasCall || s.period <= 0) return null;
  if (s.valuePerRun !== 0n && s.funds < s.valuePerRun) return null;
  if (now < s.startTime) return null;
  const k = s.catchUp === "fire_all" ? s.nextOccurrence : latestDue(s, now);
  if (k < s.nextOccurrence || k >= (s.maxRuns === 0 ? UNLIMITED_RUNS : s.maxRuns)) return null;
  const at = s.startTime + k * s.period;
  if ((s.endTime !== 0 && at > s.endTime) || at > now) return null;
  if (s.catchUp === "skip" && now >= at + s.period) return null;
  return { occurrence: k, scheduledAt: at };
}

/**
 * The earliest chain time at which something may become executable (for logs and idle waits), or null when
 * nothing will without a change on chain. Cheap upper-level filter only; executableOccurrence decides.
 */
export function nextDueTime(s: KeeperSchedule): number | null {
  if (s.status !== "active" || !s.hasCall || s.period <= 0) return null;
  const at = s.startTime + s.nextOccurrence * s.period;
  if (s.nextOccurrence >= (s.maxRuns === 0 ? UNLIMITED_RUNS : s.maxRuns)) return null;
  if (s.endTime !== 0 && at > s.endTime) return null;
  return at;
}
